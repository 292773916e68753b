from odoo import fields, models, tools


class GroupbuyCommissionRanking(models.Model):
    """The leader ranking (团长排行): commission, sales and orders per leader and month.

    One row per leader, order and calendar month: the leader's commission on the order
    (from the commission lines; a monthly bonus, a team share or a later reversal is a
    row of its own), and, for the leader who earns the order's direct commission (the
    leader stored at join, else the one the company's setting chooses, as
    ``sale.order._groupbuy_commission_earner_of``), the order's untaxed amount in the
    company's currency as ``sales`` and 1 as ``order_count``, in the month it was
    confirmed. Sales come from the confirmed group orders themselves, so an order no
    commission rule pays on still counts, and a cancelled order leaves the ranking.
    """

    _name = "groupbuy.commission.ranking"
    _description = "Group Buying Leader Ranking"
    _auto = False
    _order = "date desc"

    leader_id = fields.Many2one("res.partner", string="Leader", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    order_id = fields.Many2one("sale.order", string="Order", readonly=True)
    date = fields.Datetime(readonly=True)
    commission = fields.Monetary(readonly=True)
    sales = fields.Monetary(readonly=True, help="Untaxed amount of the leader's own confirmed group orders.")
    order_count = fields.Integer(string="Orders", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                WITH commission AS (
                    SELECT min(line.id) AS line_id, line.leader_id, line.company_id, line.currency_id,
                           line.order_id, min(line.date) AS date, sum(line.amount) AS commission
                      FROM groupbuy_commission_line line
                     WHERE line.state != 'cancelled'
                  GROUP BY line.leader_id, line.company_id, line.currency_id, line.order_id,
                           date_trunc('month', line.date),
                           CASE WHEN line.order_id IS NULL THEN line.id END
                ), sales AS (
                    SELECT so.id AS order_id,
                           COALESCE(so.groupbuy_commission_leader_id,
                                    CASE WHEN company.groupbuy_commission_earner = 'source'
                                              AND so.groupbuy_source_leader_id IS NOT NULL
                                         THEN so.groupbuy_source_leader_id
                                         ELSE so.groupbuy_leader_id END) AS leader_id,
                           so.company_id, company.currency_id, so.date_order AS date,
                           so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1) AS sales
                      FROM sale_order so
                      JOIN res_company company ON company.id = so.company_id
                     WHERE so.state = 'sale' AND so.groupbuy_campaign_id IS NOT NULL
                )
                SELECT -- a line's id, or minus the order's for an order no line pays on
                       COALESCE(commission.line_id, -sales.order_id) AS id,
                       COALESCE(commission.leader_id, sales.leader_id) AS leader_id,
                       COALESCE(commission.company_id, sales.company_id) AS company_id,
                       COALESCE(commission.currency_id, sales.currency_id) AS currency_id,
                       COALESCE(commission.order_id, sales.order_id) AS order_id,
                       COALESCE(sales.date, commission.date) AS date,
                       COALESCE(commission.commission, 0) AS commission,
                       COALESCE(sales.sales, 0) AS sales,
                       CASE WHEN sales.order_id IS NULL THEN 0 ELSE 1 END AS order_count
                  FROM commission
             FULL JOIN sales
                    ON sales.order_id = commission.order_id
                   AND sales.leader_id = commission.leader_id
                   AND date_trunc('month', sales.date) = date_trunc('month', commission.date)
                 WHERE sales.leader_id IS NOT NULL OR commission.leader_id IS NOT NULL
            )
        """)

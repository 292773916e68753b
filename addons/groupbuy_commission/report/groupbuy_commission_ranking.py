from odoo import fields, models, tools


class GroupbuyCommissionRanking(models.Model):
    """The leader ranking (团长排行): commission, sales and orders per leader and month.

    One row per leader, order and calendar month of the leader's commission lines (a
    monthly bonus is a row of its own): summed in the pivot, ``order_count`` counts each
    order once, in the month its commission was earned, and ``sales`` is the untaxed
    amount the leader sold directly (a head leader's team share is commission, not sales).
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
                SELECT min(line.id) AS id,
                       line.leader_id,
                       line.company_id,
                       line.currency_id,
                       line.order_id,
                       min(line.date) AS date,
                       sum(line.amount) AS commission,
                       sum(CASE WHEN line.kind = 'direct' THEN line.base_amount ELSE 0 END) AS sales,
                       CASE WHEN bool_or(line.kind = 'direct' AND line.order_id IS NOT NULL)
                            THEN 1 ELSE 0 END AS order_count
                  FROM groupbuy_commission_line line
                 WHERE line.state != 'cancelled'
              GROUP BY line.leader_id, line.company_id, line.currency_id, line.order_id,
                       date_trunc('month', line.date),
                       CASE WHEN line.order_id IS NULL THEN line.id END
            )
        """)

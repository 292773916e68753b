from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_round


class GroupbuyCommissionLine(models.Model):
    """What one leader earns on one sold line (or a team share, a bonus, a reversal).

    ``pending`` (group formed) → ``eligible`` (delivered and the after-sales window
    passed) → ``settled`` (on a settlement) → ``paid`` (its bill paid). A cancelled order's
    pending lines become ``cancelled``. History is never edited once a line left
    ``pending``: a refund adds a negative ``reversal`` line linked to the original.
    """

    _name = "groupbuy.commission.line"
    _description = "Group Buying Commission Line"
    _order = "date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id", store=True)
    leader_id = fields.Many2one("res.partner", string="Leader", required=True, index=True, ondelete="restrict")
    order_id = fields.Many2one("sale.order", string="Order", index="btree_not_null", ondelete="restrict")
    sale_line_id = fields.Many2one("sale.order.line", string="Order line", index="btree_not_null", ondelete="set null")
    campaign_id = fields.Many2one("groupbuy.campaign", string="Campaign", index="btree_not_null")
    product_id = fields.Many2one("product.product", string="Product")
    customer_id = fields.Many2one("res.partner", string="Customer")
    customer_masked = fields.Char(string="Customer (masked)", compute="_compute_customer_masked")
    rule_id = fields.Many2one("groupbuy.commission.rule", string="Rule", ondelete="set null")
    amount_type = fields.Selection(
        [
            ("percent", "Percentage of the sale"),
            ("fixed", "Fixed amount per unit"),
            ("margin", "Percentage of the margin"),
        ],
        string="Type",
        help="The rule's type when the line was made (kept if the rule changes later).",
    )
    rate = fields.Float(digits="Product Price", help="The rule's percentage or amount per unit applied.")
    base_amount = fields.Monetary(string="Base", help="Untaxed amount of the sold line.")
    quantity = fields.Float(digits="Product Unit of Measure")
    amount = fields.Monetary(required=True)
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("eligible", "Eligible"),
            ("settled", "Settled"),
            ("paid", "Paid"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="pending",
        index=True,
    )
    kind = fields.Selection(
        [
            ("direct", "Direct"),
            ("team", "Team"),
            ("bonus", "Bonus"),
            ("reversal", "Reversal"),
        ],
        required=True,
        default="direct",
        index=True,
    )
    settlement_id = fields.Many2one(
        "groupbuy.commission.settlement", string="Settlement", index="btree_not_null", readonly=True, copy=False
    )
    origin_line_id = fields.Many2one(
        "groupbuy.commission.line",
        string="Origin",
        index="btree_not_null",
        ondelete="restrict",
        help="A reversal's original line; a team line's sub-leader line.",
    )
    reversal_ids = fields.One2many("groupbuy.commission.line", "origin_line_id", string="Derived lines")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True, help="When the commission was earned.")
    date_delivered = fields.Datetime(string="Delivered on", readonly=True)
    date_eligible = fields.Date(string="Eligible from", readonly=True, index="btree_not_null")
    note = fields.Char()
    bonus_month = fields.Date(
        readonly=True,
        copy=False,
        help="A monthly bonus line's month (its first day): one bonus per leader, company and month.",
    )

    _sql_constraints = [
        (
            "bonus_once_per_month",
            "UNIQUE (company_id, leader_id, bonus_month)",
            "This leader's monthly bonus for that month was already computed: it is paid once.",
        ),
        (
            "bonus_has_month",
            "CHECK (kind != 'bonus' OR bonus_month IS NOT NULL)",
            "A monthly bonus line names its month.",
        ),
        (
            "settled_has_settlement",
            "CHECK (state NOT IN ('settled', 'paid') OR settlement_id IS NOT NULL)",
            "A settled commission line belongs to a settlement.",
        ),
        (
            "reversal_negative",
            "CHECK (kind != 'reversal' OR (amount <= 0 AND origin_line_id IS NOT NULL))",
            "A reversal is negative and linked to the line it reverses.",
        ),
    ]

    @api.depends("customer_id")
    def _compute_customer_masked(self):
        mask = self.env["sale.order"]._groupbuy_mask_name
        for line in self:
            line.customer_masked = mask(line.customer_id.sudo().name) if line.customer_id else False

    @api.depends("kind", "order_id", "product_id")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for line in self:
            parts = [kinds.get(line.kind), line.order_id.name, line.product_id.display_name]
            line.display_name = " · ".join(p for p in parts if p)

    def write(self, vals):
        if "amount" in vals and any(line.state != "pending" for line in self):
            raise UserError(self.env._(
                "A commission that left pending is history: add a reversal instead of changing it."
            ))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_pending(self):
        if any(line.state not in ("pending", "cancelled") for line in self):
            raise UserError(self.env._("Only pending or cancelled commission lines can be deleted."))

    @api.model
    def _groupbuy_amount(self, amount_type, rate, base_amount, qty, cost, currency):
        if amount_type == "fixed":
            amount = qty * rate
        elif amount_type == "margin":
            amount = max(base_amount - qty * cost, 0.0) * rate / 100.0
        else:
            amount = base_amount * rate / 100.0
        return float_round(amount, precision_rounding=currency.rounding)

    # ------------------------------------------------------------------
    # pending → eligible
    # ------------------------------------------------------------------
    @api.model
    def _groupbuy_update_eligible(self, date=None, leader_ids=None):
        """Move pending lines to eligible whose order's outgoing deliveries are done and
        whose after-sales window passed by ``date`` (today by default)."""
        date = fields.Date.to_date(date or fields.Date.context_today(self))
        domain = [("state", "=", "pending"), ("order_id", "!=", False)]
        if leader_ids:
            domain.append(("leader_id", "in", list(leader_ids)))
        pending = self.search(domain)
        orders = pending.order_id
        done_on = {}
        for order in orders:
            outgoing = order.picking_ids.filtered(
                lambda p: p.picking_type_code == "outgoing" and p.state != "cancel" and not p.return_id
            )
            if outgoing and all(p.state == "done" for p in outgoing):
                done_on[order.id] = max(outgoing.mapped("date_done"))
            elif not outgoing and order.state == "sale" and all(
                line.qty_delivered >= line.product_uom_qty
                for line in order.order_line.filtered(lambda l: l.groupbuy_line_id)
            ):
                # services and consumables delivered without picking
                done_on[order.id] = order.date_order
        moved = self.browse()
        for line in pending:
            delivered = done_on.get(line.order_id.id)
            if not delivered:
                continue
            window = line.company_id.groupbuy_after_sales_days
            eligible_from = fields.Date.to_date(delivered) + timedelta(days=window)
            if eligible_from <= date:
                line.write({"state": "eligible", "date_delivered": delivered, "date_eligible": eligible_from})
                moved |= line
        return moved

    @api.model
    def _cron_update_eligible(self):
        self._groupbuy_update_eligible()

    # ------------------------------------------------------------------
    # Monthly bonus (阶梯奖励)
    # ------------------------------------------------------------------
    @api.model
    def _groupbuy_month_bounds(self, company, month):
        """The calendar month of ``month`` in the company's time zone (its working
        calendar's), as naive UTC datetimes ``[start, end)``."""
        tz = pytz.timezone(company.resource_calendar_id.tz or self.env.user.tz or "UTC")
        first = month.replace(day=1)
        bounds = (first, first + relativedelta(months=1))
        return tuple(
            tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None) for day in bounds
        )

    @api.model
    def _groupbuy_bonus_sales(self, company, month, leader_ids=None):
        """``{leader: sales}`` of the month, in the company's currency.

        A leader's sales are the untaxed amount of the group orders they earn the direct
        commission on (the leader stored on the order when the customer joined) that were
        confirmed in the month and are not cancelled — whether or not a commission rule
        pays on their products — less the untaxed amount of the posted customer credit
        notes on their (not cancelled) group orders dated in the month, as Odoo's
        invoicing reports count net sales. A month's sales never go below zero.
        """
        start, end = self._groupbuy_month_bounds(company, month)
        Order = self.env["sale.order"].sudo().with_context(active_test=False)
        currency = company.currency_id
        sales = defaultdict(float)
        groups = Order._read_group(
            [
                ("company_id", "=", company.id),
                ("groupbuy_campaign_id", "!=", False),
                ("state", "=", "sale"),
                ("date_order", ">=", start),
                ("date_order", "<", end),
            ],
            ["groupbuy_commission_leader_id", "groupbuy_source_leader_id", "groupbuy_leader_id", "currency_id"],
            ["amount_untaxed:sum"],
        )
        last_day = month.replace(day=1) + relativedelta(months=1, days=-1)
        for stored, source, leader, order_currency, amount in groups:
            earner = Order._groupbuy_commission_earner_of(company, stored, source, leader)
            if earner:
                sales[earner] += order_currency._convert(amount, currency, company, last_day)
        # credit notes of the month on the leaders' group orders (balance: company currency)
        refunds = self.env["account.move.line"].sudo()._read_group(
            [
                ("company_id", "=", company.id),
                ("move_id.move_type", "=", "out_refund"),
                ("parent_state", "=", "posted"),
                ("display_type", "=", "product"),
                ("date", ">=", month.replace(day=1)),
                ("date", "<=", last_day),
                ("sale_line_ids.order_id.groupbuy_campaign_id", "!=", False),
            ],
            ["sale_line_ids"],
            ["balance:sum"],
        )
        for sale_line, balance in refunds:
            order = sale_line.order_id
            if not sale_line or order.state != "sale":
                continue
            earner = order._groupbuy_commission_earner()
            if earner:
                sales[earner] -= balance
        if leader_ids:
            wanted = set(leader_ids)
            sales = {leader: amount for leader, amount in sales.items() if leader.id in wanted}
        return {
            leader: max(currency.round(amount), 0.0)
            for leader, amount in sales.items()
        }

    @api.model
    def compute_monthly_bonus(self, month=None, leader_ids=None):
        """Make the monthly bonus lines of ``month`` (any day of it; the month before
        today's by default) for every leader whose sales reached a bonus tier.

        A bonus line is eligible at once, from the month's last day, and is settled with
        the leader's other lines. A month is paid once: a bonus already made is left
        alone, and a unique index on (company, leader, month) refuses a second one even
        when two runs happen at the same time.

        :return: the new bonus lines
        """
        today = fields.Date.context_today(self)
        month = fields.Date.to_date(month) if month else today.replace(day=1) - relativedelta(months=1)
        month = month.replace(day=1)
        if month >= today.replace(day=1):
            raise UserError(self.env._("A month's bonus is computed once the month is over."))
        vals_list = []
        Tier = self.env["groupbuy.commission.bonus.tier"]
        for company in self.env.companies:
            tiers = Tier.search([("company_id", "=", company.id)], order="min_amount desc")
            if not tiers:
                continue
            sales = self._groupbuy_bonus_sales(company, month, leader_ids)
            done = set(self.search([
                ("company_id", "=", company.id), ("kind", "=", "bonus"), ("bonus_month", "=", month),
            ]).leader_id.ids)
            currency = company.currency_id
            for leader, amount in sales.items():
                tier = next((t for t in tiers if currency.compare_amounts(amount, t.min_amount) >= 0), None)
                if not tier or leader.id in done:
                    continue
                vals_list.append(self._groupbuy_bonus_vals(company, leader, month, currency.round(amount), tier))
        return self.create(vals_list)

    @api.model
    def _groupbuy_bonus_vals(self, company, leader, month, sales, tier):
        currency = company.currency_id
        last_day = month + relativedelta(months=1, days=-1)
        return {
            "company_id": company.id,
            "leader_id": leader.id,
            "kind": "bonus",
            "state": "eligible",
            "bonus_month": month,
            # noon of the month's first day: in that month in any time zone
            "date": datetime.combine(month, time(12)),
            "date_eligible": last_day,
            "amount_type": "percent",
            "rate": tier.percent,
            "base_amount": sales,
            "amount": float_round(sales * tier.percent / 100.0, precision_rounding=currency.rounding),
            "note": self.env._(
                "Monthly bonus %(month)s: sales of %(sales)s reached the %(tier)s tier",
                month=month.strftime("%Y-%m"),
                sales=currency.format(sales),
                tier=currency.format(tier.min_amount),
            ),
        }

    @api.model
    def _cron_compute_monthly_bonus(self):
        for company in self.env["res.company"].search([]):
            self.with_company(company).with_context(allowed_company_ids=company.ids).compute_monthly_bonus()

    # ------------------------------------------------------------------
    # Team shares and reversals
    # ------------------------------------------------------------------
    def _groupbuy_team_amount(self, amount, percent):
        return float_round(amount * percent / 100.0, precision_rounding=self.currency_id.rounding)

    def _groupbuy_reversal_vals(self, target):
        """Values of the reversal that brings this line (with its earlier reversals) down
        to ``target``; nothing when it is not worth more than that."""
        self.ensure_one()
        recorded = self.amount + sum(
            self.reversal_ids.filtered(lambda l: l.kind == "reversal" and l.state != "cancelled").mapped("amount")
        )
        diff = float_round(target - recorded, precision_rounding=self.currency_id.rounding)
        if self.currency_id.compare_amounts(diff, 0.0) >= 0:
            return []
        return [{
            "company_id": self.company_id.id,
            "leader_id": self.leader_id.id,
            "order_id": self.order_id.id,
            "sale_line_id": self.sale_line_id.id,
            "campaign_id": self.campaign_id.id,
            "product_id": self.product_id.id,
            "customer_id": self.customer_id.id,
            "rule_id": self.rule_id.id,
            "amount_type": self.amount_type,
            "rate": self.rate,
            "amount": diff,
            "kind": "reversal",
            "state": "eligible",
            "date_eligible": fields.Date.context_today(self),
            "origin_line_id": self.id,
            "note": self.env._("Refund of %(order)s", order=self.order_id.name),
        }]

from odoo import fields, models


class GroupbuyCommissionBonusTier(models.Model):
    """A monthly volume tier (阶梯奖励): a leader whose confirmed sales of a calendar
    month reach ``min_amount`` earns ``percent`` of the month's sales as a bonus line.
    The highest tier reached applies (tiers do not add up)."""

    _name = "groupbuy.commission.bonus.tier"
    _description = "Group Buying Monthly Bonus Tier"
    _order = "company_id, min_amount"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    min_amount = fields.Monetary(
        string="Monthly sales from",
        required=True,
        help="Untaxed amount of the group orders the leader earns on, confirmed in the calendar "
        "month and not cancelled (also those no commission rule pays on), less the customer "
        "credit notes on them dated in the month.",
    )
    percent = fields.Float(
        string="Bonus (%)",
        required=True,
        digits=(16, 2),
        help="Percentage of the whole month's sales paid as a bonus once this tier is reached.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("min_amount_positive", "CHECK (min_amount > 0)", "A bonus tier starts above zero sales."),
        ("percent_range", "CHECK (percent > 0 AND percent <= 100)", "A bonus is a percentage between 0 and 100."),
        ("unique_min_amount", "UNIQUE (company_id, min_amount)", "Two bonus tiers cannot start at the same amount."),
    ]

    def _compute_display_name(self):
        for tier in self:
            tier.display_name = self.env._(
                "From %(amount)s: %(percent)s %%",
                amount=tier.currency_id.format(tier.min_amount),
                percent=tier.percent,
            )

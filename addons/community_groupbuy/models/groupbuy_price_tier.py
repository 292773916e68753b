from odoo import api, fields, models
from odoo.exceptions import ValidationError


class GroupbuyPriceTier(models.Model):
    _name = "groupbuy.price.tier"
    _description = "Group Price Tier (阶梯价)"
    _order = "line_id, min_participants"

    line_id = fields.Many2one(
        "groupbuy.campaign.line", required=True, ondelete="cascade", index=True
    )
    campaign_id = fields.Many2one(related="line_id.campaign_id", store=True)
    currency_id = fields.Many2one(related="line_id.currency_id")
    min_participants = fields.Integer(
        string="From participants",
        required=True,
        help="The price applies once the campaign has at least this many participants.",
    )
    price_unit = fields.Monetary(string="Unit price", required=True)

    _sql_constraints = [
        (
            "line_min_participants_uniq",
            "unique(line_id, min_participants)",
            "A product line cannot have two tiers for the same number of participants.",
        ),
    ]

    @api.constrains("min_participants", "price_unit")
    def _check_values(self):
        for tier in self:
            if tier.min_participants < 1:
                raise ValidationError(
                    self.env._("A price tier starts from at least 1 participant.")
                )
            if tier.price_unit < 0:
                raise ValidationError(self.env._("A tier price cannot be negative."))

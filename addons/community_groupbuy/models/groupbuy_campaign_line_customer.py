from odoo import fields, models


class GroupbuyCampaignLineCustomer(models.Model):
    """What one customer holds of one campaign line.

    A counter kept next to ``groupbuy.campaign.line.sold_qty`` so the per-customer limit
    can be checked and reserved by one atomic statement (see
    ``groupbuy.campaign.line._groupbuy_reserve``).  It is written only by SQL.
    """

    _name = "groupbuy.campaign.line.customer"
    _description = "Group Campaign Line Quantity per Customer"
    _log_access = False

    line_id = fields.Many2one(
        "groupbuy.campaign.line", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade")
    qty = fields.Float(required=True, default=0.0, digits="Product Unit of Measure")

    _sql_constraints = [
        ("line_partner_uniq", "unique(line_id, partner_id)", "One counter per customer and line."),
    ]

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
    # A plain id, not a foreign key: the reservation is committed in a transaction of its
    # own, where a customer created by the same request (a visitor joining with a phone
    # number) does not exist yet.
    partner_id = fields.Integer(string="Customer", required=True, index=True)
    qty = fields.Float(required=True, default=0.0, digits="Product Unit of Measure")

    _sql_constraints = [
        ("line_partner_uniq", "unique(line_id, partner_id)", "One counter per customer and line."),
    ]

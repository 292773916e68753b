from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    groupbuy_pickup_overdue_days = fields.Integer(
        string="Pickup overdue after (days)",
        default=3,
        help="An order whose goods arrived at the pickup point and that is not collected "
        "after this many days is flagged overdue and its customer reminded once.",
    )
    groupbuy_purchase_use_free_stock = fields.Boolean(
        string="Buy only what stock lacks",
        default=True,
        help="When buying to orders, subtract what is free in stock from what the orders need.",
    )

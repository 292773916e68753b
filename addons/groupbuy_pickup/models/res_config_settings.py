from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    groupbuy_pickup_overdue_days = fields.Integer(
        related="company_id.groupbuy_pickup_overdue_days", readonly=False
    )
    groupbuy_purchase_use_free_stock = fields.Boolean(
        related="company_id.groupbuy_purchase_use_free_stock", readonly=False
    )

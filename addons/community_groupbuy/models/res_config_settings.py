from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    groupbuy_refund_journal_id = fields.Many2one(
        related="company_id.groupbuy_refund_journal_id",
        readonly=False,
    )

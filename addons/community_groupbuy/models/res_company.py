from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    groupbuy_refund_journal_id = fields.Many2one(
        "account.journal",
        string="Group Buying Refund Journal",
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash'))]",
        help="Bank or cash journal that records a group campaign's refund when the payment "
        "provider cannot refund it itself (the refund is registered on the credit note).",
    )

from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    groupbuy_commission_earner = fields.Selection(related="company_id.groupbuy_commission_earner", readonly=False)
    groupbuy_after_sales_days = fields.Integer(related="company_id.groupbuy_after_sales_days", readonly=False)
    groupbuy_settlement_period = fields.Selection(related="company_id.groupbuy_settlement_period", readonly=False)
    groupbuy_commission_product_id = fields.Many2one(
        related="company_id.groupbuy_commission_product_id", readonly=False
    )
    groupbuy_commission_account_id = fields.Many2one(
        related="company_id.groupbuy_commission_account_id", readonly=False
    )
    groupbuy_commission_journal_id = fields.Many2one(
        related="company_id.groupbuy_commission_journal_id", readonly=False
    )
    groupbuy_withdrawal_min_amount = fields.Monetary(
        related="company_id.groupbuy_withdrawal_min_amount", readonly=False, currency_field="currency_id"
    )
    groupbuy_withdrawal_auto_amount = fields.Monetary(
        related="company_id.groupbuy_withdrawal_auto_amount", readonly=False, currency_field="currency_id"
    )
    groupbuy_withdrawal_payout_days = fields.Selection(
        related="company_id.groupbuy_withdrawal_payout_days", readonly=False
    )
    groupbuy_withdrawal_journal_id = fields.Many2one(
        related="company_id.groupbuy_withdrawal_journal_id", readonly=False
    )
    groupbuy_store_credit_program_id = fields.Many2one(
        related="company_id.groupbuy_store_credit_program_id", readonly=False
    )
    groupbuy_store_credit_account_id = fields.Many2one(
        related="company_id.groupbuy_store_credit_account_id", readonly=False
    )

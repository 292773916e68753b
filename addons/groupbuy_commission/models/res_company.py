from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    groupbuy_commission_earner = fields.Selection(
        [
            ("campaign", "The campaign's leader"),
            ("source", "The leader whose share link brought the customer"),
        ],
        string="Commission goes to",
        default="campaign",
        required=True,
        help="Decided when the customer joins and stored on the order: changing this "
        "setting or a campaign's leader later does not move past commissions.",
    )
    groupbuy_after_sales_days = fields.Integer(
        string="After-sales window (days)",
        default=7,
        help="Days after the goods were delivered before a commission can be settled.",
    )
    groupbuy_settlement_period = fields.Selection(
        [("weekly", "Weekly"), ("monthly", "Monthly")],
        string="Settlement period",
        default="monthly",
        required=True,
    )
    groupbuy_commission_product_id = fields.Many2one(
        "product.product",
        string="Commission product",
        domain="[('type', '=', 'service')]",
        help="The service product on the leaders' commission bills.",
    )
    groupbuy_commission_account_id = fields.Many2one(
        "account.account",
        string="Commission expense account",
        check_company=True,
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost'))]",
        help="Expense account of the commission bills; when empty, the commission "
        "product's expense account.",
    )
    groupbuy_commission_journal_id = fields.Many2one(
        "account.journal",
        string="Commission bill journal",
        check_company=True,
        domain="[('type', '=', 'purchase')]",
    )
    groupbuy_withdrawal_min_amount = fields.Monetary(
        string="Minimum withdrawal",
        currency_field="currency_id",
        default=10.0,
    )
    groupbuy_withdrawal_auto_amount = fields.Monetary(
        string="Approve automatically below",
        currency_field="currency_id",
        default=0.0,
        help="Withdrawal requests below this amount are approved at once (0: never).",
    )
    groupbuy_withdrawal_payout_days = fields.Selection(
        [("1", "T+1"), ("3", "T+3")],
        string="Payout within (business days)",
        default="1",
        required=True,
    )
    groupbuy_withdrawal_journal_id = fields.Many2one(
        "account.journal",
        string="Withdrawal payment journal",
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash'))]",
        help="Bank journal that pays the leaders' withdrawals.",
    )
    groupbuy_store_credit_program_id = fields.Many2one(
        "loyalty.program",
        string="Store credit eWallet",
        check_company=True,
        domain="[('program_type', '=', 'ewallet')]",
        help="The eWallet a leader's commission is topped up on when taken as store credit.",
    )
    groupbuy_store_credit_account_id = fields.Many2one(
        "account.account",
        string="Store credit account",
        check_company=True,
        domain="[('account_type', 'in', ('liability_current', 'liability_non_current'))]",
        help="Liability account that holds the commission taken as store credit until it is spent.",
    )

    # ------------------------------------------------------------------
    # Store credit: the eWallet and its liability account, made on first use
    # ------------------------------------------------------------------
    def _groupbuy_store_credit_account(self):
        self.ensure_one()
        if not self.groupbuy_store_credit_account_id:
            Account = self.env["account.account"].sudo().with_company(self)
            code = "2241GB"
            while Account.search_count([("code", "=", code), ("company_ids", "in", self.ids)]):
                code += "1"
            self.sudo().groupbuy_store_credit_account_id = Account.create({
                "name": self.env._("Leaders' store credit"),
                "code": code,
                "account_type": "liability_current",
                "company_ids": [fields.Command.set(self.ids)],
            })
        return self.groupbuy_store_credit_account_id

    def _groupbuy_store_credit_program(self):
        self.ensure_one()
        if not self.groupbuy_store_credit_program_id:
            Program = self.env["loyalty.program"].sudo()
            program = Program.create({
                **Program._program_type_default_values()["ewallet"],
                "name": self.env._("Leader store credit"),
                "program_type": "ewallet",
                "company_id": self.id,
                "currency_id": self.currency_id.id,
            })
            # spending it relieves the store credit liability
            program.reward_ids.discount_line_product_id.with_company(self).sudo().property_account_income_id = (
                self._groupbuy_store_credit_account()
            )
            self.sudo().groupbuy_store_credit_program_id = program
        return self.groupbuy_store_credit_program_id

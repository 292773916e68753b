from odoo import fields, models


class GroupbuyWithdrawalRejectWizard(models.TransientModel):
    _name = "groupbuy.withdrawal.reject.wizard"
    _description = "Reject Withdrawal"

    withdrawal_ids = fields.Many2many("groupbuy.withdrawal", required=True)
    reason = fields.Text(required=True, help="The leader sees it on the withdrawal.")

    def action_reject(self):
        self.withdrawal_ids.action_reject(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}

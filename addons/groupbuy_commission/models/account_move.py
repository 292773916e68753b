from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    groupbuy_settlement_ids = fields.One2many(
        "groupbuy.commission.settlement", "move_id", string="Commission settlements", readonly=True
    )

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # A credit note on a group order's invoice: commissions that left pending get
        # their reversal (pending ones follow the order's new worth).
        refunds = posted.filtered(lambda m: m.move_type == "out_refund")
        orders = refunds.sudo().line_ids.sale_line_ids.order_id.filtered("groupbuy_commission_line_ids")
        if orders:
            orders._groupbuy_commission_sync()
        return posted

    def _groupbuy_settlements_sync_paid(self):
        settlements = self.sudo().groupbuy_settlement_ids
        if settlements:
            settlements._groupbuy_sync_payment_state()


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def reconcile(self):
        res = super().reconcile()
        self.move_id._groupbuy_settlements_sync_paid()
        return res

    def remove_move_reconcile(self):
        moves = (self.matched_debit_ids.debit_move_id | self.matched_credit_ids.credit_move_id | self).move_id
        res = super().remove_move_reconcile()
        moves._groupbuy_settlements_sync_paid()
        return res

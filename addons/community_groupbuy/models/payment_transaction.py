from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        """A paid join stays a quotation until its group is formed: the campaign's success
        confirms it (``groupbuy.campaign._confirm_waiting_orders``)."""
        waiting = self.filtered(
            lambda tx: any(o.groupbuy_status == "waiting" for o in tx.sale_order_ids)
        )
        return super(PaymentTransaction, self - waiting)._check_amount_and_confirm_order()

    def _groupbuy_refundable_amount(self):
        """What is left to refund of this payment."""
        self.ensure_one()
        refunded = -sum(
            self.child_transaction_ids.filtered(
                lambda t: t.operation == "refund" and t.state not in ("cancel", "error")
            ).mapped("amount")
        )
        return self.currency_id.round(self.amount - refunded)

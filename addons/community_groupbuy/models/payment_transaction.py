from odoo import Command, models


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

    def _groupbuy_invoice_sale_orders(self):
        """Sale's ``_invoice_sale_orders`` for a batch of a campaign's close: the same
        invoices (a final invoice per fully paid order, a down payment invoice per partly
        paid one), made by one ``_create_invoices`` call for the whole batch instead of
        one per transaction, then linked to their transactions as sale does."""
        txs = self.filtered("sale_order_ids")
        for company, company_txs in txs.grouped("company_id").items():
            company_txs = company_txs.with_company(company)
            confirmed = company_txs.sale_order_ids.filtered(lambda so: so.state == "sale")
            if not confirmed:
                continue
            fully_paid = confirmed.filtered(lambda so: so._is_paid())
            invoices = (confirmed - fully_paid)._generate_downpayment_invoices()
            fully_paid._force_lines_to_invoice_policy_order()
            # grouped: one invoice per order, as one transaction per order gets from sale
            invoices |= fully_paid.with_context(raise_if_nothing_to_invoice=False)._create_invoices(
                grouped=True, final=True
            )
            for invoice in invoices:
                invoice._portal_ensure_token()
            for tx in company_txs:
                tx.invoice_ids = [Command.set(invoices.filtered(
                    lambda m, orders=tx.sale_order_ids: m.line_ids.sale_line_ids.order_id & orders
                ).ids)]

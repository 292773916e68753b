import logging

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    """The refund engine: what goes back to a customer, and how."""

    _inherit = "sale.order"

    # ------------------------------------------------------------------
    # Refunds
    # ------------------------------------------------------------------
    def _groupbuy_refund(self, amount, reason, price_changes=None):
        """Give ``amount`` back to the customer.

        Through the payment provider's refund where the provider supports it, else as a
        credit note (when the order was invoiced) and an outbound payment that records the
        money sent back.

        :return: what was created: ``{"transactions", "payments", "credit_notes"}``
        """
        self.ensure_one()
        result = {
            "transactions": self.env["payment.transaction"],
            "payments": self.env["account.payment"],
            "credit_notes": self.env["account.move"],
        }
        currency = self.currency_id
        remaining = currency.round(amount)
        if float_compare(remaining, 0.0, precision_rounding=currency.rounding) <= 0:
            return result
        for tx in self._groupbuy_refundable_transactions():
            refundable = tx._groupbuy_refundable_amount()
            take = min(remaining, refundable)
            if float_compare(take, 0.0, precision_rounding=currency.rounding) <= 0:
                continue
            if tx.provider_id.support_refund == "full_only" and currency.compare_amounts(take, refundable):
                continue
            refund_tx = tx.sudo()._send_refund_request(amount_to_refund=take)
            # The money has left: nothing after this point may undo the refund's record.
            # If its accounting fails, Odoo's post-processing cron retries it.
            if self.env.context.get("groupbuy_defer_post_process"):
                # at size: the refund's accounting is left to Odoo's post-processing cron,
                # as providers notified asynchronously do
                self.env.ref("payment.cron_post_process_payment_tx")._trigger()
            elif refund_tx.state == "done" and not refund_tx.is_post_processed:
                try:
                    with self.env.cr.savepoint():
                        refund_tx._post_process()
                except Exception:  # noqa: BLE001 - retried by payment's post-processing cron
                    _logger.exception("Refund %s: post-processing left to Odoo's cron", refund_tx.reference)
            result["transactions"] |= refund_tx
            remaining = currency.round(remaining - take)
            if currency.is_zero(remaining):
                break
        if not currency.is_zero(remaining):
            payment, credit_note = self._groupbuy_refund_by_payment(remaining, reason, price_changes=price_changes)
            result["payments"] |= payment
            result["credit_notes"] |= credit_note
        self.invalidate_recordset(["groupbuy_amount_paid"])
        return result

    def _groupbuy_refundable_transactions(self):
        return self.transaction_ids.sudo().filtered(
            lambda tx: tx.state == "done"
            and tx.operation != "refund"
            and tx.provider_id.state != "disabled"
            and tx.provider_id.support_refund in ("partial", "full_only")
        )

    def _groupbuy_refund_by_payment(self, amount, reason, price_changes=None):
        """Record a refund that the provider cannot make, in the refund journal
        (``_groupbuy_refund_journal``).

        - Invoiced order: a credit note (the invoice reversed, or the tier difference),
          and the refund registered on it with Odoo's *Register Payment*
          (``account.payment.register``), which reconciles them.
        - Never invoiced (paid, but cancelled before its group formed): nothing was sold,
          so no invoice is made only to be reversed; an outbound customer payment gives
          the money back and is matched with the customer's payment still open on their
          receivable account.

        :return: ``(payments, credit note)``
        """
        self.ensure_one()
        journal = self._groupbuy_refund_journal()
        memo = self.env._("Refund %(order)s: %(reason)s", order=self.name, reason=reason)
        credit_note = self._groupbuy_create_credit_note(amount, reason, price_changes)
        if credit_note:
            wizard = self.env["account.payment.register"].sudo().with_context(
                active_model="account.move", active_ids=credit_note.ids
            ).create(self._prepare_groupbuy_refund_register_vals(amount, memo, journal))
            payment = wizard._create_payments()
        else:
            payment = self.env["account.payment"].sudo().create(
                self._prepare_groupbuy_refund_payment_vals(amount, reason, journal)
            )
            payment.action_post()
            received = self._groupbuy_paid_transactions().payment_id
            (payment.move_id.line_ids + received.move_id.line_ids).filtered(
                lambda l: l.account_id == payment.destination_account_id and not l.reconciled
            ).reconcile()
        self.groupbuy_refund_payment_ids = [fields.Command.link(p.id) for p in payment]
        return payment, credit_note

    def _prepare_groupbuy_refund_register_vals(self, amount, memo, journal):
        return {
            "journal_id": journal.id,
            "amount": amount,
            "currency_id": self.currency_id.id,
            "payment_date": fields.Date.context_today(self),
            "communication": memo,
        }

    def _groupbuy_refund_journal(self):
        """Where a refund the provider cannot make is recorded: the company's *Refund
        journal* (Group Buying settings), else the journal the customer's payment came in
        through (the money goes back the way it came)."""
        company = self.company_id
        journal = company.sudo().groupbuy_refund_journal_id
        if journal:
            return journal
        journal = self._groupbuy_paid_transactions().payment_id.journal_id.filtered(
            lambda j: j.type in ("bank", "cash")
        )[:1]
        if journal:
            return journal
        raise UserError(self.env._(
            "Order %(order)s must be refunded outside its payment provider, and no journal "
            "is set for that: choose the refund journal in Settings > Group Buying "
            "(company %(company)s).",
            order=self.name,
            company=company.name,
        ))

    def _prepare_groupbuy_refund_payment_vals(self, amount, reason, journal):
        return {
            "payment_type": "outbound",
            "partner_type": "customer",
            "partner_id": self.partner_invoice_id.commercial_partner_id.id,
            "amount": amount,
            "currency_id": self.currency_id.id,
            "journal_id": journal.id,
            "company_id": self.company_id.id,
            "memo": self.env._("Refund %(order)s: %(reason)s", order=self.name, reason=reason),
        }

    def _groupbuy_create_credit_note(self, amount, reason, price_changes=None):
        """A credit note for an invoiced order, for the refunded part."""
        invoices = self.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if not invoices:
            return self.env["account.move"]
        if price_changes:
            lines = [
                fields.Command.create({
                    "product_id": line.product_id.id,
                    "name": self.env._("%(product)s: group price tier difference", product=line.name),
                    "quantity": line.product_uom_qty,
                    "price_unit": old - new,
                    "tax_ids": [fields.Command.set(line.tax_id.ids)],
                })
                for line, old, new in price_changes
            ]
            credit_note = self.env["account.move"].sudo().create({
                "move_type": "out_refund",
                "partner_id": invoices[0].partner_id.id,
                "company_id": self.company_id.id,
                "currency_id": self.currency_id.id,
                "invoice_origin": self.name,
                "ref": reason,
                "invoice_line_ids": lines,
            })
        else:
            credit_note = invoices.sudo()._reverse_moves(
                default_values_list=[{"ref": reason} for _inv in invoices]
            )
        credit_note.action_post()
        return credit_note

import logging

from odoo import api, fields, models
from odoo.tools import str2bool

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    """An entry in its campaign's close: confirmation when the group forms, refunds when
    it fails or a tier lowers the price, and what the customer is told.

    Every step records its progress on the order (``groupbuy_refund_pending``,
    ``groupbuy_price_settled``, ``groupbuy_notice_pending``) so that the close, committed
    step by step (``groupbuy.campaign._groupbuy_close_step``), resumes after a crash
    without refunding, settling or telling anyone twice.
    """

    _inherit = "sale.order"

    groupbuy_refund_pending = fields.Boolean(
        string="Refund due",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The entry was cancelled by its campaign's close; its refund is still to be made.",
    )
    groupbuy_price_settled = fields.Boolean(
        string="Group price final",
        readonly=True,
        copy=False,
        help="The campaign's close settled this entry's price tier (and told the addons: "
        "sale.order._groupbuy_price_final).",
    )
    groupbuy_notice_pending = fields.Selection(
        [
            ("formed", "Group formed"),
            ("failed", "Group failed"),
            ("price", "Lower group price"),
            ("cancelled", "Campaign cancelled"),
        ],
        string="Notice due",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The email the customer is still to get from the campaign's close.",
    )
    groupbuy_refunded_amount = fields.Monetary(
        string="Refunded",
        compute="_compute_groupbuy_refund_summary",
        help="What was given back to the customer for this entry.",
    )
    groupbuy_refund_summary = fields.Text(
        string="Refunds",
        compute="_compute_groupbuy_refund_summary",
        help="What was refunded, and how: one line per refund.",
    )

    @api.depends(
        "transaction_ids.child_transaction_ids.state",
        "groupbuy_refund_payment_ids.state",
    )
    @api.depends_context("lang")
    def _compute_groupbuy_refund_summary(self):
        for order in self:
            currency = order.currency_id
            lines = []
            total = 0.0
            refunds = order.transaction_ids.sudo().child_transaction_ids.filtered(
                lambda t: t.operation == "refund" and t.state not in ("cancel", "error")
            )
            for tx in refunds:
                total += -tx.amount
                lines.append(self.env._(
                    "%(amount)s back to your payment with %(provider)s (%(reference)s)",
                    amount=currency.format(-tx.amount),
                    provider=tx.provider_id.name,
                    reference=tx.reference,
                ))
            for payment in order.sudo().groupbuy_refund_payment_ids.filtered(lambda p: p.state != "canceled"):
                total += payment.amount
                lines.append(self.env._(
                    "%(amount)s paid back by %(journal)s (%(reference)s)",
                    amount=currency.format(payment.amount),
                    journal=payment.journal_id.name,
                    reference=payment.name,
                ))
            order.groupbuy_refunded_amount = currency.round(total)
            order.groupbuy_refund_summary = "\n".join(lines)

    # ------------------------------------------------------------------
    # The group forms
    # ------------------------------------------------------------------
    def _groupbuy_confirm_formed(self):
        """The group formed: confirm these waiting entries as one batch (one
        ``action_confirm`` on the recordset: pickings created), invoice the paid ones when
        the company invoices on payment, and queue the customers' *group formed* notice
        (which is the order confirmation mail)."""
        orders = self.with_context(**self.env["groupbuy.campaign"]._groupbuy_batch_context())
        orders._groupbuy_confirm()
        orders.filtered(lambda o: o.state == "sale").write({"groupbuy_notice_pending": "formed"})
        orders._groupbuy_invoice_paid()

    def _groupbuy_paid_transactions(self):
        return self.transaction_ids.sudo().filtered(
            lambda tx: tx.state == "done" and tx.operation not in ("refund", "validation")
        )

    def _groupbuy_invoice_paid(self):
        """Sale's post-payment step for orders paid before their group formed: with
        *Automatic invoice* (``sale.automatic_invoice``), invoice the confirmed orders of
        their transactions as sale's ``payment.transaction._post_process`` does, post the
        invoices and match them with the payments already received."""
        if not str2bool(self.env["ir.config_parameter"].sudo().get_param("sale.automatic_invoice")):
            return self.env["account.move"]
        txs = self.filtered(lambda o: o.state == "sale")._groupbuy_paid_transactions()
        if not txs:
            return self.env["account.move"]
        txs._groupbuy_invoice_sale_orders()
        invoices = txs.invoice_ids
        invoices.filtered(lambda m: m.state == "draft").action_post()
        for tx in txs.filtered("payment_id"):
            payment = tx.payment_id
            (payment.move_id.line_ids + tx.invoice_ids.line_ids).filtered(
                lambda line: line.account_id == payment.destination_account_id and not line.reconciled
            ).reconcile()
            if not payment.move_id:
                # a payment without journal entry (Odoo 18, no outstanding account) is
                # matched with its invoices through its invoice_ids
                payment.invoice_ids |= tx.invoice_ids
        return invoices

    def _get_confirmation_template(self):
        """The order confirmation of a group order confirmed because its group formed is
        the *group formed* mail."""
        if self.env.context.get("groupbuy_formed_notice") and self.groupbuy_campaign_id:
            return self.env.ref("community_groupbuy.mail_template_groupbuy_formed")
        return super()._get_confirmation_template()

    # ------------------------------------------------------------------
    # Notices
    # ------------------------------------------------------------------
    @api.model
    def _groupbuy_send_notices(self, campaign, limit=None):
        """Send one batch of the notices the close queued for ``campaign``'s customers.

        *Group formed* is sale's order confirmation mail (the template
        ``_get_confirmation_template`` gives) and, with automatic invoicing, sale's
        invoice mail; *group failed* and *lower price* are the campaign's templates, posted on the
        order (the customer follows it: email, and the portal's chatter).

        :return: the orders told
        """
        orders = self.search(
            [("groupbuy_campaign_id", "=", campaign.id), ("groupbuy_notice_pending", "!=", False)],
            order="id",
            limit=limit,
        )
        if not orders:
            return orders
        # each template compiled once for the batch (ir_qweb_close.py)
        orders = orders.with_context(groupbuy_close_render=True, **self.env["groupbuy.campaign"]._groupbuy_batch_context())
        formed = orders.filtered(lambda o: o.groupbuy_notice_pending == "formed").with_context(
            groupbuy_formed_notice=True
        )
        if formed:
            # sale's order confirmation (``_get_confirmation_template``), rendered as one batch
            for template in formed.mapped(lambda o: o._get_confirmation_template()):
                formed.filtered(lambda o, t=template: o._get_confirmation_template() == t)._groupbuy_post_template(
                    template
                )
            formed._groupbuy_send_invoices()
        for kind, xmlid in (
            ("failed", "community_groupbuy.mail_template_groupbuy_failed"),
            ("price", "community_groupbuy.mail_template_groupbuy_price"),
            ("cancelled", "community_groupbuy.mail_template_groupbuy_cancelled"),
        ):
            todo = orders.filtered(lambda o, kind=kind: o.groupbuy_notice_pending == kind)
            if todo:
                todo._groupbuy_post_template(self.env.ref(xmlid))
        orders.groupbuy_notice_pending = False
        return orders

    def _groupbuy_post_template(self, template):
        """Post ``template`` on each order as a customer message, rendered as one batch
        per language (Odoo's composer in comment mode, as ``message_post_with_source``
        does).

        A composer on several records keeps the template's body as it was read (in the
        composer's language) and, once the editor's sanitizer has reformatted it, no
        longer renders the template's translations: so each batch is composed in its
        customers' language (the template's ``lang``)."""
        messages = self.env["mail.message"]
        if not self:
            return messages
        langs = template._render_lang(self.ids)
        for lang in sorted(set(langs.values()), key=lambda lang: lang or ""):
            orders = self.browse([res_id for res_id in self.ids if langs[res_id] == lang])
            composer = self.env["mail.compose.message"].with_context(
                lang=lang or self.env.lang,
                default_composition_mode="comment",
                default_model=self._name,
                default_res_ids=orders.ids,
                default_template_id=template.id,
            ).create({
                "message_type": "notification",
                "subtype_id": self.env.ref("mail.mt_comment").id,
                "email_layout_xmlid": "mail.mail_notification_layout_with_responsible_signature",
            })
            _mails, posted = composer._action_send_mail()
            messages |= posted
        return messages

    def _groupbuy_send_invoices(self):
        """Sale's invoice mail for the invoices made when the group formed (the mail
        queue when ``sale.async_emails`` is on, as sale does)."""
        ICP = self.env["ir.config_parameter"].sudo()
        if not str2bool(ICP.get_param("sale.automatic_invoice")):
            return
        txs = self._groupbuy_paid_transactions().filtered("invoice_ids")
        if not txs:
            return
        cron = self.env.ref("sale.send_invoice_cron", raise_if_not_found=False)
        if str2bool(ICP.get_param("sale.async_emails")) and cron:
            cron._trigger()
        else:
            txs._send_invoice()

    # ------------------------------------------------------------------
    # Refunds of a failed group, tier settlement
    # ------------------------------------------------------------------
    @api.model
    def _groupbuy_close_refund(self, campaign, reason, limit=None):
        """Refund the entries of ``campaign`` whose refund is due, in id order, and queue
        their *group failed* notice.

        Stops right after an entry whose refund went through a payment provider: money
        that left must be committed before the next refund is asked for, so the caller
        (one step of the close) commits here. Refunds recorded in accounting only
        (credit note, payment) are batched up to ``limit``.

        :return: the orders refunded
        """
        orders = self.search(
            [("groupbuy_campaign_id", "=", campaign.id), ("groupbuy_refund_pending", "=", True)],
            order="id",
            limit=limit,
        )
        done = self.browse()
        notice = "cancelled" if campaign.state == "cancelled" else "failed"
        for order in orders.with_context(**self.env["groupbuy.campaign"]._groupbuy_batch_context()):
            created = order._groupbuy_refund(order.groupbuy_amount_paid, reason)
            order.write({"groupbuy_refund_pending": False, "groupbuy_notice_pending": notice})
            done |= order
            if created["transactions"]:
                break
        return done

    def _groupbuy_settle_price(self, final_prices):
        """At close: price each entry at the final tier (refunding the difference), then
        call ``_groupbuy_price_final`` once on the entries settled.

        Stops right after an entry refunded through a payment provider (see
        ``_groupbuy_close_refund``).

        :param dict final_prices: ``{groupbuy.campaign.line: final unit price}``
        :return: the orders settled
        """
        done = self.browse()
        for order in self:
            created = order._groupbuy_apply_final_prices(final_prices) if final_prices else None
            done |= order
            if created and created["transactions"]:
                break
        done._groupbuy_price_final()
        done.groupbuy_price_settled = True
        return done

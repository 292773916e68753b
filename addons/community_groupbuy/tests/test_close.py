import tempfile
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationImporter

from .common import GroupbuyCommon

CAMPAIGN_LOGGER = "odoo.addons.community_groupbuy.models.groupbuy_campaign"


@tagged("post_install", "-at_install")
class TestClose(GroupbuyCommon):
    """Closing a campaign: committed steps that resume without doing anything twice,
    failures isolated per campaign, customers told, sale's post-payment steps."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for i, customer in enumerate(cls.customers, start=1):
            customer.write({"email": f"customer{i}@example.com", "lang": "en_US"})
        cls.SaleOrder = type(cls.env["sale.order"])

    def _refund_txs(self, orders):
        return orders.transaction_ids.child_transaction_ids.filtered(lambda t: t.operation == "refund")

    def _end(self, *campaigns):
        for campaign in campaigns:
            campaign.date_end = fields.Datetime.now() - timedelta(minutes=1)

    def _cron(self):
        self.env["groupbuy.campaign"]._cron_process_campaigns()

    def _customer_messages(self, order, partner, subject=""):
        """Messages of the order emailed to the customer (not internal notes), whose
        subject contains ``subject``."""
        return order.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("mail.mt_comment")
            and subject in (m.subject or "")
            and partner in m.notification_ids.filtered(lambda n: n.notification_type == "email").res_partner_id
        )

    def _failing_campaign_with_paid_orders(self, count=3, **values):
        campaign = self._open_campaign(min_participants=count + 5, **values)
        orders = self.env["sale.order"]
        for customer in self.customers[:count]:
            order = self._join(campaign, customer, qty=2)
            self._pay(order)
            orders |= order
        return campaign, orders

    # ------------------------------------------------------------------
    # Crash-safe closing
    # ------------------------------------------------------------------
    def test_a_cron_run_stays_short_and_triggers_the_next(self):
        # Odoo's cron worker kills itself when its sleep and one run pass its watchdog
        # (limit_time_real_cron): a run hands back after its time and triggers the next,
        # a run of its own
        first, second = self._open_campaign(min_participants=5), self._open_campaign(min_participants=5)
        self._join(first, self.customers[0])
        self._join(second, self.customers[1])
        self._end(first, second)
        cron = self.env.ref("community_groupbuy.ir_cron_groupbuy_process_campaigns")
        Trigger = self.env["ir.cron.trigger"]
        before = Trigger.search([("cron_id", "=", cron.id)])
        self.env["groupbuy.campaign"]._cron_process_campaigns(time_budget=1e-6, domain=[("id", "in", (first | second).ids)])
        self.assertEqual(sorted((first | second).mapped("state")), ["failed", "open"],
                         "the run's time was up after the first campaign's step")
        asked = Trigger.search([("cron_id", "=", cron.id)]) - before
        self.assertEqual(len(asked), 1, "the next run is asked for")
        self.assertLessEqual(asked.call_at, fields.Datetime.now())
        self._cron()
        self.assertEqual((first | second).mapped("state"), ["failed", "failed"])

    def test_close_interrupted_midway_resumes_refunding_each_customer_once(self):
        campaign, orders = self._failing_campaign_with_paid_orders(count=3)
        other, other_orders = self._failing_campaign_with_paid_orders(count=2, name="另一个团")
        self._end(campaign, other)
        second = orders[1]
        original = self.SaleOrder._groupbuy_refund

        def refund_failing_for_the_second_order(records, amount, reason, price_changes=None):
            if records == second:
                raise UserError("The payment provider is unreachable.")
            return original(records, amount, reason, price_changes=price_changes)

        with patch.object(self.SaleOrder, "_groupbuy_refund", refund_failing_for_the_second_order), \
                self.assertLogs(CAMPAIGN_LOGGER, "ERROR") as logged:
            self._cron()
        self.assertIn(str(campaign.id), logged.output[0])
        # the first refund went through and stays recorded; the close stopped at the second
        self.assertEqual(len(self._refund_txs(orders[0])), 1)
        self.assertFalse(self._refund_txs(orders[1:]))
        self.assertEqual(set(orders.mapped("state")), {"cancel"}, "the cancellation batch was kept")
        self.assertEqual(campaign.state, "failed")
        self.assertTrue(campaign.groupbuy_closing)
        self.assertIn("The payment provider is unreachable.", campaign.groupbuy_close_error)
        activity_type = self.env.ref("community_groupbuy.mail_activity_groupbuy_close_failed")
        activity = campaign.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        self.assertEqual(len(activity), 1, "staff get a to-do")
        self.assertIn("unreachable", activity.note)
        # one failing campaign does not block the others
        self.assertFalse(other.groupbuy_closing)
        self.assertFalse(other.groupbuy_close_error)
        self.assertEqual([len(self._refund_txs(o)) for o in other_orders], [1, 1])

        # the next run resumes: every customer refunded exactly once, in full
        self._cron()
        self.assertEqual([len(self._refund_txs(o)) for o in orders], [1, 1, 1])
        for order in orders:
            self.assertAlmostEqual(self._refund_txs(order).amount, -59.8)
            self.assertAlmostEqual(order.groupbuy_amount_paid, 0.0)
        self.assertFalse(campaign.groupbuy_closing)
        self.assertFalse(campaign.groupbuy_close_error)
        self.assertFalse(campaign.activity_ids.filtered(lambda a: a.activity_type_id == activity_type))
        # and running it again does nothing more
        self._cron()
        self.assertEqual(len(self._refund_txs(orders | other_orders)), 5)

    def test_close_now_decides_at_once_and_leaves_the_orders_to_the_cron(self):
        campaign = self._open_campaign(min_participants=5)
        paid = self._join(campaign, self.customers[0])
        self._pay(paid)
        waiting = self._join(campaign, self.customers[1])
        campaign.action_close_now()
        self.assertEqual(campaign.state, "failed")
        self.assertTrue(campaign.groupbuy_closing)
        self.assertLessEqual(campaign.date_end, fields.Datetime.now())
        with self.assertRaisesRegex(UserError, "closed to new participants"):
            self._join(campaign, self.customers[2])
        self._cron()
        self.assertFalse(campaign.groupbuy_closing)
        self.assertEqual((paid | waiting).mapped("state"), ["cancel", "cancel"])
        self.assertEqual(len(self._refund_txs(paid)), 1)
        self.assertAlmostEqual(paid.groupbuy_amount_paid, 0.0)

    def test_close_in_batches_confirms_each_order_once(self):
        self.env["ir.config_parameter"].sudo().set_param("community_groupbuy.close_batch_size", "2")
        campaign = self._open_campaign(
            lines=[{
                "product_id": self.peach.id,
                "price_unit": 30.0,
                "tier_ids": [Command.create({"min_participants": 10, "price_unit": 25.0})],
            }],
            min_participants=10,
        )
        orders = self.env["sale.order"]
        for customer in self.customers[:5]:
            order = self._join(campaign, customer)
            self._pay(order)
            orders |= order
        # the leader lowered the threshold and the tier: both met at the end
        campaign.min_participants = 5
        campaign.line_ids.tier_ids.min_participants = 4
        self._end(campaign)
        final_calls = []
        original = self.SaleOrder._groupbuy_price_final

        def spy(records):
            final_calls.extend(records.ids)
            return original(records)

        steps = 0
        with patch.object(self.SaleOrder, "_groupbuy_price_final", spy):
            while campaign._groupbuy_close_step():
                steps += 1
                # a crash here would lose nothing: what each step did is on the orders
                self.assertLessEqual(
                    len(orders.filtered(lambda o: o.state == "sale")), 2 * steps, "at most one batch per step"
                )
            self._cron()  # a rerun after the end finds nothing left to do
        self.assertEqual(campaign.state, "done")
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        self.assertTrue(all(order.picking_ids for order in orders))
        self.assertEqual(sorted(final_calls), sorted(orders.ids), "the final price hook runs once per order")
        self.assertEqual([len(self._refund_txs(o)) for o in orders], [1] * 5)
        self.assertEqual(set(self._refund_txs(orders).mapped("amount")), {-5.0})

    def test_close_gives_each_order_its_own_delivery_and_mail(self):
        """The close creates a batch's deliveries together and renders its mails once
        per template: each order still gets its own delivery (origin, customer,
        procurement group, its moves, the *created from* note) and each customer their
        own mail in their language."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self._load_shipped_zh_cn()
        self.customers[2:4].lang = "zh_CN"
        campaign = self._open_campaign(min_participants=10)
        orders = self.env["sale.order"]
        for customer in self.customers[:4]:
            orders |= self._join(campaign, customer)
        self.assertFalse(orders.picking_ids)
        campaign.min_participants = 4
        self._end(campaign)
        while campaign._groupbuy_close_step():
            pass
        self._cron()
        self.assertEqual(campaign.state, "done")
        self.assertEqual(len(orders.picking_ids), 4, "no delivery shared between orders")
        note = self.env.ref("mail.mt_note")
        for order in orders:
            picking = order.picking_ids
            self.assertEqual(len(picking), 1)
            self.assertEqual(picking.origin, order.name)
            self.assertEqual(picking.partner_id, order.partner_shipping_id)
            self.assertEqual(picking.group_id.sale_id, order)
            self.assertEqual(picking.move_ids, order.order_line.move_ids)
            created_from = picking.message_ids.filtered(
                lambda m, o=order: m.subtype_id == note and f'data-oe-id="{o.id}"' in (m.body or "")
            )
            self.assertEqual(len(created_from), 1, "the delivery links the order it was created from")
            self.assertIn(order.name, created_from.body)
        for order, customer in zip(orders, self.customers[:4]):
            messages = order.message_ids.filtered(
                lambda m, c=customer: m.subtype_id == self.env.ref("mail.mt_comment")
                and c in m.notification_ids.filtered(lambda n: n.notification_type == "email").res_partner_id
            )
            self.assertEqual(len(messages), 1, "each customer gets one group formed mail")
            self.assertIn(order.name, messages.subject)
            self.assertIn(order.name, messages.body)
            self.assertIn(customer.name, messages.body)
            if customer.lang == "zh_CN":
                self.assertIn("已成团", messages.subject)
                self.assertIn("已确认", messages.body)
            else:
                self.assertIn("is confirmed", messages.subject)
                self.assertIn("is confirmed", messages.body)

    # ------------------------------------------------------------------
    # Customers and followers are told
    # ------------------------------------------------------------------
    def test_failed_group_tells_each_customer_what_was_refunded_and_how(self):
        campaign = self._open_campaign(min_participants=5)
        paid = self._join(campaign, self.customers[0], qty=2)
        self._pay(paid)
        unpaid = self._join(campaign, self.customers[1])
        campaign.action_close()
        message = self._customer_messages(paid, self.customers[0], "is cancelled")
        self.assertEqual(len(message), 1)
        self.assertIn("59.80", message.body)
        provider = self.demo_provider.with_context(lang=self.customers[0].lang).name
        self.assertIn(f"back to your payment with {provider}", message.body, "how it was refunded")
        mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertIn(self.customers[0], mail.recipient_ids)
        message = self._customer_messages(unpaid, self.customers[1], "is cancelled")
        self.assertEqual(len(message), 1)
        self.assertIn("nothing to refund", message.body)
        # staff and the leader follow the campaign: the failure is posted with its subtype
        failed = campaign.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("community_groupbuy.mt_campaign_failed")
        )
        self.assertEqual(len(failed), 1)
        self.assertIn(self.leader, campaign.message_follower_ids.partner_id)
        self.assertIn(self.leader, failed.notification_ids.res_partner_id)

    def test_group_formed_confirms_with_sale_post_payment_steps(self):
        self.env["ir.config_parameter"].sudo().set_param("sale.automatic_invoice", "True")
        campaign = self._open_campaign(min_participants=2)
        first = self._join(campaign, self.customers[0], qty=2)
        self._pay(first)
        self.assertFalse(first.invoice_ids, "a waiting order is not invoiced when paid")
        second = self._join(campaign, self.customers[1])  # forms the group, not paid
        self.assertEqual(campaign.state, "succeeded")
        formed = campaign.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("community_groupbuy.mt_campaign_formed")
        )
        self.assertEqual(len(formed), 1)
        self.assertEqual((first | second).mapped("state"), ["sale", "sale"])
        invoice = first.invoice_ids
        self.assertEqual(len(invoice), 1, "the paid order is invoiced on formation (automatic invoice)")
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_total, 59.8)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"), "matched with the payment received")
        self.assertFalse(second.invoice_ids, "nothing paid yet, nothing invoiced")
        self._cron()  # sends the notices the formation queued
        message = self._customer_messages(first, self.customers[0], "Group formed")
        self.assertEqual(len(message), 1, "the group formed mail is the order confirmation")
        self.assertIn("is confirmed", message.subject)
        self.assertIn(campaign.name, message.subject)
        self.assertIn("View my order", message.body)
        self.assertEqual(len(self._customer_messages(second, self.customers[1], "Group formed")), 1)
        self._cron()
        self.assertEqual(len(self._customer_messages(first, self.customers[0], "Group formed")), 1, "told once")

    def test_lower_tier_at_close_tells_the_customer(self):
        campaign = self._open_campaign(
            lines=[{
                "product_id": self.peach.id,
                "price_unit": 30.0,
                "tier_ids": [Command.create({"min_participants": 3, "price_unit": 25.5})],
            }],
            min_participants=2,
        )
        first = self._join(campaign, self.customers[0], qty=2)
        self._pay(first)
        self._join(campaign, self.customers[1])
        third = self._join(campaign, self.customers[2])  # already at the lower price
        campaign.action_close()
        message = self._customer_messages(first, self.customers[0], "Lower group price")
        self.assertEqual(len(message), 1)
        self.assertIn("51.00", message.subject)
        self.assertIn("9.00", message.body, "the difference refunded")
        self.assertFalse(
            self._customer_messages(third, self.customers[2], "Lower"),
            "no lower price, no notice",
        )

    def _load_shipped_zh_cn(self):
        """Load the addon's zh_CN.po into the database as Odoo does when it installs a
        language (read alone: Odoo's reader also merges the addon's .pot, which is
        regenerated from the code after merging)."""
        with open(file_path("community_groupbuy/i18n/zh_CN.po"), "rb") as po, \
                tempfile.NamedTemporaryFile(suffix=".zh_CN") as copy:
            copy.write(po.read())
            copy.flush()
            copy.seek(0)
            importer = TranslationImporter(self.env.cr, verbose=False)
            importer.load(copy, "po", "zh_CN")
            importer.save(overwrite=True)
        self.env.invalidate_all()

    def test_notices_speak_the_customers_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self._load_shipped_zh_cn()
        self.customers[0].lang = "zh_CN"
        campaign = self._open_campaign(min_participants=5)
        order = self._join(campaign, self.customers[0])
        campaign.action_close()
        message = self._customer_messages(order, self.customers[0], campaign.name)
        self.assertEqual(len(message), 1)
        self.assertIn("已取消", message.subject)
        self.assertIn("您还没有付款", message.body)

    # ------------------------------------------------------------------
    # Fallback refund: Register Payment on the credit note, the refund journal
    # ------------------------------------------------------------------
    def test_fallback_refund_registers_the_payment_on_the_credit_note(self):
        journal = self.env["account.journal"].create({
            "name": "团购退款", "code": "GBRF", "type": "cash", "company_id": self.env.company.id,
        })
        self.env.company.groupbuy_refund_journal_id = journal
        campaign = self._open_campaign(min_participants=1)
        order = self._join(campaign, self.customers[0], qty=2)
        self._pay(order)
        invoice = order._create_invoices()
        invoice.action_post()
        self.demo_provider.state = "disabled"
        result = order._groupbuy_refund(order.groupbuy_amount_paid, "test")
        credit_note = result["credit_notes"]
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "posted")
        payment = result["payments"]
        self.assertEqual(len(payment), 1)
        self.assertEqual(payment.journal_id, journal, "the journal of the Group Buying settings")
        self.assertEqual(payment.payment_type, "outbound")
        self.assertAlmostEqual(payment.amount, 59.8)
        self.assertIn(credit_note, payment.reconciled_invoice_ids | payment.invoice_ids)
        self.assertIn(credit_note.payment_state, ("paid", "in_payment"))
        self.assertEqual(order.groupbuy_refund_payment_ids, payment)
        self.assertAlmostEqual(order.groupbuy_amount_paid, 0.0)

    def test_fallback_refund_of_a_never_invoiced_order_is_an_outbound_payment(self):
        campaign = self._open_campaign(min_participants=5)
        order = self._join(campaign, self.customers[0], qty=2)
        tx = self._pay(order)
        self.demo_provider.state = "disabled"
        campaign.action_close()
        self.assertFalse(order.invoice_ids, "no invoice is made only to be reversed")
        payment = order.groupbuy_refund_payment_ids
        self.assertEqual(payment.payment_type, "outbound")
        self.assertEqual(payment.partner_id, self.customers[0])
        self.assertEqual(payment.journal_id, tx.payment_id.journal_id, "back the way the money came")
        self.assertAlmostEqual(payment.amount, 59.8)
        if payment.move_id and tx.payment_id.move_id:
            receivable = (payment.move_id.line_ids | tx.payment_id.move_id.line_ids).filtered(
                lambda l: l.account_id == payment.destination_account_id
            )
            self.assertTrue(all(receivable.mapped("reconciled")), "the customer owes and is owed nothing")

    def test_fallback_refund_without_a_journal_says_what_to_set(self):
        self.env.company.groupbuy_refund_journal_id = False
        campaign = self._open_campaign(min_participants=5)
        order = self._join(campaign, self.customers[0])
        tx = self._pay(order)
        tx.payment_id.action_cancel()
        tx.payment_id = False  # a payment received outside any journal: nothing to derive
        self.demo_provider.state = "disabled"
        with self.assertRaisesRegex(UserError, "choose the refund journal in Settings > Group Buying"):
            order._groupbuy_refund(29.9, "test")
        self.assertFalse(order.groupbuy_refund_payment_ids, "nothing half-written")

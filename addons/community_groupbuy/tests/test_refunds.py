from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import GroupbuyCommon


@tagged("post_install", "-at_install")
class TestRefunds(GroupbuyCommon):

    def _refund_txs(self, order):
        return order.transaction_ids.child_transaction_ids.filtered(lambda t: t.operation == "refund")

    def test_failed_campaign_refunds_through_the_provider(self):
        campaign = self._open_campaign(min_participants=5)
        paid = self._join(campaign, self.customers[0], qty=2)
        unpaid = self._join(campaign, self.customers[1])
        tx = self._pay(paid)
        campaign.action_close()
        self.assertEqual(campaign.state, "failed")
        refunds = self._refund_txs(paid)
        self.assertEqual(len(refunds), 1)
        self.assertEqual(refunds.state, "done")
        self.assertAlmostEqual(refunds.amount, -59.8)
        self.assertEqual(refunds.source_transaction_id, tx)
        self.assertTrue(refunds.payment_id, "the refund is recorded in accounting")
        self.assertEqual(refunds.payment_id.payment_type, "outbound")
        self.assertAlmostEqual(paid.groupbuy_amount_paid, 0.0)
        self.assertFalse(self._refund_txs(unpaid))
        self.assertFalse(unpaid.groupbuy_refund_payment_ids, "nothing paid, nothing refunded")

    def test_refund_without_provider_support_records_an_outbound_payment(self):
        campaign = self._open_campaign(min_participants=5)
        order = self._join(campaign, self.customers[0], qty=3)
        self._pay(order)
        self.demo_provider.state = "disabled"
        campaign.action_close()
        self.assertFalse(self._refund_txs(order))
        payment = order.groupbuy_refund_payment_ids
        self.assertEqual(len(payment), 1)
        self.assertEqual(payment.state, "in_process")
        self.assertEqual(payment.payment_type, "outbound")
        self.assertEqual(payment.partner_id, self.customers[0])
        self.assertAlmostEqual(payment.amount, 89.7)
        self.assertAlmostEqual(order.groupbuy_amount_paid, 0.0)

    def test_invoiced_order_refund_gets_a_credit_note(self):
        campaign = self._open_campaign(min_participants=1)
        order = self._join(campaign, self.customers[0], qty=2)
        self.assertEqual(order.state, "sale")
        self._pay(order)
        invoice = order._create_invoices()
        invoice.action_post()
        self.demo_provider.state = "disabled"
        order._groupbuy_cancel_and_refund("cancelled", "test")
        credit_note = order.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(credit_note.state, "posted")
        self.assertAlmostEqual(credit_note.amount_total, 59.8)
        self.assertEqual(credit_note.payment_state, "paid", "the outbound payment settles the credit note")

    def test_tiered_campaign_refunds_the_difference_at_close(self):
        campaign = self._open_campaign(
            lines=[{
                "product_id": self.peach.id,
                "price_unit": 30.0,
                "tier_ids": [Command.create({"min_participants": 3, "price_unit": 25.5})],
            }],
            min_participants=2,
        )
        first = self._join(campaign, self.customers[0], qty=2)   # pays 30.00 x 2
        second = self._join(campaign, self.customers[1], qty=1)  # pays 30.00
        third = self._join(campaign, self.customers[2], qty=1)   # already at 25.50
        for order in first | second | third:
            self._pay(order)
        campaign.action_close()
        self.assertEqual(campaign.state, "done")
        self.assertEqual((first | second | third).order_line.mapped("price_unit"), [25.5, 25.5, 25.5])
        self.assertAlmostEqual(self._refund_txs(first).amount, -9.0)
        self.assertAlmostEqual(self._refund_txs(second).amount, -4.5)
        self.assertFalse(self._refund_txs(third))
        self.assertAlmostEqual(first.groupbuy_amount_paid, first.amount_total)
        self.assertAlmostEqual(first.amount_total, 51.0)

    def test_money_stays_exact_over_many_tier_refunds(self):
        campaign = self._open_campaign(
            lines=[{
                "product_id": self.peach.id,
                "price_unit": 0.3,
                "tier_ids": [Command.create({"min_participants": 2, "price_unit": 0.1})],
            }],
            min_participants=1,
        )
        order = self._join(campaign, self.customers[0], qty=3)  # 0.9, in binary 0.8999...
        self._pay(order)
        self._join(campaign, self.customers[1], qty=1)
        campaign.action_close()
        refund = self._refund_txs(order)
        self.assertEqual(refund.amount, -0.6)
        self.assertEqual(order.groupbuy_amount_paid, 0.3)

    def test_withdraw_before_deadline_refunds_at_once(self):
        campaign = self._open_campaign(min_participants=5)
        order = self._join(campaign, self.customers[0])
        self._pay(order)
        order.action_groupbuy_withdraw()
        self.assertEqual(order.state, "cancel")
        self.assertAlmostEqual(self._refund_txs(order).amount, -29.9)
        self.assertEqual(campaign.participant_count, 0)

    def test_withdraw_after_deadline_is_refused(self):
        now = fields.Datetime.now()
        campaign = self._open_campaign(min_participants=5, cancel_deadline=now - timedelta(minutes=30))
        order = self._join(campaign, self.customers[0])
        with self.assertRaisesRegex(UserError, "can no longer be changed or cancelled"):
            order.action_groupbuy_withdraw()
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.groupbuy_status, "waiting")

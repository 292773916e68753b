"""A campaign's close, committed batch by batch, interrupted after its first batch.

The campaigns' cron closes a campaign in steps, each committed before the next (a batch
of orders confirmed or cancelled; one refund through the payment provider). Here the
data and every step are really committed (the cron runs with ``auto_commit``), a step
of the second batch fails, the failure is committed the way the cron records it, and the
cron runs again on the database as the failure left it:

- a failing campaign: every customer refunded exactly once, each order cancelled and
  told once, the failure logged and shown on the campaign (with a to-do for staff), and
  a campaign ending later closes in the same run, not blocked by the failing one;
- a succeeding campaign: the first batch stays confirmed, the rest is confirmed on the
  next run, and no order is confirmed twice (one delivery, one confirmation mail each);
- staff cancelling a campaign: its orders are cancelled and refunded by the cron in
  committed batches as well.
"""
from datetime import timedelta
from unittest.mock import patch

from committed_case import CommittedCase

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

CAMPAIGN_LOGGER = "odoo.addons.community_groupbuy.models.groupbuy_campaign"
BATCH = 3


@tagged("post_install", "-at_install")
class TestCloseCommitted(CommittedCase):
    ORDERS = 6  # two batches of BATCH

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env() as env:
            provider = env.ref("payment.payment_provider_demo")
            cls.provider_state = provider.state
            provider.state = "test"
            cls.addClassCleanup(cls._restore_provider)
            cls.leader, cls.customers, cls.product = (
                records.id if len(records) == 1 else records.ids
                for records in cls.create_fixture(
                    env, "提交关团", cls.ORDERS, price=30.0,
                    customer_values=lambda i: {"email": f"close.committed.{i}@example.com", "lang": "en_US"},
                )
            )

    @classmethod
    def _restore_provider(cls):
        with cls.committed_env() as env:
            env.ref("payment.payment_provider_demo").state = cls.provider_state

    # ------------------------------------------------------------------
    # Committed set-up and the cron as Odoo runs it
    # ------------------------------------------------------------------
    def _campaign(self, name, customers, threshold, paid, minutes_ago=1):
        """An ended campaign whose ``customers`` joined (1 unit each), committed; paid
        through payment_demo when ``paid``. :return: (campaign id, order ids)"""
        with self.committed_env({"lang": "en_US"}) as env:
            now = fields.Datetime.now()
            campaign = self.open_campaigns(
                env, [name], env["res.partner"].browse(self.leader), env["product.product"].browse(self.product),
                line={"price_unit": 19.9}, date_start=now - timedelta(hours=2),
                min_participants=99,  # no group formed while the customers join
            )
            order_ids = [
                campaign.join(customer, [{"product_id": self.product, "qty": 1}]) for customer in customers
            ]
            orders = env["sale.order"].browse(order_ids)
            if paid:
                for order in orders:
                    tx = env["payment.transaction"].create({
                        "provider_id": env.ref("payment.payment_provider_demo").id,
                        "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                        "amount": order.amount_total,
                        "currency_id": order.currency_id.id,
                        "partner_id": order.partner_id.id,
                        "reference": env["payment.transaction"]._compute_reference("demo", prefix=order.name),
                        "operation": "online_direct",
                        "sale_order_ids": [Command.set(order.ids)],
                    })
                    tx._handle_notification_data("demo", {"reference": tx.reference, "simulated_state": "done"})
                    tx.is_post_processed = True  # its accounting is not what this test is about
            campaign.write({"min_participants": threshold, "date_end": now - timedelta(minutes=minutes_ago)})
            return campaign.id, order_ids

    def _cron(self, campaign_ids):
        """One run of the campaigns' cron, committing after every step, on these campaigns."""
        with self.committed_env({"lang": "en_US"}) as env:
            env["groupbuy.campaign"]._cron_process_campaigns(
                auto_commit=True, time_budget=0, domain=[("id", "in", campaign_ids)], batch_size=BATCH,
            )

    def _refunds(self, env, order_ids):
        """{order id: number of refunds made through the provider}"""
        orders = env["sale.order"].browse(order_ids)
        return {
            order.id: len(order.transaction_ids.child_transaction_ids.filtered(
                lambda t: t.operation == "refund" and t.state == "done"
            ))
            for order in orders
        }

    def _notices(self, env, order_ids, subject):
        """{order id: customer emails whose subject contains ``subject``}"""
        comment = env.ref("mail.mt_comment")
        return {
            order.id: len(order.message_ids.filtered(
                lambda m: m.subtype_id == comment and subject in (m.subject or "")
                and order.partner_id in m.notification_ids.res_partner_id
            ))
            for order in env["sale.order"].browse(order_ids)
        }

    def _close_activity(self, campaign):
        activity_type = campaign.env.ref("community_groupbuy.mail_activity_groupbuy_close_failed")
        return campaign.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------
    def test_failing_close_interrupted_after_first_batch_refunds_each_customer_once(self):
        failing, orders = self._campaign("关团中断 失败", self.customers, threshold=99, paid=True, minutes_ago=10)
        later, later_orders = self._campaign("关团中断 之后", self.customers[:2], threshold=99, paid=True)
        first_of_second_batch = orders[BATCH]
        SaleOrder = self.registry["sale.order"]
        original = SaleOrder._groupbuy_refund

        def provider_down_from_the_second_batch(records, amount, reason, price_changes=None):
            if records.id == first_of_second_batch:
                raise UserError("The payment provider is unreachable.")
            return original(records, amount, reason, price_changes=price_changes)

        with patch.object(SaleOrder, "_groupbuy_refund", provider_down_from_the_second_batch), \
                self.assertLogs(CAMPAIGN_LOGGER, "ERROR") as logged:
            self._cron([failing, later])
        self.assertEqual(len(logged.output), 1, "one failure, logged once")
        self.assertIn(f"({failing})", logged.output[0])

        with self.committed_env({"lang": "en_US"}) as env:
            campaign = env["groupbuy.campaign"].browse(failing)
            refunds = self._refunds(env, orders)
            self.assertEqual([refunds[o] for o in orders], [1] * BATCH + [0] * BATCH,
                             "the first batch was refunded and committed; the second was not")
            self.assertEqual(set(env["sale.order"].browse(orders).mapped("state")), {"cancel"})
            self.assertEqual(campaign.state, "failed")
            self.assertTrue(campaign.groupbuy_closing, "the close is not over")
            self.assertEqual(campaign.groupbuy_close_remaining, self.ORDERS,
                             "the form says what is left: 3 refunds and 6 notices")
            self.assertIn("The payment provider is unreachable.", campaign.groupbuy_close_error)
            activity = self._close_activity(campaign)
            self.assertEqual(len(activity), 1, "staff get a to-do")
            self.assertIn("unreachable", activity.note)
            # the campaign ending later was not blocked by the failing one
            other = env["groupbuy.campaign"].browse(later)
            self.assertEqual((other.state, other.groupbuy_closing, other.groupbuy_close_error),
                             ("failed", False, False))
            self.assertEqual(list(self._refunds(env, later_orders).values()), [1, 1])

        # the provider answers again: the next run resumes where the close stopped
        self._cron([failing, later])
        self._cron([failing, later])  # and running it once more does nothing again
        with self.committed_env({"lang": "en_US"}) as env:
            campaign = env["groupbuy.campaign"].browse(failing)
            self.assertEqual(list(self._refunds(env, orders).values()), [1] * self.ORDERS,
                             "every customer refunded exactly once")
            for order in env["sale.order"].browse(orders):
                refund = order.transaction_ids.child_transaction_ids
                self.assertEqual(order.currency_id.compare_amounts(-refund.amount, 19.9), 0)
                self.assertTrue(order.currency_id.is_zero(order.groupbuy_amount_paid))
            self.assertEqual(list(self._notices(env, orders, "Group not formed").values()), [1] * self.ORDERS,
                             "each customer told once")
            self.assertEqual(list(self._notices(env, later_orders, "Group not formed").values()), [1, 1])
            self.assertFalse(campaign.groupbuy_closing)
            self.assertFalse(campaign.groupbuy_close_error)
            self.assertFalse(self._close_activity(campaign), "the to-do is done once the close went through")

    def test_succeeding_close_interrupted_after_first_batch_confirms_each_order_once(self):
        succeeding, orders = self._campaign("关团中断 成团", self.customers, threshold=2, paid=False)
        SaleOrder = self.registry["sale.order"]
        original = SaleOrder._groupbuy_confirm
        batches = []

        def crash_on_the_second_batch(records):
            batches.append(records.ids)
            if len(batches) == 2:
                raise UserError("The warehouse is locked for inventory.")
            return original(records)

        with patch.object(SaleOrder, "_groupbuy_confirm", crash_on_the_second_batch), \
                self.assertLogs(CAMPAIGN_LOGGER, "ERROR"):
            self._cron([succeeding])
        self.assertEqual(batches, [orders[:BATCH], orders[BATCH:]])
        with self.committed_env() as env:
            campaign = env["groupbuy.campaign"].browse(succeeding)
            confirmed = env["sale.order"].browse(orders)
            self.assertEqual(confirmed.mapped("state"), ["sale"] * BATCH + ["draft"] * BATCH)
            self.assertEqual((campaign.state, campaign.groupbuy_closing), ("succeeded", True))
            self.assertIn("locked for inventory", campaign.groupbuy_close_error)

        self._cron([succeeding])
        self._cron([succeeding])
        with self.committed_env({"lang": "en_US"}) as env:
            campaign = env["groupbuy.campaign"].browse(succeeding)
            confirmed = env["sale.order"].browse(orders)
            self.assertEqual(campaign.state, "done")
            self.assertFalse(campaign.groupbuy_close_error)
            self.assertEqual(confirmed.mapped("state"), ["sale"] * self.ORDERS)
            self.assertEqual([len(o.picking_ids) for o in confirmed], [1] * self.ORDERS,
                             "one delivery per order: none confirmed twice")
            self.assertEqual(list(self._notices(env, orders, "Group formed").values()), [1] * self.ORDERS,
                             "one confirmation mail per customer")
            self.assertTrue(all(confirmed.mapped("groupbuy_price_settled")))

    def test_staff_cancel_refunds_in_committed_batches(self):
        campaign_id, orders = self._campaign("关团中断 取消", self.customers[:4], threshold=99, paid=True)
        with self.committed_env({"lang": "en_US"}) as env:
            campaign = env["groupbuy.campaign"].browse(campaign_id)
            campaign.date_end = fields.Datetime.now() + timedelta(hours=1)  # still open
            campaign.action_cancel()
            # cancelled at once; nothing refunded in the button's transaction
            self.assertEqual((campaign.state, campaign.groupbuy_closing), ("cancelled", True))
            self.assertEqual(campaign.groupbuy_close_remaining, 4)
            self.assertEqual(set(self._refunds(env, orders).values()), {0})
            with self.assertRaises(UserError):
                campaign.action_draft()
        self._cron([campaign_id])
        with self.committed_env({"lang": "en_US"}) as env:
            campaign = env["groupbuy.campaign"].browse(campaign_id)
            self.assertEqual(list(self._refunds(env, orders).values()), [1] * 4)
            self.assertEqual(set(env["sale.order"].browse(orders).mapped("state")), {"cancel"})
            self.assertFalse(campaign.groupbuy_closing)
            self.assertEqual(campaign.state, "cancelled")
            self.assertEqual(list(self._notices(env, orders, "was cancelled").values()), [1] * 4,
                             "each customer told the campaign was cancelled, once")

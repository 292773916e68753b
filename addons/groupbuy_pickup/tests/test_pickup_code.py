from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import GroupbuyPickupCommon


@tagged("post_install", "-at_install")
class TestPickupCode(GroupbuyPickupCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.leader_user = new_test_user(cls.env, login="gbp_leader", groups="base.group_portal",
                                        partner_id=cls.leader.id, name=cls.leader.name)
        cls.other_leader_user = new_test_user(cls.env, login="gbp_leader2", groups="base.group_portal",
                                              partner_id=cls.other_leader.id, name=cls.other_leader.name)

    def setUp(self):
        super().setUp()
        self.campaign = self._campaign_with_points()
        self.orders = self._form_group(self.campaign, self.customers[:3])
        self.order = self.orders[0]
        self.code = self.order.groupbuy_pickup_code
        self.points_as_leader = self.point.with_user(self.leader_user)

    def test_every_confirmed_order_gets_a_random_unique_code(self):
        codes = self.orders.mapped("groupbuy_pickup_code")
        self.assertEqual(len(set(codes)), 3)
        for code in codes:
            self.assertRegex(code, r"^\d{10}$")
        self.assertEqual(set(self.orders.mapped("groupbuy_pickup_state")), {"waiting"})
        # a waiting (not yet formed) order has no code
        waiting = self._join(self._campaign_with_points(name="待成团", min_participants=5), self.customers[5])
        self.assertFalse(waiting.groupbuy_pickup_code)
        self.assertFalse(waiting.groupbuy_pickup_state)

    def test_open_codes_are_unique_even_when_the_draw_repeats(self):
        campaign = self._campaign_with_points(name="第二团")
        draws = iter([self.code, self.code, "5555555555", "6666666666"])
        with patch.object(type(self.env["sale.order"]), "_groupbuy_new_pickup_code", lambda self: next(draws)):
            orders = self._form_group(campaign, self.customers[5:7])
        self.assertNotIn(self.code, orders.mapped("groupbuy_pickup_code"))
        self.assertEqual(len(set(orders.mapped("groupbuy_pickup_code"))), 2)

    def test_refusals_each_with_a_sentence_and_nothing_changed(self):
        with self.assertRaisesRegex(UserError, "No order has this pickup code"):
            self.points_as_leader.verify_pickup_code("0000000001")
        with self.assertRaisesRegex(UserError, "have not arrived"):
            self.points_as_leader.verify_pickup_code(self.code)
        self.assertEqual(self.order.groupbuy_pickup_state, "waiting")
        self._arrive(self.orders)
        with self.assertRaisesRegex(UserError, "another pickup point"):
            self.other_point.with_user(self.other_leader_user).verify_pickup_code(self.code)
        unpaid = self._form_group(self._campaign_with_points(name="未付款团"), self.customers[6:8], pay=False)
        self._arrive(unpaid)
        with self.assertRaisesRegex(UserError, "not paid yet"):
            self.points_as_leader.verify_pickup_code(unpaid[0].groupbuy_pickup_code)
        self.orders[1]._groupbuy_cancel_and_refund("cancelled", "test")
        with self.assertRaisesRegex(UserError, "No order has this pickup code|cancelled"):
            self.points_as_leader.verify_pickup_code(self.orders[1].groupbuy_pickup_code)
        self.assertTrue(all(p.state != "done" for p in self.order.picking_ids))
        self.assertEqual(self.order.order_line.qty_delivered, 0)

    def test_cancelled_order_keeps_its_code_but_is_refused(self):
        self._arrive(self.orders)
        order = self.orders[2]
        code = order.groupbuy_pickup_code
        order.with_context(disable_cancel_warning=True)._action_cancel()
        self.assertEqual(order.groupbuy_pickup_state, "arrived")
        with self.assertRaisesRegex(UserError, "was cancelled"):
            self.points_as_leader.verify_pickup_code(code)

    def test_refund_pending_is_refused(self):
        self._arrive(self.orders)
        order = self.orders[1]
        with patch.object(type(order), "_groupbuy_refund_pending", lambda self: True):
            with self.assertRaisesRegex(UserError, "refund of this order is pending"):
                self.points_as_leader.verify_pickup_code(order.groupbuy_pickup_code)
        self.assertEqual(order.groupbuy_pickup_state, "arrived")

    def test_verification_validates_the_delivery_and_records_who(self):
        self._arrive(self.orders)
        ids = self.points_as_leader.verify_pickup_code(" %s " % self.code)
        self.assertEqual(ids, self.order.ids)
        self.assertEqual(self.order.groupbuy_pickup_state, "collected")
        self.assertEqual(self.order.groupbuy_collected_by_id, self.leader_user)
        self.assertEqual(set(self.order.picking_ids.mapped("state")), {"done"})
        self.assertEqual(self.order.order_line.filtered("groupbuy_line_id").qty_delivered, 1)
        self.assertIn("verified by", self.order.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "already collected"):
            self.points_as_leader.verify_pickup_code(self.code)

    def test_batch_verification_hands_over_all_of_a_customers_orders_at_the_point(self):
        second = self._form_group(self._campaign_with_points(name="大米团"), self.customers[:2])
        self._arrive(self.orders | second)
        order, siblings = self.points_as_leader._groupbuy_lookup_code(self.code)
        self.assertEqual(siblings, second[0])
        ids = self.points_as_leader.verify_pickup_code(self.code, all_orders=True)
        self.assertEqual(set(ids), {self.order.id, second[0].id})
        self.assertEqual(second[0].groupbuy_pickup_state, "collected")
        self.assertEqual(second[1].groupbuy_pickup_state, "arrived", "another customer's order stays")

    def test_a_leader_cannot_verify_at_anothers_point(self):
        self._arrive(self.orders)
        with self.assertRaises(AccessError):
            self.point.with_user(self.other_leader_user).sudo(False).verify_pickup_code(self.code)
        self.assertEqual(self.order.groupbuy_pickup_state, "arrived")

    def test_a_clerk_named_by_the_point_verifies(self):
        clerk = new_test_user(self.env, login="gbp_clerk", groups="base.group_portal", name="店员")
        self.point.clerk_user_ids = clerk
        self._arrive(self.orders)
        self.assertEqual(self.point.with_user(clerk).verify_pickup_code(self.code), self.order.ids)

    def test_lockout_after_five_wrong_codes_in_ten_minutes(self):
        self._arrive(self.orders)
        refusals = []
        for i in range(6):
            try:
                self.points_as_leader.verify_pickup_code(f"99999999{i:02d}")
            except UserError as error:
                refusals.append(error.args[0])
        self.assertIn("locked", refusals[5])
        Attempt = self.env["groupbuy.pickup.attempt"]
        attempts = Attempt.search([("user_id", "=", self.leader_user.id)])
        self.assertEqual(attempts.mapped("result").count("unknown"), 5)
        self.assertIn("locked", attempts.mapped("result"))
        self.assertNotIn("9999999900", attempts.mapped("code_tail"), "no usable code in the log")
        # even the right code is refused while locked
        with self.assertRaisesRegex(UserError, "locked"):
            self.points_as_leader.verify_pickup_code(self.code)
        self.assertEqual(self.order.groupbuy_pickup_state, "arrived")
        # the lock ends
        later = fields.Datetime.now() + timedelta(minutes=16)
        with patch("odoo.fields.Datetime.now", return_value=later):
            self.assertEqual(self.points_as_leader.verify_pickup_code(self.code), self.order.ids)

    def test_arrival_notifies_each_customer_with_their_own_code(self):
        self.point.action_goods_arrived()
        self.assertEqual(set(self.orders.mapped("groupbuy_pickup_state")), {"arrived"})
        for order in self.orders:
            notice = order.message_ids.filtered(lambda m: order.groupbuy_pickup_code in (m.body or ""))
            self.assertEqual(len(notice), 1)
            self.assertIn(order.partner_id, notice.partner_ids)
            others = (self.orders - order).mapped("groupbuy_pickup_code")
            self.assertFalse(any(code in notice.body for code in others))

    def test_overdue_after_n_days_reminded_once_and_listed(self):
        self.env.company.groupbuy_pickup_overdue_days = 2
        self._arrive(self.orders)
        self.orders[:2].groupbuy_arrival_date = fields.Datetime.now() - timedelta(days=3)
        self.env["sale.order"]._cron_groupbuy_pickup_overdue()
        self.assertEqual(self.orders.mapped("groupbuy_pickup_state"), ["overdue", "overdue", "arrived"])
        code = self.orders[0].groupbuy_pickup_code

        def notices(order):
            # the arrival notice and the reminder carry the code (in the customer's language)
            return order.message_ids.filtered(lambda m: code in (m.body or ""))

        self.assertEqual(len(notices(self.orders[0])), 2, "arrival notice + one reminder")
        self.orders[0].action_groupbuy_pickup_keep()
        self.orders[0].groupbuy_arrival_date = fields.Datetime.now() - timedelta(days=3)
        self.env["sale.order"]._cron_groupbuy_pickup_overdue()
        self.assertEqual(self.orders[0].groupbuy_pickup_state, "overdue")
        self.assertEqual(len(notices(self.orders[0])), 2, "reminded once")
        overdue = self.env["sale.order"].search([("groupbuy_pickup_state", "=", "overdue")])
        self.assertEqual(overdue, self.orders[:2])
        # the platform returns one to stock and refunds it
        paid = self.orders[1].groupbuy_amount_paid
        self.orders[1].action_groupbuy_pickup_return()
        self.assertEqual(self.orders[1].state, "cancel")
        self.assertEqual(self.orders[1].groupbuy_amount_paid, 0.0)
        self.assertGreater(paid, 0)
        # an overdue order is still collected with its code
        self.assertEqual(self.points_as_leader.verify_pickup_code(self.code), self.order.ids)

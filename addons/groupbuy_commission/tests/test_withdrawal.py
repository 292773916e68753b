from datetime import date, datetime

import pytz

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import GroupbuyCommissionCommon


@tagged("post_install", "-at_install")
class TestWithdrawal(GroupbuyCommissionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the leader earned 10 % of 2 × 300.00 = 60.00, settled and billed
        _c, orders = cls._formed_campaign(customers=cls.customers[:2], price=300.0)
        cls.orders = orders

    def setUp(self):
        super().setUp()
        self._make_eligible(self.orders)
        self.settlement = self._settle(self.leader)
        self.Withdrawal = self.env["groupbuy.withdrawal"]

    def _ask(self, amount, method="bank", **vals):
        vals = {"leader_id": self.leader.id, "amount": amount, "method": method, **vals}
        if method == "bank":
            vals.setdefault("bank_account_id", self.leader_bank.id)
        return self.Withdrawal.create(vals)

    def test_balance_is_settled_and_unpaid(self):
        self.assertEqual(self.settlement.amount_total, 60.0)
        self.assertEqual(self.leader.groupbuy_commission_balance, 60.0)
        self._ask(25.0)
        self.leader.invalidate_recordset(["groupbuy_commission_balance"])
        self.assertEqual(self.leader.groupbuy_commission_balance, 35.0)

    def test_refusals_say_why(self):
        with self.assertRaisesRegex(UserError, "withdraw from"):
            self._ask(5.0)
        with self.assertRaisesRegex(UserError, "at most"):
            self._ask(60.01)
        with self.assertRaisesRegex(UserError, "bank account"):
            self._ask(20.0, bank_account_id=False)
        others = self.env["res.partner.bank"].create({"partner_id": self.other_leader.id, "acc_number": "999"})
        with self.assertRaisesRegex(UserError, "of your own"):
            self._ask(20.0, bank_account_id=others.id)
        with self.assertRaisesRegex(UserError, "Only a group leader"):
            self.Withdrawal.create({"leader_id": self.customers[0].id, "amount": 20.0, "method": "store_credit"})
        self._ask(50.0)
        with self.assertRaisesRegex(UserError, "at most"):
            self._ask(20.0)
        self.assertEqual(self.Withdrawal.search_count([("leader_id", "=", self.leader.id)]), 1)

    def test_auto_approval_and_payout_date(self):
        self.company.groupbuy_withdrawal_auto_amount = 20.0
        small = self._ask(15.0)
        self.assertEqual(small.state, "approved")
        big = self._ask(30.0)
        self.assertEqual(big.state, "requested")
        Withdrawal = self.Withdrawal
        friday = date(2030, 1, 4)
        self.assertEqual(Withdrawal._groupbuy_payout_date(self.company, friday), date(2030, 1, 7), "T+1 skips the weekend")
        self.company.groupbuy_withdrawal_payout_days = "3"
        self.assertEqual(Withdrawal._groupbuy_payout_date(self.company, friday), date(2030, 1, 9))
        self.assertGreater(big.date_payout, fields.Date.today())

    def test_payout_date_skips_public_holidays(self):
        calendar = self.company.resource_calendar_id
        self.assertTrue(calendar, "the company works by a working calendar")
        calendar.tz = "Asia/Shanghai"
        tz = pytz.timezone("Asia/Shanghai")
        # 2030-01-07 (Monday) is a public holiday: a global leave of the working calendar
        self.env["resource.calendar.leaves"].create({
            "name": "元旦调休",
            "calendar_id": calendar.id,
            "date_from": tz.localize(datetime(2030, 1, 7)).astimezone(pytz.utc).replace(tzinfo=None),
            "date_to": tz.localize(datetime(2030, 1, 7, 23, 59, 59)).astimezone(pytz.utc).replace(tzinfo=None),
        })
        friday = date(2030, 1, 4)
        payout = self.Withdrawal._groupbuy_payout_date
        self.assertEqual(payout(self.company, friday), date(2030, 1, 8), "T+1: not the weekend, not the holiday")
        self.assertEqual(payout(self.company, date(2030, 1, 1)), date(2030, 1, 2))
        self.company.groupbuy_withdrawal_payout_days = "3"
        self.assertEqual(payout(self.company, friday), date(2030, 1, 10))
        # a leave of one person (with a resource) is not a public holiday
        self.company.groupbuy_withdrawal_payout_days = "1"
        self.env["resource.calendar.leaves"].search([("name", "=", "元旦调休")]).resource_id = (
            self.env["resource.resource"].create({"name": "出纳", "calendar_id": calendar.id})
        )
        self.assertEqual(payout(self.company, friday), date(2030, 1, 7))

    def test_pay_several_leaders_at_once(self):
        # a second leader with a settled 30.00 (10 % of 300.00)
        _c, others = self._formed_campaign(customers=self.customers[2:3], price=300.0, leader_id=self.other_leader.id)
        self._make_eligible(others)
        other_settlement = self._settle(self.other_leader)
        other_bank = self.env["res.partner.bank"].create({"partner_id": self.other_leader.id, "acc_number": "6222020000000002"})
        first, second = self._ask(20.0), self._ask(15.0)
        third = self._ask(30.0, bank_account_id=other_bank.id, leader_id=self.other_leader.id)
        withdrawals = first | second | third
        withdrawals.action_approve()
        withdrawals.action_pay()
        self.assertEqual(set(withdrawals.mapped("state")), {"paid"})
        self.assertEqual(first.payment_id, second.payment_id, "one payment per leader")
        mine, theirs = first.payment_id, third.payment_id
        self.assertNotEqual(mine, theirs)
        self.assertEqual((mine.partner_id, mine.amount, mine.partner_bank_id), (self.leader, 35.0, self.leader_bank))
        self.assertEqual((theirs.partner_id, theirs.amount, theirs.partner_bank_id), (self.other_leader, 30.0, other_bank))
        self.assertIn(first.name, mine.memo)
        self.assertIn(second.name, mine.memo)
        self.assertEqual(self.settlement.move_id.amount_residual, 25.0, "60.00 less the 35.00 paid")
        self.assertEqual(other_settlement.state, "paid")
        self.assertEqual(mine.move_id.line_ids.filtered("reconciled").partner_id, self.leader)

    def test_paying_at_once_is_all_or_nothing(self):
        ok = self._ask(20.0)
        ok.action_approve()
        # staff pay the leader's bill by hand meanwhile: the withdrawal is more than what is left
        other = self._ask(40.0)
        other.action_approve()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.settlement.move_id.ids
        ).create({"amount": 30.0}).action_create_payments()
        with self.assertRaisesRegex(UserError, "more than the leader's unpaid commission bills"):
            (ok | other).action_pay()
        self.assertEqual(set((ok | other).mapped("state")), {"approved"})
        self.assertFalse((ok | other).payment_id)

    def test_only_staff_who_may_change_withdrawals_approve_and_pay(self):
        withdrawal = self._ask(30.0)
        officer = new_test_user(self.env, login="gbc_officer", groups="community_groupbuy.group_groupbuy_officer")
        with self.assertRaises(AccessError):
            withdrawal.with_user(officer).action_approve()
        withdrawal.action_approve()
        with self.assertRaises(AccessError):
            withdrawal.with_user(officer).action_pay()
        with self.assertRaises(AccessError):
            self.settlement.with_user(officer).action_confirm()
        self.assertEqual(withdrawal.state, "approved")
        manager = new_test_user(self.env, login="gbc_manager", groups="community_groupbuy.group_groupbuy_manager")
        withdrawal.with_user(manager).action_pay()
        self.assertEqual(withdrawal.state, "paid")

    def test_reject_with_a_reason_on_the_chatter(self):
        withdrawal = self._ask(30.0)
        action = withdrawal.action_reject()
        wizard = self.env[action["res_model"]].with_context(action["context"]).create({"reason": "账户名与实名不符"})
        wizard.action_reject()
        self.assertEqual(withdrawal.state, "rejected")
        self.assertIn("账户名与实名不符", withdrawal.message_ids[0].body)
        self.leader.invalidate_recordset(["groupbuy_commission_balance"])
        self.assertEqual(self.leader.groupbuy_commission_balance, 60.0, "a rejected request gives the amount back")
        with self.assertRaises(UserError):
            withdrawal.action_approve()

    def test_pay_by_bank_reconciles_the_bills(self):
        withdrawal = self._ask(60.0)
        with self.assertRaises(UserError):
            withdrawal.action_pay()
        withdrawal.action_approve()
        withdrawal.action_pay()
        payment = withdrawal.payment_id
        self.assertEqual(withdrawal.state, "paid")
        self.assertEqual(payment.payment_type, "outbound")
        self.assertEqual(payment.partner_id, self.leader)
        self.assertEqual(payment.amount, 60.0)
        self.assertEqual(payment.state, "paid", "reconciled with the leader's bill")
        self.assertIn(self.settlement.move_id.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.settlement.state, "paid")
        self.assertEqual(set(self.settlement.line_ids.mapped("state")), {"paid"})
        self.leader.invalidate_recordset(["groupbuy_commission_balance", "groupbuy_commission_withdrawn"])
        self.assertEqual(self.leader.groupbuy_commission_balance, 0.0)
        self.assertEqual(self.leader.groupbuy_commission_withdrawn, 60.0)

    def test_partial_withdrawal_leaves_the_rest(self):
        withdrawal = self._ask(40.0)
        withdrawal.action_approve()
        withdrawal.action_pay()
        self.assertEqual(self.settlement.move_id.payment_state, "partial")
        self.assertEqual(self.settlement.state, "invoiced")
        self.leader.invalidate_recordset(["groupbuy_commission_balance"])
        self.assertEqual(self.leader.groupbuy_commission_balance, 20.0)

    def test_store_credit_is_spent_on_the_leaders_own_entry(self):
        withdrawal = self._ask(30.0, method="store_credit")
        withdrawal.action_approve()
        withdrawal.action_pay()
        card = withdrawal.loyalty_card_id
        self.assertEqual(card.partner_id, self.leader)
        self.assertEqual(card.program_id.program_type, "ewallet")
        self.assertEqual(card.points, 30.0)
        self.assertEqual(self.settlement.move_id.payment_state, "partial")
        self.assertEqual(withdrawal.move_id.state, "posted")
        # the leader joins a group as a customer and pays part of it with the credit
        campaign = self._open_campaign([{"product_id": self.peach.id, "price_unit": 20.0}], min_participants=5)
        entry = self.env["sale.order"].browse(campaign.join(self.leader.id, [{"product_id": self.peach.id, "qty": 2}]))
        self.assertEqual(entry._groupbuy_store_credit_card(), card)
        entry._groupbuy_apply_store_credit()
        self.assertEqual(entry.amount_total, 10.0, "40.00 less 30.00 of store credit")
        for customer in self.customers[:4]:
            campaign.join(customer.id, [{"product_id": self.peach.id, "qty": 1}])
        self.assertEqual(entry.state, "sale")
        self.assertEqual(card.points, 0.0, "the credit is used when the group forms")
        with self.assertRaisesRegex(UserError, "no store credit"):
            entry._groupbuy_apply_store_credit()
        # not on someone else's order, nor outside group buying
        shop_order = self.env["sale.order"].create({
            "partner_id": self.leader.id, "order_line": [(0, 0, {"product_id": self.rice.id})],
        })
        self.assertNotIn(card, shop_order._get_claimable_rewards())

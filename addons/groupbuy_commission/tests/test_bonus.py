from datetime import date, datetime

import pytz
from dateutil.relativedelta import relativedelta
from psycopg2 import IntegrityError

from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import GroupbuyCommissionCommon

JANUARY = date(2025, 1, 1)


@tagged("post_install", "-at_install")
class TestMonthlyBonus(GroupbuyCommissionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Tier = cls.env["groupbuy.commission.bonus.tier"]
        # tiers of the database's demo data must not decide the tests' amounts
        Tier.with_context(active_test=False).search([]).unlink()
        Tier.create([
            {"min_amount": 10000.0, "percent": 1.0},
            {"min_amount": 30000.0, "percent": 2.0},
        ])
        cls.calendar = cls.company.resource_calendar_id
        cls.calendar.tz = "Asia/Shanghai"
        cls.Line = cls.env["groupbuy.commission.line"]

    def _sale(self, leader, base, when, customer=None, qty=1):
        """A group order ``leader`` earns on, of ``qty`` × ``base`` untaxed, confirmed at local time ``when``."""
        utc = pytz.timezone("Asia/Shanghai").localize(when).astimezone(pytz.utc).replace(tzinfo=None)
        _campaign, order = self._formed_campaign(
            customers=customer or self.customers[:1], qty=qty, price=base, leader_id=leader.id
        )
        self.assertEqual(order.state, "sale")
        order.date_order = utc
        return order

    def _refund(self, order, when, quantity=None):
        """Invoice ``order`` and post a credit note dated ``when`` (of ``quantity`` units)."""
        invoice = order._create_invoices()
        invoice.invoice_date = when
        invoice.action_post()
        wizard = self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"journal_id": invoice.journal_id.id, "reason": "退款", "date": when})
        credit_note = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        credit_note.invoice_date = when
        if quantity is not None:
            with Form(credit_note) as form:
                with form.invoice_line_ids.edit(0) as line:
                    line.quantity = quantity
        credit_note.action_post()
        return credit_note

    def _bonus(self, leader, month=JANUARY):
        return self.Line.search([("leader_id", "=", leader.id), ("kind", "=", "bonus"), ("bonus_month", "=", month)])

    def test_the_highest_tier_reached_pays_on_the_whole_month(self):
        self._sale(self.leader, 7000.0, datetime(2025, 1, 5, 10))
        self._sale(self.leader, 5000.0, datetime(2025, 1, 20, 10))
        self._sale(self.other_leader, 35000.0, datetime(2025, 1, 12, 10))
        self._sale(self.head_leader, 9999.99, datetime(2025, 1, 12, 10))
        made = self.Line.compute_monthly_bonus(JANUARY)
        self.assertEqual(made.leader_id, self.leader | self.other_leader, "a leader under every tier gets nothing")
        mine = self._bonus(self.leader)
        self.assertEqual(mine.amount, 120.0, "1 % of 12,000.00")
        self.assertEqual(mine.base_amount, 12000.0)
        self.assertEqual(mine.rate, 1.0)
        self.assertEqual(self._bonus(self.other_leader).amount, 700.0, "2 % of 35,000.00, not 1 % + 2 %")
        self.assertFalse(self._bonus(self.head_leader))
        self.assertEqual(mine.state, "eligible")
        self.assertEqual(mine.date_eligible, date(2025, 1, 31))
        self.assertIn("2025-01", mine.note)

    def test_team_shares_cancelled_and_other_months_do_not_count(self):
        self._sale(self.leader, 9000.0, datetime(2025, 1, 10, 10))
        self._sale(self.leader, 5000.0, datetime(2025, 1, 11, 10), customer=self.customers[1:2])._action_cancel()
        self._sale(self.leader, 5000.0, datetime(2024, 12, 11, 10), customer=self.customers[2:3])
        self.assertFalse(self.Line.compute_monthly_bonus(JANUARY), "9,000.00: the cancelled order does not count")
        self.assertFalse(self._bonus(self.head_leader), "the head leader's team shares are not sales")

    def test_an_order_no_rule_pays_on_still_counts(self):
        self.rule_all.active = False
        order = self._sale(self.leader, 12000.0, datetime(2025, 1, 8, 10))
        self.assertFalse(order.groupbuy_commission_line_ids, "no rule: no direct commission")
        bonus = self.Line.compute_monthly_bonus(JANUARY)
        self.assertEqual(bonus.leader_id, self.leader)
        self.assertEqual(bonus.base_amount, 12000.0, "the customer bought 12,000.00 through the leader")
        self.assertEqual(bonus.amount, 120.0)

    def test_the_source_leader_counts_when_they_earn(self):
        self.company.groupbuy_commission_earner = "source"
        order = self._sale(self.leader, 12000.0, datetime(2025, 1, 8, 10))
        # the order stored its earner when the customer joined; a share link's leader
        # stored on an older order decides as the commission does
        order.write({"groupbuy_commission_leader_id": False, "groupbuy_source_leader_id": self.other_leader.id})
        bonus = self.Line.compute_monthly_bonus(JANUARY)
        self.assertEqual(bonus.leader_id, self.other_leader)
        self.assertEqual(bonus.base_amount, 12000.0)

    def test_a_credit_note_of_the_month_lowers_the_sales(self):
        kept = self._sale(self.leader, 25000.0, datetime(2025, 1, 6, 10))
        # 2 × 3,000.00: 31,000.00 in all, the 2 % tier
        refunded = self._sale(self.leader, 3000.0, datetime(2025, 1, 7, 10), customer=self.customers[1:2], qty=2)
        self._refund(refunded, date(2025, 1, 20), quantity=1)
        self._refund(kept, date(2025, 2, 3))  # February's refund is February's
        bonus = self.Line.compute_monthly_bonus(JANUARY)
        self.assertEqual(bonus.base_amount, 28000.0, "31,000.00 less the 3,000.00 credit note of January")
        self.assertEqual(bonus.rate, 1.0, "the refund took the month under the 2 % tier")
        self.assertEqual(bonus.amount, 280.0)
        self.assertFalse(
            self.Line.compute_monthly_bonus(date(2025, 2, 1)), "February: no sales, a refund does not go below zero"
        )

    def test_the_month_ends_at_midnight_in_the_companys_time_zone(self):
        self._sale(self.leader, 9000.0, datetime(2025, 1, 15, 10))
        self._sale(self.leader, 1500.0, datetime(2025, 1, 31, 23, 30))  # 15:30 UTC
        self._sale(self.leader, 25000.0, datetime(2025, 2, 1, 0, 30))  # still 31 January in UTC
        self.Line.compute_monthly_bonus(JANUARY)
        self.assertEqual(self._bonus(self.leader).amount, 105.0, "1 % of 10,500.00: the last line is February's")
        february = self.Line.compute_monthly_bonus(date(2025, 2, 14))
        self.assertEqual(february.amount, 250.0)
        self.assertEqual(february.bonus_month, date(2025, 2, 1))

    def test_rerunning_never_pays_twice(self):
        self._sale(self.leader, 12000.0, datetime(2025, 1, 5, 10))
        first = self.Line.compute_monthly_bonus(JANUARY)
        self.assertEqual(len(first), 1)
        self._sale(self.leader, 50000.0, datetime(2025, 1, 6, 10))
        self.assertFalse(self.Line.compute_monthly_bonus(date(2025, 1, 31)), "the month was computed")
        self.assertEqual(self._bonus(self.leader), first)
        # the database refuses a second bonus of the month, whatever the code does
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.Line.create(dict(first.copy_data()[0], bonus_month=JANUARY, state="eligible"))
        with self.assertRaisesRegex(UserError, "once the month is over"):
            self.Line.compute_monthly_bonus(date.today())

    def test_the_cron_pays_last_months_bonus_through_a_settlement(self):
        _campaign, orders = self._formed_campaign(customers=self.customers[:2], price=6000.0)
        last_month = date.today().replace(day=1) - relativedelta(months=1)
        orders.date_order = datetime(last_month.year, last_month.month, 10, 4)
        self.env.ref("groupbuy_commission.ir_cron_groupbuy_commission_bonus").method_direct_trigger()
        bonus = self._bonus(self.leader, last_month)
        self.assertEqual(bonus.amount, 120.0, "1 % of the two orders' 12,000.00")
        self.assertFalse(self._bonus(self.head_leader, last_month), "team shares are not sales")
        settlement = self._settle(self.leader)
        self.assertIn(bonus, settlement.line_ids)
        self.assertEqual(bonus.state, "settled")
        html = self.env["ir.actions.report"]._render_qweb_html(
            "groupbuy_commission.action_report_groupbuy_commission_statement", settlement.ids
        )[0].decode()
        self.assertIn(f"Monthly bonus {last_month:%Y-%m}", html, "the statement says what the bonus is for")
        self.assertNotIn("?*", html, "a bonus has no customer to mask")
        withdrawal = self.env["groupbuy.withdrawal"].create({
            "leader_id": self.leader.id, "amount": settlement.amount_total, "bank_account_id": self.leader_bank.id,
        })
        withdrawal.action_approve()
        withdrawal.action_pay()
        self.assertEqual(bonus.state, "paid")

    def test_the_settlement_cron_bills_the_month_with_its_bonus(self):
        self.company.groupbuy_settlement_period = "monthly"
        first = date.today().replace(day=1)
        last_month = first - relativedelta(months=1)
        self._sale(self.leader, 15000.0, datetime(last_month.year, last_month.month, 3, 10))
        created = self.env["groupbuy.commission.settlement"]._cron_create_settlements(today=first)
        bonus = self._bonus(self.leader, last_month)
        self.assertEqual(bonus.amount, 150.0)
        self.assertEqual(bonus.settlement_id.state, "invoiced")
        self.assertIn(bonus.settlement_id, created)

"""Money moves once, even when two things happen at the same moment.

The data is committed first (other transactions must see it), the runs happen in real
threads with their own cursors, the way Odoo's server runs concurrent requests and crons
(``odoo.service.model.retrying``: the transaction, retried on serialisation failures),
and everything is removed afterwards.
"""
import threading
from datetime import date, datetime, timedelta

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestCommissionConcurrency(BaseCase):
    LINES = 200
    REQUESTS = 20

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            leaders = env["res.partner"].create([
                {"name": "并发结算团长", "groupbuy_is_leader": True},
                {"name": "并发提现团长", "groupbuy_is_leader": True},
                {"name": "并发奖励团长", "groupbuy_is_leader": True},
            ])
            yesterday = fields.Date.today() - timedelta(days=1)
            env["groupbuy.commission.line"].create([
                {
                    "leader_id": leaders[0].id if i < cls.LINES else leaders[1].id,
                    "amount": 1.0 if i < cls.LINES else 10.0,
                    "kind": "direct",
                    "state": "eligible",
                    "date_eligible": yesterday,
                    "note": "并发测试",
                }
                for i in range(cls.LINES + 10)
            ])
            # the second leader: 100.00 settled and billed, a bank account
            Settlement = env["groupbuy.commission.settlement"]
            Settlement.browse(Settlement.create_settlements(leader_ids=leaders[1].ids)).action_confirm()
            bank = env["res.partner.bank"].create({"partner_id": leaders[1].id, "acc_number": "6222000011112222"})
            # the third leader sold 12,000.00 in January 2025 (a group order confirmed then),
            # above a bonus tier
            product = env["product.product"].create({
                "name": "并发测试商品", "type": "consu", "list_price": 12000.0, "taxes_id": [Command.clear()],
            })
            customer = env["res.partner"].create({"name": "并发测试顾客", "phone": "13900009999"})
            community = env["groupbuy.community"].create({
                "name": "并发测试群", "leader_id": leaders[2].id, "member_ids": [Command.set(customer.ids)],
            })
            now = fields.Datetime.now()
            campaign = env["groupbuy.campaign"].create({
                "name": "并发测试团", "leader_id": leaders[2].id, "community_id": community.id,
                "date_start": now - timedelta(hours=1), "date_end": now + timedelta(days=1), "min_participants": 1,
                "line_ids": [Command.create({"product_id": product.id, "price_unit": 12000.0})],
            })
            campaign.action_schedule()
            order = env["sale.order"].browse(campaign.join(customer.id, [{"product_id": product.id, "qty": 1}]))
            assert order.state == "sale", "the group formed and confirmed the order"
            order.date_order = datetime(2025, 1, 15, 4)
            tier = env["groupbuy.commission.bonus.tier"].create({"min_amount": 0.01, "percent": 1.0})
            cls.ids = {
                "settle_leader": leaders[0].id, "withdraw_leader": leaders[1].id, "bonus_leader": leaders[2].id,
                "bank": bank.id, "tier": tier.id, "order": order.id, "campaign": campaign.id,
                "community": community.id, "product": product.id, "customer": customer.id,
            }

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            leaders = env["res.partner"].browse(
                [cls.ids["settle_leader"], cls.ids["withdraw_leader"], cls.ids["bonus_leader"]]
            )
            env["groupbuy.commission.bonus.tier"].browse(cls.ids["tier"]).unlink()
            env["groupbuy.withdrawal"].search([("leader_id", "in", leaders.ids)]).unlink()
            settlements = env["groupbuy.commission.settlement"].search([("leader_id", "in", leaders.ids)])
            moves = settlements.move_id
            lines = env["groupbuy.commission.line"].search([("leader_id", "in", leaders.ids)])
            lines.write({"state": "cancelled", "settlement_id": False})
            lines.unlink()
            settlements.write({"state": "cancel", "move_id": False})
            settlements.unlink()
            moves.button_draft()
            moves.with_context(force_delete=True).unlink()
            env["res.partner.bank"].browse(cls.ids["bank"]).unlink()
            order = env["sale.order"].browse(cls.ids["order"])
            order._action_cancel()
            order.picking_ids.unlink()
            order.unlink()
            env["groupbuy.campaign"].browse(cls.ids["campaign"]).unlink()
            env["groupbuy.community"].browse(cls.ids["community"]).unlink()
            env["product.product"].browse(cls.ids["product"]).active = False
            env["res.partner"].browse(cls.ids["customer"]).active = False
            leaders.active = False
        super().tearDownClass()

    def _in_own_transaction(self, func, results, barrier):
        barrier.wait()
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                try:
                    results.append(("ok", retrying(lambda: func(env), env)))
                except UserError as e:
                    cr.rollback()
                    results.append(("refused", str(e)))
        except Exception as e:  # noqa: BLE001 - recorded, asserted below
            results.append(("error", repr(e)))

    def _race(self, func, count):
        results = []
        barrier = threading.Barrier(count)
        threads = [threading.Thread(target=self._in_own_transaction, args=(func, results, barrier)) for _i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertEqual(len(results), count, "every run got an answer")
        self.assertFalse([r for r in results if r[0] == "error"], "no technical error")
        return results

    def test_two_settlement_runs_at_once_settle_each_line_once(self):
        leader_id = self.ids["settle_leader"]

        def settle(env):
            return env["groupbuy.commission.settlement"].create_settlements(leader_ids=[leader_id])

        results = self._race(settle, 2)
        made = [ids for _status, ids in results if ids]
        self.assertEqual(len(made), 1, "one run settled, the other found nothing left")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            lines = env["groupbuy.commission.line"].search([("leader_id", "=", leader_id)])
            self.assertEqual(len(lines), self.LINES)
            self.assertEqual(set(lines.mapped("state")), {"settled"})
            settlements = env["groupbuy.commission.settlement"].search([("leader_id", "=", leader_id)])
            self.assertEqual(len(settlements), 1)
            self.assertEqual(settlements.line_ids, lines)
            self.assertEqual(settlements.amount_total, float(self.LINES))

    def test_twenty_withdrawals_at_once_never_exceed_the_balance(self):
        leader_id, bank_id = self.ids["withdraw_leader"], self.ids["bank"]

        def withdraw(env):
            return env["groupbuy.withdrawal"].create({
                "leader_id": leader_id, "amount": 10.0, "method": "bank", "bank_account_id": bank_id,
            }).id

        results = self._race(withdraw, self.REQUESTS)
        accepted = [r for r in results if r[0] == "ok"]
        refusals = [r[1] for r in results if r[0] == "refused"]
        self.assertEqual(len(accepted), 10, "100.00 of balance: ten requests of 10.00")
        self.assertTrue(all("at most" in msg for msg in refusals), refusals[:3])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            withdrawals = env["groupbuy.withdrawal"].search([("leader_id", "=", leader_id)])
            self.assertEqual(sum(withdrawals.mapped("amount")), 100.0)
            self.assertEqual(env["res.partner"].browse(leader_id).groupbuy_commission_balance, 0.0)
            cr.execute("SELECT count(*) FROM groupbuy_withdrawal_hold WHERE leader_id = %s", [leader_id])
            self.assertEqual(cr.fetchone()[0], 0, "every hold ended with its request")

    def test_two_bonus_runs_at_once_pay_the_month_once(self):
        leader_id = self.ids["bonus_leader"]

        def bonus(env):
            return env["groupbuy.commission.line"].compute_monthly_bonus(date(2025, 1, 1), leader_ids=[leader_id]).ids

        # the run that comes second is stopped by the unique index (its failed INSERT is
        # logged by the SQL layer): it ends as a refusal, or finds the month done
        with mute_logger("odoo.sql_db"):
            results = self._race(bonus, 2)
        made = [ids for status, ids in results if status == "ok" and ids]
        self.assertEqual(len(made), 1, "one run paid the bonus")
        refusals = [msg for status, msg in results if status == "refused"]
        self.assertTrue(all("paid once" in msg for msg in refusals), refusals)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            bonuses = env["groupbuy.commission.line"].search([("leader_id", "=", leader_id), ("kind", "=", "bonus")])
            self.assertEqual(len(bonuses), 1)
            self.assertEqual(bonuses.bonus_month, date(2025, 1, 1))

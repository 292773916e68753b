from datetime import date, timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import GroupbuyCommissionCommon


@tagged("post_install", "-at_install")
class TestCommissionSettlement(GroupbuyCommissionCommon):
    def _eligible_orders(self, count=2, price=100.0):
        _c, orders = self._formed_campaign(customers=self.customers[:count], price=price)
        self._make_eligible(orders)
        return orders

    def test_settlement_per_leader_becomes_a_posted_vendor_bill(self):
        orders = self._eligible_orders()
        Settlement = self.env["groupbuy.commission.settlement"]
        ids = Settlement.create_settlements()
        settlements = Settlement.browse(ids)
        self.assertEqual(settlements.leader_id, self.leader | self.head_leader)
        mine = settlements.filtered(lambda s: s.leader_id == self.leader)
        self.assertEqual(mine.amount_total, 20.0)
        self.assertEqual(mine.line_ids, orders.groupbuy_commission_line_ids.filtered(lambda l: l.kind == "direct"))
        self.assertEqual(set(mine.line_ids.mapped("state")), {"settled"})
        self.assertEqual(settlements.filtered(lambda s: s.leader_id == self.head_leader).amount_total, 4.0)

        bills = settlements.action_confirm()
        self.assertEqual(len(bills), 2)
        bill = mine.move_id
        self.assertEqual(bill.move_type, "in_invoice")
        self.assertEqual(bill.state, "posted")
        self.assertEqual(bill.partner_id, self.leader)
        self.assertEqual(bill.amount_total, 20.0)
        product = self.env.ref("groupbuy_commission.product_groupbuy_commission")
        self.assertEqual(bill.invoice_line_ids.product_id, product)
        self.assertEqual(bill.invoice_line_ids.account_id.account_type in ("expense", "expense_direct_cost"), True)
        self.assertEqual(mine.state, "invoiced")
        self.assertEqual(mine.action_view_bill()["res_id"], bill.id)

    def test_expense_account_from_settings(self):
        account = self.env["account.account"].create({
            "name": "团长佣金", "code": "660199", "account_type": "expense",
        })
        self.company.groupbuy_commission_account_id = account
        self._eligible_orders(count=1)
        settlements = self._settle()
        self.assertEqual(settlements.move_id.invoice_line_ids.account_id, account)

    def test_running_twice_settles_nothing_twice(self):
        self._eligible_orders()
        Settlement = self.env["groupbuy.commission.settlement"]
        first = Settlement.create_settlements()
        self.assertTrue(first)
        self.assertEqual(Settlement.create_settlements(), [])
        # a line already on a settlement cannot be claimed by another one
        line = Settlement.browse(first[0]).line_ids[0]
        other = Settlement.create({"leader_id": line.leader_id.id, "date_to": fields.Date.today()})
        self.env.cr.execute(
            "UPDATE groupbuy_commission_line SET settlement_id = %s WHERE id = %s AND settlement_id IS NULL RETURNING id",
            [other.id, line.id],
        )
        self.assertFalse(self.env.cr.fetchall())

    def test_only_lines_due_by_the_date(self):
        _c, late = self._formed_campaign(customers=self.customers[:1], price=100.0)
        self._deliver(late, days_ago=2)
        self._eligible_orders(count=1)
        Settlement = self.env["groupbuy.commission.settlement"]
        settlement = Settlement.browse(Settlement.create_settlements(leader_ids=self.leader.ids))
        self.assertEqual(settlement.leader_id, self.leader, "only the leaders asked for")
        self.assertEqual(settlement.amount_total, 10.0)
        self.assertEqual(set(late.groupbuy_commission_line_ids.mapped("state")), {"pending"})
        later = Settlement.create_settlements(date_to=fields.Date.today() + timedelta(days=6), leader_ids=self.leader.ids)
        self.assertEqual(Settlement.browse(later).amount_total, 10.0)

    def test_reversal_nets_on_the_next_settlement(self):
        orders = self._eligible_orders(count=1)
        invoice = self._invoice(orders)
        self._settle(self.leader)
        invoice._reverse_moves(default_values_list=[{"ref": "退货"}]).action_post()
        reversal = orders.groupbuy_commission_line_ids.filtered(lambda l: l.kind == "reversal" and l.leader_id == self.leader)
        self.assertAlmostEqual(reversal.amount, -10.0)
        Settlement = self.env["groupbuy.commission.settlement"]
        self.assertEqual(Settlement.create_settlements(leader_ids=self.leader.ids), [], "nothing positive to pay yet")
        more = self._eligible_orders(count=2, price=50.0)
        nxt = Settlement.browse(Settlement.create_settlements(leader_ids=self.leader.ids))
        self.assertFalse(nxt, "5 + 5 − 10 = 0: still nothing to pay")
        self.assertTrue(more)
        self._eligible_orders(count=1, price=300.0)
        nxt = Settlement.browse(Settlement.create_settlements(leader_ids=self.leader.ids))
        self.assertIn(reversal, nxt.line_ids)
        self.assertEqual(nxt.amount_total, 5.0 + 5.0 + 30.0 - 10.0)

    def test_bill_paid_marks_lines_paid(self):
        self._eligible_orders(count=1)
        settlement = self._settle(self.leader)
        bill = settlement.move_id
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=bill.ids).create(
            {"journal_id": self.bank_journal.id}
        )._create_payments()
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        self.assertEqual(settlement.state, "paid")
        self.assertEqual(set(settlement.line_ids.mapped("state")), {"paid"})
        # the payment undone: back to settled
        bill.line_ids.filtered(lambda l: l.account_type == "liability_payable").remove_move_reconcile()
        self.assertEqual(settlement.state, "invoiced")
        self.assertEqual(set(settlement.line_ids.mapped("state")), {"settled"})

    def test_cancel_draft_settlement_frees_its_lines(self):
        self._eligible_orders(count=1)
        Settlement = self.env["groupbuy.commission.settlement"]
        settlement = Settlement.browse(Settlement.create_settlements(leader_ids=self.leader.ids))
        lines = settlement.line_ids
        settlement.action_cancel()
        self.assertEqual(set(lines.mapped("state")), {"eligible"})
        self.assertFalse(lines.settlement_id)
        again = Settlement.browse(Settlement.create_settlements(leader_ids=self.leader.ids))
        self.assertEqual(again.line_ids, lines)
        again.action_confirm()
        with self.assertRaises(UserError):
            again.action_cancel()

    def test_statement_pdf_masks_customers_and_says_the_total_in_words(self):
        self._eligible_orders(count=2, price=617.5)
        settlement = self._settle(self.leader)
        self.assertEqual(settlement.amount_total, 123.5)
        self.assertEqual(settlement._groupbuy_amount_in_words(), "壹佰贰拾叁元伍角")
        report = self.env["ir.actions.report"]
        html = report._render_qweb_html(
            "groupbuy_commission.report_commission_statement", settlement.ids
        )[0].decode()
        self.assertIn("壹佰贰拾叁元伍角", html)
        self.assertIn(self.env["sale.order"]._groupbuy_mask_name(self.customers[0].name), html)
        self.assertNotIn(self.customers[0].name + "<", html)
        self.assertIn(self.rule_all.name, html)
        # in English for a leader who reads English
        self.leader.lang = "en_US"
        html_en = report._render_qweb_html(
            "groupbuy_commission.report_commission_statement", settlement.ids
        )[0].decode()
        self.assertIn("Commission statement", html_en)

    def test_cron_settles_on_the_period_boundary(self):
        self._eligible_orders(count=1)
        Settlement = self.env["groupbuy.commission.settlement"]
        self.company.groupbuy_settlement_period = "monthly"
        today = fields.Date.today()
        not_first = today.replace(day=2) if today.day != 2 else today.replace(day=3)
        self.assertFalse(Settlement._cron_create_settlements(today=not_first))
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        created = Settlement._cron_create_settlements(today=first)
        self.assertEqual(created.mapped("state"), ["invoiced", "invoiced"])
        self.assertEqual(set(created.mapped("date_to")), {first - timedelta(days=1)})
        self.assertFalse(Settlement._cron_create_settlements(today=first), "rerunning pays nothing twice")
        self.company.groupbuy_settlement_period = "weekly"
        monday = date(2030, 1, 7)
        self.assertFalse(Settlement._cron_create_settlements(today=monday))
        self.assertTrue(self.env.ref("groupbuy_commission.ir_cron_groupbuy_commission_settle").active)

    def test_wizard_settles_chosen_leaders(self):
        self._eligible_orders(count=1)
        wizard = self.env["groupbuy.commission.settle.wizard"].create({"leader_ids": [Command.set(self.head_leader.ids)]})
        action = wizard.action_settle()
        settlement = self.env["groupbuy.commission.settlement"].search(action["domain"])
        self.assertEqual(settlement.leader_id, self.head_leader)
        self.assertEqual(settlement.state, "invoiced")
        with self.assertRaises(UserError):
            self.env["groupbuy.commission.settle.wizard"].create({"leader_ids": [Command.set(self.head_leader.ids)]}).action_settle()

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import GroupbuyCommissionCommon


@tagged("post_install", "-at_install")
class TestCommissionLifecycle(GroupbuyCommissionCommon):
    def test_cancelled_order_cancels_its_pending_lines(self):
        campaign, order = self._formed_campaign(price=100.0)
        self.assertEqual(order.groupbuy_commission_line_ids.mapped("state"), ["pending", "pending"])
        order.action_groupbuy_withdraw()
        self.assertEqual(set(order.groupbuy_commission_line_ids.mapped("state")), {"cancelled"})
        self.assertFalse(order.groupbuy_commission_line_ids.filtered(lambda l: l.kind == "reversal"))
        self.assertEqual(order.groupbuy_commission_total, 0.0)

    def test_staff_without_commission_rights_can_still_cancel(self):
        _campaign, order = self._formed_campaign(price=100.0)
        salesman = new_test_user(self.env, login="gbc_salesman", groups="sales_team.group_sale_salesman_all_leads")
        self.assertFalse(self.env["groupbuy.commission.line"].with_user(salesman).has_access("read"))
        order.with_user(salesman).with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(set(order.groupbuy_commission_line_ids.mapped("state")), {"cancelled"})

    def test_eligible_after_delivery_and_window(self):
        _c, order = self._formed_campaign(price=100.0)
        Line = self.env["groupbuy.commission.line"]
        Line._groupbuy_update_eligible()
        self.assertEqual(set(order.groupbuy_commission_line_ids.mapped("state")), {"pending"}, "not delivered yet")
        self._deliver(order, days_ago=3)
        Line._groupbuy_update_eligible()
        self.assertEqual(set(order.groupbuy_commission_line_ids.mapped("state")), {"pending"}, "still in the window")
        Line._groupbuy_update_eligible(fields.Date.today() + timedelta(days=4))
        lines = order.groupbuy_commission_line_ids
        self.assertEqual(set(lines.mapped("state")), {"eligible"})
        self.assertEqual(lines[0].date_eligible, fields.Date.today() + timedelta(days=4))

    def test_history_is_never_edited(self):
        _c, order = self._formed_campaign(price=100.0)
        self._make_eligible(order)
        self.env["groupbuy.commission.line"]._groupbuy_update_eligible()
        with self.assertRaises(UserError):
            order.groupbuy_commission_line_ids[0].amount = 1.0

    def test_credit_note_after_settlement_adds_reversals(self):
        _c, order = self._formed_campaign(qty=2, price=50.0)
        invoice = self._invoice(order)
        self._make_eligible(order)
        settlement = self._settle(self.leader)
        direct = order.groupbuy_commission_line_ids.filtered(lambda l: l.kind == "direct")
        team = order.groupbuy_commission_line_ids.filtered(lambda l: l.kind == "team")
        self.assertEqual(direct.settlement_id, settlement)
        self.assertEqual(direct.state, "settled")
        # the customer is refunded one of the two bags by a credit note
        reversal_wizard = self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"journal_id": invoice.journal_id.id, "reason": "一袋破损"})
        credit_note = self.env["account.move"].browse(reversal_wizard.refund_moves()["res_id"])
        with Form(credit_note) as form:
            with form.invoice_line_ids.edit(0) as line:
                line.quantity = 1
        credit_note.action_post()
        self.assertEqual(direct.amount, 10.0, "the settled line is left as it was")
        self.assertEqual(direct.state, "settled")
        reversals = order.groupbuy_commission_line_ids.filtered(lambda l: l.kind == "reversal")
        self.assertEqual(len(reversals), 2)
        by_origin = {r.origin_line_id: r for r in reversals}
        self.assertAlmostEqual(by_origin[direct].amount, -5.0)
        self.assertAlmostEqual(by_origin[team].amount, -1.0)
        self.assertEqual(by_origin[direct].state, "eligible")
        self.assertEqual(by_origin[direct].leader_id, self.leader)
        self.assertEqual(by_origin[team].leader_id, self.head_leader)
        # posting the same refund again changes nothing: the reversal is there already
        order._groupbuy_commission_sync()
        self.assertEqual(len(order.groupbuy_commission_line_ids.filtered(lambda l: l.kind == "reversal")), 2)
        self.assertAlmostEqual(order.groupbuy_commission_total, 6.0, msg="10 + 2 − 5 − 1")

    def test_returned_goods_add_a_reversal(self):
        _c, order = self._formed_campaign(qty=4, price=25.0)
        self._make_eligible(order)
        self.env["groupbuy.commission.line"]._groupbuy_update_eligible()
        picking = order.picking_ids
        wizard = Form(self.env["stock.return.picking"].with_context(active_id=picking.id, active_model="stock.picking"))
        return_wizard = wizard.save()
        return_wizard.product_return_moves.quantity = 1
        return_picking = self.env["stock.picking"].browse(return_wizard.action_create_returns()["res_id"])
        return_picking.move_ids.quantity = 1
        return_picking.move_ids.picked = True
        return_picking.button_validate()
        direct = order.groupbuy_commission_line_ids.filtered(lambda l: l.kind == "direct")
        self.assertEqual(direct.amount, 10.0)
        reversal = direct.reversal_ids.filtered(lambda l: l.kind == "reversal")
        self.assertAlmostEqual(reversal.amount, -2.5, msg="one of four bags back: 10 % of 25.00")

    def test_cancel_after_eligible_reverses_everything(self):
        _c, order = self._formed_campaign(qty=1, price=80.0)
        self.env["groupbuy.commission.line"].search([("order_id", "=", order.id)]).write({
            "state": "eligible", "date_eligible": fields.Date.today(),
        })
        order.with_context(disable_cancel_warning=True)._action_cancel()
        reversals = order.groupbuy_commission_line_ids.filtered(lambda l: l.kind == "reversal")
        self.assertEqual(sorted(reversals.mapped("amount")), [-8.0, -1.6])
        self.assertEqual(order.groupbuy_commission_total, 0.0)

    def test_amounts_are_rounded_by_currency(self):
        self.rule_all.value = 3.33
        _c, order = self._formed_campaign(qty=3, price=9.99)
        lines = order.groupbuy_commission_line_ids
        # 29.97 × 3.33 % = 0.998001 → 1.00; team 20 % → 0.20
        self.assertEqual(sorted(lines.mapped("amount")), [0.2, 1.0])
        for amount in lines.mapped("amount"):
            self.assertEqual(amount, self.currency.round(amount))

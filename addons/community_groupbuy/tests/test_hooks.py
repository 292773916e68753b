from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import GroupbuyCommon


@tagged("post_install", "-at_install")
class TestJoinHooks(GroupbuyCommon):
    """What other addons (commission, pickup) and integrators build on."""

    def test_join_refuses_options_nobody_declared(self):
        campaign = self._open_campaign()
        with self.assertRaisesRegex(UserError, "does not take these options: pickup_pont_id"):
            campaign.join(self.customers[0].id, [{"product_id": self.peach.id, "qty": 1}], pickup_pont_id=3)
        self.assertFalse(campaign.order_ids, "a refused join records nothing")
        self.assertEqual(campaign.line_ids.sold_qty, 0)

    def test_join_records_who_brought_the_customer(self):
        campaign = self._open_campaign()
        other_community = self.env["groupbuy.community"].create({"name": "赵团长群", "leader_id": self.other_leader.id})
        order_id = campaign.join(
            self.customers[0].id, [{"product_id": self.peach.id, "qty": 1}],
            source_leader_id=self.other_leader.id, source_community_id=other_community.id,
        )
        order = self.env["sale.order"].browse(order_id)
        self.assertEqual(order.groupbuy_source_leader_id, self.other_leader)
        self.assertEqual(order.groupbuy_source_community_id, other_community)
        self.assertEqual(order.groupbuy_leader_id, self.leader)
        # a community that is not the source leader's is not recorded
        order = self.env["sale.order"].browse(campaign.join(
            self.customers[1].id, [{"product_id": self.peach.id, "qty": 1}],
            source_leader_id=self.other_leader.id, source_community_id=self.community.id,
        ))
        self.assertEqual(order.groupbuy_source_leader_id, self.other_leader)
        self.assertFalse(order.groupbuy_source_community_id)
        # without a source, the campaign's own leader and community
        order = self._join(campaign, self.customers[2])
        self.assertEqual(order.groupbuy_source_leader_id, self.leader)
        self.assertEqual(order.groupbuy_source_community_id, self.community)

    def test_answers_are_checked_by_type_in_the_model(self):
        campaign = self._open_campaign(answer_definition=[
            {"name": "size", "string": "规格", "type": "selection",
             "selection": [["5jin", "5斤装"], ["3jin", "3斤装"]]},
            {"name": "boxes", "string": "箱数", "type": "integer"},
            {"name": "note", "string": "备注", "type": "char"},
        ])
        cases = [
            ({"size": "10jin"}, "Choose one of the options for 规格"),
            ({"boxes": "two"}, "箱数 must be a whole number"),
            ({"boxes": 1.5}, "箱数 must be a whole number"),
            ({"note": ["a", "b"]}, "备注 must be a text"),
            ({"note": "x" * 501}, "too long"),
        ]
        for answers, message in cases:
            with self.subTest(answers=answers), self.assertRaisesRegex(UserError, message):
                self._join(campaign, self.customers[0], answers=answers)
        self.assertFalse(campaign.order_ids)
        order = self._join(campaign, self.customers[0], answers={"size": "3jin", "boxes": 2, "note": " 放门卫 "})
        self.assertEqual(order.groupbuy_answers, {"size": "3jin", "boxes": 2, "note": "放门卫"})

    def test_every_answer_type_is_checked_as_the_api_receives_it(self):
        campaign = self._open_campaign(answer_definition=[
            {"name": "size", "string": "规格", "type": "selection",
             "selection": [["5jin", "5斤装"], ["3jin", "3斤装"]]},
            {"name": "weight", "string": "重量", "type": "float"},
            {"name": "day", "string": "取货日", "type": "date"},
            {"name": "slot", "string": "取货时间", "type": "datetime"},
            {"name": "extras", "string": "加购", "type": "tags", "tags": [["ice", "冰袋", 1], ["box", "礼盒", 2]]},
            {"name": "address", "string": "地址", "type": "many2one", "comodel": "res.partner"},
        ])
        cases = [
            ({"size": ["5jin"]}, "Choose one of the options for 规格"),  # not a text: no TypeError
            ({"size": 5}, "Choose one of the options for 规格"),
            ({"weight": float("nan")}, "重量 must be a number"),
            ({"weight": "1.5"}, "重量 must be a number"),
            ({"day": "下周二"}, "取货日 must be a date"),
            ({"day": 20261201}, "取货日 must be a date"),
            ({"slot": "明天上午"}, "取货时间 must be a date and time"),
            ({"extras": ["ice", "gold"]}, "Choose among the tags offered for 加购"),
            ({"extras": "ice"}, "Choose among the tags offered for 加购"),
            ({"address": self.customers[1].id}, "地址 cannot be answered when joining"),
        ]
        for answers, message in cases:
            with self.subTest(answers=answers), self.assertRaisesRegex(UserError, message):
                self._join(campaign, self.customers[0], answers=answers)
        self.assertFalse(campaign.order_ids, "a refused answer records nothing")
        self.assertEqual(campaign.line_ids.sold_qty, 0)
        order = self._join(campaign, self.customers[0], answers={
            "size": "5jin", "weight": 2, "day": "2026-12-08", "slot": "2026-12-08 09:30:00", "extras": ["ice"],
        })
        self.assertEqual(order.groupbuy_answers["size"], "5jin")
        self.assertEqual(order.groupbuy_answers["weight"], 2.0)

    def test_price_final_hook_sees_every_confirmed_order_at_close(self):
        campaign = self._open_campaign(min_participants=2)
        orders = self._join(campaign, self.customers[0]) | self._join(campaign, self.customers[1])
        withdrawn = self._join(campaign, self.customers[2])
        withdrawn.action_groupbuy_withdraw()
        SaleOrder = type(self.env["sale.order"])
        seen = []
        original = SaleOrder._groupbuy_price_final

        def spy(records):
            seen.extend(records.ids)
            return original(records)

        with patch.object(SaleOrder, "_groupbuy_price_final", spy):
            campaign.action_close()
        self.assertEqual(campaign.state, "done")
        self.assertEqual(sorted(seen), sorted(orders.ids))

    def test_refund_returns_what_it_created(self):
        campaign = self._open_campaign(min_participants=1)
        order = self._join(campaign, self.customers[0], qty=2)
        self._pay(order)
        result = order._groupbuy_refund(10.0, "test")
        self.assertEqual(len(result["transactions"]), 1)
        self.assertAlmostEqual(result["transactions"].amount, -10.0)
        self.assertFalse(result["payments"])
        self.demo_provider.state = "disabled"
        result = order._groupbuy_refund(5.0, "test")
        self.assertFalse(result["transactions"])
        self.assertEqual(len(result["payments"]), 1)
        self.assertAlmostEqual(result["payments"].amount, 5.0)
        self.assertAlmostEqual(order.groupbuy_amount_paid, 44.8)

    def test_form_parsing_is_a_model_method(self):
        campaign = self._open_campaign(answer_definition=[{"name": "boxes", "string": "箱数", "type": "integer"}])
        line = campaign.line_ids
        self.assertEqual(
            campaign._groupbuy_parse_form_lines({f"qty_{line.id}": " 2 ", "qty_999999": "5"}),
            [{"product_id": self.peach.id, "qty": 2.0}],
        )
        self.assertEqual(campaign._groupbuy_parse_form_answers({"answer_boxes": "3"}), {"boxes": 3})
        with self.assertRaisesRegex(UserError, "whole number"):
            campaign._groupbuy_parse_form_answers({"answer_boxes": "三"})

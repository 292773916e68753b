from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import GroupbuyCommon


@tagged("post_install", "-at_install")
class TestJoin(GroupbuyCommon):

    def test_join_creates_a_waiting_sale_order(self):
        campaign = self._open_campaign()
        order = self._join(campaign, self.customers[0], qty=2)
        self.assertEqual(order.partner_id, self.customers[0])
        self.assertEqual(order.groupbuy_campaign_id, campaign)
        self.assertEqual(order.groupbuy_status, "waiting")
        self.assertEqual(order.state, "draft", "visible in Sales as a quotation")
        self.assertEqual(order.order_line.product_uom_qty, 2)
        self.assertAlmostEqual(order.order_line.price_unit, 29.9)
        self.assertAlmostEqual(order.amount_total, 59.8)
        self.assertEqual(order.groupbuy_leader_id, self.leader)
        # the leader of an order is who led the campaign when the customer joined
        campaign.leader_id = self.other_leader
        self.assertEqual(order.groupbuy_leader_id, self.leader)

    def test_refusals_have_clear_messages(self):
        campaign = self._open_campaign(
            lines=[{"product_id": self.peach.id, "price_unit": 29.9, "max_qty": 5, "max_qty_per_customer": 2}]
        )
        customer = self.customers[0]
        with self.assertRaisesRegex(UserError, "not part of campaign"):
            campaign.join(customer.id, [{"product_id": self.rice.id, "qty": 1}])
        with self.assertRaisesRegex(UserError, "must be more than 0"):
            campaign.join(customer.id, [{"product_id": self.peach.id, "qty": 0}])
        with self.assertRaisesRegex(UserError, "must be more than 0"):
            campaign.join(customer.id, [{"product_id": self.peach.id, "qty": -1}])
        with self.assertRaisesRegex(UserError, "at most 2"):
            campaign.join(customer.id, [{"product_id": self.peach.id, "qty": 3}])
        with self.assertRaisesRegex(UserError, "Choose at least one product"):
            campaign.join(customer.id, [])
        with self.assertRaisesRegex(UserError, "customer is unknown"):
            campaign.join(0, [{"product_id": self.peach.id, "qty": 1}])
        with self.assertRaisesRegex(UserError, "must be a number"):
            campaign.join(customer.id, [{"product_id": self.peach.id, "qty": "two"}])
        self.assertFalse(campaign.order_ids, "a refused join records nothing")
        self.assertEqual(campaign.line_ids.sold_qty, 0)

    def test_per_customer_limit_counts_all_entries(self):
        campaign = self._open_campaign(
            lines=[{"product_id": self.peach.id, "price_unit": 29.9, "max_qty_per_customer": 2}]
        )
        self._join(campaign, self.customers[0], qty=1)
        self._join(campaign, self.customers[0], qty=1)
        with self.assertRaisesRegex(UserError, "at most 2"):
            self._join(campaign, self.customers[0], qty=1)
        # someone else is not affected
        self._join(campaign, self.customers[1], qty=2)
        self.assertEqual(campaign.line_ids.sold_qty, 4)

    def test_stock_cap_is_never_passed(self):
        campaign = self._open_campaign(
            lines=[{"product_id": self.peach.id, "price_unit": 29.9, "max_qty": 3}], min_participants=10
        )
        self._join(campaign, self.customers[0], qty=2)
        with self.assertRaisesRegex(UserError, "sold out"):
            self._join(campaign, self.customers[1], qty=2)
        self._join(campaign, self.customers[1], qty=1)
        self.assertEqual(campaign.line_ids.sold_qty, 3)
        self.assertEqual(campaign.line_ids.remaining_qty, 0)

    def test_multi_product_join_is_all_or_nothing(self):
        campaign = self._open_campaign(lines=[
            {"product_id": self.peach.id, "price_unit": 29.9, "max_qty": 10},
            {"product_id": self.rice.id, "price_unit": 49.0, "max_qty": 1},
        ])
        with self.assertRaisesRegex(UserError, "sold out"):
            campaign.join(self.customers[0].id, [
                {"product_id": self.peach.id, "qty": 2},
                {"product_id": self.rice.id, "qty": 2},
            ])
        self.assertEqual(campaign.line_ids.mapped("sold_qty"), [0, 0])
        order = self.env["sale.order"].browse(campaign.join(self.customers[0].id, [
            {"product_id": self.peach.id, "qty": 2},
            {"product_id": self.rice.id, "qty": 1},
        ]))
        self.assertEqual(len(order.order_line), 2)
        self.assertAlmostEqual(order.amount_total, 2 * 29.9 + 49.0)

    def test_cancelled_order_gives_its_units_back(self):
        campaign = self._open_campaign(
            lines=[{"product_id": self.peach.id, "price_unit": 29.9, "max_qty": 2, "max_qty_per_customer": 2}],
            min_participants=5,
        )
        order = self._join(campaign, self.customers[0], qty=2)
        order.action_groupbuy_withdraw()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.groupbuy_status, "cancelled")
        self.assertEqual(campaign.line_ids.sold_qty, 0)
        self._join(campaign, self.customers[0], qty=2)
        self.assertEqual(campaign.line_ids.sold_qty, 2)

    def test_exclusive_campaign_accepts_only_its_segment(self):
        vip = self.env["res.partner.category"].create({"name": "VIP会员"})
        self.customers[5].category_id = [Command.link(vip.id)]
        campaign = self._open_campaign(
            mode="exclusive",
            allowed_category_ids=[Command.set(vip.ids)],
            allowed_community_ids=[Command.set(self.community.ids)],
        )
        self._join(campaign, self.customers[0])  # member of the community
        self._join(campaign, self.customers[5])  # has the tag
        with self.assertRaisesRegex(UserError, "reserved for members"):
            self._join(campaign, self.customers[6])
        self.assertEqual(campaign.participant_count, 2)

    def test_price_tiers_apply_to_the_join(self):
        campaign = self._open_campaign(
            lines=[{
                "product_id": self.peach.id,
                "price_unit": 29.9,
                "tier_ids": [
                    Command.create({"min_participants": 3, "price_unit": 27.9}),
                    Command.create({"min_participants": 5, "price_unit": 25.9}),
                ],
            }],
            min_participants=2,
        )
        prices = [self._join(campaign, c).order_line.price_unit for c in self.customers[:5]]
        self.assertEqual(prices, [29.9, 29.9, 27.9, 27.9, 25.9])
        self.assertAlmostEqual(campaign.line_ids.current_price, 25.9)

    def test_answers_are_stored_and_checked(self):
        campaign = self._open_campaign(answer_definition=[
            {"name": "size", "string": "规格", "type": "selection",
             "selection": [["5jin", "5斤装"], ["3jin", "3斤装"]]},
            {"name": "note", "string": "备注", "type": "char"},
        ])
        order = self._join(campaign, self.customers[0], answers={"size": "5jin", "note": "请放门卫"})
        self.assertEqual(order.groupbuy_answers, {"size": "5jin", "note": "请放门卫"})
        with self.assertRaisesRegex(UserError, "does not ask: colour"):
            self._join(campaign, self.customers[1], answers={"colour": "red"})

    def test_payment_does_not_confirm_a_waiting_order(self):
        campaign = self._open_campaign(min_participants=3)
        order = self._join(campaign, self.customers[0])
        tx = self._pay(order)
        self.assertEqual(tx.state, "done")
        self.assertEqual(order.state, "draft", "paid, but the group is not formed yet")
        self.assertAlmostEqual(order.groupbuy_amount_paid, 29.9)
        self._join(campaign, self.customers[1])
        self._join(campaign, self.customers[2])
        self.assertEqual(order.state, "sale")

    def test_group_price_survives_quantity_change(self):
        campaign = self._open_campaign()
        order = self._join(campaign, self.customers[0])
        order.order_line.product_uom_qty = 3
        self.assertAlmostEqual(order.order_line.price_unit, 29.9, msg="the pricelist does not override the group price")

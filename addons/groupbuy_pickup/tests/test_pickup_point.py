from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import GroupbuyPickupCommon


@tagged("post_install", "-at_install")
class TestPickupPointChoice(GroupbuyPickupCommon):

    def test_join_without_a_point_gets_the_communitys_default(self):
        campaign = self._campaign_with_points()
        order = self._join(campaign, self.customers[0])
        self.assertEqual(order.groupbuy_pickup_point_id, self.point)
        # pickup is an Odoo delivery method on the order, free, delivered to the point
        self.assertEqual(order.carrier_id, self.carrier)
        self.assertEqual(order.carrier_id.delivery_type, "groupbuy_pickup")
        self.assertEqual(order.partner_shipping_id, self.point.partner_id)
        self.assertEqual(order.partner_invoice_id, self.customers[0], "the customer is still billed")
        self.assertEqual(self.carrier.rate_shipment(order)["price"], 0.0)
        # when the group forms, the delivery is made to the point's address
        self._join(campaign, self.customers[1])
        self.assertEqual(campaign.state, "succeeded")
        self.assertEqual(order.picking_ids.partner_id, self.point.partner_id)

    def test_without_community_default_the_leaders_first_point(self):
        campaign = self._campaign_with_points(community_id=False)
        order = self._join(campaign, self.customers[5])
        self.assertEqual(order.groupbuy_pickup_point_id, self.point_b, "the leader's first point by sequence")

    def test_chosen_point_is_stored_and_remembered_for_next_time(self):
        campaign = self._campaign_with_points()
        order_id = campaign.join(
            self.customers[1].id, [{"product_id": self.peach.id, "qty": 1}], pickup_point_id=self.point_b.id
        )
        order = self.env["sale.order"].browse(order_id)
        self.assertEqual(order.groupbuy_pickup_point_id, self.point_b)
        self.assertEqual(self.customers[1].groupbuy_last_pickup_point_id, self.point_b)
        other = self._campaign_with_points(name="大米拼团")
        next_order = self._join(other, self.customers[1])
        self.assertEqual(next_order.groupbuy_pickup_point_id, self.point_b, "remembered from the last join")

    def test_a_point_outside_the_campaign_is_refused(self):
        campaign = self._campaign_with_points()
        with self.assertRaisesRegex(UserError, "Choose one of the pickup points"):
            campaign.join(self.customers[2].id, [{"product_id": self.peach.id, "qty": 1}],
                          pickup_point_id=self.other_point.id)
        with self.assertRaisesRegex(UserError, "Choose a pickup point from the list"):
            campaign.join(self.customers[2].id, [{"product_id": self.peach.id, "qty": 1}],
                          pickup_point_id="abc")
        self.assertFalse(campaign.order_ids, "nothing was reserved or ordered")

    def test_campaign_points_list_restricts_the_choice(self):
        campaign = self._campaign_with_points()
        self._set_points(campaign, self.point_b | self.other_point)
        order = self._join(campaign, self.customers[3])
        self.assertEqual(order.groupbuy_pickup_point_id, self.point_b,
                         "the community's default is not offered: the leader's offered point")
        order_id = campaign.join(self.customers[4].id, [{"product_id": self.peach.id, "qty": 1}],
                                 pickup_point_id=self.other_point.id)
        self.assertEqual(self.env["sale.order"].browse(order_id).groupbuy_pickup_point_id, self.other_point)

    def test_offered_points_order_sharing_leader_first_then_nearest_else_name(self):
        campaign = self._campaign_with_points()
        self._set_points(campaign, self.point | self.point_b | self.other_point)
        lookup = self.carrier._groupbuy_pickup_get_close_locations
        by_name = [loc["id"] for loc in lookup(None, campaign=campaign)]
        self.assertEqual(by_name, sorted(by_name, key=lambda i: self.env["groupbuy.pickup.point"].browse(i).name))
        shared = [loc["id"] for loc in lookup(None, campaign=campaign, source_leader=self.other_leader)]
        self.assertEqual(shared[0], self.other_point.id, "the sharing leader's point first")
        # a customer standing next to the convenience store
        near = lookup(None, campaign=campaign, latitude=31.2299, longitude=121.6199, source_leader=self.other_leader)
        self.assertEqual([loc["id"] for loc in near], [self.other_point.id, self.point_b.id, self.point.id])
        self.assertLess(near[1]["distance"], 0.1)

    def test_chain_entry_shows_the_point_name_only(self):
        campaign = self._campaign_with_points()
        self._form_group(campaign, self.customers[:2])
        entry = campaign._get_chain_entries()[0]
        self.assertEqual(entry["pickup_point"], self.point.name)
        self.assertNotIn(campaign.order_ids[0].groupbuy_pickup_code, str(entry))
        self.assertEqual(campaign._groupbuy_pickup_summary(), [{"name": self.point.name, "orders": 2, "collected": 0}])

    def test_orders_from_before_the_addon_get_their_default_point_and_code(self):
        leader = self.env["res.partner"].create({"name": "新团长", "groupbuy_is_leader": True})
        campaign = self._campaign_with_points(leader_id=leader.id, community_id=False)
        orders = self._form_group(campaign, self.customers[6:8])
        self.assertFalse(orders.groupbuy_pickup_point_id, "the leader has no point yet")
        point = self.env["groupbuy.pickup.point"].create({
            "name": "新团长家", "leader_id": leader.id, "partner_id": leader.id,
        })
        self.env["sale.order"]._groupbuy_assign_default_pickup_points()
        self.assertEqual(orders.groupbuy_pickup_point_id, point)
        self.assertTrue(all(code and len(code) == 10 for code in orders.mapped("groupbuy_pickup_code")))
        self.assertEqual(set(orders.mapped("groupbuy_pickup_state")), {"waiting"})

from odoo.tests import tagged

from .test_portal import GroupbuyPickupHttpCommon


@tagged("post_install", "-at_install")
class TestPickupTours(GroupbuyPickupHttpCommon):
    browser_size = "390x844"  # a phone
    touch_enabled = True

    def test_tour_customer_picks_a_point_when_joining(self):
        campaign = self._campaign_with_points(min_participants=5)
        self.start_tour(f"/en{campaign.website_url}", "groupbuy_pickup_choose_point", login="gbp_cust")
        order = campaign.order_ids
        self.assertEqual(order.partner_id, self.customers[0])
        self.assertEqual(order.groupbuy_pickup_point_id, self.point_b)
        self.assertEqual(self.customers[0].groupbuy_last_pickup_point_id, self.point_b)

    def test_tour_leader_enters_a_code_and_confirms(self):
        campaign = self._campaign_with_points()
        orders = self._form_group(campaign, self.customers[:2])
        self._arrive(orders)
        code = orders[0].groupbuy_pickup_code
        self.start_tour(f"/en/my/groupbuy/pickup#{code}", "groupbuy_pickup_verify_code", login="gbp_leader")
        self.assertEqual(orders[0].groupbuy_pickup_state, "collected")
        self.assertEqual(orders[0].groupbuy_collected_by_id, self.leader_user)
        self.assertEqual(orders[1].groupbuy_pickup_state, "arrived")

    def test_tour_polled_chain_entry_shows_the_point_badge(self):
        campaign = self._campaign_with_points(min_participants=5)
        self.start_tour(f"/en{campaign.website_url}", "groupbuy_pickup_polled_entry_badge", login="gbp_cust")
        self.assertEqual(campaign.order_ids.groupbuy_pickup_point_id, self.point_b)

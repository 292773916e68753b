from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import GroupbuyPickupCommon


class GroupbuyPickupHttpCommon(HttpCase, GroupbuyPickupCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

        def portal_user(login, partner):
            return new_test_user(cls.env, login=login, groups="base.group_portal", partner_id=partner.id,
                                 name=partner.name, lang="en_US")

        cls.customer_user = portal_user("gbp_cust", cls.customers[0])
        cls.other_customer_user = portal_user("gbp_cust2", cls.customers[1])
        cls.leader_user = portal_user("gbp_leader", cls.leader)
        cls.other_leader_user = portal_user("gbp_leader2", cls.other_leader)

    def _csrf(self, url):
        page = self.url_open(url).text
        marker = 'csrf_token: "'
        start = page.index(marker) + len(marker)
        return page[start:page.index('"', start)]

    def _post(self, url, data, page="/my"):
        return self.url_open(url, data=dict(data, csrf_token=self._csrf(page)), allow_redirects=False)


@tagged("post_install", "-at_install")
class TestPickupWebsite(GroupbuyPickupHttpCommon):

    def setUp(self):
        super().setUp()
        self.campaign = self._campaign_with_points()

    def test_join_form_offers_the_campaigns_points_and_stores_the_choice(self):
        self.authenticate("gbp_cust", "gbp_cust")
        html = self.url_open(f"/en{self.campaign.website_url}").text
        self.assertIn('name="pickup_point_id"', html)
        self.assertIn(self.point.name, html)
        self.assertIn(self.point_b.name, html)
        self.assertNotIn(self.other_point.name, html, "another leader's point is not offered")
        select = html[html.index('name="pickup_point_id"'):].split("</select>")[0]
        self.assertRegex(select, rf'value="{self.point.id}"[^>]*selected', "the community's point is preselected")
        line = self.campaign.line_ids[0]
        response = self._post(f"/groupbuy/{self.campaign.share_code}/join",
                              {f"qty_{line.id}": "2", "pickup_point_id": str(self.point_b.id)},
                              page=self.campaign.website_url)
        self.assertEqual(response.status_code, 303)
        order = self.campaign.order_ids
        self.assertEqual(order.groupbuy_pickup_point_id, self.point_b)

    def test_join_with_a_foreign_point_is_refused_with_a_sentence(self):
        self.authenticate("gbp_cust", "gbp_cust")
        line = self.campaign.line_ids[0]
        response = self._post(f"/en/groupbuy/{self.campaign.share_code}/join",
                              {f"qty_{line.id}": "1", "pickup_point_id": str(self.other_point.id)},
                              page=self.campaign.website_url)
        self.assertEqual(response.status_code, 400)
        self.assertIn("Choose one of the pickup points", response.text)
        self.assertFalse(self.campaign.order_ids)

    def test_nearest_points_lookup(self):
        result = self.make_jsonrpc_request(
            f"/groupbuy/{self.campaign.share_code}/pickup_points", {"latitude": 31.2299, "longitude": 121.6199}
        )
        self.assertEqual([loc["id"] for loc in result["pickup_locations"]], [self.point_b.id, self.point.id])

    def test_chain_badge_is_the_point_name_on_the_page_and_in_the_polled_json(self):
        orders = self._form_group(self.campaign, self.customers[:1])
        orders |= self._form_group(self.campaign, self.customers[1:2], pickup_point_id=self.point_b.id)
        html = self.url_open(f"/en{self.campaign.website_url}").text
        self.assertIn(f'o_groupbuy_chain_badge">{self.point.name}</span>', html)
        self.assertIn(f'o_groupbuy_chain_badge">{self.point_b.name}</span>', html)
        chain = self.make_jsonrpc_request(f"/groupbuy/{self.campaign.share_code}/chain", {"after": 0})
        self.assertEqual([entry["badges"] for entry in chain["entries"]], [[self.point.name], [self.point_b.name]])
        polled = self.make_jsonrpc_request(
            f"/groupbuy/{self.campaign.share_code}/chain", {"after": orders[0].groupbuy_sequence}
        )
        self.assertEqual([entry["badges"] for entry in polled["entries"]], [[self.point_b.name]])
        for order in orders:
            self.assertNotIn(order.groupbuy_pickup_code, str(chain), "a badge is never the code")

    def test_code_only_on_the_customers_own_entry_page(self):
        orders = self._form_group(self.campaign, self.customers[:2])
        code = orders[0].groupbuy_pickup_code
        # public page and chain: the point's name, never a code
        public = self.url_open(f"/en{self.campaign.website_url}").text
        self.assertIn(self.point.name, public)
        self.assertNotIn(code, public)
        chain = self.make_jsonrpc_request(f"/groupbuy/{self.campaign.share_code}/chain", {"after": 0})
        self.assertNotIn(code, str(chain))
        # the customer sees their code and its QR
        self.authenticate("gbp_cust", "gbp_cust")
        own = self.url_open(f"/en/my/groupbuy/{orders[0].id}")
        self.assertEqual(own.status_code, 200)
        self.assertIn(code, own.text)
        self.assertIn(f"/report/barcode/QR/{code}", own.text)
        # another customer gets nothing of it
        self.authenticate("gbp_cust2", "gbp_cust2")
        other = self.url_open(f"/en/my/groupbuy/{orders[0].id}")
        self.assertEqual(other.status_code, 404)
        self.assertNotIn(code, self.url_open(f"/en/my/groupbuy/{orders[1].id}").text)
        # the leader's page lists points, not codes
        self.authenticate("gbp_leader", "gbp_leader")
        leader_page = self.url_open(f"/en/my/groupbuy/campaigns/{self.campaign.id}").text
        self.assertIn(self.point.name, leader_page)
        self.assertNotIn(code, leader_page)


@tagged("post_install", "-at_install")
class TestPickupVerificationRoutes(GroupbuyPickupHttpCommon):

    def setUp(self):
        super().setUp()
        self.campaign = self._campaign_with_points()
        self.orders = self._form_group(self.campaign, self.customers[:2])
        self.code = self.orders[0].groupbuy_pickup_code

    def test_access_public_customer_and_other_leader(self):
        response = self.url_open("/my/groupbuy/pickup", allow_redirects=False)
        self.assertEqual(response.status_code, 303, "a visitor is sent to log in")
        self.authenticate("gbp_cust", "gbp_cust")
        self.assertEqual(self.url_open("/my/groupbuy/pickup").status_code, 404, "a customer runs no point")
        self.authenticate("gbp_leader2", "gbp_leader2")
        self.assertEqual(self.url_open("/my/groupbuy/pickup").status_code, 200, "their own point's page")
        self.assertEqual(self.url_open(f"/my/groupbuy/pickup?point_id={self.point.id}").status_code, 404)
        with mute_logger("odoo.http"):
            response = self._post(f"/my/groupbuy/pickup/{self.point.id}/arrived", {})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(set(self.orders.mapped("groupbuy_pickup_state")), {"waiting"})
        self._arrive(self.orders)
        response = self._post("/en/my/groupbuy/pickup/check", {"code": self.code})
        self.assertEqual(response.status_code, 400)
        self.assertIn("another pickup point", response.text)
        response = self._post("/en/my/groupbuy/pickup/confirm", {"code": self.code})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.orders[0].groupbuy_pickup_state, "arrived")

    def test_leader_receives_goods_looks_up_and_confirms(self):
        self.leader_user.lang = "zh_CN"
        self.authenticate("gbp_leader", "gbp_leader")
        # the platform's website speaks Chinese first
        zh = self.url_open(f"/my/groupbuy/pickup?point_id={self.point.id}").text
        self.assertIn("提货核销", zh)
        self.assertIn("确认收货", zh)
        page = self.url_open(f"/en/my/groupbuy/pickup?point_id={self.point.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Goods received", page.text)
        response = self._post(f"/my/groupbuy/pickup/{self.point.id}/arrived", {})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(set(self.orders.mapped("groupbuy_pickup_state")), {"arrived"})
        looked = self._post("/en/my/groupbuy/pickup/check", {"code": self.code, "point_id": self.point.id})
        self.assertEqual(looked.status_code, 200)
        self.assertIn(self.peach.display_name, looked.text)
        self.assertIn("Confirm pickup", looked.text)
        self.assertEqual(self.orders[0].groupbuy_pickup_state, "arrived", "looking up changes nothing")
        done = self._post("/en/my/groupbuy/pickup/confirm", {"code": self.code})
        self.assertEqual(done.status_code, 303)
        self.assertEqual(self.orders[0].groupbuy_pickup_state, "collected")
        self.assertEqual(self.orders[1].groupbuy_pickup_state, "arrived")

    def test_wrong_codes_through_the_page_lock_the_leader_out(self):
        self._arrive(self.orders)
        self.authenticate("gbp_leader", "gbp_leader")
        for i in range(5):
            response = self._post("/en/my/groupbuy/pickup/check", {"code": f"12345678{i:02d}"})
            self.assertIn("No order has this pickup code", response.text)
        response = self._post("/en/my/groupbuy/pickup/check", {"code": self.code})
        self.assertEqual(response.status_code, 400)
        self.assertIn("locked", response.text)
        self.assertEqual(self.env["groupbuy.pickup.attempt"].search_count(
            [("user_id", "=", self.leader_user.id), ("wrong_code", "=", True)]), 5)

    def test_leader_names_a_clerk_who_then_verifies(self):
        clerk = new_test_user(self.env, login="gbp_clerk", groups="base.group_portal", name="店员小张", lang="en_US")
        self._arrive(self.orders)
        self.authenticate("gbp_clerk", "gbp_clerk")
        self.assertEqual(self.url_open("/my/groupbuy/pickup").status_code, 404, "not a clerk yet")
        self.authenticate("gbp_leader", "gbp_leader")
        response = self._post(f"/en/my/groupbuy/pickup/{self.point.id}/clerks", {"login": "nobody"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("Nobody has the login", response.text)
        response = self._post(f"/my/groupbuy/pickup/{self.point.id}/clerks", {"login": "gbp_clerk"})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.point.clerk_user_ids, clerk)
        self.authenticate("gbp_clerk", "gbp_clerk")
        page = self.url_open(f"/en/my/groupbuy/pickup?point_id={self.point.id}").text
        self.assertNotIn("Add clerk", page, "a clerk does not name clerks")
        self.assertEqual(self._post("/my/groupbuy/pickup/confirm", {"code": self.code}).status_code, 303)
        self.assertEqual(self.orders[0].groupbuy_collected_by_id, clerk)
        response = self._post(f"/en/my/groupbuy/pickup/{self.point.id}/clerks", {"remove_user_id": clerk.id})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.point.clerk_user_ids, clerk)
        self.authenticate("gbp_leader", "gbp_leader")
        self._post(f"/my/groupbuy/pickup/{self.point.id}/clerks", {"remove_user_id": clerk.id})
        self.assertFalse(self.point.clerk_user_ids)

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestBackofficeTour(HttpCase):

    def test_staff_create_schedule_and_open_a_campaign(self):
        leader = self.env["res.partner"].create({"name": "巡检团长", "groupbuy_is_leader": True})
        product = self.env["product.product"].create({"name": "巡检水蜜桃", "list_price": 39.9})
        self.start_tour(
            "/odoo/action-community_groupbuy.action_groupbuy_campaign",
            "groupbuy_backoffice_campaign",
            login="admin",
        )
        campaign = self.env["groupbuy.campaign"].search([("name", "=", "巡检水蜜桃团")])
        self.assertEqual(campaign.state, "open")
        self.assertEqual(campaign.leader_id, leader)
        self.assertEqual(campaign.line_ids.product_id, product)
        self.assertAlmostEqual(campaign.line_ids.price_unit, 29.9)

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import GroupbuyCommon


@tagged("post_install", "-at_install")
class TestAccess(GroupbuyCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.leader_user = new_test_user(
            cls.env, login="leader_li", groups="base.group_portal", partner_id=cls.leader.id
        )
        cls.other_leader_user = new_test_user(
            cls.env, login="leader_zhao", groups="base.group_portal", partner_id=cls.other_leader.id
        )
        cls.officer = new_test_user(
            cls.env, login="gb_officer", groups="community_groupbuy.group_groupbuy_officer"
        )
        cls.salesman = new_test_user(cls.env, login="gb_salesman", groups="sales_team.group_sale_salesman")
        cls.mine = cls._open_campaign()
        cls.theirs = cls._open_campaign(leader_id=cls.other_leader.id, community_id=False)

    def test_leader_sees_only_own_campaigns(self):
        Campaign = self.env["groupbuy.campaign"].with_user(self.leader_user)
        visible = Campaign.search([("id", "in", (self.mine | self.theirs).ids)])
        self.assertEqual(visible, self.mine)
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.leader_user).read(["name"])
        lines = self.env["groupbuy.campaign.line"].with_user(self.leader_user).search(
            [("campaign_id", "in", (self.mine | self.theirs).ids)]
        )
        self.assertEqual(lines.campaign_id, self.mine)
        communities = self.env["groupbuy.community"].with_user(self.leader_user).search([])
        self.assertEqual(communities, self.community)

    def test_leader_cannot_write_campaigns(self):
        with self.assertRaises(AccessError):
            self.mine.with_user(self.leader_user).write({"min_participants": 1})

    def test_officer_runs_campaigns_but_cannot_delete(self):
        campaign = self._create_campaign().with_user(self.officer)
        campaign.write({"min_participants": 2})
        campaign.action_schedule()
        self.assertEqual(campaign.state, "open")
        with self.assertRaises(AccessError):
            campaign.unlink()

    def test_officer_joins_on_behalf_of_a_customer(self):
        order_id = self.mine.with_user(self.officer).join(
            self.customers[0].id, [{"product_id": self.peach.id, "qty": 1}]
        )
        self.assertEqual(self.env["sale.order"].browse(order_id).groupbuy_campaign_id, self.mine)

    def test_salesman_reads_but_cannot_change_campaigns(self):
        self.mine.with_user(self.salesman).read(["name", "state"])
        with self.assertRaises(AccessError):
            self.mine.with_user(self.salesman).write({"name": "x"})

    def test_customer_counters_are_not_for_portal(self):
        with self.assertRaises(AccessError):
            self.env["groupbuy.campaign.line.customer"].with_user(self.leader_user).search([])

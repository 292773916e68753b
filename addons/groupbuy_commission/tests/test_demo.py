from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestCommissionDemo(HttpCase):
    """李娜 (login ``leader``) opens her commission page on the demo database."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env.ref("groupbuy_commission.campaign_veg_1", raise_if_not_found=False):
            raise RuntimeError("The commission demo is not installed: build the test database with demo data.")
        cls.li = cls.env.ref("community_groupbuy.partner_leader_li")
        cls.withdrawal = cls.env["groupbuy.withdrawal"].search([("leader_id", "=", cls.li.id)])

    def test_the_demo_leader_has_pending_eligible_and_settled_commission(self):
        lines = self.env["groupbuy.commission.line"].search([("leader_id", "=", self.li.id)])
        self.assertLessEqual({"pending", "eligible", "settled"}, set(lines.mapped("state")))
        settlement = self.env["groupbuy.commission.settlement"].search([("leader_id", "=", self.li.id)])
        self.assertEqual(len(settlement), 1)
        self.assertEqual(settlement.move_id.state, "posted")
        self.assertEqual(self.withdrawal.state, "paid")
        self.assertEqual(self.withdrawal.payment_id.partner_id, self.li)
        team = self.env["groupbuy.commission.line"].search([("origin_line_id", "in", lines.ids), ("kind", "=", "team")])
        self.assertEqual(team.leader_id, self.env.ref("community_groupbuy.partner_leader_wang"), "her head leader's share")

    def test_her_portal_page_shows_real_figures(self):
        li = self.li.with_company(self.env.company)
        self.assertGreater(li.groupbuy_commission_pending, 0)
        self.assertGreater(li.groupbuy_commission_eligible, 0)
        self.assertGreater(li.groupbuy_commission_balance, 0)
        self.assertEqual(li.groupbuy_commission_withdrawn, 30.0)
        self.authenticate("leader", "leader")
        page = self.url_open("/zh_CN/my/groupbuy/commission", timeout=60)
        self.assertEqual(page.status_code, 200)
        settlement = self.env["groupbuy.commission.settlement"].search([("leader_id", "=", self.li.id)])
        for amount in (li.groupbuy_commission_pending, li.groupbuy_commission_eligible,
                       li.groupbuy_commission_balance, 30.0):
            self.assertIn(f"{amount:.2f}", page.text)
        self.assertIn(settlement.name, page.text, "her statement is listed")
        self.assertIn("有机蔬菜箱", page.text, "her orders' lines")
        statement = self.url_open(f"/my/groupbuy/commission/statements/{settlement.id}?report_type=html", timeout=60)
        self.assertEqual(statement.status_code, 200)
        self.assertIn(settlement.name, statement.text)

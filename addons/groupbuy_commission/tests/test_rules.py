from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import GroupbuyCommissionCommon


@tagged("post_install", "-at_install")
class TestCommissionRules(GroupbuyCommissionCommon):
    def _direct(self, orders):
        return orders.groupbuy_commission_line_ids.filtered(lambda l: l.kind == "direct")

    def test_percent_of_untaxed_amount_on_confirmation(self):
        _campaign, order = self._formed_campaign(qty=3, price=29.9)
        self.assertEqual(order.state, "sale")
        line = self._direct(order)
        self.assertEqual(line.leader_id, self.leader)
        self.assertEqual(line.state, "pending")
        self.assertEqual(line.rule_id, self.rule_all)
        # 3 × 29.90 = 89.70, 10 % = 8.97
        self.assertAlmostEqual(line.amount, 8.97)

    def test_no_commission_while_waiting_for_the_group(self):
        _campaign, order = self._formed_campaign(min_participants=3)
        self.assertEqual(order.groupbuy_status, "waiting")
        self.assertFalse(order.groupbuy_commission_line_ids)

    def test_fixed_per_unit_and_margin(self):
        Rule = self.env["groupbuy.commission.rule"]
        Rule.create({"name": "大米 ¥1.5/袋", "amount_type": "fixed", "value": 1.5, "product_id": self.rice.id})
        _campaign, order = self._formed_campaign(qty=4)
        self.assertAlmostEqual(self._direct(order).amount, 6.0)

        self.peach.standard_price = 20.0
        Rule.create({"name": "桃 毛利 30%", "amount_type": "margin", "value": 30, "product_id": self.peach.id})
        _campaign, order = self._formed_campaign(qty=2, product=self.peach, price=29.9)
        # margin (59.80 − 2 × 20) = 19.80, 30 % = 5.94
        self.assertAlmostEqual(self._direct(order).amount, 5.94)

    def test_most_specific_rule_wins(self):
        Rule = self.env["groupbuy.commission.rule"]
        categ = self.env["product.category"].create({"name": "粮油"})
        self.rice.categ_id = categ
        by_categ = Rule.create({"name": "粮油 5%", "value": 5, "categ_id": categ.id})
        by_categ_leader = Rule.create({"name": "粮油 李 6%", "value": 6, "categ_id": categ.id, "leader_id": self.leader.id})
        # an other leader's own rule never applies to this leader
        Rule.create({"name": "赵 50%", "value": 50, "product_id": self.rice.id, "leader_id": self.other_leader.id})
        _c, order = self._formed_campaign()
        self.assertEqual(self._direct(order).rule_id, by_categ_leader, "a leader's own rule beats the general one")
        by_categ_leader.active = False
        _c, order = self._formed_campaign()
        self.assertEqual(self._direct(order).rule_id, by_categ, "category beats all products")
        by_product = Rule.create({"name": "大米 7%", "value": 7, "product_id": self.rice.id})
        _c, order = self._formed_campaign()
        self.assertEqual(self._direct(order).rule_id, by_product, "product beats category")
        campaign, _orders = self._formed_campaign(min_participants=2)
        by_campaign = Rule.create({"name": "本团 9%", "value": 9, "campaign_id": campaign.id})
        campaign.join(self.customers[5].id, [{"product_id": self.rice.id, "qty": 1}])
        self.assertEqual(set(self._direct(campaign.order_ids).rule_id.ids), {by_campaign.id}, "campaign beats product")

    def test_tiers_reprice_pending_lines_at_close(self):
        self.rule_all.tier_ids = [
            (0, 0, {"min_participants": 3, "value": 12}),
            (0, 0, {"min_participants": 5, "value": 15}),
        ]
        campaign, orders = self._formed_campaign(customers=self.customers[:1], price=100.0)
        self.assertAlmostEqual(self._direct(orders).amount, 10.0, msg="1 participant: the base 10 %")
        for customer in self.customers[1:5]:
            campaign.join(customer.id, [{"product_id": self.rice.id, "qty": 1}])
        campaign.action_close()
        directs = self._direct(campaign.order_ids)
        self.assertEqual(len(directs), 5)
        self.assertEqual(set(directs.mapped("amount")), {15.0}, "5 participants at close: every pending line at 15 %")
        self.assertEqual(set(directs.mapped("rate")), {15.0})

    def test_team_share_for_the_head_leader(self):
        _c, order = self._formed_campaign(qty=1, price=100.0)
        direct = self._direct(order)
        team = order.groupbuy_commission_line_ids.filtered(lambda l: l.kind == "team")
        self.assertEqual(team.leader_id, self.head_leader)
        self.assertEqual(team.origin_line_id, direct)
        self.assertAlmostEqual(direct.amount, 10.0)
        self.assertAlmostEqual(team.amount, 2.0, msg="20 % of the leader's 10.00")
        # the head leader's own campaign: no head above, no team line
        _c, order = self._formed_campaign(leader_id=self.head_leader.id, community_id=False)
        self.assertEqual(order.groupbuy_commission_line_ids.mapped("kind"), ["direct"])

    def test_earner_is_fixed_at_join(self):
        campaign, orders = self._formed_campaign(min_participants=5)
        campaign.leader_id = self.other_leader
        campaign.join(self.customers[6].id, [{"product_id": self.rice.id, "qty": 1}])
        old = orders
        self.assertEqual(old.groupbuy_commission_leader_id, self.leader)
        campaign.action_close()  # 2 < 5: the campaign fails, nothing earned
        self.assertFalse(campaign.order_ids.groupbuy_commission_line_ids)

        campaign, order = self._formed_campaign(min_participants=2)
        campaign.leader_id = self.other_leader
        campaign.join(self.customers[7].id, [{"product_id": self.rice.id, "qty": 1}])
        first = self._direct(order)
        self.assertEqual(first.leader_id, self.leader, "a later change of the campaign's leader moves nothing")

    def test_share_link_leader_earns_by_setting(self):
        self.company.groupbuy_commission_earner = "source"
        campaign = self._open_campaign([{"product_id": self.rice.id, "price_unit": 50.0}], min_participants=1)
        token = campaign._get_share_token(self.other_leader)
        leader, _community = campaign._resolve_share_token(token)
        self.assertEqual(leader, self.other_leader)
        order = self.env["sale.order"].browse(campaign.join(
            self.customers[0].id, [{"product_id": self.rice.id, "qty": 1}], source_leader_id=leader.id
        ))
        self.assertEqual(self._direct(order).leader_id, self.other_leader)
        # a forged link (the id edited) proves nothing: the campaign's leader earns
        forged = f"{self.head_leader.id}." + token.split(".", 1)[1]
        self.assertIsNone(campaign._resolve_share_token(forged))
        order = self.env["sale.order"].browse(campaign.join(self.customers[1].id, [{"product_id": self.rice.id, "qty": 1}]))
        self.assertEqual(self._direct(order).leader_id, self.leader)

    def test_percentages_are_checked(self):
        with self.assertRaises(ValidationError):
            self.env["groupbuy.commission.rule"].create({"name": "bad", "value": 150})

from datetime import datetime

from odoo.tests import tagged

from .common import GroupbuyCommissionCommon


@tagged("post_install", "-at_install")
class TestLeaderRanking(GroupbuyCommissionCommon):
    def _ranking(self, leaders):
        Ranking = self.env["groupbuy.commission.ranking"]
        self.env.flush_all()  # the ranking is an SQL view over the commission lines
        return {
            leader: (orders, sales, commission)
            for leader, orders, sales, commission in Ranking._read_group(
                [("leader_id", "in", leaders.ids)],
                ["leader_id"],
                ["order_count:sum", "sales:sum", "commission:sum"],
            )
        }

    def test_orders_sales_and_commission_per_leader(self):
        # two orders of two products each: 2 × (2 × 100.00), 10 % to the leader, 20 % of it to the head
        campaign = self._open_campaign(
            [{"product_id": self.rice.id, "price_unit": 100.0}, {"product_id": self.peach.id, "price_unit": 100.0}],
            min_participants=1,
        )
        for customer in self.customers[:2]:
            campaign.join(customer.id, [{"product_id": self.rice.id, "qty": 1}, {"product_id": self.peach.id, "qty": 1}])
        _c, theirs = self._formed_campaign(customers=self.customers[2:3], price=50.0, leader_id=self.other_leader.id)
        leaders = self.leader | self.head_leader | self.other_leader
        ranking = self._ranking(leaders)
        self.assertEqual(ranking[self.leader], (2, 400.0, 40.0), "each order once, not once per product line")
        self.assertEqual(ranking[self.other_leader], (1, 50.0, 5.0))
        self.assertEqual(ranking[self.head_leader], (0, 0.0, 8.0), "a team share is commission, not sales")
        # a cancelled order leaves the ranking; a monthly bonus adds commission, not orders
        theirs._action_cancel()
        self.env["groupbuy.commission.line"].create({
            "leader_id": self.leader.id, "kind": "bonus", "state": "eligible", "amount": 12.0,
            "bonus_month": datetime(2025, 1, 1).date(), "date": datetime(2025, 1, 1, 12),
        })
        ranking = self._ranking(leaders)
        self.assertNotIn(self.other_leader, ranking)
        self.assertEqual(ranking[self.leader], (2, 400.0, 52.0))

    def test_an_order_no_rule_pays_on_still_ranks_as_sales(self):
        self.rule_all.active = False
        _c, order = self._formed_campaign(customers=self.customers[:1], price=80.0, leader_id=self.other_leader.id)
        self.assertFalse(order.groupbuy_commission_line_ids, "no rule: no commission line")
        self.assertEqual(self._ranking(self.other_leader)[self.other_leader], (1, 80.0, 0.0),
                         "the customer bought 80.00 through the leader, who earned nothing on it")

    def test_ranking_views_load(self):
        views = self.env["groupbuy.commission.ranking"].get_views([(False, "pivot"), (False, "graph"), (False, "list")])
        self.assertIn("order_count", views["views"]["pivot"]["arch"])
        action = self.env.ref("groupbuy_commission.action_groupbuy_commission_ranking")
        self.assertEqual(action.res_model, "groupbuy.commission.ranking")

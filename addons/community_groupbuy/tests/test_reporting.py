from odoo.tests import tagged

from .common import GroupbuyCommon


@tagged("post_install", "-at_install")
class TestSaleReport(GroupbuyCommon):
    """Staff analyse group sales in Odoo's own sales report, by leader and campaign."""

    def test_sales_by_leader_campaign_community_and_source(self):
        mine = self._open_campaign(min_participants=5)
        theirs = self._open_campaign(name="赵团长的米", leader_id=self.other_leader.id, community_id=False)
        self._join(mine, self.customers[0], qty=2)  # 59.80
        mine.join(self.customers[1].id, [{"product_id": self.peach.id, "qty": 1}],
                  source_leader_id=self.other_leader.id)  # 29.90, brought by 赵团长
        self._join(theirs, self.customers[2], qty=3)  # 89.70
        self.env.flush_all()
        Report = self.env["sale.report"]
        domain = [("groupbuy_campaign_id", "in", (mine | theirs).ids)]
        by_leader = {
            leader: total for leader, total in Report._read_group(domain, ["groupbuy_leader_id"], ["price_total:sum"])
        }
        self.assertAlmostEqual(by_leader[self.leader], 89.7)
        self.assertAlmostEqual(by_leader[self.other_leader], 89.7)
        by_campaign = dict(Report._read_group(domain, ["groupbuy_campaign_id"], ["product_uom_qty:sum"]))
        self.assertEqual((by_campaign[mine], by_campaign[theirs]), (3, 3))
        by_source = dict(Report._read_group(domain, ["groupbuy_source_leader_id"], ["price_total:sum"]))
        self.assertAlmostEqual(by_source[self.leader], 59.8)
        self.assertAlmostEqual(by_source[self.other_leader], 29.9 + 89.7)
        by_community = dict(Report._read_group(
            [("groupbuy_campaign_id", "=", mine.id)], ["groupbuy_community_id"], ["price_total:sum"]
        ))
        self.assertAlmostEqual(by_community[self.community], 59.8)

    def test_reporting_menu_opens_graph_and_pivot(self):
        action = self.env.ref("community_groupbuy.action_groupbuy_sale_report")
        self.assertEqual(action.res_model, "sale.report")
        menu = self.env.ref("community_groupbuy.menu_groupbuy_report_sales")
        self.assertEqual(menu.parent_id, self.env.ref("community_groupbuy.menu_groupbuy_reporting"))
        views = self.env["sale.report"].get_views([(view.view_id.id, view.view_mode) for view in action.view_ids]
                                                  + [(action.search_view_id.id, "search")])
        self.assertIn("groupbuy_leader_id", views["views"]["pivot"]["arch"])
        self.assertIn("groupbuy_leader_id", views["views"]["graph"]["arch"])
        self.assertIn("groupby_groupbuy_campaign", views["views"]["search"]["arch"])

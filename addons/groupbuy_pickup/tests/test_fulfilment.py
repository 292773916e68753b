import io
import random

import openpyxl

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..tools import route_optimizer
from .common import GroupbuyPickupCommon


@tagged("post_install", "-at_install")
class TestRoutesAndDispatch(GroupbuyPickupCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.warehouse.partner_id.write({"partner_latitude": 31.2000, "partner_longitude": 121.5000})
        cls.route = cls.env["groupbuy.delivery.route"].create({
            "name": "测试线 A",
            "warehouse_id": cls.warehouse.id,
            "vehicle": "沪A·12345",
            "stop_ids": [Command.create({"pickup_point_id": cls.point.id, "sequence": 1}),
                         Command.create({"pickup_point_id": cls.point_b.id, "sequence": 2})],
        })

    def _orders(self):
        campaign = self._campaign_with_points()
        first = self._form_group(campaign, self.customers[:2], qty=2)
        second = self._form_group(campaign, self.customers[2:3], pickup_point_id=self.point_b.id)
        foreign = self._form_group(self._campaign_with_points(name="翠湖团", leader_id=self.other_leader.id,
                                                              community_id=False),
                                   self.customers[5:7])
        return first, second, foreign

    def test_dispatch_groups_the_routes_pickings_into_a_batch(self):
        first, second, foreign = self._orders()
        self.route.action_create_dispatch()
        dispatch = self.route.dispatch_ids
        self.assertEqual(dispatch.state, "loaded")
        self.assertEqual(dispatch.batch_id.picking_ids, (first | second).picking_ids)
        self.assertFalse(foreign.picking_ids.batch_id, "another route's point is not loaded")
        self.assertEqual(dispatch.line_ids.pickup_point_id, self.point | self.point_b)
        # a second dispatch the same day finds nothing left to load
        with self.assertRaisesRegex(UserError, "Nothing to deliver"):
            self.route.action_create_dispatch()
        loading = {p.display_name: q for p, q, _u in dispatch._loading_list()}
        self.assertEqual(loading, {self.peach.display_name: 5.0})
        blocks = dispatch._picking_list()
        self.assertEqual([len(b["rows"]) for b in blocks], [2, 1])
        self.assertEqual(blocks[0]["rows"][0]["phone_tail"], self.customers[0].phone[-4:])
        # the drop at one point: its customers are notified, the other point waits
        dispatch.line_ids.filtered(lambda l: l.pickup_point_id == self.point).action_arrived()
        self.assertEqual(set(first.mapped("groupbuy_pickup_state")), {"arrived"})
        self.assertEqual(second.groupbuy_pickup_state, "waiting")
        dispatch.action_all_arrived()
        self.assertEqual(second.groupbuy_pickup_state, "arrived")
        self.assertEqual(dispatch.state, "done")

    def test_lists_print_and_export_without_codes(self):
        first, second, _foreign = self._orders()
        self.route.action_create_dispatch()
        dispatch = self.route.dispatch_ids
        codes = (first | second).sudo().mapped("groupbuy_pickup_code")
        for xmlid in ("action_report_loading_list", "action_report_picking_list", "action_report_sorting_labels"):
            html, _kind = self.env["ir.actions.report"]._render_qweb_html(
                f"groupbuy_pickup.{xmlid}", dispatch.ids
            )
            html = html.decode()
            self.assertIn(self.peach.name, html)
            self.assertFalse([code for code in codes if code in html], f"{xmlid} shows no pickup code")
        picking_html = self.env["ir.actions.report"]._render_qweb_html(
            "groupbuy_pickup.action_report_picking_list", dispatch.ids)[0].decode()
        self.assertIn(self.env["sale.order"]._groupbuy_mask_name(self.customers[0].name), picking_html)
        self.assertNotIn(self.customers[0].phone, picking_html)
        book = openpyxl.load_workbook(io.BytesIO(dispatch._loading_xlsx()))
        rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
        self.assertEqual(rows, [(self.peach.display_name, 5, self.peach.uom_id.name)])
        self.assertEqual(book.worksheets[1].max_row, 4)

    def test_optimisation_shortens_a_shuffled_route(self):
        rng = random.Random(7)
        Point = self.env["groupbuy.pickup.point"]
        points = Point
        for i in range(8):
            points |= Point.create({
                "name": f"站点{i}", "leader_id": self.leader.id,
                "partner_id": self.env["res.partner"].create({
                    "name": f"站点{i}",
                    "partner_latitude": 31.2 + 0.05 * __import__("math").cos(i * 0.785),
                    "partner_longitude": 121.5 + 0.05 * __import__("math").sin(i * 0.785),
                }).id,
            })
        shuffled = list(points)
        rng.shuffle(shuffled)
        route = self.env["groupbuy.delivery.route"].create({
            "name": "环线", "warehouse_id": self.warehouse.id,
            "stop_ids": [Command.create({"pickup_point_id": p.id, "sequence": n}) for n, p in enumerate(shuffled)],
        })
        before = route.distance_km
        route.action_optimize()
        self.assertAlmostEqual(route.distance_before_km, before, places=6)
        self.assertLess(route.distance_km, before * 0.8)
        # the points lie on a circle: the best tour visits them around it
        order = [int(p.name[2:]) for p in route.stop_ids.sorted("sequence").pickup_point_id]
        steps = {(b - a) % 8 for a, b in zip(order, order[1:])}
        self.assertTrue(steps in ({1}, {7}), order)
        self.assertIn("km before", route.message_ids[0].body)

    def test_fallback_solver_matches_ortools_on_a_small_route(self):
        rng = random.Random(3)
        coords = [(rng.random(), rng.random()) for _i in range(9)]
        matrix = [[((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 for b in coords] for a in coords]
        identity = list(range(1, 9))
        fallback, name = route_optimizer.solve(matrix, use_ortools=False)
        self.assertEqual(name, "nearest-neighbour + 2-opt")
        self.assertEqual(sorted(fallback), identity)
        self.assertLessEqual(route_optimizer.tour_length(matrix, fallback),
                             route_optimizer.tour_length(matrix, identity))
        if route_optimizer.pywrapcp is not None:
            best, name = route_optimizer.solve(matrix)
            self.assertEqual(name, "ortools")
            self.assertLessEqual(route_optimizer.tour_length(matrix, best),
                                 route_optimizer.tour_length(matrix, fallback) + 1e-9)

    def test_optimise_needs_coordinates(self):
        self.point_b.partner_id.write({"partner_latitude": 0.0, "partner_longitude": 0.0})
        with self.assertRaisesRegex(UserError, "give coordinates"):
            self.route.action_optimize()


@tagged("post_install", "-at_install")
class TestBuyToOrders(GroupbuyPickupCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.farm = Partner.create({"name": "阳山果园"})
        cls.rice_mill = Partner.create({"name": "五常米业"})
        cls.peach.seller_ids = [Command.create({"partner_id": cls.farm.id, "price": 18.0})]
        cls.rice.write({"is_storable": True})
        cls.rice.seller_ids = [Command.create({"partner_id": cls.rice_mill.id, "price": 35.0})]
        cls.env.company.groupbuy_purchase_use_free_stock = True

    def _campaigns(self):
        lines = [{"product_id": self.peach.id, "price_unit": 29.9}, {"product_id": self.rice.id, "price_unit": 49.0}]
        first = self._campaign_with_points(lines=lines)
        second = self._campaign_with_points(name="第二团", lines=lines)
        for campaign, customers, qty in ((first, self.customers[:2], 2), (second, self.customers[2:5], 1)):
            for customer in customers:
                campaign.join(customer.id, [{"product_id": self.peach.id, "qty": qty},
                                            {"product_id": self.rice.id, "qty": 1}])
        # one waiting order of a group not formed: not bought
        self._join(self._campaign_with_points(name="未成团", min_participants=9, lines=lines), self.customers[6], 4)
        return first | second

    def test_one_rfq_per_vendor_with_the_campaigns_as_origin_and_idempotent(self):
        campaigns = self._campaigns()
        self.env["stock.quant"]._update_available_quantity(
            self.rice, self.env["stock.warehouse"].search([("company_id", "=", self.env.company.id)], limit=1).lot_stock_id, 2.0
        )
        ids = campaigns.action_create_purchase_orders()
        orders = self.env["purchase.order"].browse(ids)
        self.assertEqual(len(orders), 2)
        self.assertEqual(set(orders.mapped("state")), {"draft"})
        by_vendor = {o.partner_id: o for o in orders}
        self.assertEqual(by_vendor[self.farm].order_line.product_id, self.peach)
        self.assertEqual(by_vendor[self.farm].order_line.product_qty, 7.0, "2×2 + 3×1 peaches")
        self.assertEqual(by_vendor[self.farm].order_line.price_unit, 18.0)
        self.assertEqual(by_vendor[self.rice_mill].order_line.product_qty, 3.0, "5 bags less 2 free in stock")
        for order in orders:
            self.assertIn(campaigns[0].name, order.origin)
            self.assertEqual(order.groupbuy_campaign_ids, campaigns)
        self.assertEqual(campaigns[0].purchase_order_count, 2)
        self.assertEqual(campaigns.action_create_purchase_orders(), [], "running twice orders nothing more")
        # a new order after the first purchase: only the difference is bought
        campaigns[0].join(self.customers[8].id, [{"product_id": self.peach.id, "qty": 3}])
        again = self.env["purchase.order"].browse(campaigns.action_create_purchase_orders())
        self.assertEqual(again.partner_id, self.farm)
        self.assertEqual(again.order_line.product_qty, 3.0)
        # a cancelled RFQ no longer covers its quantities
        again.button_cancel()
        self.assertEqual(
            self.env["purchase.order"].browse(campaigns.action_create_purchase_orders()).order_line.product_qty, 3.0
        )

    def test_a_product_without_vendor_stops_everything(self):
        campaigns = self._campaigns()
        self.rice.seller_ids = [Command.clear()]
        with self.assertRaisesRegex(UserError, "Add a vendor"):
            campaigns.action_create_purchase_orders()
        self.assertFalse(self.env["purchase.order"].search([("groupbuy_campaign_ids", "in", campaigns.ids)]))

    def test_purchase_list_exports_to_excel(self):
        campaigns = self._campaigns()
        book = openpyxl.load_workbook(io.BytesIO(campaigns._groupbuy_purchase_xlsx()))
        rows = {r[0]: r for r in book.active.iter_rows(min_row=2, values_only=True)}
        self.assertEqual(rows[self.peach.display_name][3], 7)
        self.assertEqual(rows[self.peach.display_name][4], self.farm.name)

import base64
import io

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import route_optimizer
from .delivery_carrier import haversine_km


class GroupbuyDeliveryRoute(models.Model):
    _name = "groupbuy.delivery.route"
    _description = "Delivery Route (配送路线)"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    warehouse_id = fields.Many2one("stock.warehouse", required=True, check_company=True, tracking=True)
    vehicle = fields.Char(help="The vehicle, e.g. its plate number.")
    driver_id = fields.Many2one("res.partner", string="Driver", tracking=True)
    stop_ids = fields.One2many("groupbuy.delivery.route.stop", "route_id", string="Stops", copy=True)
    stop_count = fields.Integer(compute="_compute_distance")
    distance_km = fields.Float(
        string="Distance (km)", compute="_compute_distance", digits=(16, 2),
        help="Warehouse → every stop in order → warehouse, as the crow flies.",
    )
    distance_before_km = fields.Float(
        string="Distance before optimisation (km)", readonly=True, digits=(16, 2), copy=False,
    )
    optimized_by = fields.Char(string="Optimised with", readonly=True, copy=False)
    dispatch_ids = fields.One2many("groupbuy.delivery.dispatch", "route_id", string="Dispatches")

    _sql_constraints = [
        ("name_company_uniq", "unique(name, company_id)", "A route name must be unique in a company."),
    ]

    @api.depends("stop_ids.sequence", "stop_ids.pickup_point_id.partner_id.partner_latitude",
                 "stop_ids.pickup_point_id.partner_id.partner_longitude",
                 "warehouse_id.partner_id.partner_latitude", "warehouse_id.partner_id.partner_longitude")
    def _compute_distance(self):
        for route in self:
            stops = route.stop_ids.sorted(lambda s: (s.sequence, s.id))
            route.stop_count = len(stops)
            if not stops or not route.warehouse_id:
                route.distance_km = 0.0
                continue
            matrix = route._distance_matrix(stops)
            route.distance_km = route_optimizer.tour_length(matrix, list(range(1, len(stops) + 1)))

    def _coordinates(self, stops):
        self.ensure_one()
        depot = self.warehouse_id.partner_id
        nodes = [depot] + [stop.pickup_point_id.partner_id for stop in stops]
        return [(node.partner_latitude, node.partner_longitude) for node in nodes]

    def _distance_matrix(self, stops):
        coords = self._coordinates(stops)
        return [[haversine_km(*a, *b) for b in coords] for a in coords]

    def action_optimize(self):
        """Reorder the stops into the shortest tour from the warehouse through the
        points' coordinates (OR-Tools, or the nearest-neighbour + 2-opt fallback);
        the route keeps its distance before and shows the new one."""
        for route in self:
            stops = route.stop_ids.sorted(lambda s: (s.sequence, s.id))
            if len(stops) < 2:
                continue
            missing = [
                s.pickup_point_id.name for s in stops
                if not (s.pickup_point_id.partner_latitude or s.pickup_point_id.partner_longitude)
            ]
            depot = route.warehouse_id.partner_id
            if missing or not (depot.partner_latitude or depot.partner_longitude):
                raise UserError(self.env._(
                    "Route %(route)s cannot be optimised: give coordinates to the warehouse and to %(points)s.",
                    route=route.name, points="、".join(missing) or route.warehouse_id.name,
                ))
            matrix = route._distance_matrix(stops)
            before = route_optimizer.tour_length(matrix, list(range(1, len(stops) + 1)))
            order, solver = route_optimizer.solve(matrix)
            after = route_optimizer.tour_length(matrix, order)
            if after > before:
                order, after = list(range(1, len(stops) + 1)), before
            for sequence, node in enumerate(order, start=1):
                stops[node - 1].sequence = sequence * 10
            route.write({"distance_before_km": before, "optimized_by": solver})
            before_text, after_text = "%.2f" % before, "%.2f" % after
            route.message_post(body=self.env._(
                "Stops optimised (%(solver)s): %(before)s km before, %(after)s km after.",
                solver=solver, before=before_text, after=after_text,
            ))
        return True

    def action_create_dispatch(self, date=None):
        """A dispatch of this route for ``date`` (today by default), its pickings grouped
        into a batch transfer."""
        dispatches = self.env["groupbuy.delivery.dispatch"].create([
            {"route_id": route.id, "date": date or fields.Date.context_today(self)} for route in self
        ])
        dispatches.action_prepare()
        if len(dispatches) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "groupbuy.delivery.dispatch",
                "res_id": dispatches.id,
                "view_mode": "form",
            }
        return dispatches


class GroupbuyDeliveryRouteStop(models.Model):
    _name = "groupbuy.delivery.route.stop"
    _description = "Delivery Route Stop"
    _order = "route_id, sequence, id"

    route_id = fields.Many2one("groupbuy.delivery.route", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    pickup_point_id = fields.Many2one("groupbuy.pickup.point", required=True, ondelete="restrict", index=True)
    company_id = fields.Many2one(related="route_id.company_id", store=True)

    _sql_constraints = [
        ("route_point_uniq", "unique(route_id, pickup_point_id)", "A pickup point is a stop of a route only once."),
    ]


class GroupbuyDeliveryDispatch(models.Model):
    """One route's trip on one date: that day's pickings of its points in one Odoo batch
    transfer, the printed lists, and each drop confirmed at its point."""

    _name = "groupbuy.delivery.dispatch"
    _description = "Route Dispatch"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    route_id = fields.Many2one("groupbuy.delivery.route", required=True, ondelete="restrict", check_company=True)
    company_id = fields.Many2one(related="route_id.company_id", store=True)
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    batch_id = fields.Many2one("stock.picking.batch", string="Batch transfer", readonly=True, copy=False)
    picking_ids = fields.One2many(related="batch_id.picking_ids", string="Transfers")
    picking_count = fields.Integer(compute="_compute_counts")
    order_count = fields.Integer(compute="_compute_counts")
    line_ids = fields.One2many("groupbuy.delivery.dispatch.line", "dispatch_id", string="Drops")
    state = fields.Selection(
        [("draft", "Draft"), ("loaded", "Loaded"), ("done", "Delivered")],
        default="draft", required=True, tracking=True,
    )

    @api.depends("route_id.name", "date")
    def _compute_name(self):
        for dispatch in self:
            dispatch.name = f"{dispatch.route_id.name or ''} {dispatch.date or ''}".strip()

    def _compute_counts(self):
        for dispatch in self:
            dispatch.picking_count = len(dispatch.batch_id.picking_ids)
            dispatch.order_count = len(dispatch.batch_id.picking_ids.sale_id)

    def _pickings_domain(self):
        self.ensure_one()
        points = self.route_id.stop_ids.pickup_point_id
        end = fields.Datetime.to_datetime(self.date).replace(hour=23, minute=59, second=59)
        return [
            ("picking_type_code", "=", "outgoing"),
            ("state", "not in", ("draft", "done", "cancel")),
            ("batch_id", "=", False),
            ("sale_id.groupbuy_pickup_point_id", "in", points.ids),
            ("sale_id.groupbuy_pickup_state", "=", "waiting"),
            ("picking_type_id.warehouse_id", "=", self.route_id.warehouse_id.id),
            ("scheduled_date", "<=", end),
        ]

    def action_prepare(self):
        """Group the day's pickings of the route's points into one batch transfer (one
        search for all the points, one batch create)."""
        Batch = self.env["stock.picking.batch"]
        for dispatch in self:
            if dispatch.batch_id:
                continue
            pickings = self.env["stock.picking"].search(dispatch._pickings_domain())
            if not pickings:
                raise UserError(self.env._(
                    "Nothing to deliver on route %(route)s on %(date)s.", route=dispatch.route_id.name,
                    date=dispatch.date,
                ))
            batch = Batch.create({
                "picking_ids": [fields.Command.set(pickings.ids)],
                "picking_type_id": pickings[0].picking_type_id.id,
                "scheduled_date": fields.Datetime.to_datetime(dispatch.date),
                "description": dispatch.name,
            })
            # the pickings were confirmed with their orders: the batch is in progress at
            # once (``action_confirm`` would confirm them again, checking the reordering
            # rules move by move, a query per order)
            batch._check_company()
            batch.state = "in_progress"
            stops = dispatch.route_id.stop_ids.sorted(lambda s: (s.sequence, s.id))
            dispatch.write({
                "batch_id": batch.id,
                "state": "loaded",
                "line_ids": [fields.Command.create({"sequence": s.sequence, "pickup_point_id": s.pickup_point_id.id})
                             for s in stops],
            })
        return True

    def _orders(self, point=None):
        self.ensure_one()
        orders = self.batch_id.picking_ids.sale_id
        if point:
            orders = orders.filtered(lambda o: o.groupbuy_pickup_point_id == point)
        return orders.sorted(lambda o: (o.groupbuy_pickup_point_id.sequence, o.groupbuy_pickup_point_id.id,
                                        o.groupbuy_campaign_id.id, o.groupbuy_sequence))

    def _orders_by_point(self):
        """``{point: orders}`` of the dispatch, with everything the lists print read
        once for all its orders (a few queries per dispatch, whatever its size)."""
        self.ensure_one()
        orders = self._orders()
        orders.fetch(["partner_id", "groupbuy_campaign_id", "groupbuy_sequence", "groupbuy_pickup_point_id"])
        orders.partner_id.fetch(["name", "phone", "mobile"])
        orders.groupbuy_campaign_id.fetch(["name"])
        orders.order_line.fetch(["product_id", "product_uom_qty", "groupbuy_line_id"])
        orders.order_line.product_id.fetch(["display_name"])
        result = {}
        for order in orders:
            result.setdefault(order.groupbuy_pickup_point_id, []).append(order.id)
        return {point: orders.browse(ids) for point, ids in result.items()}

    # data of the printed and exported lists -------------------------------
    def _loading_list(self):
        """[(product, qty, uom)] totals of the dispatch (code-free)."""
        self.ensure_one()
        totals = {}
        for move in self.batch_id.picking_ids.move_ids:
            key = (move.product_id, move.product_uom)
            totals[key] = totals.get(key, 0.0) + move.product_uom_qty
        return sorted(((p, q, u) for (p, u), q in totals.items()), key=lambda r: r[0].display_name)

    def _picking_list(self):
        """Per point: its orders with masked name, phone tail and items (no codes)."""
        self.ensure_one()
        Order = self.env["sale.order"]
        by_point = self._orders_by_point()
        result = []
        for line in self.line_ids.sorted(lambda l: (l.sequence, l.id)):
            rows = []
            for order in by_point.get(line.pickup_point_id, Order):
                phone = order.partner_id.phone or order.partner_id.mobile or ""
                rows.append({
                    "order": order,
                    "campaign": order.groupbuy_campaign_id.name,
                    "sequence": order.groupbuy_sequence,
                    "name": Order._groupbuy_mask_name(order.partner_id.name),
                    "initial": (order.partner_id.name or "?")[:1],
                    "phone_tail": "".join(ch for ch in phone if ch.isdigit())[-4:],
                    "items": [(l.product_id.display_name, l.product_uom_qty) for l in order.order_line.filtered("groupbuy_line_id")],
                })
            result.append({"point": line.pickup_point_id, "rows": rows})
        return result

    def action_print_loading_list(self):
        return self.env.ref("groupbuy_pickup.action_report_loading_list").report_action(self)

    def action_print_picking_list(self):
        return self.env.ref("groupbuy_pickup.action_report_picking_list").report_action(self)

    def action_print_labels(self):
        return self.env.ref("groupbuy_pickup.action_report_sorting_labels").report_action(self)

    def _loading_xlsx(self):
        self.ensure_one()
        _ = self.env._
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        bold = workbook.add_format({"bold": True})
        sheet = workbook.add_worksheet(_("Loading list")[:31])
        sheet.write_row(0, 0, [_("Product"), _("Quantity"), _("Unit")], bold)
        for row, (product, qty, uom) in enumerate(self._loading_list(), start=1):
            sheet.write_row(row, 0, [product.display_name, qty, uom.name])
        sheet.set_column(0, 0, 36)
        points = workbook.add_worksheet(_("Picking list")[:31])
        points.write_row(0, 0, [_("Pickup point"), _("No."), _("Customer"), _("Phone (last digits)"), _("Products")], bold)
        row = 1
        for block in self._picking_list():
            for entry in block["rows"]:
                points.write_row(row, 0, [
                    block["point"].name, entry["sequence"], entry["name"], entry["phone_tail"],
                    "; ".join(f"{name} ×{qty:g}" for name, qty in entry["items"]),
                ])
                row += 1
        points.set_column(0, 4, 22)
        workbook.close()
        return output.getvalue()

    def action_export_xlsx(self):
        self.ensure_one()
        attachment = self.env["ir.attachment"].create({
            "name": f"{self.name}.xlsx",
            "raw": self._loading_xlsx(),
            "res_model": self._name,
            "res_id": self.id,
            "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        })
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}

    def action_all_arrived(self):
        self.line_ids.filtered(lambda l: not l.arrived).action_arrived()
        return True


class GroupbuyDeliveryDispatchLine(models.Model):
    _name = "groupbuy.delivery.dispatch.line"
    _description = "Route Dispatch Drop"
    _order = "dispatch_id, sequence, id"

    dispatch_id = fields.Many2one("groupbuy.delivery.dispatch", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer()
    pickup_point_id = fields.Many2one("groupbuy.pickup.point", required=True, ondelete="restrict")
    order_count = fields.Integer(compute="_compute_order_count")
    arrived = fields.Boolean(readonly=True)
    company_id = fields.Many2one(related="dispatch_id.company_id", store=True)

    def _compute_order_count(self):
        by_dispatch = {dispatch: dispatch._orders_by_point() for dispatch in self.dispatch_id}
        for line in self:
            line.order_count = len(by_dispatch[line.dispatch_id].get(line.pickup_point_id, ()))

    def action_arrived(self):
        """The drop at this point is delivered: its orders become ``arrived`` and each
        customer gets the notice with their code."""
        for line in self:
            line.dispatch_id._orders(line.pickup_point_id)._groupbuy_mark_arrived()
            line.arrived = True
            dispatch = line.dispatch_id
            if all(dispatch.line_ids.mapped("arrived")):
                dispatch.state = "done"
        return True

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import consteq

from .delivery_carrier import haversine_km


class GroupbuyPickupPoint(models.Model):
    _name = "groupbuy.pickup.point"
    _description = "Pickup Point (自提点)"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name, id"
    _check_company_auto = True

    # after this many wrong codes within the window, a verifier is locked out
    _LOCKOUT_FAILURES = 5
    _LOCKOUT_WINDOW = timedelta(minutes=10)
    _LOCKOUT_DURATION = timedelta(minutes=15)

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    leader_id = fields.Many2one(
        "res.partner",
        string="Leader",
        required=True,
        index=True,
        tracking=True,
        domain="[('groupbuy_is_leader', '=', True)]",
        help="The leader (团长) who runs the point and verifies pickup codes there.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Address",
        required=True,
        help="The point's address contact; its coordinates (latitude, longitude) sort the "
        "points by distance and optimise the delivery routes.",
    )
    street = fields.Char(related="partner_id.street")
    city = fields.Char(related="partner_id.city")
    partner_latitude = fields.Float(related="partner_id.partner_latitude", readonly=False)
    partner_longitude = fields.Float(related="partner_id.partner_longitude", readonly=False)
    opening_hours = fields.Char(help="When customers can collect, e.g. 每天 08:00-21:00.")
    phone = fields.Char()
    clerk_user_ids = fields.Many2many(
        "res.users",
        "groupbuy_pickup_point_clerk_rel",
        "point_id",
        "user_id",
        string="Clerks",
        help="Users who may verify pickup codes at this point besides the leader.",
    )
    order_ids = fields.One2many("sale.order", "groupbuy_pickup_point_id", string="Orders")
    waiting_count = fields.Integer(compute="_compute_counts", string="On their way")
    arrived_count = fields.Integer(compute="_compute_counts", string="To collect")
    overdue_count = fields.Integer(compute="_compute_counts", string="Overdue")

    def _compute_counts(self):
        data = {
            (point.id, state): count
            for point, state, count in self.env["sale.order"]._read_group(
                [("groupbuy_pickup_point_id", "in", self.ids), ("groupbuy_pickup_state", "!=", False)],
                ["groupbuy_pickup_point_id", "groupbuy_pickup_state"],
                ["__count"],
            )
        }
        for point in self:
            point.waiting_count = data.get((point.id, "waiting"), 0)
            point.arrived_count = data.get((point.id, "arrived"), 0)
            point.overdue_count = data.get((point.id, "overdue"), 0)

    @api.depends("name", "leader_id")
    def _compute_display_name(self):
        for point in self:
            point.display_name = point.name

    # ------------------------------------------------------------------
    # Offering points to a customer
    # ------------------------------------------------------------------
    def _groupbuy_distance_to(self, latitude, longitude):
        self.ensure_one()
        if latitude is None or longitude is None or not (self.partner_latitude or self.partner_longitude):
            return None
        return haversine_km(latitude, longitude, self.partner_latitude, self.partner_longitude)

    def _groupbuy_sorted_for(self, latitude=None, longitude=None, first_leader=None):
        """These points in the order a customer sees them: ``first_leader``'s points first,
        then the nearest to the given coordinates, else by name."""
        first_leader = first_leader.commercial_partner_id if first_leader else self.env["res.partner"]

        def key(point):
            distance = point._groupbuy_distance_to(latitude, longitude)
            return (
                0 if first_leader and point.leader_id == first_leader else 1,
                distance if distance is not None else float("inf"),
                point.name or "",
                point.id,
            )

        return self.browse([point.id for point in sorted(self, key=key)])

    def _groupbuy_location_data(self, latitude=None, longitude=None):
        """Each point as Odoo's pickup location data (see ``delivery``'s
        ``pickup_location_data``), with the distance when coordinates are given."""
        result = []
        for point in self:
            address = point.partner_id
            distance = point._groupbuy_distance_to(latitude, longitude)
            result.append({
                "id": point.id,
                "name": point.name,
                "street": address.street or "",
                "city": address.city or "",
                "zip_code": address.zip or "",
                "country_code": address.country_code or "",
                "state": address.state_id.code or "",
                "latitude": address.partner_latitude,
                "longitude": address.partner_longitude,
                "opening_hours": point.opening_hours or "",
                "phone": point.phone or "",
                "leader": point.leader_id.name,
                "distance": round(distance, 2) if distance is not None else None,
            })
        return result

    # ------------------------------------------------------------------
    # Who verifies
    # ------------------------------------------------------------------
    def _groupbuy_is_verifier(self, user=None):
        """The user runs this point: its leader, one of its clerks, or platform staff."""
        self.ensure_one()
        user = user or self.env.user
        if user.has_group("community_groupbuy.group_groupbuy_officer"):
            return True
        point = self.sudo()
        return (
            user.commercial_partner_id == point.leader_id.commercial_partner_id
            or user in point.clerk_user_ids
        )

    @api.model
    def _groupbuy_points_of_user(self, user=None):
        """The active points the user may verify at."""
        user = user or self.env.user
        Point = self.sudo()
        if user.has_group("community_groupbuy.group_groupbuy_officer"):
            return Point.search([])
        return Point.search([
            "|",
            ("leader_id", "=", user.commercial_partner_id.id),
            ("clerk_user_ids", "in", user.id),
        ])

    def _groupbuy_check_verifier(self):
        for point in self:
            if not point._groupbuy_is_verifier():
                raise AccessError(self.env._(
                    "Only the leader of %(point)s or a clerk they named can verify pickups there.",
                    point=point.name,
                ))

    # ------------------------------------------------------------------
    # Lockout
    # ------------------------------------------------------------------
    def _groupbuy_locked_until(self, user=None):
        """When the user's lockout ends, or None (5 wrong codes within 10 minutes lock
        them for 15 minutes after the last one)."""
        user = user or self.env.user
        now = fields.Datetime.now()
        failures = self.env["groupbuy.pickup.attempt"].sudo().search(
            [("user_id", "=", user.id), ("wrong_code", "=", True),
             ("create_date", ">=", now - self._LOCKOUT_WINDOW - self._LOCKOUT_DURATION)],
            order="create_date desc, id desc",
            limit=self._LOCKOUT_FAILURES,
        )
        if len(failures) < self._LOCKOUT_FAILURES:
            return None
        newest, oldest = failures[0].create_date, failures[-1].create_date
        if newest - oldest <= self._LOCKOUT_WINDOW and now < newest + self._LOCKOUT_DURATION:
            return newest + self._LOCKOUT_DURATION
        return None

    def _groupbuy_refuse(self, code, reason, message, order=None):
        """Log the refused attempt (in a transaction of its own: the refusal rolls back
        the caller's) and raise ``message``."""
        self.env["groupbuy.pickup.attempt"]._groupbuy_log(
            self.env.user, self[:1], code, reason, order=order
        )
        raise UserError(message)

    # ------------------------------------------------------------------
    # Finding and verifying a code
    # ------------------------------------------------------------------
    @api.model
    def _groupbuy_normalize_code(self, code):
        return "".join(ch for ch in str(code or "") if ch.isdigit())

    def _groupbuy_find_code(self, code):
        """The order whose pickup code is ``code`` at one of these points, checked as
        verification checks it (every refusal is a ``UserError``; nothing is changed)."""
        if not self:
            raise UserError(self.env._("You run no pickup point: nothing to verify."))
        self._groupbuy_check_verifier()
        locked_until = self._groupbuy_locked_until()
        if locked_until:
            minutes = max(1, int((locked_until - fields.Datetime.now()).total_seconds() // 60) + 1)
            self._groupbuy_refuse(code, "locked", self.env._(
                "Too many wrong codes: verification is locked for %(minutes)s more minutes.",
                minutes=minutes,
            ))
        code = self._groupbuy_normalize_code(code)
        Order = self.env["sale.order"].sudo()
        order = Order.browse()
        if len(code) >= Order._GROUPBUY_CODE_DIGITS:
            # the open codes first (a partial unique index answers), then a collected one
            order = Order.search(
                [("groupbuy_pickup_code", "=", code), ("groupbuy_pickup_state", "in", Order._groupbuy_open_pickup_states())],
                limit=1,
            ) or Order.search(
                [("groupbuy_pickup_code", "=", code), ("groupbuy_pickup_state", "=", "collected")],
                order="id desc", limit=1,
            )
        if not order or not consteq(order.groupbuy_pickup_code or "", code):
            self._groupbuy_refuse(code, "unknown", self.env._(
                "No order has this pickup code: check the digits with the customer."
            ))
        if order.groupbuy_pickup_point_id not in self:
            self._groupbuy_refuse(code, "other_point", self.env._(
                "This code is for another pickup point: the customer collects at %(point)s.",
                point=order.groupbuy_pickup_point_id.name,
            ), order=order)
        order._groupbuy_check_collectable(code_refuse=lambda reason, message: self._groupbuy_refuse(
            code, reason, message, order=order))
        return order

    def _groupbuy_lookup_code(self, code):
        """``(order, siblings)``: the code's order and the customer's other orders to
        collect at the same point (for batch 核销)."""
        order = self._groupbuy_find_code(code)
        siblings = order._groupbuy_collectable_siblings()
        return order, siblings

    def verify_pickup_code(self, code, all_orders=False):
        """Verify a pickup code at one of these points (the verifier's) and hand the goods
        over: the order's delivery picking is validated the Odoo way, the order is marked
        collected and the chatter says who verified it and when.

        :param str code: the customer's pickup code (digits; spaces are ignored)
        :param bool all_orders: also hand over every other order of the same customer
            that waits at the same point (batch 核销)
        :return: the verified ``sale.order`` ids
        :raise UserError: unknown code, already collected, not paid, cancelled, refund
            pending, goods not arrived, another point, or the verifier is locked out
        """
        order, siblings = self._groupbuy_lookup_code(code)
        orders = order | (siblings if all_orders else order.browse())
        orders._groupbuy_collect(self.env.user)
        self.env["groupbuy.pickup.attempt"]._groupbuy_log(
            self.env.user, order.groupbuy_pickup_point_id, code, "verified", order=order, same_transaction=True
        )
        return orders.ids

    # ------------------------------------------------------------------
    # Arrival
    # ------------------------------------------------------------------
    def action_goods_arrived(self):
        """The goods delivered to these points are there: every waiting order of the
        point becomes ``arrived`` and its customer gets the arrival notice with their code.

        :return: True
        """
        for point in self:
            point._groupbuy_check_verifier()
        orders = self.env["sale.order"].sudo().search([
            ("groupbuy_pickup_point_id", "in", self.ids),
            ("groupbuy_pickup_state", "=", "waiting"),
            ("groupbuy_status", "=", "confirmed"),
            ("state", "=", "sale"),
        ])
        orders._groupbuy_mark_arrived()
        return True

    # ------------------------------------------------------------------
    # Clerks the leader names
    # ------------------------------------------------------------------
    def _groupbuy_check_leader(self):
        self.ensure_one()
        user = self.env.user
        if not (user.has_group("community_groupbuy.group_groupbuy_officer")
                or user.commercial_partner_id == self.sudo().leader_id.commercial_partner_id):
            raise AccessError(self.env._("Only the leader of %(point)s can name its clerks.", point=self.name))

    def action_add_clerk(self, login):
        """The point's leader names a clerk: an existing user, by login (phone or email)."""
        self._groupbuy_check_leader()
        login = (login or "").strip()
        user = self.env["res.users"].sudo().search([("login", "=ilike", login)], limit=1) if login else None
        if not user:
            raise UserError(self.env._(
                "Nobody has the login %(login)s: the clerk first creates an account on the website.",
                login=login or "-",
            ))
        point = self.sudo()
        point.clerk_user_ids = [fields.Command.link(user.id)]
        point.message_post(body=self.env._("%(user)s may now verify pickups here.", user=user.name))
        return user

    def action_remove_clerk(self, user_id):
        self._groupbuy_check_leader()
        point = self.sudo()
        user = point.clerk_user_ids.filtered(lambda u: u.id == int(user_id))
        if user:
            point.clerk_user_ids = [fields.Command.unlink(user.id)]
            point.message_post(body=self.env._("%(user)s no longer verifies pickups here.", user=user.name))
        return True

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class GroupbuyPickupPortal(CustomerPortal):
    """Verification (核销) for leaders and their clerks at /my/groupbuy/pickup."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "groupbuy_pickup_point_count" in counters:
            values["groupbuy_pickup_point_count"] = len(self._groupbuy_my_points())
        return values

    def _groupbuy_my_points(self):
        """The points the user runs (leader) or is a clerk of."""
        if request.env.user._is_public():
            return request.env["groupbuy.pickup.point"]
        return request.env["groupbuy.pickup.point"]._groupbuy_points_of_user()

    def _groupbuy_points_or_404(self, point_id=None):
        points = self._groupbuy_my_points()
        if not points:
            raise NotFound()
        if point_id:
            points = points.filtered(lambda p: str(p.id) == str(point_id))
            if not points:
                raise NotFound()
        return points

    def _groupbuy_pickup_values(self, points, point=None, **values):
        point = point or points[:1]
        arrived = request.env["sale.order"].sudo().search([
            ("groupbuy_pickup_point_id", "=", point.id),
            ("groupbuy_pickup_state", "in", ("arrived", "overdue")),
        ], order="groupbuy_arrival_date, id")
        return {
            "points": points,
            "point": point,
            "to_collect": arrived,
            "waiting_count": point.waiting_count,
            "page_name": "groupbuy_pickup",
            "order": False,
            "siblings": request.env["sale.order"],
            "code": "",
            "is_point_leader": request.env.user.commercial_partner_id == point.sudo().leader_id.commercial_partner_id,
            "error": None,
            "message": None,
            **values,
        }

    def _groupbuy_render(self, values, status=200):
        return request.render("groupbuy_pickup.portal_my_groupbuy_pickup", values, status=status)

    @http.route("/my/groupbuy/pickup", type="http", auth="user", website=True)
    def portal_my_groupbuy_pickup(self, point_id=None, message=None, **kw):
        points = self._groupbuy_points_or_404()
        point = self._groupbuy_points_or_404(point_id) if point_id else points[:1]
        messages = {
            "collected": request.env._("Handed over: the pickup is recorded."),
            "arrived": request.env._("Goods received: the customers are notified with their codes."),
            "clerks": request.env._("The clerks of this point are updated."),
        }
        return self._groupbuy_render(self._groupbuy_pickup_values(points, point, message=messages.get(message)))

    @http.route("/my/groupbuy/pickup/check", type="http", auth="user", website=True, methods=["POST"])
    def portal_my_groupbuy_pickup_check(self, point_id=None, code=None, **post):
        """Look a code up: the customer's items, nothing changed yet."""
        points = self._groupbuy_points_or_404()
        point = self._groupbuy_points_or_404(point_id) if point_id else points[:1]
        try:
            order, siblings = points._groupbuy_lookup_code(code)
        except (UserError, AccessError) as error:
            return self._groupbuy_render(
                self._groupbuy_pickup_values(points, point, code=code or "", error=error.args[0]), status=400
            )
        return self._groupbuy_render(self._groupbuy_pickup_values(
            points, order.groupbuy_pickup_point_id, order=order, siblings=siblings, code=code,
        ))

    @http.route("/my/groupbuy/pickup/confirm", type="http", auth="user", website=True, methods=["POST"])
    def portal_my_groupbuy_pickup_confirm(self, code=None, all_orders=None, **post):
        points = self._groupbuy_points_or_404()
        try:
            ids = points.verify_pickup_code(code, all_orders=bool(all_orders))
        except (UserError, AccessError) as error:
            return self._groupbuy_render(
                self._groupbuy_pickup_values(points, code=code or "", error=error.args[0]), status=400
            )
        point = request.env["sale.order"].sudo().browse(ids[:1]).groupbuy_pickup_point_id
        return request.redirect(f"/my/groupbuy/pickup?point_id={point.id}&message=collected")

    @http.route("/my/groupbuy/pickup/<int:point_id>/arrived", type="http", auth="user", website=True,
                methods=["POST"])
    def portal_my_groupbuy_pickup_arrived(self, point_id, **post):
        point = self._groupbuy_points_or_404(point_id)
        point.action_goods_arrived()
        return request.redirect(f"/my/groupbuy/pickup?point_id={point.id}&message=arrived")

    @http.route("/my/groupbuy/pickup/<int:point_id>/clerks", type="http", auth="user", website=True,
                methods=["POST"])
    def portal_my_groupbuy_pickup_clerks(self, point_id, login=None, remove_user_id=None, **post):
        """The leader names (or removes) the clerks who may verify at their point."""
        points = self._groupbuy_points_or_404()
        point = self._groupbuy_points_or_404(point_id)
        try:
            if remove_user_id:
                point.action_remove_clerk(remove_user_id)
            else:
                point.action_add_clerk(login)
        except (UserError, AccessError) as error:
            return self._groupbuy_render(
                self._groupbuy_pickup_values(points, point, error=error.args[0]), status=400
            )
        return request.redirect(f"/my/groupbuy/pickup?point_id={point.id}&message=clerks")

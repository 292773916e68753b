from odoo import fields, models
from odoo.exceptions import UserError


class GroupbuyCampaign(models.Model):
    """The pickup point a customer chooses when joining (keyword ``pickup_point_id``)."""

    _inherit = "groupbuy.campaign"

    pickup_point_ids = fields.Many2many(
        "groupbuy.pickup.point",
        "groupbuy_campaign_pickup_point_rel",
        "campaign_id",
        "point_id",
        string="Pickup points",
        check_company=True,
        help="Where customers of this campaign may collect. Empty: the points of the "
        "campaign's leader.",
    )

    def _get_join_keywords(self):
        return super()._get_join_keywords() | {"pickup_point_id"}

    def _groupbuy_offered_pickup_points(self, source_leader=None):
        """The points a customer of this campaign may choose: the campaign's own list,
        else the points of its leader and of the leader who shared the link."""
        self.ensure_one()
        if self.pickup_point_ids:
            return self.pickup_point_ids.sudo().filtered("active")
        leaders = self.leader_id | (source_leader or self.env["res.partner"])
        return self.env["groupbuy.pickup.point"].sudo().search(
            [("leader_id", "in", leaders.commercial_partner_id.ids), ("company_id", "=", self.company_id.id)]
        )

    def _groupbuy_default_pickup_point(self, partner=None, source_leader=None, source_community=None):
        """The point a join gets when the customer chose none: the one they chose last
        time (if offered), the community's default, the sharing leader's, the leader's."""
        self.ensure_one()
        offered = self._groupbuy_offered_pickup_points(source_leader)
        remembered = partner and partner.commercial_partner_id.sudo().groupbuy_last_pickup_point_id
        candidates = [
            remembered,
            (source_community or self.community_id).sudo().pickup_point_id,
            source_leader and source_leader._groupbuy_default_pickup_point(),
            self.leader_id._groupbuy_default_pickup_point(),
        ]
        for point in candidates:
            if point and point in offered:
                return point
        return offered[:1]

    def _groupbuy_join_pickup_point(self, partner, **kwargs):
        self.ensure_one()
        source_leader = self.env["res.partner"].browse(kwargs.get("source_leader_id") or ()).exists()
        source_community = self.env["groupbuy.community"].browse(kwargs.get("source_community_id") or ()).exists()
        point_id = kwargs.get("pickup_point_id")
        if point_id:
            point = self.env["groupbuy.pickup.point"].sudo().browse(int(point_id)).exists()
            if not point or point not in self._groupbuy_offered_pickup_points(source_leader):
                raise UserError(self.env._(
                    "Choose one of the pickup points of campaign %(name)s.", name=self.name
                ))
            return point
        return self._groupbuy_default_pickup_point(partner, source_leader, source_community)

    def _check_join(self, partner, quantities, answers, **kwargs):
        super()._check_join(partner, quantities, answers, **kwargs)
        if kwargs.get("pickup_point_id") not in (None, False, ""):
            try:
                int(kwargs["pickup_point_id"])
            except (TypeError, ValueError):
                raise UserError(self.env._("Choose a pickup point from the list.")) from None
            # the point chosen must be offered; a join without one gets its default
            # when its order is made (_prepare_join_order_vals)
            self._groupbuy_join_pickup_point(partner, **kwargs)

    def _prepare_join_order_vals(self, partner, quantities, participants, sequence, answers, **kwargs):
        vals = super()._prepare_join_order_vals(partner, quantities, participants, sequence, answers, **kwargs)
        point = self._groupbuy_join_pickup_point(partner, **kwargs)
        if point:
            carrier = self.env["delivery.carrier"]._groupbuy_pickup_carrier(self.company_id)
            vals["groupbuy_pickup_point_id"] = point.id
            # the goods go to the point: its address is the order's delivery address
            # from the start, so the delivery is made there when the group forms.
            # (Odoo's pickup_location_data would make a contact per customer and
            # re-address every delivery once made, order by order, at confirmation.)
            vals["partner_shipping_id"] = point.sudo().partner_id.id
            if carrier:
                vals["carrier_id"] = carrier.id
        return vals

    def _after_join(self, order, **kwargs):
        order = super()._after_join(order, **kwargs)
        if order.groupbuy_pickup_point_id:
            order.partner_id.commercial_partner_id.sudo().groupbuy_last_pickup_point_id = order.groupbuy_pickup_point_id
        return order

    def _groupbuy_pickup_summary(self):
        """Per pickup point: how many active orders of this campaign, how many collected."""
        self.ensure_one()
        Order = self.env["sale.order"].sudo()
        rows = Order._read_group(
            [("groupbuy_campaign_id", "=", self.id),
             ("groupbuy_status", "in", Order._groupbuy_active_statuses()),
             ("groupbuy_pickup_point_id", "!=", False)],
            ["groupbuy_pickup_point_id", "groupbuy_pickup_state"],
            ["__count"],
        )
        summary = {}
        for point, state, count in rows:
            row = summary.setdefault(point, {"name": point.name, "orders": 0, "collected": 0})
            row["orders"] += count
            if state == "collected":
                row["collected"] += count
        return [summary[point] for point in sorted(summary, key=lambda p: (p.sequence, p.name))]

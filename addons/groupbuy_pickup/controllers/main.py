from odoo import http
from odoo.http import request

from odoo.addons.community_groupbuy.controllers.main import GroupbuyWebsite


class GroupbuyPickupWebsite(GroupbuyWebsite):
    """The pickup point on the join form: offered points, the customer's choice."""

    def _groupbuy_source_leader(self, campaign):
        source = (request.session.get("groupbuy_source") or {}).get(str(campaign.id)) or {}
        return request.env["res.partner"].sudo().browse(source.get("leader_id") or ()).exists()

    def _groupbuy_pickup_options(self, campaign, latitude=None, longitude=None):
        """The campaign's points for this customer, in the order they see them, through
        the pickup delivery method's close-locations lookup."""
        carrier = request.env["delivery.carrier"]._groupbuy_pickup_carrier(campaign.company_id)
        partner = self._current_partner()
        return carrier._groupbuy_pickup_get_close_locations(
            partner, campaign=campaign, latitude=latitude, longitude=longitude,
            source_leader=self._groupbuy_source_leader(campaign) or campaign.leader_id,
        )

    def _prepare_campaign_values(self, campaign, error=None, form=None, **kwargs):
        values = super()._prepare_campaign_values(campaign, error=error, form=form, **kwargs)
        if not (values["status"] == "open" and values["in_segment"]
                and not values["existing"] and not values.get("queued_url")):
            # no join form on the page (joined already, queued, closed, not in the
            # segment): no point to choose
            values.update({"pickup_options": [], "pickup_selected": ""})
            return values
        options = self._groupbuy_pickup_options(campaign)
        partner = self._current_partner()
        source_leader = self._groupbuy_source_leader(campaign)
        default = campaign._groupbuy_default_pickup_point(
            partner, source_leader or None,
        ) if options else request.env["groupbuy.pickup.point"]
        chosen = (form or {}).get("pickup_point_id") or (
            str(request.session.get("groupbuy_pickup_point_id") or "") if request.env.user._is_public() else ""
        )
        if chosen not in {str(option["id"]) for option in options}:
            chosen = str(default.id) if default else ""
        values.update({"pickup_options": options, "pickup_selected": chosen})
        return values

    def _prepare_join_kwargs(self, campaign, post):
        kwargs = super()._prepare_join_kwargs(campaign, post)
        point_id = (post.get("pickup_point_id") or "").strip()
        if point_id:
            kwargs["pickup_point_id"] = point_id
            if request.env.user._is_public():
                # remembered for the visitor's next join from this browser
                request.session["groupbuy_pickup_point_id"] = point_id
        return kwargs

    @http.route("/groupbuy/<string:code>/pickup_points", type="json", auth="public", website=True)
    def campaign_pickup_points(self, code, latitude=None, longitude=None):
        """The campaign's points sorted for a customer at (latitude, longitude)."""
        campaign = self._get_campaign(code)
        try:
            latitude = float(latitude) if latitude is not None else None
            longitude = float(longitude) if longitude is not None else None
        except (TypeError, ValueError):
            latitude = longitude = None
        if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            latitude = longitude = None
        return {"pickup_locations": self._groupbuy_pickup_options(campaign, latitude, longitude)}

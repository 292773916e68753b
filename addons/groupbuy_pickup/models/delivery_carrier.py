import math

from odoo import api, fields, models


def haversine_km(lat1, lon1, lat2, lon2):
    """The great-circle distance in kilometres between two points."""
    radius = 6371.0
    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(dlon / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


class DeliveryCarrier(models.Model):
    """Pickup at a leader's point (自提) as an Odoo delivery method, the way
    ``website_sale_collect`` adds in-store pickup: its own ``delivery_type``, free, and
    its own close-locations lookup (``_groupbuy_pickup_get_close_locations``) that
    ``sale.order._get_pickup_locations`` calls."""

    _inherit = "delivery.carrier"

    delivery_type = fields.Selection(
        selection_add=[("groupbuy_pickup", "Group buying pickup point")],
        ondelete={"groupbuy_pickup": "set default"},
    )
    groupbuy_pickup_use_locations = fields.Boolean(
        string="Use pickup points",
        default=True,
        help="The customer chooses one of the leaders' pickup points (自提点).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("delivery_type") == "groupbuy_pickup":
                vals["integration_level"] = "rate"
        return super().create(vals_list)

    @api.model
    def _groupbuy_pickup_carrier(self, company=None):
        """The company's pickup delivery method (created by the addon's data)."""
        company = company or self.env.company
        return self.sudo().search(
            [("delivery_type", "=", "groupbuy_pickup"), ("company_id", "in", (company.id, False))],
            order="company_id, sequence, id",
            limit=1,
        )

    # delivery.carrier's per-type methods -------------------------------
    def groupbuy_pickup_rate_shipment(self, order):
        return {"success": True, "price": 0.0, "error_message": False, "warning_message": False}

    def groupbuy_pickup_send_shipping(self, pickings):
        return [{"exact_price": 0.0, "tracking_number": False} for _picking in pickings]

    def groupbuy_pickup_get_tracking_link(self, picking):
        return False

    def groupbuy_pickup_cancel_shipment(self, pickings):
        return True

    def _groupbuy_pickup_get_close_locations(self, partner_address, campaign=None, latitude=None,
                                             longitude=None, source_leader=None, **kwargs):
        """The pickup points a customer may choose, as ``pickup_location_data`` dicts.

        Order: the sharing leader's points first, then the nearest to (``latitude``,
        ``longitude``) or to ``partner_address``'s coordinates when known, else by name.
        """
        points = campaign._groupbuy_offered_pickup_points() if campaign else self.env[
            "groupbuy.pickup.point"
        ].sudo().search([])
        return points._groupbuy_sorted_for(
            latitude=latitude if latitude is not None else (partner_address and partner_address.partner_latitude or None),
            longitude=longitude if longitude is not None else (partner_address and partner_address.partner_longitude or None),
            first_leader=source_leader,
        )._groupbuy_location_data(latitude=latitude, longitude=longitude)

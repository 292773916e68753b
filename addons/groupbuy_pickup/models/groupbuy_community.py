from odoo import api, fields, models
from odoo.exceptions import ValidationError


class GroupbuyCommunity(models.Model):
    _inherit = "groupbuy.community"

    pickup_point_id = fields.Many2one(
        "groupbuy.pickup.point",
        string="Default pickup point",
        check_company=True,
        domain="[('leader_id', '=', leader_id)]",
        help="Where the members of this community collect their goods unless they choose another point.",
    )

    @api.constrains("pickup_point_id", "leader_id")
    def _check_pickup_point_leader(self):
        for community in self:
            if community.pickup_point_id and community.pickup_point_id.leader_id != community.leader_id:
                raise ValidationError(self.env._(
                    "The default pickup point of %(community)s must be one its leader runs.",
                    community=community.name,
                ))

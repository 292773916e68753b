from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    groupbuy_pickup_point_ids = fields.One2many(
        "groupbuy.pickup.point", "leader_id", string="Pickup points",
        help="The pickup points (自提点) this leader runs.",
    )
    groupbuy_last_pickup_point_id = fields.Many2one(
        "groupbuy.pickup.point",
        string="Last pickup point",
        copy=False,
        help="The point the customer chose at their last join: offered first next time.",
    )

    def _groupbuy_default_pickup_point(self):
        """A leader's first active pickup point (by sequence)."""
        self.ensure_one()
        return self.env["groupbuy.pickup.point"].sudo().search(
            [("leader_id", "=", self.commercial_partner_id.id)], limit=1
        )

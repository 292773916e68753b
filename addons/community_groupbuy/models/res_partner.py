from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResPartner(models.Model):
    _inherit = "res.partner"

    groupbuy_is_leader = fields.Boolean(string="Group leader (团长)", tracking=True)
    groupbuy_parent_leader_id = fields.Many2one(
        "res.partner",
        string="Head leader (总团长)",
        domain="[('groupbuy_is_leader', '=', True), ('id', '!=', id)]",
        index="btree_not_null",
        tracking=True,
    )
    groupbuy_child_leader_ids = fields.One2many(
        "res.partner", "groupbuy_parent_leader_id", string="Sub-leaders"
    )
    groupbuy_community_ids = fields.Many2many(
        "groupbuy.community",
        "groupbuy_community_member_rel",
        "partner_id",
        "community_id",
        string="Communities",
    )
    groupbuy_campaign_ids = fields.One2many("groupbuy.campaign", "leader_id", string="Group campaigns")
    groupbuy_campaign_count = fields.Integer(compute="_compute_groupbuy_campaign_count")

    @api.depends("groupbuy_campaign_ids")
    def _compute_groupbuy_campaign_count(self):
        counts = dict(
            self.env["groupbuy.campaign"]._read_group(
                [("leader_id", "in", self.ids)], ["leader_id"], ["__count"]
            )
        )
        for partner in self:
            partner.groupbuy_campaign_count = counts.get(partner._origin, 0)

    @api.constrains("groupbuy_parent_leader_id", "groupbuy_is_leader")
    def _check_groupbuy_parent_leader(self):
        for partner in self.filtered("groupbuy_parent_leader_id"):
            if not partner.groupbuy_is_leader:
                raise ValidationError(
                    self.env._("Only a group leader can have a head leader.")
                )
        if self._has_cycle("groupbuy_parent_leader_id"):
            raise ValidationError(self.env._("A leader cannot be their own head leader."))

    def action_view_groupbuy_campaigns(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "community_groupbuy.action_groupbuy_campaign"
        )
        action["domain"] = [("leader_id", "=", self.id)]
        action["context"] = {"default_leader_id": self.id}
        return action

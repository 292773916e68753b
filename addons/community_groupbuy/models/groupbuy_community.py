from odoo import api, fields, models


class GroupbuyCommunity(models.Model):
    _name = "groupbuy.community"
    _description = "Community (社群)"
    _inherit = ["mail.thread"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=False, tracking=True)
    active = fields.Boolean(default=True)
    leader_id = fields.Many2one(
        "res.partner",
        required=True,
        tracking=True,
        domain="[('groupbuy_is_leader', '=', True)]",
        index=True,
    )
    channel = fields.Selection(
        [
            ("wechat", "WeChat group"),
            ("wecom", "WeCom group"),
            ("qq", "QQ group"),
            ("other", "Other"),
        ],
        default="wechat",
        required=True,
    )
    channel_ref = fields.Char(
        string="Group name or ID",
        help="The name or ID of the chat group, as the leader knows it.",
    )
    member_ids = fields.Many2many(
        "res.partner",
        "groupbuy_community_member_rel",
        "community_id",
        "partner_id",
        string="Members",
    )
    member_count = fields.Integer(compute="_compute_member_count")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    campaign_ids = fields.One2many("groupbuy.campaign", "community_id")

    @api.depends("member_ids")
    def _compute_member_count(self):
        for community in self:
            community.member_count = len(community.member_ids)

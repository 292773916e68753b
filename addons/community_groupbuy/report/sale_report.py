from odoo import fields, models


class SaleReport(models.Model):
    """Sales analysis by group campaign, leader and community (Odoo's own report)."""

    _inherit = "sale.report"

    groupbuy_campaign_id = fields.Many2one("groupbuy.campaign", string="Group campaign", readonly=True)
    groupbuy_leader_id = fields.Many2one("res.partner", string="Group leader", readonly=True)
    groupbuy_community_id = fields.Many2one(
        "groupbuy.community", string="Community", readonly=True,
        help="The community (社群) the customer came from: the share link's, else the campaign's.",
    )
    groupbuy_source_leader_id = fields.Many2one("res.partner", string="Brought by leader", readonly=True)

    def _select_additional_fields(self):
        res = super()._select_additional_fields()
        res["groupbuy_campaign_id"] = "s.groupbuy_campaign_id"
        res["groupbuy_leader_id"] = "s.groupbuy_leader_id"
        res["groupbuy_community_id"] = "s.groupbuy_source_community_id"
        res["groupbuy_source_leader_id"] = "s.groupbuy_source_leader_id"
        return res

    def _group_by_sale(self):
        res = super()._group_by_sale()
        res += """,
            s.groupbuy_campaign_id,
            s.groupbuy_leader_id,
            s.groupbuy_source_community_id,
            s.groupbuy_source_leader_id"""
        return res

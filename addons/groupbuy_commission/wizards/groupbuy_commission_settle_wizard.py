from odoo import fields, models
from odoo.exceptions import UserError


class GroupbuyCommissionSettleWizard(models.TransientModel):
    _name = "groupbuy.commission.settle.wizard"
    _description = "Settle Leaders' Commissions"

    date_to = fields.Date(string="Settle up to", required=True, default=fields.Date.context_today)
    leader_ids = fields.Many2many(
        "res.partner",
        string="Leaders",
        domain="[('groupbuy_is_leader', '=', True)]",
        help="Empty: every leader with eligible commission.",
    )
    confirm = fields.Boolean(string="Bill at once", default=True, help="Create and post the vendor bills now.")

    def action_settle(self):
        self.ensure_one()
        Settlement = self.env["groupbuy.commission.settlement"]
        settlements = Settlement.browse(Settlement.create_settlements(self.date_to, self.leader_ids.ids or None))
        if not settlements:
            raise UserError(self.env._("No leader has commission to settle up to this date."))
        if self.confirm:
            settlements.action_confirm()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "groupbuy_commission.action_groupbuy_commission_settlement"
        )
        action["domain"] = [("id", "in", settlements.ids)]
        return action

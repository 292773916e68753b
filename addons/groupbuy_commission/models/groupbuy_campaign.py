from odoo import models


class GroupbuyCampaign(models.Model):
    _inherit = "groupbuy.campaign"

    def _prepare_join_order_vals(self, partner, quantities, participants, sequence, answers, **kwargs):
        """Who earns the order's commission is decided here, once, when the customer joins."""
        vals = super()._prepare_join_order_vals(partner, quantities, participants, sequence, answers, **kwargs)
        if self.company_id.groupbuy_commission_earner == "source":
            vals["groupbuy_commission_leader_id"] = vals.get("groupbuy_source_leader_id") or vals.get(
                "groupbuy_leader_id"
            )
        else:
            vals["groupbuy_commission_leader_id"] = vals.get("groupbuy_leader_id")
        return vals

    def action_groupbuy_commission_compute(self):
        """Make the commissions of orders confirmed before a rule existed (or before the
        addon was installed): orders that already have theirs are left alone."""
        orders = self.order_ids.filtered(lambda o: o.groupbuy_status == "confirmed" and o.state == "sale")
        return orders._groupbuy_commission_create()

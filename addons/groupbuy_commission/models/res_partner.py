from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    groupbuy_commission_balance = fields.Monetary(
        string="Commission available",
        compute="_compute_groupbuy_commission",
        currency_field="groupbuy_commission_currency_id",
        help="Settled and unpaid commission, less the withdrawals asked for: what the leader can withdraw.",
    )
    groupbuy_commission_pending = fields.Monetary(
        string="Commission pending",
        compute="_compute_groupbuy_commission",
        currency_field="groupbuy_commission_currency_id",
    )
    groupbuy_commission_eligible = fields.Monetary(
        string="Commission to settle",
        compute="_compute_groupbuy_commission",
        currency_field="groupbuy_commission_currency_id",
    )
    groupbuy_commission_withdrawn = fields.Monetary(
        string="Commission withdrawn",
        compute="_compute_groupbuy_commission",
        currency_field="groupbuy_commission_currency_id",
    )
    groupbuy_commission_currency_id = fields.Many2one(
        "res.currency", compute="_compute_groupbuy_commission_currency"
    )
    # only for who may read them (their access rules): other employees read contacts
    groupbuy_commission_line_ids = fields.One2many(
        "groupbuy.commission.line", "leader_id", string="Commissions",
        groups="community_groupbuy.group_groupbuy_officer,account.group_account_invoice,base.group_portal",
    )
    groupbuy_withdrawal_ids = fields.One2many(
        "groupbuy.withdrawal", "leader_id", string="Withdrawals",
        groups="community_groupbuy.group_groupbuy_officer,account.group_account_invoice,base.group_portal",
    )

    def _compute_groupbuy_commission_currency(self):
        for partner in self:
            partner.groupbuy_commission_currency_id = self.env.company.currency_id

    @api.depends_context("company")
    def _compute_groupbuy_commission(self):
        company = self.env.company
        Line = self.env["groupbuy.commission.line"].sudo()
        leaders = self.filtered("groupbuy_is_leader")
        sums = {}
        if leaders.ids:
            for leader, state, amount in Line._read_group(
                [("leader_id", "in", leaders.ids), ("company_id", "=", company.id),
                 ("state", "in", ("pending", "eligible"))],
                ["leader_id", "state"],
                ["amount:sum"],
            ):
                sums[leader.id, state] = amount
        for partner in self:
            partner.groupbuy_commission_pending = sums.get((partner.id, "pending"), 0.0)
            partner.groupbuy_commission_eligible = sums.get((partner.id, "eligible"), 0.0)
            if partner in leaders:
                partner.groupbuy_commission_balance = partner._groupbuy_commission_available()
                partner.groupbuy_commission_withdrawn = company.currency_id.round(sum(
                    partner.sudo().groupbuy_withdrawal_ids.filtered(
                        lambda w: w.state == "paid" and w.company_id == company
                    ).mapped("amount")
                ))
            else:
                partner.groupbuy_commission_balance = partner.groupbuy_commission_withdrawn = 0.0

    def _groupbuy_commission_unpaid(self):
        """Unpaid residual of the leader's posted commission bills."""
        self.ensure_one()
        company = self.env.company
        settlements = self.env["groupbuy.commission.settlement"].sudo().search([
            ("leader_id", "=", self.id), ("company_id", "=", company.id), ("state", "=", "invoiced"),
        ])
        return company.currency_id.round(sum(settlements.move_id.mapped("amount_residual")))

    def _groupbuy_commission_available(self):
        """Unpaid residual of the leader's commission bills, less withdrawals asked for."""
        self.ensure_one()
        company = self.env.company
        unpaid = self._groupbuy_commission_unpaid()
        asked = sum(self.env["groupbuy.withdrawal"].sudo().search([
            ("leader_id", "=", self.id), ("company_id", "=", company.id), ("state", "in", ("requested", "approved")),
        ]).mapped("amount"))
        return company.currency_id.round(max(unpaid - asked, 0.0))

    def action_view_groupbuy_commission(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("groupbuy_commission.action_groupbuy_commission_line")
        action["domain"] = [("leader_id", "=", self.id)]
        action["context"] = {"search_default_group_by_state": 1}
        return action

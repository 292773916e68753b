from odoo import api, fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    groupbuy_commission_leader_id = fields.Many2one(
        "res.partner",
        string="Commission earned by",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Set when the customer joins (the campaign's leader or the leader whose share "
        "link brought the customer, by company setting): later changes do not move it.",
    )
    # who may read commission lines (their access rules): a salesman without commission
    # rights reads orders without these fields (Odoo's sale access tests)
    groupbuy_commission_line_ids = fields.One2many(
        "groupbuy.commission.line", "order_id", string="Commissions", readonly=True,
        groups="community_groupbuy.group_groupbuy_officer,account.group_account_invoice,base.group_portal",
    )
    groupbuy_commission_total = fields.Monetary(
        string="Commission",
        compute="_compute_groupbuy_commission_total",
        currency_field="company_currency_id",
        groups="community_groupbuy.group_groupbuy_officer,account.group_account_invoice,base.group_portal",
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")

    @api.depends("groupbuy_commission_line_ids.amount", "groupbuy_commission_line_ids.state")
    def _compute_groupbuy_commission_total(self):
        for order in self:
            lines = order.groupbuy_commission_line_ids.filtered(lambda l: l.state != "cancelled")
            order.groupbuy_commission_total = order.company_id.currency_id.round(sum(lines.mapped("amount")))

    # ------------------------------------------------------------------
    # Hooks of the core
    # ------------------------------------------------------------------
    def _groupbuy_confirm(self):
        res = super()._groupbuy_confirm()
        # commissions are the platform's books, whoever confirms (a join, the cron, staff)
        self.sudo().filtered(lambda o: o.state == "sale")._groupbuy_commission_create()
        return res

    def _groupbuy_price_final(self):
        res = super()._groupbuy_price_final()
        self.sudo()._groupbuy_commission_sync(reprice=True)
        return res

    def _action_cancel(self):
        res = super()._action_cancel()
        self.sudo().filtered("groupbuy_commission_line_ids")._groupbuy_commission_sync(cancelled=True)
        return res

    # ------------------------------------------------------------------
    # Commission lines
    # ------------------------------------------------------------------
    def _groupbuy_commission_earner(self):
        self.ensure_one()
        return self._groupbuy_commission_earner_of(
            self.company_id, self.groupbuy_commission_leader_id, self.groupbuy_source_leader_id, self.groupbuy_leader_id
        )

    @api.model
    def _groupbuy_commission_earner_of(self, company, stored, source, leader):
        """The leader who earns an order's direct commission: the one stored when the
        customer joined, else the one the company's setting chooses."""
        if stored:
            return stored
        if company.groupbuy_commission_earner == "source" and source:
            return source
        return leader

    def _groupbuy_commission_lines(self):
        """The sold lines that earn commission: the campaign's products."""
        self.ensure_one()
        return self.order_line.filtered(lambda l: l.groupbuy_line_id and not l.display_type)

    def _groupbuy_commission_base(self, sale_line):
        """``(untaxed amount, quantity)`` of ``sale_line`` that still counts, in the
        company's currency: less returned goods, and no more than what stays invoiced
        after credit notes."""
        self.ensure_one()
        qty = sale_line.product_uom_qty
        if not qty or self.state == "cancel":
            return 0.0, 0.0
        returned = sum(
            move.product_uom_qty
            for move in sale_line.move_ids
            if move.state == "done" and move.origin_returned_move_id and move.location_dest_id.usage != "customer"
        )
        unit = sale_line.price_subtotal / qty
        qty = max(qty - returned, 0.0)
        base = unit * qty
        invoice_lines = sale_line.invoice_lines.filtered(lambda l: l.move_id.state == "posted")
        if invoice_lines.filtered(lambda l: l.move_id.move_type == "out_invoice"):
            net_qty = net_amount = 0.0
            for inv_line in invoice_lines:
                sign = -1 if inv_line.move_id.move_type == "out_refund" else 1
                net_qty += sign * inv_line.quantity
                net_amount += sign * inv_line.price_subtotal
            qty = max(min(qty, net_qty), 0.0)
            base = max(min(base, net_amount), 0.0)
        company = self.company_id
        if self.currency_id != company.currency_id:
            base = self.currency_id._convert(base, company.currency_id, company, self.date_order)
        return company.currency_id.round(base), qty

    def _groupbuy_commission_create(self):
        """Pending commission lines for newly confirmed group orders (once per order)."""
        Rule = self.env["groupbuy.commission.rule"].sudo()
        Line = self.env["groupbuy.commission.line"].sudo()
        direct_vals, team_rates = [], []
        for order in self.filtered(lambda o: o.groupbuy_campaign_id and not o.groupbuy_commission_line_ids):
            leader = order._groupbuy_commission_earner()
            if not leader:
                continue
            currency = order.company_id.currency_id
            participants = order.groupbuy_campaign_id.participant_count
            for sale_line in order._groupbuy_commission_lines():
                rule = Rule._find_rule(sale_line, leader)
                if not rule:
                    continue
                rate = rule._get_rate(participants)
                base, qty = order._groupbuy_commission_base(sale_line)
                cost = sale_line.product_id.with_company(order.company_id).standard_price
                amount = rule._compute_amount(rate, base, qty, cost, currency)
                if currency.is_zero(amount):
                    continue
                direct_vals.append({
                    "company_id": order.company_id.id,
                    "leader_id": leader.id,
                    "order_id": order.id,
                    "sale_line_id": sale_line.id,
                    "campaign_id": order.groupbuy_campaign_id.id,
                    "product_id": sale_line.product_id.id,
                    "customer_id": order.partner_id.id,
                    "rule_id": rule.id,
                    "amount_type": rule.amount_type,
                    "rate": rate,
                    "base_amount": base,
                    "quantity": qty,
                    "amount": amount,
                    "kind": "direct",
                })
                head = leader.groupbuy_parent_leader_id
                team_rates.append((head, rule.team_percent) if head and rule.team_percent else None)
        directs = Line.create(direct_vals)
        team_vals = []
        for direct, team in zip(directs, team_rates):
            if not team:
                continue
            head, percent = team
            amount = direct._groupbuy_team_amount(direct.amount, percent)
            if direct.currency_id.is_zero(amount):
                continue
            team_vals.append({
                "company_id": direct.company_id.id,
                "leader_id": head.id,
                "order_id": direct.order_id.id,
                "sale_line_id": direct.sale_line_id.id,
                "campaign_id": direct.campaign_id.id,
                "product_id": direct.product_id.id,
                "customer_id": direct.customer_id.id,
                "rule_id": direct.rule_id.id,
                "amount_type": "percent",
                "rate": percent,
                "base_amount": direct.amount,
                "quantity": direct.quantity,
                "amount": amount,
                "kind": "team",
                "origin_line_id": direct.id,
                "note": self.env._("Team share of %(leader)s", leader=direct.leader_id.name),
            })
        return directs | Line.create(team_vals)

    def _groupbuy_commission_sync(self, reprice=False, cancelled=False):
        """Bring the orders' commissions in line with what the order is now worth.

        Pending lines are updated in place (re-priced by the tier reached when
        ``reprice``); lines that left pending are history: what they are worth less now
        becomes a negative ``reversal`` line linked to them. A cancelled order's pending
        lines are cancelled.
        """
        Line = self.env["groupbuy.commission.line"].sudo()
        reversal_vals = []
        for order in self:
            directs = order.groupbuy_commission_line_ids.filtered(
                lambda l: l.kind == "direct" and l.state != "cancelled"
            )
            participants = order.groupbuy_campaign_id.participant_count
            for direct in directs:
                sale_line = direct.sale_line_id
                cancel = cancelled or order.state == "cancel" or not sale_line
                teams = direct.reversal_ids.filtered(lambda l: l.kind == "team" and l.state != "cancelled")
                if direct.state == "pending" and cancel:
                    (direct | teams.filtered(lambda l: l.state == "pending")).write({"state": "cancelled"})
                    continue
                base, qty = (0.0, 0.0) if cancel else order._groupbuy_commission_base(sale_line)
                rate = direct.rate
                if reprice and direct.state == "pending" and direct.rule_id:
                    rate = direct.rule_id._get_rate(participants)
                cost = direct.product_id.with_company(order.company_id).standard_price
                target = Line._groupbuy_amount(direct.amount_type, rate, base, qty, cost, direct.currency_id)
                if direct.state == "pending":
                    direct.write({"rate": rate, "base_amount": base, "quantity": qty, "amount": target})
                    for team in teams.filtered(lambda l: l.state == "pending"):
                        team.write({
                            "base_amount": target,
                            "amount": team._groupbuy_team_amount(target, team.rate),
                        })
                    continue
                reversal_vals += direct._groupbuy_reversal_vals(target)
                for team in teams:
                    reversal_vals += team._groupbuy_reversal_vals(team._groupbuy_team_amount(target, team.rate))
        return Line.create(reversal_vals)

    # ------------------------------------------------------------------
    # Store credit: a leader spends their eWallet on their own group entries
    # ------------------------------------------------------------------
    def _groupbuy_is_store_credit_order(self):
        self.ensure_one()
        return bool(self.groupbuy_campaign_id) and self.partner_id.commercial_partner_id.groupbuy_is_leader

    def _get_claimable_rewards(self, forced_coupons=None):
        result = super()._get_claimable_rewards(forced_coupons=forced_coupons)
        program = self.company_id.sudo().groupbuy_store_credit_program_id
        if program and not self._groupbuy_is_store_credit_order():
            for coupon in [c for c in result if c.program_id == program]:
                del result[coupon]
        return result

    def _groupbuy_store_credit_card(self):
        """The leader's store credit card usable on this entry (with credit left), if any."""
        self.ensure_one()
        Card = self.env["loyalty.card"].sudo()
        program = self.company_id.sudo().groupbuy_store_credit_program_id
        if not program or not self._groupbuy_is_store_credit_order():
            return Card
        card = Card.search(
            [("program_id", "=", program.id), ("partner_id", "=", self.partner_id.commercial_partner_id.id)], limit=1
        )
        if not card or card.currency_id.compare_amounts(self.sudo()._get_real_points_for_coupon(card), 0.0) <= 0:
            return Card
        return card

    def _groupbuy_apply_store_credit(self):
        """Pay (part of) this entry with the leader's store credit."""
        self.ensure_one()
        order = self.sudo()
        card = order._groupbuy_store_credit_card()
        if not card:
            raise UserError(self.env._("You have no store credit left to use on this entry."))
        if not order._has_to_be_paid():
            raise UserError(self.env._("This entry has nothing left to pay."))
        reward = card.program_id.reward_ids[:1]
        result = order._apply_program_reward(reward, card)
        if result.get("error"):
            raise UserError(result["error"])
        if order.state == "sale":
            # a confirmed order does not go through confirmation again: the credit is used now
            used = sum(order.order_line.filtered(lambda l: l.coupon_id == card).mapped("points_cost"))
            card.points = card.currency_id.round(card.points - used)
        order.message_post(body=self.env._("Paid in part with the leader's store credit."))
        return True

from collections import defaultdict

from werkzeug.exceptions import NotFound

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.tools import float_round

from odoo.addons.community_groupbuy.controllers.portal import GroupbuyPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class GroupbuyCommissionPortal(GroupbuyPortal):
    """A leader's commission (分佣) under /my/groupbuy/commission: totals, lines,
    statements, withdrawals, their team."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "groupbuy_commission_count" in counters:
            partner = request.env.user.partner_id.commercial_partner_id
            values["groupbuy_commission_count"] = (
                request.env["groupbuy.commission.line"].search_count([]) if partner.groupbuy_is_leader else 0
            )
        return values

    def _commission_summary(self, leader):
        """Totals and the per-month chart, from the leader's own lines (record rules)."""
        Line = request.env["groupbuy.commission.line"]
        currency = request.env.company.currency_id
        by_state = dict(Line._read_group([("state", "!=", "cancelled")], ["state"], ["amount:sum"]))
        months = Line._read_group(
            [("state", "!=", "cancelled")], ["date:month"], ["amount:sum"], order="date:month desc", limit=6
        )
        months = [(month, float_round(amount, precision_rounding=currency.rounding)) for month, amount in months][::-1]
        peak = max([amount for _m, amount in months] + [0.0]) or 1.0
        leader_sudo = leader.sudo()
        return {
            "currency": currency,
            "total_pending": by_state.get("pending", 0.0),
            "total_eligible": by_state.get("eligible", 0.0),
            "total_available": leader_sudo.groupbuy_commission_balance,
            "total_withdrawn": leader_sudo.groupbuy_commission_withdrawn,
            "months": [
                {"label": month.strftime("%Y-%m"), "amount": amount, "percent": int(100 * max(amount, 0) / peak)}
                for month, amount in months
            ],
        }

    def _commission_team(self, leader):
        """Per sub-leader totals of the head leader's team lines (no customers shown)."""
        Line = request.env["groupbuy.commission.line"]
        team = defaultdict(float)
        for origin, amount in Line._read_group(
            [("kind", "=", "team"), ("state", "!=", "cancelled")], ["origin_line_id"], ["amount:sum"]
        ):
            team[origin.sudo().leader_id] += amount
        return sorted(team.items(), key=lambda item: -item[1])

    def _commission_values(self, leader, error=None, message=None, form=None):
        values = self._commission_summary(leader)
        company = request.env.company
        values.update({
            "leader": leader,
            "lines": request.env["groupbuy.commission.line"].search([], limit=10).sudo(),
            "settlements": request.env["groupbuy.commission.settlement"].search(
                [("state", "in", ("invoiced", "paid"))], limit=12
            ).sudo(),
            "withdrawals": request.env["groupbuy.withdrawal"].search([], limit=12).sudo(),
            "team": self._commission_team(leader),
            "bank_accounts": leader.sudo().bank_ids,
            "min_amount": company.groupbuy_withdrawal_min_amount,
            "error": error,
            "message": message,
            "form": form or {},
            "page_name": "groupbuy_commission",
        })
        return values

    @http.route("/my/groupbuy/commission", type="http", auth="user", website=True)
    def portal_my_groupbuy_commission(self, message=None, **kw):
        leader = self._leader_partner()
        return request.render(
            "groupbuy_commission.portal_my_groupbuy_commission",
            self._commission_values(leader, message=message),
        )

    @http.route(
        ["/my/groupbuy/commission/lines", "/my/groupbuy/commission/lines/page/<int:page>"],
        type="http", auth="user", website=True,
    )
    def portal_my_groupbuy_commission_lines(self, page=1, **kw):
        self._leader_partner()
        Line = request.env["groupbuy.commission.line"]
        count = Line.search_count([])
        pager = portal_pager(url="/my/groupbuy/commission/lines", total=count, page=page, step=self._items_per_page)
        lines = Line.search([], limit=self._items_per_page, offset=pager["offset"])
        return request.render("groupbuy_commission.portal_my_groupbuy_commission_lines", {
            "lines": lines.sudo(),
            "pager": pager,
            "page_name": "groupbuy_commission_lines",
        })

    @http.route("/my/groupbuy/commission/statements/<int:settlement_id>", type="http", auth="user", website=True)
    def portal_my_groupbuy_commission_statement(self, settlement_id, report_type="pdf", download=False, **kw):
        self._leader_partner()
        try:
            settlement_sudo = self._document_check_access("groupbuy.commission.settlement", settlement_id)
        except (AccessError, MissingError):
            raise NotFound() from None
        if report_type not in ("pdf", "html"):
            raise NotFound()
        return self._show_report(
            model=settlement_sudo,
            report_type=report_type,
            report_ref="groupbuy_commission.action_report_groupbuy_commission_statement",
            download=download,
        )

    @http.route("/my/groupbuy/commission/withdraw", type="http", auth="user", website=True, methods=["POST"])
    def portal_my_groupbuy_commission_withdraw(self, **post):
        leader = self._leader_partner()
        try:
            amount = float(post.get("amount") or 0.0)
        except ValueError:
            amount = 0.0
        method = post.get("method") if post.get("method") in ("bank", "store_credit") else "bank"
        vals = {"leader_id": leader.id, "amount": amount, "method": method}
        try:
            # all or nothing: a new bank account is kept only if the request is accepted
            with request.env.cr.savepoint():
                if method == "bank":
                    vals["bank_account_id"] = self._commission_bank_account(leader, post).id
                request.env["groupbuy.withdrawal"].sudo().create(vals)
        except (UserError, ValidationError) as e:
            return request.render(
                "groupbuy_commission.portal_my_groupbuy_commission",
                self._commission_values(leader, error=e.args[0], form=post), status=400,
            )
        return request.redirect("/my/groupbuy/commission?message=requested")

    def _commission_bank_account(self, leader, post):
        Bank = request.env["res.partner.bank"].sudo()
        if post.get("bank_account_id"):
            bank = Bank.browse(int(post["bank_account_id"])).exists() if post["bank_account_id"].isdigit() else Bank
            if not bank or bank.partner_id.commercial_partner_id != leader:
                raise UserError(request.env._("The money can only go to a bank account of your own."))
            return bank
        acc_number = (post.get("acc_number") or "").strip()
        if not acc_number:
            raise UserError(request.env._("Add the bank account the money should go to."))
        existing = Bank.search([("partner_id", "=", leader.id), ("acc_number", "=", acc_number)], limit=1)
        if existing:
            return existing
        bank_name = (post.get("bank_name") or "").strip()
        return Bank.create({
            "partner_id": leader.id,
            "acc_number": acc_number,
            "acc_holder_name": (post.get("acc_holder_name") or "").strip() or leader.name,
            "bank_id": bank_name and request.env["res.bank"].sudo().create({"name": bank_name}).id or False,
        })

    # ------------------------------------------------------------------
    # Store credit on the leader's own entry
    # ------------------------------------------------------------------
    def _groupbuy_entry_values(self, order_sudo, access_token=None, error=None, message=None):
        values = super()._groupbuy_entry_values(order_sudo, access_token=access_token, error=error, message=message)
        is_owner = request.env.user.partner_id.commercial_partner_id == order_sudo.partner_id.commercial_partner_id
        card = order_sudo._groupbuy_store_credit_card() if is_owner and order_sudo._has_to_be_paid() else False
        values["groupbuy_store_credit_card"] = card
        return values

    @http.route("/my/groupbuy/<int:order_id>/store_credit", type="http", auth="user", website=True, methods=["POST"])
    def portal_my_groupbuy_entry_store_credit(self, order_id, **post):
        order_sudo = self._groupbuy_entry_or_404(order_id)
        if request.env.user.partner_id.commercial_partner_id != order_sudo.partner_id.commercial_partner_id:
            raise NotFound()
        try:
            order_sudo._groupbuy_apply_store_credit()
        except UserError as e:
            return request.render(
                "community_groupbuy.portal_my_groupbuy_entry",
                self._groupbuy_entry_values(order_sudo, error=e.args[0]), status=400,
            )
        return request.redirect(f"/my/groupbuy/{order_sudo.id}?message=updated")

import io
from datetime import datetime

import pytz
import xlsxwriter
from werkzeug.exceptions import NotFound

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal, pager as portal_pager



class GroupbuyPortal(CustomerPortal):
    """Customers' entries and leaders' campaigns under /my."""

    # our lists only: ``_items_per_page`` would change every portal list of the
    # database (Odoo merges all CustomerPortal subclasses into one controller)
    _groupbuy_items_per_page = 20

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        partner = request.env.user.partner_id
        if "groupbuy_entry_count" in counters:
            values["groupbuy_entry_count"] = request.env["sale.order"].search_count(
                self._groupbuy_entries_domain(partner)
            )
        if "groupbuy_campaign_count" in counters:
            values["groupbuy_campaign_count"] = (
                request.env["groupbuy.campaign"].search_count([])
                if partner.commercial_partner_id.groupbuy_is_leader else 0
            )
        return values

    def _groupbuy_entries_domain(self, partner):
        return [
            ("groupbuy_campaign_id", "!=", False),
            ("partner_id", "child_of", partner.commercial_partner_id.id),
        ]

    # ------------------------------------------------------------------
    # Customers: my entries
    # ------------------------------------------------------------------
    @http.route(["/my/groupbuy", "/my/groupbuy/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_groupbuy_entries(self, page=1, **kw):
        Order = request.env["sale.order"]
        domain = self._groupbuy_entries_domain(request.env.user.partner_id)
        count = Order.search_count(domain)
        pager = portal_pager(url="/my/groupbuy", total=count, page=page, step=self._groupbuy_items_per_page)
        orders = Order.search(domain, order="date_order desc, id desc",
                              limit=self._groupbuy_items_per_page, offset=pager["offset"])
        return request.render("community_groupbuy.portal_my_groupbuy_entries", {
            # searched as the user (record rules), shown with their campaigns' names
            "orders": orders.sudo(),
            "pager": pager,
            "page_name": "groupbuy_entries",
            "default_url": "/my/groupbuy",
        })

    def _groupbuy_entry_or_404(self, order_id, access_token=None):
        try:
            order_sudo = self._document_check_access("sale.order", order_id, access_token=access_token)
        except (AccessError, MissingError):
            raise NotFound() from None
        if not order_sudo.groupbuy_campaign_id:
            raise NotFound()
        return order_sudo

    def _groupbuy_entry_values(self, order_sudo, access_token=None, error=None, message=None):
        campaign = order_sudo.groupbuy_campaign_id
        editable, reason = True, False
        try:
            order_sudo._groupbuy_check_editable()
        except UserError as e:
            editable, reason = False, e.args[0]
        return {
            "order": order_sudo,
            "campaign": campaign,
            "access_token": access_token,
            "token_param": f"?access_token={access_token}" if access_token else "",
            "update_url": order_sudo.get_portal_url(suffix="/groupbuy/update"),
            "cancel_url": order_sudo.get_portal_url(suffix="/groupbuy/cancel"),
            "entry_editable": editable,
            "locked_reason": reason,
            "quantities_editable": editable and order_sudo.groupbuy_status == "waiting",
            "questions": campaign.answer_definition or [],
            "answers": order_sudo.groupbuy_answers or {},
            "line_qty": {
                line.groupbuy_line_id.id: line.product_uom_qty
                for line in order_sudo.order_line.filtered("groupbuy_line_id")
            },
            "pay_url": order_sudo.get_portal_url() if order_sudo._has_to_be_paid() else False,
            "error": error,
            "message": message,
            "page_name": "groupbuy_entry",
        }

    # The entry page lives under the sale portal's order page (``order.get_portal_url(
    # suffix="/groupbuy")``); /my/groupbuy/<id> is kept for links already shared.
    @http.route(["/my/orders/<int:order_id>/groupbuy", "/my/groupbuy/<int:order_id>"],
                type="http", auth="public", website=True)
    def portal_my_groupbuy_entry(self, order_id, access_token=None, message=None, **kw):
        order_sudo = self._groupbuy_entry_or_404(order_id, access_token)
        messages = {"updated": request.env._("Your entry was changed."),
                    "cancelled": request.env._("Your entry was cancelled; what you paid is refunded.")}
        return request.render("community_groupbuy.portal_my_groupbuy_entry",
                              self._groupbuy_entry_values(order_sudo, access_token, message=messages.get(message)))

    @http.route(["/my/orders/<int:order_id>/groupbuy/update", "/my/groupbuy/<int:order_id>/update"],
                type="http", auth="public", website=True, methods=["POST"])
    def portal_my_groupbuy_entry_update(self, order_id, access_token=None, **post):
        order_sudo = self._groupbuy_entry_or_404(order_id, access_token)
        campaign = order_sudo.groupbuy_campaign_id
        try:
            quantities = None
            if order_sudo.groupbuy_status == "waiting":
                quantities = {
                    line["product_id"]: line["qty"] for line in campaign._groupbuy_parse_form_lines(post)
                }
            answers = campaign._groupbuy_parse_form_answers(post)
            order_sudo._groupbuy_update_entry(quantities, answers)
        except (UserError, ValidationError) as error:
            values = self._groupbuy_entry_values(order_sudo, access_token, error=error.args[0])
            return request.render("community_groupbuy.portal_my_groupbuy_entry", values, status=400)
        return request.redirect(order_sudo._groupbuy_entry_url(query_string="&message=updated"))

    @http.route(["/my/orders/<int:order_id>/groupbuy/cancel", "/my/groupbuy/<int:order_id>/cancel"],
                type="http", auth="public", website=True, methods=["POST"])
    def portal_my_groupbuy_entry_cancel(self, order_id, access_token=None, **post):
        order_sudo = self._groupbuy_entry_or_404(order_id, access_token)
        try:
            order_sudo.action_groupbuy_withdraw()
        except UserError as error:
            values = self._groupbuy_entry_values(order_sudo, access_token, error=error.args[0])
            return request.render("community_groupbuy.portal_my_groupbuy_entry", values, status=400)
        return request.redirect(order_sudo._groupbuy_entry_url(query_string="&message=cancelled"))

    # ------------------------------------------------------------------
    # Leaders: my campaigns
    # ------------------------------------------------------------------
    def _leader_partner(self):
        partner = request.env.user.partner_id.commercial_partner_id
        if request.env.user._is_public() or not partner.groupbuy_is_leader:
            raise NotFound()
        return partner

    def _leader_campaign_or_404(self, campaign_id):
        self._leader_partner()
        try:
            # the user's own environment: the record rule keeps a leader to their campaigns
            return self._document_check_access("groupbuy.campaign", campaign_id)
        except (AccessError, MissingError):
            raise NotFound() from None

    @http.route(["/my/groupbuy/campaigns", "/my/groupbuy/campaigns/page/<int:page>"],
                type="http", auth="user", website=True)
    def portal_my_groupbuy_campaigns(self, page=1, **kw):
        self._leader_partner()
        Campaign = request.env["groupbuy.campaign"]
        count = Campaign.search_count([])
        pager = portal_pager(url="/my/groupbuy/campaigns", total=count, page=page, step=self._groupbuy_items_per_page)
        campaigns = Campaign.search([], limit=self._groupbuy_items_per_page, offset=pager["offset"])
        return request.render("community_groupbuy.portal_my_groupbuy_campaigns", {
            "campaigns": campaigns.sudo(),
            "pager": pager,
            "page_name": "groupbuy_campaigns",
        })

    def _leader_campaign_values(self, campaign_sudo, error=None, page=1):
        leader = request.env.user.partner_id.commercial_partner_id
        communities = request.env["groupbuy.community"].sudo().search([("leader_id", "=", leader.id)])
        # one page of the chain list (constant queries at any size); the whole list is
        # the Excel export
        step = campaign_sudo._CHAIN_PAGE_SIZE
        count = campaign_sudo._get_chain_count()
        pager = portal_pager(url=f"/my/groupbuy/campaigns/{campaign_sudo.id}", total=count, page=page, step=step)
        entries = campaign_sudo._get_chain_entries(full=True, limit=step, offset=pager["offset"])
        return {
            "campaign": campaign_sudo,
            "entries": entries,
            "chain_count": count,
            "pager": pager if count > step else False,
            # the text is pasted into the group chat: masked, like the public page,
            # fetched when the leader copies it
            "chain_text_url": f"/groupbuy/{campaign_sudo.share_code}/chain.txt",
            "share_url": campaign_sudo._get_share_url_for(leader, campaign_sudo.community_id),
            "poster_url": f"/groupbuy/{campaign_sudo.share_code}/poster.png?ref="
            + campaign_sudo._get_share_token(leader, campaign_sudo.community_id),
            "communities": communities,
            "error": error,
            "page_name": "groupbuy_campaign",
        }

    @http.route(["/my/groupbuy/campaigns/<int:campaign_id>", "/my/groupbuy/campaigns/<int:campaign_id>/page/<int:page>"],
                type="http", auth="user", website=True, readonly=True)
    def portal_my_groupbuy_campaign(self, campaign_id, page=1, **kw):
        campaign_sudo = self._leader_campaign_or_404(campaign_id)
        return request.render("community_groupbuy.portal_my_groupbuy_campaign",
                              self._leader_campaign_values(campaign_sudo, page=page))

    @http.route("/my/groupbuy/campaigns/<int:campaign_id>/export.xlsx", type="http", auth="user", website=True)
    def portal_my_groupbuy_campaign_export(self, campaign_id, **kw):
        campaign_sudo = self._leader_campaign_or_404(campaign_id)
        content = self._groupbuy_chain_xlsx(campaign_sudo)
        filename = f"groupbuy-{campaign_sudo.share_code}-{datetime.now():%Y%m%d}.xlsx"
        return request.make_response(content, headers=[
            ("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("Content-Disposition", f'attachment; filename="{filename}"'),
        ])

    def _groupbuy_chain_xlsx(self, campaign_sudo):
        _ = request.env._
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(_("Chain list")[:31])
        bold = workbook.add_format({"bold": True})
        headers = [_("No."), _("Name"), _("Phone"), _("Products"), _("Answers"),
                   _("Amount"), _("Paid"), _("Status"), _("Order"), _("Joined")]
        sheet.write_row(0, 0, headers, bold)
        for row, entry in enumerate(campaign_sudo._get_chain_entries(full=True), start=1):
            sheet.write_row(row, 0, [
                entry["sequence"],
                entry["name"],
                entry["phone"],
                "; ".join(f"{item['product']} ×{item['qty']}" for item in entry["items"]),
                "; ".join(f"{q}: {a}" for q, a in entry["answers"]),
                entry["amount"],
                entry["paid"],
                entry["status"],
                entry["order"],
                entry["date"],
            ])
        sheet.set_column(0, 0, 6)
        sheet.set_column(1, 9, 18)
        workbook.close()
        return output.getvalue()

    @http.route("/my/groupbuy/campaigns/<int:campaign_id>/duplicate", type="http", auth="user",
                website=True, methods=["POST"])
    def portal_my_groupbuy_campaign_duplicate(self, campaign_id, **post):
        campaign_sudo = self._leader_campaign_or_404(campaign_id)
        new = campaign_sudo.copy()
        return request.redirect(f"/my/groupbuy/campaigns/{new.id}")

    @http.route("/my/groupbuy/campaigns/<int:campaign_id>/schedule", type="http", auth="user",
                website=True, methods=["POST"])
    def portal_my_groupbuy_campaign_schedule(self, campaign_id, **post):
        campaign_sudo = self._leader_campaign_or_404(campaign_id)
        try:
            campaign_sudo.action_schedule()
        except (UserError, ValidationError) as error:
            return request.render("community_groupbuy.portal_my_groupbuy_campaign",
                                  self._leader_campaign_values(campaign_sudo, error=error.args[0]), status=400)
        return request.redirect(f"/my/groupbuy/campaigns/{campaign_sudo.id}")

    def _leader_catalogue(self):
        return request.env["product.product"].sudo().search(
            [("product_tmpl_id.groupbuy_leader_allowed", "=", True), ("sale_ok", "=", True)],
            order="name",
        )

    @http.route("/my/groupbuy/campaigns/new", type="http", auth="user", website=True, methods=["GET", "POST"])
    def portal_my_groupbuy_campaign_new(self, **post):
        leader = self._leader_partner()
        catalogue = self._leader_catalogue()
        communities = request.env["groupbuy.community"].sudo().search([("leader_id", "=", leader.id)])
        error = None
        if request.httprequest.method == "POST":
            try:
                campaign = self._leader_create_campaign(leader, catalogue, communities, post)
                return request.redirect(f"/my/groupbuy/campaigns/{campaign.id}")
            except (UserError, ValidationError, ValueError) as e:
                error = e.args[0] if e.args else str(e)
        return request.render("community_groupbuy.portal_my_groupbuy_campaign_new", {
            "catalogue": catalogue,
            "communities": communities,
            "form": post,
            "error": error,
            "page_name": "groupbuy_campaign_new",
        }, status=400 if error else 200)

    def _parse_local_datetime(self, value):
        """A datetime-local input, in the user's time zone, to UTC."""
        if not value:
            raise UserError(request.env._("Choose when the campaign starts and ends."))
        local = datetime.strptime(value.replace("T", " ")[:16], "%Y-%m-%d %H:%M")
        tz = request.env.user.tz or request.env.context.get("tz") or "Asia/Shanghai"
        return pytz.timezone(tz).localize(local).astimezone(pytz.utc).replace(tzinfo=None)

    def _leader_create_campaign(self, leader, catalogue, communities, post):
        product_ids = request.httprequest.form.getlist("product_id")
        lines = []
        for product_id in product_ids:
            product = catalogue.filtered(lambda p: str(p.id) == product_id)
            if not product:
                raise UserError(request.env._("Choose products from the platform's catalogue."))
            price = float(post.get(f"price_{product.id}") or product.lst_price)
            cap = float(post.get(f"cap_{product.id}") or 0)
            limit = float(post.get(f"limit_{product.id}") or 0)
            lines.append(fields.Command.create({
                "product_id": product.id, "price_unit": price, "max_qty": cap, "max_qty_per_customer": limit,
            }))
        if not lines:
            raise UserError(request.env._("Choose at least one product from the catalogue."))
        name = (post.get("name") or "").strip()
        if not name:
            raise UserError(request.env._("Give the campaign a name your group will recognise."))
        community = communities.filtered(lambda c: str(c.id) == (post.get("community_id") or ""))
        return request.env["groupbuy.campaign"].sudo().create({
            "name": name[:120],
            "leader_id": leader.id,
            "community_id": community.id or False,
            "min_participants": int(post.get("min_participants") or 2),
            "date_start": self._parse_local_datetime(post.get("date_start")),
            "date_end": self._parse_local_datetime(post.get("date_end")),
            "line_ids": lines,
        })

import logging
import re

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.community_groupbuy.models.groupbuy_campaign import ACTIVE_JOIN_STATUSES

_logger = logging.getLogger(__name__)

PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")


class GroupbuyWebsite(http.Controller):
    """The customer's side: the campaign page, joining, the live chain list, the poster."""

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @staticmethod
    def _get_campaign(code):
        campaign = request.env["groupbuy.campaign"].sudo().search(
            [("share_code", "=", code or ""), ("is_published", "=", True), ("state", "!=", "draft")],
            limit=1,
        )
        if not campaign:
            raise NotFound()
        return campaign

    @staticmethod
    def _current_partner():
        """The customer on this page: the logged-in user's, or the one a public visitor
        identified as when joining from this browser."""
        if not request.env.user._is_public():
            return request.env.user.partner_id
        partner_id = request.session.get("groupbuy_partner_id")
        return request.env["res.partner"].sudo().browse(partner_id).exists() if partner_id else None

    @staticmethod
    def _remember_source(campaign, leader=None, community=None):
        """Customer source: the leader (and community) whose link brought the visitor."""
        try:
            leader_id = int(leader) if leader else 0
            community_id = int(community) if community else 0
        except ValueError:
            return
        if not leader_id:
            return
        Partner = request.env["res.partner"].sudo()
        leader_sudo = Partner.search([("id", "=", leader_id), ("groupbuy_is_leader", "=", True)], limit=1)
        if not leader_sudo:
            return
        community_sudo = request.env["groupbuy.community"].sudo().search(
            [("id", "=", community_id), ("leader_id", "=", leader_sudo.id)], limit=1
        ) if community_id else None
        sources = dict(request.session.get("groupbuy_source") or {})
        sources[str(campaign.id)] = {
            "leader_id": leader_sudo.id,
            "community_id": community_sudo.id if community_sudo else False,
        }
        request.session["groupbuy_source"] = sources

    @staticmethod
    def _existing_entry(campaign, partner):
        if not partner:
            return request.env["sale.order"]
        return request.env["sale.order"].sudo().search(
            [
                ("groupbuy_campaign_id", "=", campaign.id),
                ("partner_id", "=", partner.id),
                ("groupbuy_status", "in", ACTIVE_JOIN_STATUSES),
            ],
            order="id desc",
            limit=1,
        )

    def _prepare_campaign_values(self, campaign, error=None, form=None):
        partner = self._current_partner()
        status, status_message = campaign._get_public_status()
        entries = campaign._get_chain_entries()
        in_segment = True
        if campaign.mode == "exclusive":
            in_segment = bool(partner) and campaign._is_partner_in_segment(partner)
        existing = self._existing_entry(campaign, partner)
        # a visitor's own entry is one made from this browser (or their account's):
        # typing someone's phone number gives no way into their entry
        own_existing = existing if existing and (
            not request.env.user._is_public()
            or existing.id in (request.session.get("groupbuy_order_ids") or [])
        ) else request.env["sale.order"]
        user_partner = request.env.user.partner_id
        is_own_leader = not request.env.user._is_public() and user_partner.commercial_partner_id == campaign.leader_id
        return {
            "campaign": campaign,
            "main_object": campaign,
            "status": status,
            "status_message": status_message,
            "in_segment": in_segment,
            "existing": own_existing,
            "existing_url": own_existing._groupbuy_entry_url() if own_existing else False,
            "entries": entries,
            "chain_text": campaign._get_chain_text(entries=entries),
            "error": error,
            "form": form or {},
            "is_public": request.env.user._is_public(),
            "is_own_leader": is_own_leader,
            "questions": campaign.answer_definition or [],
            "line_groups": self._group_lines(campaign),
            # everyone who sees the page reads the questions and answers; logged-in
            # customers may ask (portal chatter, by the campaign's token)
            "comment_token": campaign._portal_ensure_token(),
        }

    @staticmethod
    def _group_lines(campaign):
        """Lines grouped by product template: one card a product, its variants inside."""
        groups = {}
        for line in campaign.line_ids:
            groups.setdefault(line.product_id.product_tmpl_id, []).append(line)
        return list(groups.items())

    @staticmethod
    def _parse_answers(campaign, post):
        answers = {}
        for prop in campaign.answer_definition or []:
            raw = post.get(f"answer_{prop['name']}")
            kind = prop.get("type")
            if kind == "boolean":
                answers[prop["name"]] = bool(raw)
                continue
            if raw in (None, ""):
                continue
            raw = raw.strip()
            if kind == "integer":
                try:
                    raw = int(raw)
                except ValueError:
                    raise UserError(request.env._("%(question)s must be a whole number.", question=prop.get("string"))) from None
            elif kind == "float":
                try:
                    raw = float(raw)
                except ValueError:
                    raise UserError(request.env._("%(question)s must be a number.", question=prop.get("string"))) from None
            elif kind == "selection" and raw not in dict(prop.get("selection") or []):
                raise UserError(request.env._("Choose one of the options for %(question)s.", question=prop.get("string")))
            answers[prop["name"]] = raw
        return answers

    @staticmethod
    def _parse_lines(campaign, post):
        lines = []
        for line in campaign.line_ids:
            raw = (post.get(f"qty_{line.id}") or "").strip()
            if not raw:
                continue
            try:
                qty = float(raw)
            except ValueError:
                raise UserError(request.env._("The quantity must be a number.")) from None
            if qty:
                lines.append({"product_id": line.product_id.id, "qty": qty})
        return lines

    @staticmethod
    def _visitor_partner(post):
        """A public visitor gives a name and a phone number: their contact is matched by
        phone, or created."""
        name = (post.get("name") or "").strip()
        phone = (post.get("phone") or "").strip()
        if not name:
            raise UserError(request.env._("Tell us your name."))
        if not PHONE_RE.match(phone):
            raise UserError(request.env._("Enter a valid phone number, for example 13812345678."))
        digits = re.sub(r"[^0-9+]", "", phone)
        Partner = request.env["res.partner"].sudo()
        partner = Partner.search(["|", ("phone", "=", digits), ("mobile", "=", digits)], order="id", limit=1)
        if not partner:
            partner = Partner.create({"name": name[:64], "phone": digits})
        return partner

    # ------------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------------
    @http.route("/groupbuy/<string:code>", type="http", auth="public", website=True, sitemap=False)
    def campaign_page(self, code, leader=None, community=None, **kw):
        campaign = self._get_campaign(code)
        self._remember_source(campaign, leader, community)
        return request.render("community_groupbuy.campaign_page", self._prepare_campaign_values(campaign))

    @http.route("/groupbuy/<string:code>/join", type="http", auth="public", website=True,
                methods=["POST"], sitemap=False)
    def campaign_join(self, code, **post):
        campaign = self._get_campaign(code)
        form = {k: v for k, v in post.items() if k != "csrf_token"}
        try:
            if request.env.user._is_public():
                partner = self._visitor_partner(post)
            else:
                partner = request.env.user.partner_id
            existing = self._existing_entry(campaign, partner)
            if existing:
                raise UserError(request.env._(
                    "You are already in this group (entry no. %(number)s): change that entry instead.",
                    number=existing.groupbuy_sequence,
                ))
            lines = self._parse_lines(campaign, post)
            answers = self._parse_answers(campaign, post)
            source = (request.session.get("groupbuy_source") or {}).get(str(campaign.id)) or {}
            order_id = campaign.with_context(groupbuy_source=source).join(partner.id, lines, answers)
        except (UserError, ValidationError) as error:
            values = self._prepare_campaign_values(campaign, error=error.args[0], form=form)
            return request.render("community_groupbuy.campaign_page", values, status=400)
        order = request.env["sale.order"].sudo().browse(order_id)
        if request.env.user._is_public():
            request.session["groupbuy_partner_id"] = partner.id
            request.session["groupbuy_order_ids"] = [
                *(request.session.get("groupbuy_order_ids") or [])[-19:], order.id
            ]
        return request.redirect(order._groupbuy_entry_url())

    @http.route("/groupbuy/<string:code>/chain", type="json", auth="public", website=True)
    def campaign_chain(self, code, after=0):
        campaign = self._get_campaign(code)
        try:
            after = int(after or 0)
        except (TypeError, ValueError):
            after = 0
        new_entries = campaign._get_chain_entries(after=after)
        return {
            "entries": new_entries,
            "participant_count": campaign.participant_count,
            "remaining_participants": campaign.remaining_participants,
            "progress": campaign.progress,
            "progress_text": campaign.progress_text,
            # every open page polls this: the whole 接龙 text only when someone joined
            "chain_text": campaign._get_chain_text() if new_entries else None,
        }

    @http.route("/groupbuy/<string:code>/poster.png", type="http", auth="public", website=True, sitemap=False)
    def campaign_poster(self, code, leader=None, community=None, **kw):
        campaign = self._get_campaign(code)
        leader_rec = campaign.leader_id
        community_rec = campaign.community_id
        if leader:
            try:
                leader_rec = request.env["res.partner"].sudo().search(
                    [("id", "=", int(leader)), ("groupbuy_is_leader", "=", True)], limit=1
                ) or leader_rec
            except ValueError:
                pass
        if community:
            try:
                community_rec = request.env["groupbuy.community"].sudo().search(
                    [("id", "=", int(community)), ("leader_id", "=", leader_rec.id)], limit=1
                ) or community_rec
            except ValueError:
                pass
        png = campaign._make_poster(campaign._get_share_url_for(leader_rec, community_rec))
        return request.make_response(png, headers=[
            ("Content-Type", "image/png"),
            ("Content-Disposition", f'inline; filename="groupbuy-{campaign.share_code}.png"'),
            ("Cache-Control", "no-store"),
        ])

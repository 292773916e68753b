import logging
import time

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import pager as portal_pager

_logger = logging.getLogger(__name__)


class GroupbuyWebsite(http.Controller):
    """The customer's side: the campaign page, joining, the live chain list, the poster."""

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _get_campaign(self, code):
        campaign = request.env["groupbuy.campaign"].sudo().search(
            [("share_code", "=", code or ""), ("is_published", "=", True), ("state", "!=", "draft")],
            limit=1,
        )
        if not campaign:
            raise NotFound()
        return campaign

    def _current_partner(self):
        """The customer on this page: the logged-in user's, or the contact a visitor
        proved from this browser (a code sent to their phone)."""
        if not request.env.user._is_public():
            return request.env.user.partner_id
        partner_id = request.session.get("groupbuy_proven_partner_id")
        return request.env["res.partner"].sudo().browse(partner_id).exists() if partner_id else None

    def _remember_source(self, campaign, ref=None):
        """Customer source: the leader (and community) whose share link brought the
        visitor, proven by the link's signature (an edited or forged link is ignored)."""
        if not ref:
            return
        source = campaign._resolve_share_token(ref)
        if not source:
            return
        leader, community = source
        sources = dict(request.session.get("groupbuy_source") or {})
        sources[str(campaign.id)] = {"leader_id": leader.id, "community_id": community.id or False}
        request.session["groupbuy_source"] = sources

    def _existing_entry(self, campaign, partner):
        if not partner:
            return request.env["sale.order"]
        return request.env["sale.order"].sudo().search(
            [
                ("groupbuy_campaign_id", "=", campaign.id),
                ("partner_id", "=", partner.id),
                ("groupbuy_status", "in", request.env["sale.order"]._groupbuy_active_statuses()),
            ],
            order="id desc",
            limit=1,
        )

    def _queued_entry(self, campaign, partner):
        """The customer's join still waiting in the queue for its order, if any."""
        if not partner:
            return request.env["groupbuy.join.request"]
        return request.env["groupbuy.join.request"].sudo().search(
            [("campaign_id", "=", campaign.id), ("partner_id", "=", partner.id), ("state", "=", "queued")],
            limit=1,
        )

    def _chain_page(self, campaign, page, url, full=False):
        """One page of the chain list (a constant number of queries at any size)."""
        step = campaign._CHAIN_PAGE_SIZE
        # the public list is the same for every visitor: shared until the campaign changes
        version = None if full else campaign._groupbuy_page_version()
        count = campaign._get_chain_count() if full else campaign._groupbuy_chain_count(version)
        pager = portal_pager(url=url, total=count, page=page, step=step)
        if full:
            entries = campaign._get_chain_entries(full=full, limit=step, offset=pager["offset"])
        else:
            entries = campaign._groupbuy_chain_entries_shared(step, pager["offset"], version)
        return {
            "entries": entries,
            "chain_count": count,
            "chain_offset": pager["offset"],
            # new entries polled are appended only to the list's last page
            "chain_last_page": pager["offset"] + step >= count,
            "chain_pager": pager if count > step else False,
            "chain_text_url": f"/groupbuy/{campaign.share_code}/chain.txt",
        }

    def _prepare_campaign_values(self, campaign, error=None, form=None, code_sent_to=None, page=1):
        partner = self._current_partner()
        verified_phone = request.session.get("groupbuy_verified_phone") or False
        status, status_message = campaign._get_public_status()
        chain = self._chain_page(campaign, page, campaign.website_url)
        entries = chain["entries"]
        in_segment = True
        if campaign.mode == "exclusive":
            in_segment = bool(partner) and campaign._is_partner_in_segment(partner)
        # only a proven customer (logged in, or a phone proven by a code) learns about
        # their own entry
        existing = self._existing_entry(campaign, partner)
        queued = self._queued_entry(campaign, partner) if campaign.join_queue and not existing else None
        user_partner = request.env.user.partner_id
        is_own_leader = not request.env.user._is_public() and user_partner.commercial_partner_id == campaign.leader_id
        return {
            "campaign": campaign,
            # website.layout only tests its field names (see groupbuy_campaign_cache.py)
            "main_object": campaign.with_context(groupbuy_field_names_only=True),
            "status": status,
            "status_message": status_message,
            "in_segment": in_segment,
            "existing": existing,
            "existing_url": existing._groupbuy_entry_url() if existing else False,
            "queued_url": queued._groupbuy_url() if queued else False,
            **chain,
            "error": error,
            "form": form or {},
            "is_public": request.env.user._is_public(),
            "verified_phone": verified_phone,
            # a visitor's proven contact (their name comes back on the form)
            "proven_partner": partner if request.env.user._is_public() else None,
            "phone_proven": bool(verified_phone) and verified_phone == (
                request.env["groupbuy.phone.verification"]._normalize_phone((form or {}).get("phone"))
                or verified_phone
            ),
            "code_sent_to": code_sent_to,
            "is_own_leader": is_own_leader,
            "questions": campaign.answer_definition or [],
            "line_groups": self._group_lines(campaign),
            # everyone who sees the page reads the questions and answers; logged-in
            # customers may ask (portal chatter, by the campaign's token, made with the
            # campaign: the page only reads)
            "comment_token": campaign.access_token or campaign._portal_ensure_token(),
        }

    def _group_lines(self, campaign):
        """Lines grouped by product template: one card a product, its variants inside."""
        groups = {}
        for line in campaign.line_ids:
            groups.setdefault(line.product_id.product_tmpl_id, []).append(line)
        return list(groups.items())

    def _prepare_join_kwargs(self, campaign, post):
        """The keyword options of ``campaign.join`` from the posted join form (a hook:
        addons add theirs, call super). The core's: who brought the customer, from the
        signed share link remembered in the session."""
        source = (request.session.get("groupbuy_source") or {}).get(str(campaign.id)) or {}
        kwargs = {}
        if source.get("leader_id"):
            kwargs["source_leader_id"] = source["leader_id"]
            kwargs["source_community_id"] = source.get("community_id") or False
        return kwargs

    # ------------------------------------------------------------------
    # A visitor's identity: a phone number is not a login
    # ------------------------------------------------------------------
    # A visitor who joins without an account proves the phone number they give with a
    # one-time code sent to it by SMS (``groupbuy.phone.verification``). The proof is
    # remembered in the session: the same visitor's next joins need no new code. Until
    # then nothing is looked up by that number (not even whether it joined).
    _CODE_SENDS_PER_SESSION = 5

    def _visitor_phone(self, post):
        phone = request.env["groupbuy.phone.verification"]._normalize_phone(post.get("phone"))
        if not phone:
            raise UserError(request.env._("Enter a valid phone number, for example 13812345678."))
        return phone

    def _send_visitor_code(self, phone):
        """Send a code to ``phone``, at most ``_CODE_SENDS_PER_SESSION`` an hour from one
        browser (the verification model limits sends per number)."""
        now = time.time()
        sends = [t for t in (request.session.get("groupbuy_code_sends") or []) if t > now - 3600]
        if len(sends) >= self._CODE_SENDS_PER_SESSION:
            raise UserError(request.env._("Too many codes were asked from this browser: try again in an hour."))
        request.env["groupbuy.phone.verification"]._send_code(phone)
        request.session["groupbuy_code_sends"] = [*sends, now]

    def _prove_phone(self, phone, code):
        """Check the code the visitor typed for ``phone`` and remember the proof in the
        session (a new number forgets the contact proven before).

        :raise UserError: when no code was typed, or it is wrong, expired or spent
        """
        if request.session.get("groupbuy_verified_phone") == phone:
            return
        if not (code or "").strip():
            raise UserError(request.env._(
                "Prove this phone number is yours: tap “Send code” and enter the code you receive."
            ))
        request.env["groupbuy.phone.verification"]._check_code(phone, code)
        request.session["groupbuy_verified_phone"] = phone
        request.session.pop("groupbuy_proven_partner_id", None)

    def _proven_phone_partner(self, phone, campaign=None):
        """The existing customer contact of a proven phone number, or an empty recordset.

        The contact proven before in this session first, then the customers with that
        number (never an employee's); for an exclusive campaign, one in its segment
        before the others. Only called once ``phone`` is proven.
        """
        Partner = request.env["res.partner"].sudo()
        proven = Partner.browse(request.session.get("groupbuy_proven_partner_id") or ()).exists()
        candidates = proven | Partner.search([("phone_mobile_search", "=", phone)], order="id").filtered(
            lambda p: not p.user_ids.filtered(lambda u: not u.share)
        )
        if campaign and campaign.mode == "exclusive":
            candidates = candidates.filtered(campaign._is_partner_in_segment) or candidates
        return candidates[:1]

    def _visitor_partner(self, post, campaign=None):
        """The contact of a visitor who proved their phone number.

        The phone is proven by the code the visitor typed (or earlier in this session).
        Then the contact of that number is theirs (``_proven_phone_partner``), else a
        new contact with the name they gave. A number nobody proved never reaches a
        contact.
        """
        phone = self._visitor_phone(post)
        self._prove_phone(phone, post.get("sms_code"))
        partner = self._proven_phone_partner(phone, campaign)
        if not partner:
            name = (post.get("name") or "").strip()
            if not name:
                raise UserError(request.env._("Tell us your name."))
            partner = request.env["res.partner"].sudo().create({"name": name[:64], "phone": phone})
        request.session["groupbuy_proven_partner_id"] = partner.id
        return partner

    # ------------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------------
    # The public GET routes only read: ``readonly=True`` lets Odoo serve them from a read
    # replica when one is configured (``db_replica_host``), and never writes.
    @http.route(["/groupbuy/<string:code>", "/groupbuy/<string:code>/page/<int:page>"],
                type="http", auth="public", website=True, sitemap=False, readonly=True)
    def campaign_page(self, code, ref=None, page=1, **kw):
        campaign = self._get_campaign(code)
        self._remember_source(campaign, ref)
        return request.render("community_groupbuy.campaign_page", self._prepare_campaign_values(campaign, page=page))

    @http.route("/groupbuy/<string:code>/send_code", type="http", auth="public", website=True,
                methods=["POST"], sitemap=False)
    def campaign_send_code(self, code, **post):
        """The join form's "Send code" button: a one-time code to the visitor's phone;
        the page comes back with what they typed, waiting for the code."""
        campaign = self._get_campaign(code)
        form = {k: v for k, v in post.items() if k not in ("csrf_token", "sms_code")}
        try:
            phone = self._visitor_phone(post)
            self._send_visitor_code(phone)
        except UserError as error:
            values = self._prepare_campaign_values(campaign, error=error.args[0], form=form)
            return request.render("community_groupbuy.campaign_page", values, status=400)
        values = self._prepare_campaign_values(
            campaign, form=form, code_sent_to=request.env["sale.order"]._groupbuy_mask_phone(phone)
        )
        return request.render("community_groupbuy.campaign_page", values)

    @http.route("/groupbuy/<string:code>/verify_phone", type="http", auth="public", website=True,
                methods=["POST"], sitemap=False)
    def campaign_verify_phone(self, code, **post):
        """An exclusive campaign's "Verify" button: a visitor proves their phone with the
        code sent to it; when it is the number of a contact in the campaign's segment,
        the page comes back with the join form for that contact, else with a refusal."""
        campaign = self._get_campaign(code)
        form = {k: v for k, v in post.items() if k not in ("csrf_token", "sms_code")}
        try:
            phone = self._visitor_phone(post)
            self._prove_phone(phone, post.get("sms_code"))
            partner = self._proven_phone_partner(phone, campaign)
            if partner:
                request.session["groupbuy_proven_partner_id"] = partner.id
            if not (partner and campaign._is_partner_in_segment(partner)):
                raise UserError(request.env._(
                    "Your phone number %(phone)s is verified, but it is not on the member list of this group: "
                    "ask the leader %(leader)s to invite you.",
                    phone=request.env["sale.order"]._groupbuy_mask_phone(phone),
                    leader=campaign.leader_id.name,
                ))
        except UserError as error:
            values = self._prepare_campaign_values(campaign, error=error.args[0], form=form)
            return request.render("community_groupbuy.campaign_page", values, status=400)
        return request.redirect(campaign.website_url)

    @http.route("/groupbuy/<string:code>/join", type="http", auth="public", website=True,
                methods=["POST"], sitemap=False)
    def campaign_join(self, code, **post):
        campaign = self._get_campaign(code)
        form = {k: v for k, v in post.items() if k not in ("csrf_token", "sms_code")}
        try:
            if request.env.user._is_public():
                partner = self._visitor_partner(post, campaign)
            else:
                partner = request.env.user.partner_id
            existing = self._existing_entry(campaign, partner)
            if existing:
                raise UserError(request.env._(
                    "You are already in this group (entry no. %(number)s): change that entry instead.",
                    number=existing.groupbuy_sequence,
                ))
            if campaign.join_queue:
                queued = self._queued_entry(campaign, partner)
                if queued:
                    return request.redirect(queued._groupbuy_url())
            lines = campaign._groupbuy_parse_form_lines(post)
            answers = campaign._groupbuy_parse_form_answers(post)
            kwargs = self._prepare_join_kwargs(campaign, post)
            if campaign.join_queue:
                # a burst's join: units reserved and chain number given now, the order
                # made by the queue a moment later (groupbuy.join.request)
                queued = campaign._join_queued(partner.id, lines, answers, **kwargs)
                return request.redirect(queued._groupbuy_url())
            order_id = campaign.join(partner.id, lines, answers, **kwargs)
        except (UserError, ValidationError) as error:
            values = self._prepare_campaign_values(campaign, error=error.args[0], form=form)
            return request.render("community_groupbuy.campaign_page", values, status=400)
        order = request.env["sale.order"].sudo().browse(order_id)
        return request.redirect(order._groupbuy_entry_url())

    # how long a join waits for the queue's cron before its own page makes its order,
    # if the queue has made none for _QUEUE_STALL_SECONDS (it is late, or not running)
    _QUEUE_GRACE_SECONDS = 5
    _QUEUE_STALL_SECONDS = 30
    # the waiting page's script asks again after 2 s, one more second per 20 joins ahead,
    # at most 15 s
    _QUEUE_POLL_SECONDS = 2
    _QUEUE_POLL_JOINS_PER_SECOND = 20
    _QUEUE_POLL_MAX_SECONDS = 15

    def _queue_follow(self, code, request_id, token):
        """The queued join behind a waiting page's link (its token is its proof), its
        order made now if the queue's cron is late.

        :raise NotFound: for a wrong token, id or campaign
        """
        campaign = self._get_campaign(code)
        queued = request.env["groupbuy.join.request"].sudo().browse(request_id).exists()
        if not queued or queued.campaign_id != campaign or not queued._groupbuy_check_token(token):
            raise NotFound()
        if queued.state == "queued" and queued._groupbuy_queue_stalled(
            self._QUEUE_GRACE_SECONDS, self._QUEUE_STALL_SECONDS
        ):
            # the cron is late (or not running): this page makes its own order
            queued._groupbuy_serve_now()
        return campaign, queued

    @http.route("/groupbuy/<string:code>/queue/<int:request_id>/<string:token>", type="http", auth="public",
                website=True, sitemap=False)
    def campaign_queue(self, code, request_id, token, **kw):
        """A queued join's page (its link is its proof): it follows the request until
        the order exists, then goes on to the entry (to pay); a refusal comes back on
        the campaign page."""
        campaign, queued = self._queue_follow(code, request_id, token)
        if queued.state == "done" and queued.order_id:
            return request.redirect(queued.order_id._groupbuy_entry_url())
        if queued.state == "failed":
            values = self._prepare_campaign_values(campaign, error=queued.error)
            return request.render("community_groupbuy.campaign_page", values)
        return request.render("community_groupbuy.campaign_queue_page", {
            "campaign": campaign,
            "queued": queued,
            "main_object": campaign.with_context(groupbuy_field_names_only=True),
        })

    @http.route("/groupbuy/<string:code>/queue/<int:request_id>/<string:token>/state", type="http",
                auth="public", methods=["GET"], sitemap=False)
    def campaign_queue_state(self, code, request_id, token, **kw):
        """What the waiting page's script polls: the request's state, and once it is
        over the page to go to (a few bytes, no page rendered: a burst's hundreds of
        waiting customers poll it)."""
        _campaign, queued = self._queue_follow(code, request_id, token)
        url = False
        if queued.state == "done" and queued.order_id:
            url = queued.order_id._groupbuy_entry_url()
        elif queued.state == "failed":
            url = queued._groupbuy_url()  # the waiting page shows the refusal
        state = {"state": queued.state, "url": url}
        if queued.state == "queued":
            # when to ask again: later the further back in the queue (a burst's hundreds
            # of waiting phones would otherwise take the server from the queue's cron)
            ahead = queued._groupbuy_ahead()
            state.update(ahead=ahead, retry_ms=1000 * min(
                self._QUEUE_POLL_MAX_SECONDS, self._QUEUE_POLL_SECONDS + ahead // self._QUEUE_POLL_JOINS_PER_SECOND
            ))
        response = request.make_json_response(state)
        response.headers["Cache-Control"] = "no-store"
        return response

    @http.route("/groupbuy/<string:code>/chain", type="json", auth="public", website=True, readonly=True)
    def campaign_chain(self, code, after=0):
        """What every open page polls: only the entries after ``after`` (at most
        ``_CHAIN_POLL_MAX``, ``more`` says if others follow), the count and progress."""
        campaign = self._get_campaign(code)
        try:
            after = int(after or 0)
        except (TypeError, ValueError):
            after = 0
        limit = campaign._CHAIN_POLL_MAX
        # a page showing older entries polls with after=-1: the count, not the entries
        new_entries = campaign._get_chain_entries(after=after, limit=limit + 1) if after >= 0 else []
        return {
            "entries": new_entries[:limit],
            "more": len(new_entries) > limit,
            "chain_count": campaign._get_chain_count(),
            "participant_count": campaign.participant_count,
            "remaining_participants": campaign.remaining_participants,
            "progress": campaign.progress,
            "progress_text": campaign.progress_text,
        }

    @http.route("/groupbuy/<string:code>/chain.txt", type="http", auth="public", website=True,
                sitemap=False, readonly=True)
    def campaign_chain_text(self, code, **kw):
        """The whole 接龙 text (masked), fetched when someone copies it."""
        campaign = self._get_campaign(code)
        return request.make_response(campaign._get_chain_text(), headers=[
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Cache-Control", "no-store"),
        ])

    @http.route("/groupbuy/<string:code>/poster.png", type="http", auth="public", website=True, sitemap=False,
                readonly=True)
    def campaign_poster(self, code, ref=None, **kw):
        campaign = self._get_campaign(code)
        leader_rec, community_rec = campaign.leader_id, campaign.community_id
        source = campaign._resolve_share_token(ref) if ref else None
        if source:
            leader_rec, community_rec = source
        png = campaign._make_poster(campaign._get_share_url_for(leader_rec, community_rec))
        return request.make_response(png, headers=[
            ("Content-Type", "image/png"),
            ("Content-Disposition", f'inline; filename="groupbuy-{campaign.share_code}.png"'),
            ("Cache-Control", "no-store"),
        ])

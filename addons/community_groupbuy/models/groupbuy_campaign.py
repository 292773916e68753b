import base64
import io
import logging
import secrets
import textwrap
from urllib.parse import urlencode

from datetime import timedelta

import psycopg2.errors
import qrcode
from PIL import Image, ImageDraw, ImageFont, ImageOps

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_round

_logger = logging.getLogger(__name__)

ACTIVE_JOIN_STATUSES = ("waiting", "confirmed")


class GroupbuyCampaign(models.Model):
    _name = "groupbuy.campaign"
    _description = "Group Campaign (开团活动)"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "portal.mixin",
        "website.published.mixin",
        "website.seo.metadata",
    ]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _CRON_CLOSE_BATCH = 20

    name = fields.Char(required=True, tracking=True)
    description = fields.Html(translate=False)
    color = fields.Integer()
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    leader_id = fields.Many2one(
        "res.partner",
        required=True,
        tracking=True,
        index=True,
        domain="[('groupbuy_is_leader', '=', True)]",
    )
    community_id = fields.Many2one(
        "groupbuy.community",
        tracking=True,
        check_company=True,
        domain="[('leader_id', '=', leader_id)]",
    )
    date_start = fields.Datetime(
        string="Start", required=True, tracking=True,
        default=lambda self: fields.Datetime.now().replace(minute=0, second=0) + timedelta(hours=1),
    )
    date_end = fields.Datetime(
        string="End", required=True, tracking=True,
        default=lambda self: fields.Datetime.now().replace(minute=0, second=0) + timedelta(days=2),
    )
    cancel_deadline = fields.Datetime(
        tracking=True,
        help="After this moment customers can no longer change or cancel their entry. "
        "Empty means until the campaign ends.",
    )
    min_participants = fields.Integer(
        string="Threshold",
        required=True,
        default=2,
        tracking=True,
        help="The campaign succeeds (成团) once this many customers have joined.",
    )
    mode = fields.Selection(
        [
            ("standard", "Standard"),
            ("flash", "Flash sale"),
            ("exclusive", "Exclusive"),
        ],
        required=True,
        default="standard",
        tracking=True,
        help="Flash sale: a short window where every product has a stock cap.\n"
        "Exclusive: only customers in the allowed segments may join.",
    )
    allowed_category_ids = fields.Many2many(
        "res.partner.category",
        string="Allowed customer tags",
        help="Exclusive campaigns: customers with one of these tags may join.",
    )
    allowed_community_ids = fields.Many2many(
        "groupbuy.community",
        "groupbuy_campaign_allowed_community_rel",
        "campaign_id",
        "community_id",
        string="Allowed communities",
        help="Exclusive campaigns: members of one of these communities may join.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("scheduled", "Scheduled"),
            ("open", "Open"),
            ("succeeded", "Succeeded"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    line_ids = fields.One2many(
        "groupbuy.campaign.line", "campaign_id", string="Products", copy=True
    )
    order_ids = fields.One2many("sale.order", "groupbuy_campaign_id", string="Orders")
    answer_definition = fields.PropertiesDefinition(
        string="Questions for participants",
        help="The custom fields a customer fills in when joining (size, colour, notes...).",
    )
    join_sequence_id = fields.Many2one(
        "ir.sequence",
        readonly=True,
        copy=False,
        help="Numbers the chain list (接龙). A database sequence: concurrent joins never wait on it.",
    )
    participant_count = fields.Integer(compute="_compute_progress")
    order_count = fields.Integer(compute="_compute_progress")
    amount_total = fields.Monetary(compute="_compute_progress", string="Ordered amount")
    remaining_participants = fields.Integer(
        compute="_compute_progress",
        help="How many more participants the campaign needs to succeed (还差 N 人).",
    )
    progress = fields.Float(compute="_compute_progress", string="Progress (%)")
    progress_text = fields.Char(compute="_compute_progress")
    remaining_time = fields.Char(compute="_compute_remaining_time")
    image_128 = fields.Image(related="line_ids.product_id.image_128", string="Image")
    share_code = fields.Char(
        readonly=True,
        copy=False,
        index=True,
        help="The short code of the campaign's page: /groupbuy/<code>.",
    )
    answers_required = fields.Boolean(
        string="Answers required",
        help="Customers must answer every question to join.",
    )

    _sql_constraints = [
        ("share_code_uniq", "unique(share_code)", "The share code of a campaign must be unique."),
    ]

    def init(self):
        # campaigns made before share codes existed get one each
        self.env.cr.execute("SELECT id FROM groupbuy_campaign WHERE share_code IS NULL")
        for (campaign_id,) in self.env.cr.fetchall():
            self.env.cr.execute(
                "UPDATE groupbuy_campaign SET share_code = %s WHERE id = %s",
                [self._new_share_code(), campaign_id],
            )

    def _default_is_published(self):
        return True

    @api.model
    def _new_share_code(self):
        # 8 characters from 31 (no 0/o/1/l/i): about 8.5e11 codes, not guessable.
        alphabet = "23456789abcdefghjkmnpqrstuvwxyz"
        return "".join(secrets.choice(alphabet) for _i in range(8))

    def _compute_website_url(self):
        super()._compute_website_url()
        for campaign in self:
            if campaign.share_code:
                campaign.website_url = f"/groupbuy/{campaign.share_code}"

    def _compute_access_url(self):
        super()._compute_access_url()
        for campaign in self:
            campaign.access_url = f"/my/groupbuy/campaigns/{campaign.id}"

    def _default_website_meta(self):
        """Chat apps show the campaign's photo, price and progress as the link's preview."""
        meta = super()._default_website_meta()
        line = self.line_ids[:1]
        description = self.progress_text
        if line:
            description = self.env._(
                "%(product)s, group price %(price)s. %(progress)s",
                product=line.product_id.display_name,
                price=self.currency_id.format(line.current_price),
                progress=self.progress_text,
            )
        meta["default_opengraph"]["og:description"] = description
        meta["default_twitter"]["twitter:description"] = description
        if line and line.product_id.image_128:
            image = self.env["website"].image_url(line.product_id, "image_1024")
            meta["default_opengraph"]["og:image"] = image
            meta["default_twitter"]["twitter:image"] = image
        return meta

    _POSTER_FONTS = (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    )

    def _poster_font(self, size):
        for path in self._POSTER_FONTS:
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
        return ImageFont.load_default()

    def _make_poster(self, url):
        """A 750×1200 PNG to save and send: photo, name, price, progress, QR of ``url``."""
        self.ensure_one()
        width, height = 750, 1200
        poster = Image.new("RGB", (width, height), (255, 250, 245))
        draw = ImageDraw.Draw(poster)
        accent = (230, 80, 50)
        line = self.line_ids[:1]
        photo_box = (0, 0, width, 560)
        image_data = line.product_id.image_1024 if line else False
        if image_data:
            photo = Image.open(io.BytesIO(base64.b64decode(image_data))).convert("RGB")
            photo = ImageOps.fit(photo, (photo_box[2], photo_box[3]))
            poster.paste(photo, (0, 0))
        else:
            draw.rectangle(photo_box, fill=(250, 228, 215))
            draw.text((width // 2, 280), self.env._("Group buy"), font=self._poster_font(72),
                      fill=accent, anchor="mm")
        y = 590
        title_font = self._poster_font(40)
        for chunk in textwrap.wrap(self.name, 16)[:2]:
            draw.text((40, y), chunk, font=title_font, fill=(40, 40, 40))
            y += 56
        if line:
            price = self.currency_id.format(line.current_price)
            draw.text((40, y + 10), price, font=self._poster_font(64), fill=accent)
            if line.list_price > line.current_price:
                draw.text((40, y + 92), self.env._("Regular %(price)s", price=self.currency_id.format(line.list_price)),
                          font=self._poster_font(28), fill=(150, 150, 150))
        y = 880
        draw.rounded_rectangle((40, y, 430, y + 24), radius=12, fill=(240, 220, 210))
        filled = 40 + int(390 * min(self.progress, 100.0) / 100.0)
        if filled > 52:
            draw.rounded_rectangle((40, y, filled, y + 24), radius=12, fill=accent)
        draw.text((40, y + 44), self.progress_text or "", font=self._poster_font(30), fill=(60, 60, 60))
        if self.remaining_time:
            draw.text((40, y + 92), self.remaining_time, font=self._poster_font(28), fill=(120, 120, 120))
        qr = qrcode.QRCode(border=1, box_size=8, error_correction=qrcode.constants.ERROR_CORRECT_M)
        qr.add_data(url)
        qr.make(fit=True)
        qr_image = qr.make_image(fill_color="black", back_color="white").convert("RGB").resize((250, 250))
        poster.paste(qr_image, (width - 290, 860))
        draw.text((width - 165, 1130), self.env._("Scan to join"), font=self._poster_font(26),
                  fill=(90, 90, 90), anchor="mm")
        out = io.BytesIO()
        poster.save(out, format="PNG", optimize=True)
        return out.getvalue()

    def _get_share_url_for(self, leader=None, community=None):
        """The campaign's link carrying a leader's attribution (and community's)."""
        self.ensure_one()
        params = {}
        if leader:
            params["leader"] = leader.id
        if community:
            params["community"] = community.id
        url = self.get_base_url() + self.website_url
        return url + ("?" + urlencode(params) if params else "")

    @api.constrains("date_start", "date_end", "cancel_deadline")
    def _check_dates(self):
        for campaign in self:
            if campaign.date_end <= campaign.date_start:
                raise ValidationError(
                    self.env._("The campaign %(name)s must end after it starts.", name=campaign.name)
                )
            if campaign.cancel_deadline and not (
                campaign.date_start <= campaign.cancel_deadline <= campaign.date_end
            ):
                raise ValidationError(
                    self.env._(
                        "The cancel deadline of %(name)s must lie between its start and its end.",
                        name=campaign.name,
                    )
                )

    @api.constrains("min_participants")
    def _check_min_participants(self):
        for campaign in self:
            if campaign.min_participants < 1:
                raise ValidationError(self.env._("The threshold must be at least 1 participant."))

    @api.constrains("mode", "line_ids", "allowed_category_ids", "allowed_community_ids")
    def _check_mode(self):
        for campaign in self:
            if campaign.mode == "flash" and any(not line.max_qty for line in campaign.line_ids):
                raise ValidationError(
                    self.env._("Every product of a flash sale needs a stock cap.")
                )
            if campaign.mode == "exclusive" and not (
                campaign.allowed_category_ids or campaign.allowed_community_ids
            ):
                raise ValidationError(
                    self.env._(
                        "An exclusive campaign needs at least one allowed customer tag or community."
                    )
                )

    @api.depends(
        "min_participants",
        "order_ids.groupbuy_status",
        "order_ids.partner_id",
        "order_ids.amount_total",
    )
    def _compute_progress(self):
        stats = {
            campaign.id: (count, partners, amount)
            for campaign, count, partners, amount in self.env["sale.order"].sudo()._read_group(
                [
                    ("groupbuy_campaign_id", "in", self.ids),
                    ("groupbuy_status", "in", ACTIVE_JOIN_STATUSES),
                ],
                ["groupbuy_campaign_id"],
                ["__count", "partner_id:count_distinct", "amount_total:sum"],
            )
        }
        for campaign in self:
            count, partners, amount = stats.get(campaign._origin.id, (0, 0, 0.0))
            campaign.order_count = count
            campaign.participant_count = partners
            campaign.amount_total = amount
            campaign.remaining_participants = max(campaign.min_participants - partners, 0)
            threshold = campaign.min_participants or 1
            campaign.progress = min(100.0, float_round(partners * 100.0 / threshold, 2))
            if campaign.remaining_participants:
                campaign.progress_text = self.env._(
                    "%(count)s joined, %(missing)s more needed",
                    count=partners,
                    missing=campaign.remaining_participants,
                )
            else:
                campaign.progress_text = self.env._("%(count)s joined", count=partners)

    @api.depends_context("groupbuy_now")
    def _compute_remaining_time(self):
        now = self.env.context.get("groupbuy_now") or fields.Datetime.now()
        for campaign in self:
            if campaign.state in ("draft", "scheduled") and campaign.date_start and campaign.date_start > now:
                delta = campaign.date_start - now
                campaign.remaining_time = self.env._("Starts in %(delta)s", delta=self._format_delta(delta))
            elif campaign.state in ("open", "succeeded") and campaign.date_end and campaign.date_end > now:
                delta = campaign.date_end - now
                campaign.remaining_time = self.env._("Ends in %(delta)s", delta=self._format_delta(delta))
            else:
                campaign.remaining_time = self.env._("Ended") if campaign.state in (
                    "done", "failed", "succeeded", "open"
                ) else False

    def _format_delta(self, delta):
        days, seconds = delta.days, delta.seconds
        hours, minutes = seconds // 3600, (seconds % 3600) // 60
        if days:
            return self.env._("%(days)sd %(hours)sh", days=days, hours=hours)
        if hours:
            return self.env._("%(hours)sh %(minutes)smin", hours=hours, minutes=minutes)
        return self.env._("%(minutes)smin", minutes=max(minutes, 1))

    # ------------------------------------------------------------------
    # Pages (website, portal)
    # ------------------------------------------------------------------
    def _get_public_status(self):
        """What the campaign page tells a visitor, and whether it offers to join."""
        self.ensure_one()
        now = fields.Datetime.now()
        if self.state in ("draft", "scheduled") or self.date_start > now:
            return "upcoming", self.env._("Starts %(date)s", date=self._format_local(self.date_start))
        if self.state == "failed":
            return "failed", self.env._("This group did not form: every order was cancelled and refunded.")
        if self.state == "cancelled":
            return "cancelled", self.env._("This campaign was cancelled.")
        if self.state == "done" or self.date_end <= now:
            return "ended", self.env._("This campaign has ended.")
        if self.line_ids and all(line.max_qty and line.remaining_qty <= 0 for line in self.line_ids):
            return "soldout", self.env._("Sold out: every product of this campaign is gone.")
        return "open", False

    def _format_local(self, value):
        return fields.Datetime.context_timestamp(self, value).strftime("%Y-%m-%d %H:%M")

    def _get_chain_entries(self, full=False, after=0):
        """The 接龙 list: active entries in join order; names and phones masked unless
        ``full`` (the campaign's own leader)."""
        self.ensure_one()
        orders = self.env["sale.order"].sudo().search(
            [
                ("groupbuy_campaign_id", "=", self.id),
                ("groupbuy_status", "in", ACTIVE_JOIN_STATUSES),
                ("groupbuy_sequence", ">", after),
            ],
            order="groupbuy_sequence, id",
        )
        return [order._groupbuy_chain_entry(full=full) for order in orders]

    def _get_chain_text(self, full=False, entries=None):
        """The classic WeChat 接龙 text, ready to paste into a group."""
        self.ensure_one()
        if entries is None:
            entries = self._get_chain_entries(full=full)
        lines = ["#接龙", f"{self.name}"]
        line = self.line_ids[:1]
        if line:
            lines.append(
                self.env._(
                    "Group price %(price)s, %(progress)s",
                    price=self.currency_id.format(line.current_price),
                    progress=self.progress_text,
                )
            )
        lines.append("")
        for number, entry in enumerate(entries, start=1):
            items = " ".join(f"{item['product']} ×{item['qty']}" for item in entry["items"])
            lines.append(f"{number}. {entry['name']} {items}")
        return "\n".join(lines)

    # ------------------------------------------------------------------
    # Lifecycle
    # ------------------------------------------------------------------
    def _check_state(self, allowed, action):
        for campaign in self:
            if campaign.state not in allowed:
                raise UserError(
                    self.env._(
                        "Campaign %(name)s cannot be %(action)s: it is %(state)s.",
                        name=campaign.name,
                        action=action,
                        state=dict(campaign._fields["state"]._description_selection(self.env))[
                            campaign.state
                        ],
                    )
                )

    def action_schedule(self):
        self._check_state(("draft",), self.env._("scheduled"))
        for campaign in self:
            if not campaign.line_ids:
                raise UserError(
                    self.env._("Add at least one product to %(name)s before scheduling it.", name=campaign.name)
                )
        self.write({"state": "scheduled"})
        now = fields.Datetime.now()
        self.filtered(lambda c: c.date_start <= now < c.date_end).action_open()
        return True

    def action_open(self):
        self._check_state(("draft", "scheduled"), self.env._("opened"))
        now = fields.Datetime.now()
        for campaign in self:
            if not campaign.line_ids:
                raise UserError(
                    self.env._("Add at least one product to %(name)s before opening it.", name=campaign.name)
                )
            if campaign.date_end <= now:
                raise UserError(
                    self.env._("Campaign %(name)s has already ended; change its end first.", name=campaign.name)
                )
            vals = {"state": "open"}
            if campaign.date_start > now:
                vals["date_start"] = now
            campaign.write(vals)
        return True

    def action_close(self):
        """Evaluate the campaign now, as if its end had come.

        Open campaigns succeed if they reached their threshold, else fail (orders cancelled
        and refunded).  Succeeded campaigns are closed: tiers are settled and any overpaid
        amount is refunded.
        """
        self._check_state(("open", "succeeded"), self.env._("closed"))
        for campaign in self:
            if campaign.state == "open":
                if campaign.participant_count >= campaign.min_participants:
                    campaign._action_succeed()
                else:
                    campaign._action_fail()
                    continue
            campaign._settle_tiers()
            campaign.write({"state": "done"})
        return True

    def action_cancel(self):
        self._check_state(("draft", "scheduled", "open"), self.env._("cancelled"))
        for campaign in self:
            campaign._cancel_orders("failed", self.env._("Campaign %(name)s was cancelled.", name=campaign.name))
        self.write({"state": "cancelled"})
        return True

    def action_draft(self):
        self._check_state(("scheduled", "cancelled"), self.env._("reset to draft"))
        self.write({"state": "draft"})
        return True

    def _action_succeed(self):
        for campaign in self:
            campaign.state = "succeeded"
            campaign.message_post(
                body=self.env._(
                    "The group is formed (成团) with %(count)s participants.",
                    count=campaign.participant_count,
                )
            )
            campaign._confirm_waiting_orders()
        # Joins that ran alongside this one may commit their orders just after it: the
        # cron confirms them at once, and once more a minute later.
        cron = self.env.ref("community_groupbuy.ir_cron_groupbuy_process_campaigns", raise_if_not_found=False)
        if cron:
            now = fields.Datetime.now()
            cron._trigger_list([now, now + timedelta(minutes=1)])

    def _confirm_waiting_orders(self):
        orders = self.order_ids.filtered(
            lambda o: o.groupbuy_status == "waiting" and o.state in ("draft", "sent")
        )
        orders._groupbuy_confirm()
        return orders

    def _action_fail(self):
        for campaign in self:
            campaign.state = "failed"
            reason = self.env._(
                "Campaign %(name)s did not reach its threshold (%(count)s of %(threshold)s).",
                name=campaign.name,
                count=campaign.participant_count,
                threshold=campaign.min_participants,
            )
            campaign._cancel_orders("failed", reason)
            campaign.message_post(body=reason)

    def _cancel_orders(self, status, reason):
        orders = self.order_ids.filtered(lambda o: o.groupbuy_status in ACTIVE_JOIN_STATUSES)
        orders._groupbuy_cancel_and_refund(status, reason)

    def _settle_tiers(self):
        """Price every order at the final tier reached and refund what was overpaid."""
        for campaign in self:
            tiered = campaign.line_ids.filtered("tier_ids")
            if not tiered:
                continue
            participants = campaign.participant_count
            final = {line: line._get_price_for(participants) for line in tiered}
            orders = campaign.order_ids.filtered(lambda o: o.groupbuy_status == "confirmed")
            for order in orders:
                order._groupbuy_apply_final_prices(final)

    # ------------------------------------------------------------------
    # Joining
    # ------------------------------------------------------------------
    def join(self, partner_id, lines, answers=None):
        """Join the campaign for a customer.

        :param int partner_id: the customer (``res.partner`` id)
        :param list lines: ``[{"product_id": int, "qty": number}, ...]``
        :param dict answers: answers to the campaign's questions, by question name
        :return: the id of the new ``sale.order``
        :raise UserError: with a sentence the customer understands, for every refusal
        """
        self.ensure_one()
        partner = self.env["res.partner"].browse(partner_id).exists() if partner_id else None
        if not partner:
            raise UserError(self.env._("Tell us who is joining: the customer is unknown."))
        self._check_joinable()
        self._check_segment(partner)
        quantities = self._parse_join_lines(lines)
        answers = self._check_answers(answers)

        participants = self.env["groupbuy.campaign.line"]._groupbuy_reserve(partner, quantities)
        sequence = self._next_join_seq()
        order = self.env["sale.order"].create(
            self._prepare_join_order_vals(partner, quantities, participants, sequence, answers)
        )
        # the customer follows their entry: it is how Odoo's portal lets them see it
        order.message_subscribe(partner_ids=partner.ids)
        if self.state == "open" and participants >= self.min_participants:
            if self._lock_for_success():
                self._action_succeed()
            else:
                order._groupbuy_confirm()
        elif self.state == "succeeded":
            order._groupbuy_confirm()
        return order.id

    def _check_joinable(self):
        now = fields.Datetime.now()
        if self.state not in ("open", "succeeded") or not (self.date_start <= now < self.date_end):
            if self.state in ("draft", "scheduled") or (self.date_start > now):
                message = self.env._("Campaign %(name)s has not started yet.", name=self.name)
            else:
                message = self.env._("Campaign %(name)s is closed to new participants.", name=self.name)
            raise UserError(message)

    def _is_partner_in_segment(self, partner):
        self.ensure_one()
        if self.mode != "exclusive":
            return True
        commercial = partner.commercial_partner_id
        tags = partner.category_id | commercial.category_id
        if tags & self.allowed_category_ids:
            return True
        members = self.allowed_community_ids.sudo().member_ids
        return bool((partner | commercial) & members)

    def _check_segment(self, partner):
        if not self._is_partner_in_segment(partner):
            raise UserError(
                self.env._(
                    "Campaign %(name)s is reserved for members of its communities; "
                    "ask your group leader to invite you.",
                    name=self.name,
                )
            )

    def _parse_join_lines(self, lines):
        if not lines or not isinstance(lines, (list, tuple)):
            raise UserError(self.env._("Choose at least one product to join the campaign."))
        by_product = {line.product_id.id: line for line in self.line_ids}
        quantities = {}
        for item in lines:
            if not isinstance(item, dict) or "product_id" not in item:
                raise UserError(self.env._("Each product must be given with its product_id and qty."))
            line = by_product.get(item.get("product_id"))
            if not line:
                raise UserError(
                    self.env._("This product is not part of campaign %(name)s.", name=self.name)
                )
            try:
                qty = float(item.get("qty", 0))
            except (TypeError, ValueError):
                raise UserError(self.env._("The quantity must be a number.")) from None
            quantities[line] = quantities.get(line, 0.0) + qty
        for line, qty in quantities.items():
            line._check_qty(qty)
        return quantities

    def _check_answers(self, answers):
        answers = answers or {}
        if self.answers_required:
            missing = [
                prop.get("string") or prop["name"]
                for prop in (self.answer_definition or [])
                if answers.get(prop["name"]) in (None, False, "")
            ]
            if missing:
                raise UserError(
                    self.env._("Please answer: %(questions)s.", questions="、".join(missing))
                )
        if not answers:
            return {}
        if not isinstance(answers, dict):
            raise UserError(self.env._("Answers must be given by question."))
        known = {prop["name"] for prop in (self.answer_definition or [])}
        unknown = set(answers) - known
        if unknown:
            raise UserError(
                self.env._(
                    "Campaign %(name)s does not ask: %(questions)s.",
                    name=self.name,
                    questions=", ".join(sorted(unknown)),
                )
            )
        return answers

    def _next_join_seq(self):
        self.ensure_one()
        if not self.join_sequence_id:
            self.join_sequence_id = self._create_join_sequences(self)
        return int(self.join_sequence_id.sudo().next_by_id())

    @api.model
    def _create_join_sequences(self, campaigns):
        return self.env["ir.sequence"].sudo().create([
            {
                "name": f"Group campaign chain: {campaign.name}",
                "implementation": "standard",
                "padding": 0,
                "number_next": 1,
                "number_increment": 1,
                "company_id": campaign.company_id.id,
            }
            for campaign in campaigns
        ])

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("share_code", self._new_share_code())
        campaigns = super().create(vals_list)
        sequences = self._create_join_sequences(campaigns)
        for campaign, sequence in zip(campaigns, sequences):
            campaign.join_sequence_id = sequence
        return campaigns

    def unlink(self):
        sequences = self.join_sequence_id
        res = super().unlink()
        sequences.sudo().unlink()
        return res

    def _lock_for_success(self):
        """Take the campaign's row lock before moving it to succeeded.

        Returns False when a concurrent transaction changed the campaign after this one
        began (it formed the group first); in that case nothing is locked and this
        transaction goes on, knowing the group is formed.
        """
        self.ensure_one()
        self.flush_recordset()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM groupbuy_campaign WHERE id = %s FOR NO KEY UPDATE",
                    [self.id],
                    log_exceptions=False,
                )
        except psycopg2.errors.SerializationFailure:
            return False
        return True

    def _prepare_join_order_vals(self, partner, quantities, participants, sequence, answers):
        """Values of the sale order a join creates (a hook for other addons)."""
        self.ensure_one()
        source = self.env.context.get("groupbuy_source") or {}
        vals = {
            "partner_id": partner.id,
            "company_id": self.company_id.id,
            "require_payment": True,
            "require_signature": False,
            "prepayment_percent": 1.0,
            "validity_date": fields.Date.to_date(fields.Datetime.context_timestamp(self, self.date_end)),
            "groupbuy_source_leader_id": source.get("leader_id") or self.leader_id.id,
            "groupbuy_source_community_id": source.get("community_id") or self.community_id.id,
            "groupbuy_campaign_id": self.id,
            "groupbuy_sequence": sequence,
            "groupbuy_status": "waiting" if self.state == "open" else "confirmed",
            "order_line": [
                fields.Command.create(line._prepare_join_order_line_vals(qty, participants))
                for line, qty in quantities.items()
            ],
        }
        if self.user_id:
            vals["user_id"] = self.user_id.id
        if answers:
            vals["groupbuy_answers"] = answers
        return vals

    # ------------------------------------------------------------------
    # Duplication and crons
    # ------------------------------------------------------------------
    def copy_data(self, default=None):
        default = dict(default or {})
        vals_list = super().copy_data(default=default)
        now = fields.Datetime.now().replace(second=0, microsecond=0)
        for campaign, vals in zip(self, vals_list):
            if "name" not in default:
                vals["name"] = self.env._("%(name)s (copy)", name=campaign.name)
            if "date_start" not in default:
                duration = campaign.date_end - campaign.date_start
                start = now.replace(minute=0) + timedelta(hours=1)
                vals["date_start"] = start
                if "date_end" not in default:
                    vals["date_end"] = start + duration
                if "cancel_deadline" not in default and campaign.cancel_deadline:
                    vals["cancel_deadline"] = start + (campaign.cancel_deadline - campaign.date_start)
        return vals_list

    def action_duplicate(self):
        """一键复制开团: a new draft campaign with the same products, tiers and questions,
        starting at the next full hour for as long as the original ran."""
        self.ensure_one()
        new = self.copy()
        return {
            "type": "ir.actions.act_window",
            "res_model": "groupbuy.campaign",
            "res_id": new.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_view_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("community_groupbuy.action_groupbuy_orders")
        action["domain"] = [("groupbuy_campaign_id", "=", self.id)]
        action["context"] = {"default_groupbuy_campaign_id": self.id, "search_default_groupbuy_active": 1}
        return action

    @api.model
    def _cron_process_campaigns(self):
        """Move campaigns on at their start and end; repair orders left waiting."""
        now = fields.Datetime.now()
        to_open = self.search([("state", "=", "scheduled"), ("date_start", "<=", now), ("date_end", ">", now)])
        for campaign in to_open:
            campaign.action_open()
        to_close = self.search([("state", "in", ("scheduled",)), ("date_end", "<=", now)])
        to_close.action_cancel()
        open_campaigns = self.search([("state", "=", "open"), ("date_end", ">", now)])
        for campaign in open_campaigns:
            if campaign.participant_count >= campaign.min_participants:
                campaign._action_succeed()
        succeeded = self.search([("state", "=", "succeeded")])
        for campaign in succeeded:
            campaign._confirm_waiting_orders()
        # Closing confirms or refunds every order of a campaign: a few campaigns per run,
        # the cron runs again at once while some are left (Odoo's batched cron progress).
        ending = self.search(
            [("state", "in", ("open", "succeeded")), ("date_end", "<=", now)],
            limit=self._CRON_CLOSE_BATCH + 1,
        )
        batch = ending[: self._CRON_CLOSE_BATCH]
        for campaign in batch:
            campaign.action_close()
            campaign.line_ids._groupbuy_recompute_sold_qty()
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=len(ending) - len(batch))
        return True

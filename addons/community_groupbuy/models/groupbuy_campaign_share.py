import uuid
from urllib.parse import urlencode

from odoo import api, fields, models
from odoo.tools import consteq
from odoo.tools.misc import hmac as hmac_tool

from ..tools.poster import make_poster


class GroupbuyCampaign(models.Model):
    """Sharing a campaign: the signed share link, link previews, the poster, and what
    the public page and the chain list (接龙) show."""

    _inherit = "groupbuy.campaign"

    public_question_names = fields.Char(
        string="Public answers",
        help="The questions whose answers everyone sees on the public chain list (接龙), "
        "by their label, separated by commas: 规格, 成熟度. The leader always sees every "
        "answer. Empty: answers to choices, yes/no, numbers and dates are public, free-text "
        "answers (notes, addresses) are for the leader only.",
    )

    _FREE_TEXT_ANSWER_TYPES = ("char", "text")

    def _groupbuy_public_question_names(self):
        """The names of the questions whose answers the public chain list shows."""
        self.ensure_one()
        questions = self.answer_definition or []
        listed = {
            label.strip()
            for label in (self.public_question_names or "").replace("，", ",").replace("、", ",").split(",")
            if label.strip()
        }
        if listed:
            return {q["name"] for q in questions if q["name"] in listed or (q.get("string") or "") in listed}
        return {q["name"] for q in questions if q.get("type") not in self._FREE_TEXT_ANSWER_TYPES}

    # The public page only reads (``readonly=True`` routes, served by a read replica if
    # there is one): the portal token its chatter needs is made with the campaign.
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("access_token", str(uuid.uuid4()))
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Share links: who brought the customer (unforgeable)
    # ------------------------------------------------------------------
    # The link a leader shares carries ``ref=<leader>.<community>.<signature>``: the
    # signature (HMAC with the database secret, for this campaign) is what proves the
    # attribution; editing the ids in the link breaks it, and commissions depend on it.

    def _share_signature(self, leader_id, community_id):
        self.ensure_one()
        message = f"{self.id}:{int(leader_id)}:{int(community_id or 0)}"
        return hmac_tool(self.env(su=True), "groupbuy-share-link", message)[:24]

    def _get_share_token(self, leader, community=None):
        """The ``ref`` value of ``leader``'s (and ``community``'s) link to this campaign."""
        self.ensure_one()
        community_id = community.id if community else 0
        return f"{leader.id}.{community_id}.{self._share_signature(leader.id, community_id)}"

    def _get_share_url_for(self, leader=None, community=None):
        """The campaign's link carrying a leader's attribution (and community's)."""
        self.ensure_one()
        url = self.get_base_url() + self.website_url
        if not leader:
            return url
        return url + "?" + urlencode({"ref": self._get_share_token(leader, community)})

    def _resolve_share_token(self, token):
        """``(leader, community)`` proven by a share link's ``ref``, or ``None`` when the
        token is missing, malformed, forged or names someone who is no longer a leader."""
        self.ensure_one()
        parts = (token or "").split(".")
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            return None
        leader_id, community_id, signature = int(parts[0]), int(parts[1]), parts[2]
        if not consteq(signature, self._share_signature(leader_id, community_id)):
            return None
        leader = self.env["res.partner"].sudo().browse(leader_id).exists()
        if not leader or not leader.groupbuy_is_leader:
            return None
        community = self.env["groupbuy.community"].sudo().browse(community_id).exists()
        if community and community.leader_id != leader:
            community = community.browse()
        return leader, community

    # ------------------------------------------------------------------
    # Link previews and the poster
    # ------------------------------------------------------------------
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


    def _make_poster(self, url):
        """A 750×1200 PNG to save and send: photo, name, price, progress, QR of ``url``."""
        self.ensure_one()
        line = self.line_ids[:1]
        regular = ""
        if line and line.list_price > line.current_price:
            regular = self.env._("Regular %(price)s", price=self.currency_id.format(line.list_price))
        return make_poster(
            url=url,
            title=self.name,
            placeholder=self.env._("Group buy"),
            price=self.currency_id.format(line.current_price) if line else "",
            regular_price=regular,
            progress=self.progress,
            progress_text=self.progress_text,
            remaining_time=self.remaining_time or "",
            scan_text=self.env._("Scan to join"),
            image_data=line.product_id.image_1024 if line else None,
        )

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

    # The chain list at any size: pages and polls read a page of entries (a constant
    # number of queries whatever the campaign's size); only the 接龙 text, fetched when
    # someone copies it, reads them all.
    _CHAIN_PAGE_SIZE = 50
    _CHAIN_POLL_MAX = 100

    def _chain_domain(self, after=0):
        self.ensure_one()
        return [
            ("groupbuy_campaign_id", "=", self.id),
            ("groupbuy_status", "in", self.env["sale.order"]._groupbuy_active_statuses()),
            ("groupbuy_sequence", ">", after),
        ]

    def _get_chain_count(self):
        """How many entries the chain list has (active entries)."""
        return self.env["sale.order"].sudo().search_count(self._chain_domain())

    def _get_chain_entries(self, full=False, after=0, limit=None, offset=0):
        """The 接龙 list: active entries in join order; names and phones masked unless
        ``full`` (the campaign's own leader). ``after`` a chain number, ``limit`` and
        ``offset`` give one page of it."""
        self.ensure_one()
        orders = self.env["sale.order"].sudo().search(
            self._chain_domain(after), order="groupbuy_sequence, id", limit=limit, offset=offset
        )
        # everything an entry shows, read once for the whole page
        orders.fetch(["groupbuy_sequence", "partner_id", "date_order", "groupbuy_answers", "currency_id"])
        orders.partner_id.fetch(["name", "phone", "mobile"])
        orders.order_line.fetch(["product_id", "product_uom_qty", "groupbuy_line_id"])
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

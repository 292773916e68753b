import logging
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_round

_logger = logging.getLogger(__name__)

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
                    ("groupbuy_status", "in", self.env["sale.order"]._groupbuy_active_statuses()),
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
        active = self.env["sale.order"]._groupbuy_active_statuses()
        orders = self.order_ids.filtered(lambda o: o.groupbuy_status in active)
        orders._groupbuy_cancel_and_refund(status, reason)

    def _settle_tiers(self):
        """Price every order at the final tier reached and refund what was overpaid;
        then tell each confirmed order its group price is final
        (``sale.order._groupbuy_price_final``, a hook for commissions)."""
        for campaign in self:
            orders = campaign.order_ids.filtered(lambda o: o.groupbuy_status == "confirmed")
            tiered = campaign.line_ids.filtered("tier_ids")
            if tiered:
                participants = campaign.participant_count
                final = {line: line._get_price_for(participants) for line in tiered}
                for order in orders:
                    order._groupbuy_apply_final_prices(final)
            orders._groupbuy_price_final()

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

import logging
import secrets
import threading
import time
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
    _CLOSE_BATCH = 200  # orders per step of a close
    # seconds of closing per cron run, then it triggers the next run: Odoo's cron worker
    # kills itself when its sleep and its work pass ``limit_time_real_cron`` (by default
    # ``limit_time_real``, 120 s), so a run stays well under (groupbuy_join_request.py)
    _CRON_TIME_BUDGET = 20

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
    join_queue = fields.Boolean(
        string="Queue joins",
        compute="_compute_join_queue", store=True, readonly=False, precompute=True,
        help="排队参团: in a burst a join answers at once (units reserved, chain number "
        "given) and its order is made a moment later, in batches, while the customer waits "
        "on a page that follows it. On by default for flash sales.",
    )
    join_queue_count = fields.Integer(
        string="Joins in the queue", compute="_compute_join_queue_count",
        help="Joins whose units are reserved and whose orders are still to be made.",
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
    groupbuy_closing = fields.Boolean(
        string="Closing",
        readonly=True,
        copy=False,
        index=True,
        help="The campaign has ended and its orders are being confirmed, or cancelled and "
        "refunded, one batch at a time.",
    )
    close_participant_count = fields.Integer(
        string="Participants at close",
        readonly=True,
        copy=False,
        help="How many customers had joined when the campaign was closed: decides success "
        "and the final price tier.",
    )
    groupbuy_close_error = fields.Text(
        string="Closing error",
        readonly=True,
        copy=False,
        help="Why the last attempt to close the campaign stopped. The close is retried on "
        "the next run of the campaigns' cron and resumes where it stopped.",
    )

    groupbuy_close_remaining = fields.Integer(
        string="Orders left to close",
        compute="_compute_groupbuy_close_remaining",
        help="While the campaign closes: its orders still to confirm, cancel, refund or tell.",
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

    @api.depends("mode")
    def _compute_join_queue(self):
        for campaign in self:
            campaign.join_queue = campaign.mode == "flash"

    def _compute_join_queue_count(self):
        counts = dict(self.env["groupbuy.join.request"].sudo()._read_group(
            [("campaign_id", "in", self.ids), ("state", "=", "queued")], ["campaign_id"], ["__count"],
        ))
        for campaign in self:
            campaign.join_queue_count = counts.get(campaign, 0)

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

    @api.depends("groupbuy_closing", "state")
    def _compute_groupbuy_close_remaining(self):
        SaleOrder = self.env["sale.order"].sudo()
        for campaign in self:
            if not (campaign.groupbuy_closing and campaign._origin.id):
                campaign.groupbuy_close_remaining = 0
                continue
            if campaign.state in ("failed", "cancelled"):
                todo = [("groupbuy_status", "in", SaleOrder._groupbuy_active_statuses())]
            else:
                todo = [
                    "|", ("groupbuy_status", "=", "waiting"),
                    "&", ("groupbuy_status", "=", "confirmed"), ("groupbuy_price_settled", "=", False),
                ]
            campaign.groupbuy_close_remaining = SaleOrder.search_count([
                ("groupbuy_campaign_id", "=", campaign._origin.id),
                "|", "|", ("groupbuy_refund_pending", "=", True), ("groupbuy_notice_pending", "!=", False),
                *todo,
            ])

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
        self._groupbuy_subscribe_leaders()
        now = fields.Datetime.now()
        self.filtered(lambda c: c.date_start <= now < c.date_end).action_open()
        return True

    def _groupbuy_subscribe_leaders(self):
        """The leader follows their campaign: told when the group forms or fails."""
        subtypes = (
            self.env.ref("community_groupbuy.mt_campaign_formed") | self.env.ref("community_groupbuy.mt_campaign_failed")
        )
        for campaign in self:
            if campaign.leader_id not in campaign.message_partner_ids:
                campaign.message_subscribe(partner_ids=campaign.leader_id.ids, subtype_ids=subtypes.ids)

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
        """Evaluate the campaign now, as if its end had come, and close it.

        Open campaigns succeed if they reached their threshold, else fail (orders cancelled
        and refunded).  Succeeded campaigns are closed: tiers are settled and any overpaid
        amount is refunded.  This runs the close to its end in the current transaction
        (API, back office, demo data); the cron closes ended campaigns crash-safe, one
        committed step at a time (``_groupbuy_close_step``).
        """
        self._check_state(("open", "succeeded"), self.env._("closed"))
        for campaign in self:
            while campaign._groupbuy_close_step():
                pass
        return True

    def action_close_now(self):
        """The form's *Close now*: the outcome is decided at once (succeeded or failed,
        followers told); the orders are confirmed, or cancelled and refunded, by the
        campaigns' cron right after, in committed steps (crash-safe at any size)."""
        self._check_state(("open", "succeeded"), self.env._("closed"))
        now = fields.Datetime.now()
        for campaign in self.filtered(lambda c: not c.groupbuy_closing):
            if campaign.date_end > now:  # it ends now: no join while it closes
                campaign.date_end = max(now, campaign.date_start + timedelta(seconds=1))
            campaign._groupbuy_close_step()
        self.env.ref("community_groupbuy.ir_cron_groupbuy_process_campaigns")._trigger()
        return True

    def action_cancel(self):
        """Staff cancel the campaign: it is cancelled at once (no join any more), and its
        orders are cancelled and refunded by the campaigns' cron right after, one
        committed batch at a time, each refund recorded before the next one (as a
        failed group's close: ``_groupbuy_close_step``)."""
        self._check_state(("draft", "scheduled", "open"), self.env._("cancelled"))
        with_orders = self.filtered(lambda c: c.order_count)
        self.write({"state": "cancelled"})
        with_orders.write({"groupbuy_closing": True, "close_participant_count": 0})
        for campaign in with_orders:
            campaign.message_post(body=self.env._(
                "Campaign %(name)s was cancelled: its %(count)s orders are being cancelled and refunded.",
                name=campaign.name,
                count=campaign.order_count,
            ))
        if with_orders:
            self.env.ref("community_groupbuy.ir_cron_groupbuy_process_campaigns")._trigger()
        return True

    def action_draft(self):
        self._check_state(("scheduled", "cancelled"), self.env._("reset to draft"))
        closing = self.filtered("groupbuy_closing")
        if closing:
            raise UserError(self.env._(
                "Campaign %(name)s is still cancelling and refunding its orders; reset it "
                "to draft once that is done.",
                name=closing[0].name,
            ))
        self.write({"state": "draft"})
        return True

    def _action_succeed(self, confirm=True):
        """The group is formed (成团): staff and leaders following the campaign are told
        (subtype *Group formed*); with ``confirm``, the first batch of waiting orders is
        confirmed at once and the cron confirms the rest (and the customers' notices)."""
        for campaign in self:
            campaign.state = "succeeded"
            campaign.message_post(
                body=self.env._(
                    "The group is formed (成团) with %(count)s participants.",
                    count=campaign.participant_count,
                ),
                subtype_xmlid="community_groupbuy.mt_campaign_formed",
            )
            if confirm:
                campaign._confirm_waiting_orders(limit=self._groupbuy_close_batch_size())
        # Joins that ran alongside this one may commit their orders just after it: the
        # cron confirms them at once, and once more a minute later.
        cron = self.env.ref("community_groupbuy.ir_cron_groupbuy_process_campaigns", raise_if_not_found=False)
        if cron:
            now = fields.Datetime.now()
            cron._trigger_list([now, now + timedelta(minutes=1)])

    def _confirm_waiting_orders(self, limit=None):
        """Confirm the orders waiting for the group (one batched ``action_confirm``), run
        sale's post-payment steps and queue the customers' *group formed* notices.

        :param int limit: at most this many orders (the close confirms in batches)
        :return: the orders confirmed
        """
        orders = self.env["sale.order"].search(
            [
                ("groupbuy_campaign_id", "in", self.ids),
                ("groupbuy_status", "=", "waiting"),
                ("state", "in", ("draft", "sent")),
            ],
            order="id",
            limit=limit,
        )
        if orders:
            # the close's batch: its deliveries created together (stock_move_close.py)
            orders.with_context(groupbuy_close_pickings=True)._groupbuy_confirm_formed()
        return orders

    def _action_fail(self):
        """The campaign did not reach its threshold: it fails, and staff and leaders
        following it are told (subtype *Group failed*). The orders are cancelled and
        refunded by the close's next steps."""
        for campaign in self:
            campaign.state = "failed"
            campaign.message_post(
                body=campaign._groupbuy_fail_reason(),
                subtype_xmlid="community_groupbuy.mt_campaign_failed",
            )

    def _groupbuy_fail_reason(self):
        self.ensure_one()
        if self.state == "cancelled":
            return self.env._("Campaign %(name)s was cancelled.", name=self.name)
        return self.env._(
            "Campaign %(name)s did not reach its threshold (%(count)s of %(threshold)s).",
            name=self.name,
            count=self.close_participant_count,
            threshold=self.min_participants,
        )

    def _cancel_orders(self, status, reason, limit=None, defer_refund=False):
        """Cancel the campaign's active orders (one batch of ``limit``) and refund them,
        or with ``defer_refund`` only mark their refund as due (the close refunds them
        one committed transaction each).

        :return: the orders cancelled
        """
        orders = self.env["sale.order"].search(
            [
                ("groupbuy_campaign_id", "in", self.ids),
                ("groupbuy_status", "in", self.env["sale.order"]._groupbuy_active_statuses()),
            ],
            order="id",
            limit=limit,
        )
        if defer_refund:
            orders = orders.with_context(groupbuy_defer_refund=True, **self._groupbuy_batch_context())
        orders._groupbuy_cancel_and_refund(status, reason)
        return orders

    def _settle_tiers(self, limit=None):
        """Price the confirmed orders at the final tier reached and refund what was
        overpaid; then tell each of them its group price is final
        (``sale.order._groupbuy_price_final``, a hook for commissions), once per order.

        :param int limit: at most this many orders (a batch of the close)
        :return: the orders settled
        """
        settled = self.env["sale.order"]
        for campaign in self:
            orders = self.env["sale.order"].search(
                [
                    ("groupbuy_campaign_id", "=", campaign.id),
                    ("groupbuy_status", "=", "confirmed"),
                    ("groupbuy_price_settled", "=", False),
                ],
                order="id",
                limit=limit and limit - len(settled),
            )
            participants = campaign.close_participant_count or campaign.participant_count
            final = {
                line: line._get_price_for(participants) for line in campaign.line_ids.filtered("tier_ids")
            }
            settled |= orders.with_context(**self._groupbuy_batch_context())._groupbuy_settle_price(final)
            if limit and len(settled) >= limit:
                break
        return settled

    # ------------------------------------------------------------------
    # Closing, one committed step at a time
    # ------------------------------------------------------------------
    @api.model
    def _groupbuy_close_batch_size(self):
        """Orders per step of a close (``community_groupbuy.close_batch_size``, 200)."""
        param = self.env["ir.config_parameter"].sudo().get_param("community_groupbuy.close_batch_size")
        return max(int(param or 0), 1) if param else self._CLOSE_BATCH

    @api.model
    def _groupbuy_batch_context(self):
        """What a batch of the close does not need: tracking values on every order,
        customer mails sent one by one inside the transaction (they are queued)."""
        return {"tracking_disable": True, "mail_notrack": True, "mail_notify_force_send": False}

    def _groupbuy_close_step(self, batch_size=None):
        """Do the next unit of this campaign's close in the current transaction.

        A unit is: deciding success or failure; or one batch of orders (confirm, cancel,
        settle the tier price, send the customers' notices); or the refund of one order
        through a payment provider (money that left must be committed before the next
        refund: ``sale.order._groupbuy_close_refund``).  Every unit records what it did on
        the orders (status, ``groupbuy_refund_pending``, ``groupbuy_price_settled``,
        ``groupbuy_notice_pending``), so a close interrupted anywhere resumes where it
        stopped without doing anything twice.

        :return: True while work is left
        """
        self.ensure_one()
        batch_size = batch_size or self._groupbuy_close_batch_size()
        SaleOrder = self.env["sale.order"]
        if not self.groupbuy_closing and self.state not in ("open", "succeeded"):
            return False
        # joins still queued get their orders first: the close counts and works on
        # every order
        queue = self.env["groupbuy.join.request"]
        queued = queue._groupbuy_take(self, limit=batch_size)
        if queued:
            queued._groupbuy_make_orders()
            return True
        if queue._groupbuy_queued_count(self):
            # another transaction (the queue's cron) is making them: wait for it
            return self._groupbuy_close_wait_for_queue()
        if not self.groupbuy_closing:
            vals = {"groupbuy_closing": True, "close_participant_count": self.participant_count}
            self.write(vals)
            if self.state == "open":
                if self.close_participant_count >= self.min_participants:
                    self._action_succeed(confirm=False)
                else:
                    self._action_fail()
            return True
        if self.state == "succeeded":
            if self._confirm_waiting_orders(limit=batch_size):
                return True
            if self._settle_tiers(limit=batch_size):
                return True
        elif self.state in ("failed", "cancelled"):
            if self._cancel_orders("failed", self._groupbuy_fail_reason(), limit=batch_size, defer_refund=True):
                return True
            if SaleOrder._groupbuy_close_refund(self, self._groupbuy_fail_reason(), limit=batch_size):
                return True
        # the customers' notices last, a batch at a time
        if SaleOrder._groupbuy_send_notices(self, limit=batch_size):
            return True
        if self.state == "succeeded":
            self.state = "done"
        self.groupbuy_closing = False
        self.line_ids._groupbuy_recompute_sold_qty()
        self._groupbuy_close_resolved()
        return False

    def _groupbuy_close_wait_for_queue(self):
        """The close of this campaign waits for the queue's cron, which is making
        orders of its queued joins: the campaigns' cron tries again in a moment (a new
        transaction sees them); a close in one transaction (``action_close``) says so."""
        if not self.env.context.get("groupbuy_close_cron"):
            raise UserError(self.env._(
                "Customers' joins to %(name)s are still being made into orders: close it again in a moment.",
                name=self.name,
            ))
        time.sleep(self._CLOSE_QUEUE_WAIT)
        return True

    _CLOSE_QUEUE_WAIT = 0.5

    def _groupbuy_close_failed(self, error):
        """A step of the close failed (and was rolled back): show it on the campaign and
        give its responsible a to-do; the cron retries on its next run."""
        self.ensure_one()
        message = error.args[0] if isinstance(error, UserError) and error.args else repr(error)
        self.write({"groupbuy_close_error": message})
        activity_type = self.env.ref("community_groupbuy.mail_activity_groupbuy_close_failed")
        activities = self.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        note = self.env._(
            "Closing %(name)s stopped: %(error)s. Fix the cause; the close resumes at the next "
            "run of the campaigns' cron, without doing anything twice.",
            name=self.name,
            error=message,
        )
        if activities:
            activities.write({"note": note})
        else:
            self.activity_schedule(
                "community_groupbuy.mail_activity_groupbuy_close_failed",
                summary=self.env._("Closing failed"),
                note=note,
                user_id=(self.user_id or self.env.ref("base.user_admin", raise_if_not_found=False) or self.env.user).id,
            )

    def _groupbuy_close_resolved(self):
        if self.groupbuy_close_error:
            self.groupbuy_close_error = False
        activity_type = self.env.ref("community_groupbuy.mail_activity_groupbuy_close_failed")
        if self.activity_ids.filtered(lambda a: a.activity_type_id == activity_type):
            self.activity_feedback(
                ["community_groupbuy.mail_activity_groupbuy_close_failed"],
                feedback=self.env._("The close went through."),
            )

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
    def _cron_process_campaigns(self, auto_commit=None, time_budget=None, domain=None, batch_size=None):
        """Move campaigns on at their start and end; confirm orders left waiting; close
        ended campaigns.

        Every campaign is worked on in its own steps (``_groupbuy_close_step``), each
        committed before the next; a run works for ``_CRON_TIME_BUDGET`` seconds and,
        while campaigns are left, triggers the next run at once. A step that fails is
        rolled back alone, logged and shown on its campaign (``groupbuy_close_error`` and
        a to-do for its responsible); the other campaigns go on, and the failed one is
        retried on the next run.

        :param bool auto_commit: commit after every step (default: yes, except in tests)
        :param float time_budget: seconds to work before handing back to the cron
        :param list domain: only the campaigns matching it (tests, benches)
        :param int batch_size: orders per step (default: ``_groupbuy_close_batch_size``)
        """
        if auto_commit is None:
            auto_commit = not getattr(threading.current_thread(), "testing", False)
        commit = self.env.cr.commit if auto_commit else (lambda: None)
        if auto_commit:
            # a close step that waits for the join queue's cron tries again (each step
            # is a transaction of its own)
            self = self.with_context(groupbuy_close_cron=True)
            # a refund's accounting (its payment) is left to Odoo's post-processing cron,
            # as for providers that notify refunds asynchronously: a refund step is then
            # the provider's call and its record, committed at once
            self = self.with_context(groupbuy_defer_post_process=True)
        if time_budget is None:
            time_budget = self._CRON_TIME_BUDGET if auto_commit else 0
        deadline = time.monotonic() + time_budget if time_budget else None
        now = fields.Datetime.now()
        domain = list(domain or [])

        def campaigns(condition, order=None):
            return self.search(domain + condition, order=order)

        def run(campaign, step):
            try:
                with self.env.cr.savepoint():
                    more = step(campaign)
                commit()
                if auto_commit:
                    # what a committed step read stays out of memory: flat at any size
                    self.env.invalidate_all()
                return more
            except Exception as e:  # noqa: BLE001 - isolated per campaign, shown on it
                _logger.exception("Group campaign %s (%s): step failed", campaign.display_name, campaign.id)
                campaign._groupbuy_close_failed(e)
                commit()
                return None

        for campaign in campaigns([("state", "=", "scheduled"), ("date_start", "<=", now), ("date_end", ">", now)]):
            run(campaign, lambda c: c.action_open())
        for campaign in campaigns([("state", "=", "scheduled"), ("date_end", "<=", now)]):
            run(campaign, lambda c: c.action_cancel())
        for campaign in campaigns([("state", "=", "open"), ("date_end", ">", now)]):
            run(campaign, lambda c: c.participant_count >= c.min_participants and c._action_succeed(confirm=False))

        batch = batch_size or self._groupbuy_close_batch_size()
        succeeded = campaigns([("state", "=", "succeeded"), ("date_end", ">", now), ("groupbuy_closing", "=", False)])
        # a campaign whose last step failed goes after the others: it does not block them
        closing = campaigns(
            ["|", ("groupbuy_closing", "=", True), "&", ("state", "in", ("open", "succeeded")), ("date_end", "<=", now)],
            order="groupbuy_close_error desc, date_end, id",
        )
        todo = [(c, lambda c: bool(
            self.env["sale.order"]._groupbuy_send_notices(c, limit=batch) or c._confirm_waiting_orders(limit=batch)
        )) for c in succeeded] + [(c, lambda c: c._groupbuy_close_step(batch)) for c in closing]
        done = failed = 0
        for campaign, step in todo:
            while True:
                more = run(campaign, step)
                if not more or (deadline and time.monotonic() > deadline):
                    break
            if more is None:
                failed += 1
            elif not more:
                done += 1
            if deadline and time.monotonic() > deadline:
                break
        if len(todo) - done - failed:
            # campaigns left: the next run at once, a run of its own (not more calls in
            # this one, which Odoo's progress API would make)
            self.env.ref("community_groupbuy.ir_cron_groupbuy_process_campaigns").sudo()._trigger()
        return True

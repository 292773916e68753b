import logging
import secrets
import threading
import time

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import consteq

_logger = logging.getLogger(__name__)


class GroupbuyJoinRequest(models.Model):
    """A join waiting in the queue for its order (排队参团).

    In a burst (a flash campaign's opening seconds) a join does at once only what the
    customer must hear at once: the checks, the reservation of the units, the chain
    number and the group's forming (``groupbuy.campaign._join_queued``). The sale order
    is made here, a moment later, by the queue's cron: many orders of one campaign in
    one batched ``create``, several times cheaper per order than one by one.

    Every request is taken by exactly one worker (``FOR UPDATE SKIP LOCKED``), and its
    order is recorded in the same transaction that creates it, so a crash or a second
    cron never makes an order twice.
    """

    _name = "groupbuy.join.request"
    _description = "Queued join"
    _order = "id"
    _rec_name = "sequence"

    campaign_id = fields.Many2one(
        "groupbuy.campaign", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="campaign_id.company_id", store=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True,
                                 ondelete="restrict")
    sequence = fields.Integer(string="Chain number", readonly=True)
    participants = fields.Integer(
        readonly=True, help="The campaign's participants when the customer joined (prices the tier)."
    )
    quantities = fields.Json(readonly=True, help="Reserved quantity by campaign line id.")
    answers = fields.Json(readonly=True)
    options = fields.Json(readonly=True, help="The join's options (who brought the customer, pickup point...).")
    state = fields.Selection(
        [("queued", "Queued"), ("done", "Order created"), ("failed", "Failed")],
        default="queued", required=True, readonly=True, index=True,
    )
    order_id = fields.Many2one("sale.order", readonly=True, ondelete="set null")
    error = fields.Text(readonly=True, help="Why no order could be made (the customer sees it).")
    access_token = fields.Char(
        required=True, readonly=True, copy=False, groups="base.group_system",
        default=lambda self: secrets.token_urlsafe(24),
    )

    _BATCH = 25  # requests a batch: it commits within seconds even on a machine the burst saturates

    # ------------------------------------------------------------------
    # The queue's cron
    # ------------------------------------------------------------------
    # Seconds of work per run of the queue's cron. Odoo's cron worker (``--workers``)
    # counts its sleep (up to a minute) and the work it then does against one watchdog
    # (``limit_time_real_cron``, by default ``limit_time_real``: 120 s) and kills itself
    # past it, losing the batch in progress: so a run stays short, and asks for the next
    # one (a trigger) instead of going on in the same run.
    _CRON_TIME_BUDGET = 10
    _CRON_RETRY_LOCKED = 5  # seconds before trying requests another transaction holds

    @api.model
    def _cron_process_queue(self, batch_size=None, auto_commit=None):
        """Create the orders of queued joins, a committed batch at a time, for at most
        ``_CRON_TIME_BUDGET`` seconds; if requests are left, trigger the next run (at
        once, or in a few seconds when the ones left are held by other transactions)."""
        if auto_commit is None:
            auto_commit = not getattr(threading.current_thread(), "testing", False)
        batch_size = batch_size or self._BATCH
        deadline = time.monotonic() + self._CRON_TIME_BUDGET
        done = 0
        while True:
            requests = self._groupbuy_take(limit=batch_size)
            if not requests:
                break
            requests._groupbuy_make_orders()
            done += len(requests)
            if auto_commit:
                self.env.cr.commit()
                # what a committed batch read stays out of memory
                self.env.invalidate_all()
            if time.monotonic() >= deadline:
                break
        if self._groupbuy_queued_count():
            at = None if done else fields.Datetime.add(fields.Datetime.now(), seconds=self._CRON_RETRY_LOCKED)
            self.env.ref("community_groupbuy.ir_cron_groupbuy_join_queue").sudo()._trigger(at=at)
        self.env.flush_all()
        return done

    @api.model
    def _groupbuy_queued_count(self, campaign=None):
        domain = [("state", "=", "queued")]
        if campaign:
            domain.append(("campaign_id", "=", campaign.id))
        return self.sudo().search_count(domain)

    @api.model
    def _groupbuy_take(self, campaign=None, limit=None, ids=None):
        """The oldest queued requests no other transaction is working on, locked for
        this one (of ``campaign``, or among ``ids``)."""
        self.flush_model()
        query = "SELECT id FROM groupbuy_join_request WHERE state = 'queued'"
        params = []
        if campaign:
            query += " AND campaign_id = %s"
            params.append(campaign.id)
        if ids:
            query += " AND id IN %s"
            params.append(tuple(ids))
        query += " ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED"
        params.append(limit or self._BATCH)
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query, params, log_exceptions=False)
                taken = [row[0] for row in self.env.cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            # another transaction made them after this one began: none to take here
            taken = []
        return self.sudo().browse(taken)

    def _groupbuy_make_orders(self):
        """Create the orders of these (locked, queued) requests: one batched create per
        campaign; if the batch is refused, each request alone, so that one refusal
        (a pickup point closed meanwhile...) fails only its own request."""
        for campaign in self.campaign_id:
            requests = self.filtered(lambda r, c=campaign: r.campaign_id == c)
            try:
                with self.env.cr.savepoint():
                    requests._groupbuy_create_orders()
            except (UserError, ValidationError):
                for request in requests:
                    try:
                        with self.env.cr.savepoint():
                            request._groupbuy_create_orders()
                    except (UserError, ValidationError) as error:
                        request._groupbuy_fail(error.args[0])
        return self.order_id

    def _groupbuy_quantities(self):
        """``{groupbuy.campaign.line: qty}`` reserved by this request."""
        self.ensure_one()
        Line = self.env["groupbuy.campaign.line"].sudo()
        return {Line.browse(int(line_id)): qty for line_id, qty in (self.quantities or {}).items()}

    def _groupbuy_entries(self):
        return [
            {
                "partner": request.partner_id,
                "quantities": request._groupbuy_quantities(),
                "participants": request.participants,
                "sequence": request.sequence,
                "answers": request.answers or {},
                "kwargs": request.options or {},
            }
            for request in self
        ]

    def _groupbuy_create_orders(self):
        campaign = self.campaign_id.ensure_one()
        if campaign.state in ("failed", "cancelled"):
            # the campaign ended without its group before these joins got an order:
            # nothing was paid, nothing is ordered
            for request in self:
                request._groupbuy_fail(self.env._(
                    "Campaign %(name)s did not form: nothing was ordered and nothing is due.",
                    name=campaign.name,
                ))
            return self.env["sale.order"]
        orders = campaign._join_create_orders(self._groupbuy_entries())
        for request, order in zip(self, orders):
            request.write({"state": "done", "order_id": order.id})
        if campaign.state in ("succeeded", "done"):
            # the group formed before these orders existed: confirm them as one batch
            # (the join that formed it, or the campaigns' cron, confirmed the others)
            orders.with_context(groupbuy_close_pickings=True)._groupbuy_confirm_formed()
        return orders

    def _groupbuy_fail(self, message):
        """No order can be made: give the units back and tell the customer why."""
        self.ensure_one()
        _logger.info("Queued join %s of campaign %s refused: %s", self.id, self.campaign_id.id, message)
        self.env["groupbuy.campaign.line"].sudo()._groupbuy_release(self.partner_id, self._groupbuy_quantities())
        self.write({"state": "failed", "error": message})

    _KEEP_DAYS = 30

    @api.autovacuum
    def _gc_served_requests(self):
        """Requests made (or refused) a month ago: their orders carry everything, their
        pages are no longer followed (Odoo's daily autovacuum)."""
        old = self.sudo().search([
            ("state", "!=", "queued"),
            ("write_date", "<", fields.Datetime.subtract(fields.Datetime.now(), days=self._KEEP_DAYS)),
        ])
        old.unlink()
        return len(old)

    # ------------------------------------------------------------------
    # The customer's waiting page
    # ------------------------------------------------------------------
    def _groupbuy_check_token(self, token):
        self.ensure_one()
        return bool(token) and consteq(self.sudo().access_token, str(token))

    def _groupbuy_url(self):
        self.ensure_one()
        return f"/groupbuy/{self.campaign_id.share_code}/queue/{self.id}/{self.sudo().access_token}"

    def _groupbuy_queue_stalled(self, grace, stall):
        """Whether this request waited ``grace`` seconds while the queue made no order
        for ``stall`` seconds: its cron is late or not running. (A queue that is
        working through a burst is left to it: its batches are several times cheaper
        than an order made alone.)"""
        self.ensure_one()
        self.env.cr.execute(
            """
            SELECT %(now)s - %(created)s > make_interval(secs => %(grace)s)
                   AND NOT EXISTS (
                       SELECT 1 FROM (SELECT write_date FROM groupbuy_join_request
                                       WHERE state != 'queued' ORDER BY id DESC LIMIT 1) last
                        WHERE last.write_date > %(now)s - make_interval(secs => %(stall)s))
            """,
            {"now": fields.Datetime.now(), "created": self.create_date, "grace": grace, "stall": stall},
        )
        return self.env.cr.fetchone()[0]

    def _groupbuy_ahead(self):
        """How many of its campaign's joins are queued before this one."""
        self.ensure_one()
        return self.sudo().search_count([
            ("campaign_id", "=", self.campaign_id.id), ("state", "=", "queued"), ("id", "<", self.id),
        ])

    def _groupbuy_serve_now(self):
        """Make this request's order at once if it is still queued and no other
        transaction is on it (the waiting page's fallback when the cron is late)."""
        self.ensure_one()
        if self.state == "queued":
            self._groupbuy_take(ids=self.ids)._groupbuy_make_orders()
        return self

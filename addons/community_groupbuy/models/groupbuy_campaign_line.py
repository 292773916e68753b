import contextlib
import logging
import os
import threading
import time

import psycopg2
from psycopg2.pool import PoolError

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import config, float_compare

_logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------
# Connections for reservations: bounded, and waited for
# ----------------------------------------------------------------------
# A join reserves in a short transaction of its own, on a second connection taken from
# the process's pool (``db_maxconn``), next to its request's.  Under a burst against the
# threaded server, unbounded reservations (and their releases) could take the pool's
# last connections and make other requests fail with "The Connection Pool Is Full".  So
# at most ``RESERVE_CONNECTIONS`` reservations of a process hold a connection at once
# (a quarter of ``db_maxconn``, or ``GROUPBUY_RESERVE_CONNECTIONS``); the others wait
# for a slot, and if the pool itself is full they wait for a connection, up to
# ``RESERVE_WAIT`` seconds in all; only then the customer is told to try again.  A
# reservation holds its connection for a few milliseconds, so a wait is short.
RESERVE_WAIT = 10.0
_reserve_slots = None
_reserve_slots_lock = threading.Lock()


def reserve_connections():
    """How many reservation connections one process holds at most."""
    configured = os.environ.get("GROUPBUY_RESERVE_CONNECTIONS")
    if configured and configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, int(config["db_maxconn"]) // 4)


def _get_reserve_slots():
    global _reserve_slots  # noqa: PLW0603 - one semaphore per process, made on first use
    if _reserve_slots is None:
        with _reserve_slots_lock:
            if _reserve_slots is None:
                _reserve_slots = threading.BoundedSemaphore(reserve_connections())
    return _reserve_slots


class ReservationBusy(UserError):
    """No reservation connection could be had in time: the customer may try again."""


class GroupbuyCampaignLine(models.Model):
    _name = "groupbuy.campaign.line"
    _description = "Group Campaign Product Line"
    _order = "campaign_id, sequence, id"
    _check_company_auto = True

    campaign_id = fields.Many2one(
        "groupbuy.campaign", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="campaign_id.company_id", store=True)
    currency_id = fields.Many2one(related="campaign_id.currency_id")
    product_id = fields.Many2one(
        "product.product",
        required=True,
        check_company=True,
        domain="[('sale_ok', '=', True)]",
    )
    product_tmpl_id = fields.Many2one(related="product_id.product_tmpl_id")
    list_price = fields.Float(
        related="product_id.lst_price", string="Regular price", digits="Product Price"
    )
    price_unit = fields.Monetary(
        string="Group price",
        required=True,
        help="What a participant pays per unit before any price tier applies.",
    )
    max_qty = fields.Float(
        string="Stock cap",
        digits="Product Unit of Measure",
        help="How many units this campaign may sell in all. 0 means no cap.",
    )
    max_qty_per_customer = fields.Float(
        string="Limit per customer",
        digits="Product Unit of Measure",
        help="How many units one customer may buy. 0 means no limit.",
    )
    sold_qty = fields.Float(
        string="Sold",
        digits="Product Unit of Measure",
        readonly=True,
        copy=False,
        help="Units held by the campaign's active orders. Kept by an atomic counter so "
        "that concurrent joins never sell more than the cap.",
    )
    remaining_qty = fields.Float(
        string="Remaining",
        digits="Product Unit of Measure",
        compute="_compute_remaining_qty",
    )
    tier_ids = fields.One2many("groupbuy.price.tier", "line_id", string="Price tiers", copy=True)
    current_price = fields.Monetary(
        compute="_compute_current_price",
        help="The price a participant joining now pays, from the tier reached.",
    )

    _sql_constraints = [
        (
            "campaign_product_uniq",
            "unique(campaign_id, product_id)",
            "A product can appear only once in a campaign.",
        ),
    ]

    @api.constrains("price_unit", "max_qty", "max_qty_per_customer")
    def _check_quantities(self):
        for line in self:
            if line.price_unit < 0:
                raise ValidationError(self.env._("The group price cannot be negative."))
            if line.max_qty < 0 or line.max_qty_per_customer < 0:
                raise ValidationError(
                    self.env._("Stock cap and limit per customer cannot be negative (0 means none).")
                )

    @api.depends("max_qty", "sold_qty")
    def _compute_remaining_qty(self):
        for line in self:
            line.remaining_qty = max(line.max_qty - line.sold_qty, 0.0) if line.max_qty else 0.0

    @api.depends("price_unit", "tier_ids.min_participants", "tier_ids.price_unit")
    @api.depends_context("groupbuy_participants")
    def _compute_current_price(self):
        for line in self:
            count = self.env.context.get("groupbuy_participants")
            if count is None:
                count = line.campaign_id.participant_count
            line.current_price = line._get_price_for(count)

    def _get_price_for(self, participants):
        """The unit price once the campaign has ``participants`` participants."""
        self.ensure_one()
        price = self.price_unit
        reached = 0
        for tier in self.tier_ids:
            if reached < tier.min_participants <= participants:
                price, reached = tier.price_unit, tier.min_participants
        return price

    # ------------------------------------------------------------------
    # Atomic reservation of quantities
    # ------------------------------------------------------------------
    # A join must never sell more than the line's cap, nor more than the per-customer
    # limit, while hundreds of customers join at once.  Odoo runs each request in a
    # REPEATABLE READ transaction; updating the hot ``sold_qty`` row there would hold its
    # lock until the request ends and make concurrent joins fail with serialization
    # errors.  So the reservation is one guarded UPDATE per line, made and committed in a
    # short READ COMMITTED transaction of its own (where a guarded UPDATE re-checks its
    # WHERE clause after waiting for a concurrent one).  If the request's own transaction
    # then rolls back, a post-rollback hook gives the units back.  Lines that are not
    # committed yet (created in the same transaction, as in tests) cannot be raced for,
    # and are reserved inside the current transaction.

    _RESERVE_CUSTOMER_SQL = """
        INSERT INTO groupbuy_campaign_line_customer AS c (line_id, partner_id, qty)
        VALUES (%(line)s, %(partner)s, %(qty)s)
        ON CONFLICT (line_id, partner_id) DO UPDATE SET qty = c.qty + EXCLUDED.qty
        WHERE %(limit)s = 0 OR c.qty + EXCLUDED.qty <= %(limit)s
        RETURNING qty
    """
    _RESERVE_LINE_SQL = """
        UPDATE groupbuy_campaign_line SET sold_qty = COALESCE(sold_qty, 0) + %(qty)s
        WHERE id = %(line)s AND (COALESCE(max_qty, 0) = 0
                                 OR COALESCE(sold_qty, 0) + %(qty)s <= max_qty)
        RETURNING sold_qty
    """
    _RELEASE_SQL = """
        UPDATE groupbuy_campaign_line_customer SET qty = GREATEST(qty - %(qty)s, 0)
        WHERE line_id = %(line)s AND partner_id = %(partner)s;
        UPDATE groupbuy_campaign_line SET sold_qty = GREATEST(COALESCE(sold_qty, 0) - %(qty)s, 0)
        WHERE id = %(line)s;
    """

    _PARTICIPANTS_SQL = """
        SELECT count(DISTINCT c.partner_id)
          FROM groupbuy_campaign_line_customer c
          JOIN groupbuy_campaign_line l ON l.id = c.line_id
         WHERE l.campaign_id = %s AND c.qty > 0
    """

    def _groupbuy_reserve(self, partner, quantities):
        """Reserve ``quantities`` ({line: qty}) for ``partner``, all or nothing.

        Raises ``UserError`` when a cap or the per-customer limit would be passed.
        Returns the campaign's live number of participants, this one included: it
        counts the joins other transactions have reserved but not yet committed, which
        the current transaction's snapshot cannot see.
        """
        campaign_id = next(iter(quantities)).campaign_id.id
        items = sorted(((line.id, qty) for line, qty in quantities.items()), key=lambda i: i[0])
        limits = {line.id: line.max_qty_per_customer for line in quantities}
        registry = self.env.registry
        done = False
        # While the module installs (demo data) or under a test's shared cursor, nothing
        # is committed for another transaction to see: reserve in the current one.
        if registry.ready and not registry.in_test_mode():
            with self._groupbuy_reservation_cursor() as cr:
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                cr.execute(
                    "SELECT count(*) FROM groupbuy_campaign_line WHERE id IN %s",
                    [tuple(i[0] for i in items)],
                )
                if cr.fetchone()[0] == len(items):
                    self._groupbuy_apply_reservation(cr, partner, items, limits)
                    cr.execute(self._PARTICIPANTS_SQL, [campaign_id])
                    participants = cr.fetchone()[0]
                    done = True
                else:
                    cr.rollback()
            if done:
                self._groupbuy_release_on_rollback(partner, items)
        if not done:
            with self.env.cr.savepoint():
                self._groupbuy_apply_reservation(self.env.cr, partner, items, limits)
            self.env.cr.execute(self._PARTICIPANTS_SQL, [campaign_id])
            participants = self.env.cr.fetchone()[0]
        self.browse(i[0] for i in items).invalidate_recordset(["sold_qty"])
        return participants

    @contextlib.contextmanager
    def _groupbuy_reservation_cursor(self, wait=None):
        """A cursor of its own for a reservation: one of the process's bounded slots,
        then a connection of the pool, each waited for up to ``wait`` seconds in all.
        Raises ``ReservationBusy`` (a ``UserError``: "try again") if none comes."""
        wait = RESERVE_WAIT if wait is None else wait
        deadline = time.monotonic() + wait
        slots = _get_reserve_slots()
        if not slots.acquire(timeout=wait):
            raise self._groupbuy_busy_error()
        try:
            pause = 0.005
            while True:
                try:
                    cr = self.env.registry.cursor()
                    break
                except (PoolError, psycopg2.OperationalError):
                    # the process's pool, or PostgreSQL itself (max_connections), is full
                    if time.monotonic() + pause > deadline:
                        raise self._groupbuy_busy_error() from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.2)
            with cr:
                yield cr
        finally:
            slots.release()

    def _groupbuy_busy_error(self):
        _logger.info("Group campaign reservation: no database connection in time, join refused")
        return ReservationBusy(self.env._(
            "So many people are joining right now that we could not take your order: "
            "nothing was reserved, please try again in a moment."
        ))

    def _groupbuy_apply_reservation(self, cr, partner, items, limits):
        for line_id, qty in items:
            params = {"line": line_id, "partner": partner.id, "qty": qty, "limit": limits[line_id]}
            cr.execute(self._RESERVE_CUSTOMER_SQL, params)
            if not cr.fetchone():
                line = self.browse(line_id)
                raise UserError(
                    self.env._(
                        "You can buy at most %(limit)s of %(product)s in this campaign.",
                        limit=line._format_qty(line.max_qty_per_customer),
                        product=line.product_id.display_name,
                    )
                )
            cr.execute(self._RESERVE_LINE_SQL, params)
            if not cr.fetchone():
                line = self.browse(line_id)
                raise UserError(
                    self.env._(
                        "Sorry, %(product)s is sold out in this campaign: "
                        "not enough left for %(qty)s.",
                        product=line.product_id.display_name,
                        qty=line._format_qty(qty),
                    )
                )

    def _groupbuy_release_on_rollback(self, partner, items):
        """Give the committed reservation back if the current transaction rolls back."""
        state = {"released": False}

        def release():
            if state["released"]:
                return
            state["released"] = True
            try:
                with self._groupbuy_reservation_cursor(wait=6 * RESERVE_WAIT) as cr:
                    for line_id, qty in items:
                        cr.execute(self._RELEASE_SQL, {"line": line_id, "partner": partner.id, "qty": qty})
            except Exception:
                _logger.exception("Could not release group campaign reservation %s", items)

        self.env.cr.postrollback.add(release)

    def _groupbuy_release(self, partner, quantities):
        """Give back what an order held ({line: qty}) once it is cancelled.

        Done in the current transaction: cancelling is not a hot path, and the release
        must disappear with it if the cancellation rolls back.
        """
        for line, qty in sorted(quantities.items(), key=lambda i: i[0].id):
            self.env.cr.execute(self._RELEASE_SQL, {"line": line.id, "partner": partner.id, "qty": qty})
        self.browse(line.id for line in quantities).invalidate_recordset(["sold_qty"])

    def _groupbuy_recompute_sold_qty(self):
        """Rebuild the counters from the active orders and the joins still queued for
        theirs (repairs a reservation leaked by a process that died between its
        reservation and its order)."""
        if not self:
            return
        self.env["sale.order.line"].flush_model()
        self.env["sale.order"].flush_model()
        self.env["groupbuy.join.request"].flush_model()
        self.env.cr.execute(
            """
            SELECT line_id, partner_id, SUM(qty) FROM (
                SELECT sol.groupbuy_line_id AS line_id, so.partner_id, sol.product_uom_qty AS qty
                  FROM sale_order_line sol JOIN sale_order so ON so.id = sol.order_id
                 WHERE sol.groupbuy_line_id IN %(lines)s AND so.groupbuy_status IN ('waiting', 'confirmed')
                UNION ALL
                SELECT q.key::int, r.partner_id, q.value::numeric
                  FROM groupbuy_join_request r, jsonb_each_text(r.quantities) q
                 WHERE r.state = 'queued' AND r.campaign_id IN %(campaigns)s AND q.key::int IN %(lines)s
            ) active
          GROUP BY line_id, partner_id
            """,
            {"lines": tuple(self.ids), "campaigns": tuple(self.campaign_id.ids)},
        )
        rows = self.env.cr.fetchall()
        totals = {}
        for line_id, _partner_id, qty in rows:
            totals[line_id] = totals.get(line_id, 0.0) + qty
        self.env.cr.execute(
            "DELETE FROM groupbuy_campaign_line_customer WHERE line_id IN %s", [tuple(self.ids)]
        )
        for line_id, partner_id, qty in rows:
            self.env.cr.execute(
                "INSERT INTO groupbuy_campaign_line_customer (line_id, partner_id, qty) VALUES (%s, %s, %s)",
                [line_id, partner_id, qty],
            )
        for line in self:
            self.env.cr.execute(
                "UPDATE groupbuy_campaign_line SET sold_qty = %s WHERE id = %s",
                [totals.get(line.id, 0.0), line.id],
            )
        self.invalidate_recordset(["sold_qty"])

    def _format_qty(self, qty):
        self.ensure_one()
        return ("%g" % qty) if qty else "0"

    def _check_qty(self, qty):
        """Refuse a quantity that is zero, negative or over the per-customer limit."""
        self.ensure_one()
        rounding = self.product_id.uom_id.rounding
        if float_compare(qty, 0.0, precision_rounding=rounding) <= 0:
            raise UserError(
                self.env._(
                    "The quantity of %(product)s must be more than 0.",
                    product=self.product_id.display_name,
                )
            )
        if self.max_qty_per_customer and float_compare(
            qty, self.max_qty_per_customer, precision_rounding=rounding
        ) > 0:
            raise UserError(
                self.env._(
                    "You can buy at most %(limit)s of %(product)s in this campaign.",
                    limit=self._format_qty(self.max_qty_per_customer),
                    product=self.product_id.display_name,
                )
            )

    def _prepare_join_order_line_vals(self, qty, participants):
        """Values of the sale order line a join creates for this product (a hook)."""
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "product_uom_qty": qty,
            "price_unit": self._get_price_for(participants),
            "discount": 0.0,
            "groupbuy_line_id": self.id,
        }

import logging
import secrets
from datetime import timedelta

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    _GROUPBUY_CODE_DIGITS = 10

    groupbuy_pickup_point_id = fields.Many2one(
        "groupbuy.pickup.point",
        string="Pickup point",
        index="btree_not_null",
        copy=False,
        tracking=True,
        readonly=True,
        help="Where the customer collects this order (自提点).",
    )
    groupbuy_pickup_code = fields.Char(
        string="Pickup code",
        copy=False,
        readonly=True,
        groups="sales_team.group_sale_salesman",
        help="The customer's pickup code (自提码): random, shown only to the customer.",
    )
    groupbuy_pickup_state = fields.Selection(
        [
            ("waiting", "On its way"),
            ("arrived", "Arrived, to collect"),
            ("collected", "Collected"),
            ("overdue", "Overdue"),
        ],
        string="Pickup",
        copy=False,
        readonly=True,
        tracking=True,
        index="btree_not_null",
    )
    groupbuy_arrival_date = fields.Datetime(string="Arrived on", copy=False, readonly=True)
    groupbuy_collected_date = fields.Datetime(string="Collected on", copy=False, readonly=True)
    groupbuy_collected_by_id = fields.Many2one("res.users", string="Verified by", copy=False, readonly=True)
    groupbuy_overdue_reminded = fields.Boolean(string="Overdue reminder sent", copy=False, readonly=True)

    def init(self):
        super().init()
        # open pickup codes are unique (a collected or cancelled order's code may return)
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS sale_order_groupbuy_open_pickup_code_uniq
                   ON sale_order (groupbuy_pickup_code)
                WHERE groupbuy_pickup_code IS NOT NULL
                  AND groupbuy_pickup_state IN ('waiting', 'arrived', 'overdue')"""
        )

    @api.model
    def _groupbuy_open_pickup_states(self):
        return ("waiting", "arrived", "overdue")

    # ------------------------------------------------------------------
    # The code
    # ------------------------------------------------------------------
    @api.model
    def _groupbuy_new_pickup_code(self):
        return f"{secrets.randbelow(10 ** self._GROUPBUY_CODE_DIGITS):0{self._GROUPBUY_CODE_DIGITS}d}"

    def _groupbuy_assign_pickup_codes(self):
        """Give each order a random pickup code, unique among open codes (the partial
        unique index guards a race; a clash draws again)."""
        orders = self.filtered(lambda o: o.groupbuy_pickup_point_id and not o.sudo().groupbuy_pickup_code)
        if not orders:
            return
        codes = set()
        while len(codes) < len(orders):
            codes.add(self._groupbuy_new_pickup_code())
        taken = set(self.sudo().search([
            ("groupbuy_pickup_code", "in", list(codes)),
            ("groupbuy_pickup_state", "in", self._groupbuy_open_pickup_states()),
        ]).mapped("groupbuy_pickup_code"))
        for order, code in zip(orders, sorted(codes)):
            for _attempt in range(5):
                if code not in taken:
                    try:
                        with self.env.cr.savepoint():
                            order.sudo().write({"groupbuy_pickup_code": code, "groupbuy_pickup_state": "waiting"})
                            order.flush_recordset(["groupbuy_pickup_code", "groupbuy_pickup_state"])
                        break
                    except psycopg2.errors.UniqueViolation:
                        _logger.info("pickup code clash, drawing again")
                code = self._groupbuy_new_pickup_code()

    def _groupbuy_confirm(self):
        res = super()._groupbuy_confirm()
        self.filtered(lambda o: o.state == "sale" and o.groupbuy_pickup_point_id)._groupbuy_assign_pickup_codes()
        return res

    def _groupbuy_chain_entry(self, full=False):
        entry = super()._groupbuy_chain_entry(full=full)
        # the point's name only: never the code; as a badge, the core renders it on the
        # server-rendered and on the polled entries alike
        point_name = self.groupbuy_pickup_point_id.name or ""
        entry["pickup_point"] = point_name
        if point_name:
            entry["badges"] = entry.get("badges", []) + [point_name]
        return entry

    def _groupbuy_pickup_qr_url(self):
        self.ensure_one()
        code = self.sudo().groupbuy_pickup_code
        return f"/report/barcode/QR/{code}?width=240&height=240" if code else False

    # ------------------------------------------------------------------
    # Collecting
    # ------------------------------------------------------------------
    def _groupbuy_delivery_pickings(self):
        return self.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")
        )

    def _groupbuy_refund_pending(self):
        self.ensure_one()
        order = self.sudo()
        if any(tx.operation == "refund" and tx.state in ("draft", "pending", "authorized")
               for tx in order.transaction_ids.child_transaction_ids | order.transaction_ids):
            return True
        return any(move.move_type == "out_refund" and move.state == "draft" for move in order.invoice_ids)

    def _groupbuy_collect_refusal(self):
        """``(reason, message)`` why this order cannot be handed over now, or None."""
        self.ensure_one()
        order = self.sudo()
        env = self.env
        if order.groupbuy_pickup_state == "collected":
            when = fields.Datetime.context_timestamp(self, order.groupbuy_collected_date).strftime("%Y-%m-%d %H:%M") \
                if order.groupbuy_collected_date else ""
            return "collected", env._("This order was already collected (%(when)s).", when=when)
        if order.state == "cancel" or order.groupbuy_status in ("failed", "cancelled"):
            return "cancelled", env._("This order was cancelled: hand nothing over.")
        if order._groupbuy_refund_pending():
            return "refund", env._("A refund of this order is pending: hand nothing over until it is settled.")
        if order.currency_id.compare_amounts(order.groupbuy_amount_paid, order.amount_total) < 0:
            return "not_paid", env._(
                "This order is not paid yet (%(due)s due): the customer pays before collecting.",
                due=order.currency_id.format(order.amount_total - order.groupbuy_amount_paid),
            )
        if order.groupbuy_pickup_state == "waiting" or not order.groupbuy_pickup_state:
            return "not_arrived", env._("The goods of this order have not arrived at the pickup point yet.")
        return None

    def _groupbuy_check_collectable(self, code_refuse=None):
        for order in self:
            refusal = order._groupbuy_collect_refusal()
            if refusal:
                if code_refuse:
                    code_refuse(*refusal)
                raise UserError(refusal[1])

    def _groupbuy_collectable_siblings(self):
        """The same customer's other orders waiting to be collected at the same point."""
        self.ensure_one()
        candidates = self.sudo().search([
            ("id", "!=", self.id),
            ("partner_id", "=", self.partner_id.id),
            ("groupbuy_pickup_point_id", "=", self.groupbuy_pickup_point_id.id),
            ("groupbuy_pickup_state", "in", ("arrived", "overdue")),
        ], order="id")
        return candidates.filtered(lambda o: not o._groupbuy_collect_refusal())

    def _groupbuy_collect(self, user):
        """Hand the goods over: validate the delivery pickings the Odoo way (moves done,
        delivered quantities on the order), mark collected, say who and when."""
        self._groupbuy_check_collectable()
        now = fields.Datetime.now()
        for order in self.sudo():
            pickings = order._groupbuy_delivery_pickings()
            for move in pickings.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
                if float_compare(move.quantity, move.product_uom_qty, precision_rounding=move.product_uom.rounding) < 0:
                    move.quantity = move.product_uom_qty
                move.picked = True
            if pickings:
                result = pickings.with_context(
                    skip_backorder=True, skip_sms=True, cancel_backorder=True
                ).button_validate()
                if isinstance(result, dict) or pickings.filtered(lambda p: p.state != "done"):
                    raise UserError(self.env._(
                        "The delivery of %(order)s could not be validated: ask the platform to check it.",
                        order=order.name,
                    ))
            order.write({
                "groupbuy_pickup_state": "collected",
                "groupbuy_collected_date": now,
                "groupbuy_collected_by_id": user.id,
            })
            order.message_post(body=self.env._(
                "Collected at %(point)s, verified by %(user)s.",
                point=order.groupbuy_pickup_point_id.name,
                user=user.name,
            ))
        return True

    # ------------------------------------------------------------------
    # Arrival and overdue
    # ------------------------------------------------------------------
    def _groupbuy_mark_arrived(self):
        orders = self.sudo().filtered(lambda o: o.groupbuy_pickup_state == "waiting")
        if not orders:
            return orders
        orders.write({"groupbuy_pickup_state": "arrived", "groupbuy_arrival_date": fields.Datetime.now()})
        template = self.env.ref("groupbuy_pickup.mail_template_goods_arrived", raise_if_not_found=False)
        if template:
            for order in orders:
                order.with_context(lang=order.partner_id.lang).message_post_with_source(
                    template, subtype_xmlid="mail.mt_comment"
                )
        return orders

    @api.model
    def _cron_groupbuy_pickup_overdue(self, batch_size=500):
        """Orders not collected N days after arrival: flagged overdue, reminded once."""
        template = self.env.ref("groupbuy_pickup.mail_template_pickup_overdue", raise_if_not_found=False)
        for company in self.env["res.company"].search([("groupbuy_pickup_overdue_days", ">", 0)]):
            limit = fields.Datetime.now() - timedelta(days=company.groupbuy_pickup_overdue_days)
            orders = self.sudo().search([
                ("company_id", "=", company.id),
                ("groupbuy_pickup_state", "=", "arrived"),
                ("groupbuy_arrival_date", "<=", limit),
            ], limit=batch_size)
            for order in orders:
                values = {"groupbuy_pickup_state": "overdue"}
                if not order.groupbuy_overdue_reminded:
                    values["groupbuy_overdue_reminded"] = True
                    if template:
                        order.with_context(lang=order.partner_id.lang).message_post_with_source(
                            template, subtype_xmlid="mail.mt_comment"
                        )
                order.write(values)
        return True

    def action_groupbuy_pickup_keep(self):
        """The platform keeps an overdue order at the point: it waits to be collected again."""
        for order in self.filtered(lambda o: o.groupbuy_pickup_state == "overdue"):
            order.write({"groupbuy_pickup_state": "arrived", "groupbuy_arrival_date": fields.Datetime.now()})
            order.message_post(body=self.env._("Overdue pickup kept at the point for the customer."))
        return True

    def action_groupbuy_pickup_return(self):
        """The platform takes an overdue order back to stock and refunds the customer."""
        for order in self:
            if order.groupbuy_pickup_state != "overdue":
                raise UserError(self.env._("Only overdue pickups can be returned and refunded."))
        for order in self:
            order.groupbuy_pickup_state = False
            order._groupbuy_cancel_and_refund(
                "cancelled", self.env._("Not collected in time: returned to stock and refunded.")
            )
        return True

    @api.model
    def _groupbuy_assign_default_pickup_points(self):
        """Active group orders without a point get their campaign's default one (and a
        code when confirmed): for orders made before the addon was installed."""
        orders = self.sudo().search([
            ("groupbuy_campaign_id", "!=", False),
            ("groupbuy_pickup_point_id", "=", False),
            ("groupbuy_status", "in", self._groupbuy_active_statuses()),
        ])
        for order in orders:
            point = order.groupbuy_campaign_id._groupbuy_default_pickup_point(
                order.partner_id, source_community=order.groupbuy_source_community_id or None,
            )
            if point:
                order.groupbuy_pickup_point_id = point
        orders.filtered(lambda o: o.state == "sale" and o.groupbuy_pickup_point_id)._groupbuy_assign_pickup_codes()
        return orders

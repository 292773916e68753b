import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    groupbuy_campaign_id = fields.Many2one(
        "groupbuy.campaign",
        string="Group campaign",
        index="btree_not_null",
        readonly=True,
        copy=False,
        tracking=True,
    )
    groupbuy_leader_id = fields.Many2one(
        "res.partner",
        string="Group leader",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The campaign's leader when the customer joined: set once, so that a later "
        "change of the campaign's leader does not move past orders (or commissions).",
    )
    groupbuy_source_leader_id = fields.Many2one(
        "res.partner",
        string="Brought by leader",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The leader whose share link brought the customer (customer source).",
    )
    groupbuy_source_community_id = fields.Many2one(
        "groupbuy.community",
        string="Brought from community",
        readonly=True,
        copy=False,
        help="The community (社群) whose share link brought the customer.",
    )
    groupbuy_sequence = fields.Integer(
        string="Chain number", readonly=True, copy=False,
        help="The place of this entry in the campaign's chain list (接龙), in join order.",
    )
    groupbuy_status = fields.Selection(
        [
            ("waiting", "Waiting for the group"),
            ("confirmed", "Group formed"),
            ("failed", "Group failed"),
            ("cancelled", "Withdrawn"),
        ],
        string="Group status",
        readonly=True,
        copy=False,
        tracking=True,
        index="btree_not_null",
    )
    groupbuy_answers = fields.Properties(
        string="Answers",
        definition="groupbuy_campaign_id.answer_definition",
        copy=False,
    )
    groupbuy_refund_payment_ids = fields.Many2many(
        "account.payment",
        "groupbuy_sale_order_refund_payment_rel",
        "order_id",
        "payment_id",
        string="Refund payments",
        readonly=True,
        copy=False,
    )
    groupbuy_amount_paid = fields.Monetary(
        string="Paid (net)",
        compute="_compute_groupbuy_amount_paid",
        help="What the customer paid for this entry, less what was refunded.",
    )

    @api.depends(
        "transaction_ids.state",
        "transaction_ids.amount",
        "transaction_ids.child_transaction_ids.state",
        "groupbuy_refund_payment_ids.state",
    )
    def _compute_groupbuy_amount_paid(self):
        for order in self:
            paid = sum(
                tx._groupbuy_refundable_amount()
                for tx in order.transaction_ids.sudo()
                if tx.state == "done" and tx.operation != "refund"
            )
            refunded = sum(
                order.groupbuy_refund_payment_ids.filtered(lambda p: p.state != "canceled").mapped("amount")
            )
            order.groupbuy_amount_paid = order.currency_id.round(paid - refunded)

    @api.model
    def _groupbuy_active_statuses(self):
        """The group statuses of an entry that holds its place (addons may add some)."""
        return ("waiting", "confirmed")

    def _groupbuy_entry_url(self, query_string=None):
        """The customer's page of this entry, under the sale portal's order page (works
        without login, by the order's token: ``get_portal_url``)."""
        self.ensure_one()
        return self.get_portal_url(suffix="/groupbuy", query_string=query_string)

    # ------------------------------------------------------------------
    # The chain list (接龙)
    # ------------------------------------------------------------------
    @api.model
    def _groupbuy_mask_name(self, name):
        """张三 → 张*, 张小三 → 张*三: recognisable to neighbours, not a full name."""
        name = (name or "").strip()
        if len(name) <= 1:
            return (name or "?") + "*"
        if len(name) == 2:
            return name[0] + "*"
        return name[0] + "*" + name[-1]

    @api.model
    def _groupbuy_mask_phone(self, phone):
        digits = "".join(ch for ch in (phone or "") if ch.isdigit())
        if len(digits) < 7:
            return "*" * len(digits)
        return digits[:3] + "****" + digits[-4:]

    def _groupbuy_answer_display(self, public_only=False):
        """[(question, answer)] in the campaign's order, selection answers by label;
        ``public_only``: only the questions the campaign shows publicly
        (``groupbuy.campaign._groupbuy_public_question_names``)."""
        self.ensure_one()
        result = []
        values = self.groupbuy_answers or {}
        campaign = self.groupbuy_campaign_id
        public = campaign._groupbuy_public_question_names() if public_only else None
        for prop in campaign.answer_definition or []:
            if public is not None and prop["name"] not in public:
                continue
            value = values.get(prop["name"]) if isinstance(values, dict) else None
            if value in (None, False, ""):
                continue
            if prop.get("type") == "selection":
                value = dict(prop.get("selection") or []).get(value, value)
            elif prop.get("type") == "boolean":
                value = self.env._("Yes") if value else self.env._("No")
            result.append((prop.get("string") or prop["name"], str(value)))
        return result

    def _groupbuy_chain_entry(self, full=False):
        self.ensure_one()
        partner = self.partner_id
        entry = {
            "sequence": self.groupbuy_sequence,
            "name": partner.name if full else self._groupbuy_mask_name(partner.name),
            "phone": (partner.phone or partner.mobile or "") if full else self._groupbuy_mask_phone(
                partner.phone or partner.mobile
            ),
            "items": [
                {
                    "product": line.product_id.display_name,
                    "qty": ("%g" % line.product_uom_qty),
                }
                for line in self.order_line.filtered("groupbuy_line_id")
            ],
            # the public list shows only the answers the campaign made public
            "answers": self._groupbuy_answer_display(public_only=not full),
            "date": fields.Datetime.context_timestamp(self, self.date_order).strftime("%m-%d %H:%M"),
        }
        if full:
            entry.update({
                "order": self.name,
                "amount": self.currency_id.format(self.amount_total),
                "paid": self.currency_id.format(self.groupbuy_amount_paid),
                "status": dict(self._fields["groupbuy_status"]._description_selection(self.env)).get(
                    self.groupbuy_status
                ),
            })
        return entry

    # ------------------------------------------------------------------
    # Leaving the group
    # ------------------------------------------------------------------
    def _groupbuy_check_editable(self):
        now = fields.Datetime.now()
        for order in self:
            campaign = order.groupbuy_campaign_id
            if not campaign:
                raise UserError(self.env._("Order %(name)s is not part of a group campaign.", name=order.name))
            if order.groupbuy_status not in ("waiting", "confirmed"):
                raise UserError(self.env._("Order %(name)s is no longer active.", name=order.name))
            deadline = campaign.cancel_deadline or campaign.date_end
            if now >= deadline or campaign.state not in ("open", "succeeded"):
                raise UserError(
                    self.env._(
                        "Entries in campaign %(name)s can no longer be changed or cancelled: "
                        "the deadline was %(deadline)s.",
                        name=campaign.name,
                        deadline=fields.Datetime.to_string(fields.Datetime.context_timestamp(self, deadline)),
                    )
                )

    def _has_to_be_paid(self):
        # A join confirmed when its group formed (or after) may still be unpaid: the
        # customer pays it from the portal like a quotation.
        self.ensure_one()
        if self.groupbuy_campaign_id and self.groupbuy_status in ("waiting", "confirmed"):
            return (
                self.state in ("draft", "sent", "sale")
                and not self.is_expired
                and self.require_payment
                and self.currency_id.compare_amounts(self.amount_total, self.amount_paid) > 0
            )
        return super()._has_to_be_paid()

    def _groupbuy_confirm(self):
        """The group is formed (or the entry joined a formed group): the entries become
        real orders (pickings created). Addons extend it (call super) to act on
        confirmation."""
        orders = self.filtered(lambda o: o.state in ("draft", "sent"))
        self.groupbuy_status = "confirmed"
        if orders:
            orders.action_confirm()

    def _groupbuy_price_final(self):
        """Called on a campaign's confirmed orders when their group price is final (at
        close, after the price tiers were settled, whether or not a tier changed it).
        A hook: commissions follow the final price from here."""
        return True

    def _groupbuy_update_entry(self, quantities, answers):
        """The customer changes their entry before the deadline.

        :param dict quantities: {product_id: qty} of the whole new entry, or None to keep
            them (only a waiting entry may change its quantities)
        :param dict answers: the new answers
        """
        self.ensure_one()
        self._groupbuy_check_editable()
        campaign = self.groupbuy_campaign_id
        answers = campaign._check_answers(answers)
        if quantities is not None:
            if self.groupbuy_status != "waiting":
                raise UserError(self.env._(
                    "The group is formed: quantities can no longer change. You can still cancel "
                    "before the deadline."
                ))
            wanted = campaign._parse_join_lines(
                [{"product_id": pid, "qty": qty} for pid, qty in quantities.items()]
            )
            current = {}
            for line in self.order_line.filtered("groupbuy_line_id"):
                current[line.groupbuy_line_id] = current.get(line.groupbuy_line_id, 0.0) + line.product_uom_qty
            more = {cl: qty - current.get(cl, 0.0) for cl, qty in wanted.items() if qty > current.get(cl, 0.0)}
            less = {cl: qty - wanted.get(cl, 0.0) for cl, qty in current.items() if qty > wanted.get(cl, 0.0)}
            CampaignLine = self.env["groupbuy.campaign.line"]
            participants = campaign.participant_count
            if more:
                participants = CampaignLine._groupbuy_reserve(self.partner_id, more)
            if less:
                CampaignLine._groupbuy_release(self.partner_id, less)
            commands = []
            for line in self.order_line.filtered("groupbuy_line_id"):
                if line.groupbuy_line_id not in wanted:
                    commands.append(fields.Command.delete(line.id))
                elif line.product_uom_qty != wanted[line.groupbuy_line_id]:
                    commands.append(fields.Command.update(line.id, {"product_uom_qty": wanted[line.groupbuy_line_id]}))
            for campaign_line, qty in wanted.items():
                if campaign_line not in current:
                    commands.append(fields.Command.create(
                        campaign_line._prepare_join_order_line_vals(qty, participants)
                    ))
            if commands:
                self.order_line = commands
        self.groupbuy_answers = answers or {}
        overpaid = self.currency_id.round(self.groupbuy_amount_paid - self.amount_total)
        if overpaid > 0:
            self._groupbuy_refund(overpaid, self.env._("The customer reduced their entry."))
        self.message_post(body=self.env._("The customer changed their entry."))
        self._groupbuy_notify_customer(
            "community_groupbuy.mail_template_entry_changed", refunded=max(overpaid, 0.0)
        )
        return True

    def _groupbuy_notify_customer(self, template_xmlid, refunded=0.0):
        """Email the customer from ``template_xmlid`` (a ``mail.template``) and keep it
        in the order's chatter, which the customer reads in the portal. ``refunded``:
        the amount just refunded (the templates say it)."""
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        if not template:
            return
        for order in self:
            order.with_context(
                groupbuy_refunded=order.currency_id.format(refunded) if refunded else False,
            ).message_post_with_source(
                template, message_type="comment", subtype_xmlid="mail.mt_comment",
            )

    def action_groupbuy_withdraw(self):
        """The customer leaves the group before the cancel deadline: the order is
        cancelled and what was paid is refunded at once."""
        self._groupbuy_check_editable()
        paid = {order: order.groupbuy_amount_paid for order in self}
        self._groupbuy_cancel_and_refund(
            "cancelled", self.env._("The customer withdrew from the group.")
        )
        for order in self:
            order._groupbuy_notify_customer(
                "community_groupbuy.mail_template_entry_cancelled",
                refunded=order.currency_id.round(paid[order] - order.groupbuy_amount_paid),
            )
        return True

    def _groupbuy_cancel_and_refund(self, status, reason):
        """Cancel these entries (``status``: failed, cancelled...) and refund what was paid.

        In a campaign's close (context ``groupbuy_defer_refund``) the orders are cancelled
        as one batch and their refunds are only marked as due (``groupbuy_refund_pending``):
        the close makes them next, each committed before the following one
        (``_groupbuy_close_refund``), and tells the customers."""
        if self.env.context.get("groupbuy_defer_refund"):
            self.write({"groupbuy_status": status, "groupbuy_refund_pending": True})
            self.filtered(lambda o: o.state != "cancel")._action_cancel()
            return
        for order in self:
            order.groupbuy_status = status
            if order.state != "cancel":
                order._action_cancel()
            order._groupbuy_refund(order.groupbuy_amount_paid, reason)
            order.message_post(body=reason)

    def _action_cancel(self):
        res = super()._action_cancel()
        for order in self.filtered("groupbuy_campaign_id"):
            if order.groupbuy_status in ("waiting", "confirmed"):
                order.groupbuy_status = "cancelled"
            order._groupbuy_release_quantities()
        return res

    def _groupbuy_release_quantities(self):
        self.ensure_one()
        quantities = {}
        for line in self.order_line.filtered("groupbuy_line_id"):
            quantities[line.groupbuy_line_id] = quantities.get(line.groupbuy_line_id, 0.0) + line.product_uom_qty
        if quantities:
            self.env["groupbuy.campaign.line"]._groupbuy_release(self.partner_id, quantities)

    # ------------------------------------------------------------------
    # Price tiers
    # ------------------------------------------------------------------
    def _groupbuy_apply_final_prices(self, final_prices):
        """Lower this order's prices to the final tier; refund the difference; queue the
        customer's *lower price* notice.

        :return: what the refund created (``_groupbuy_refund``), or None if no price changed
        """
        self.ensure_one()
        changes = []
        for line in self.order_line.filtered(lambda l: l.groupbuy_line_id in final_prices):
            new_price = final_prices[line.groupbuy_line_id]
            if float_compare(new_price, line.price_unit, precision_rounding=self.currency_id.rounding) < 0:
                changes.append((line, line.price_unit, new_price))
        if not changes:
            return None
        paid_before = self.groupbuy_amount_paid
        for line, _old, new_price in changes:
            line.price_unit = new_price
        overpaid = self.currency_id.round(paid_before - self.amount_total)
        self.groupbuy_notice_pending = "price"
        if overpaid > 0:
            return self._groupbuy_refund(
                overpaid,
                self.env._("Difference to the final group price tier."),
                price_changes=changes,
            )
        return self._groupbuy_refund(0.0, "")

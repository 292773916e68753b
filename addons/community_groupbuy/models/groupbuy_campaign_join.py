import math
import time
import uuid

import psycopg2.errors

from odoo import fields, models
from odoo.exceptions import UserError

# when this process last woke the join queue's cron, by database
_queue_woken = {}


class GroupbuyCampaign(models.Model):
    """Joining a campaign (参团 / 接龙): checks, the atomic reservation, the order."""

    _inherit = "groupbuy.campaign"

    def join(self, partner_id, lines, answers=None, **kwargs):
        """Join the campaign for a customer.

        :param int partner_id: the customer (``res.partner`` id)
        :param list lines: ``[{"product_id": int, "qty": number}, ...]``
        :param dict answers: answers to the campaign's questions, by question name
        :param kwargs: options other addons declare in ``_get_join_keywords`` (the core
            knows ``source_leader_id`` and ``source_community_id``: who brought the
            customer); every keyword reaches ``_check_join``,
            ``_prepare_join_order_vals`` and ``_after_join``
        :return: the id of the new ``sale.order``
        :raise UserError: with a sentence the customer understands, for every refusal
        """
        self.ensure_one()
        partner, quantities, answers = self._join_checked(partner_id, lines, answers, kwargs)
        participants = self.env["groupbuy.campaign.line"]._groupbuy_reserve(partner, quantities)
        sequence = self._next_join_seq()
        order = self._join_create_orders([{
            "partner": partner,
            "quantities": quantities,
            "participants": participants,
            "sequence": sequence,
            "answers": answers,
            "kwargs": kwargs,
        }])
        if self.state == "open" and participants >= self.min_participants:
            if self._lock_for_success():
                self._action_succeed()
            else:
                # another join formed the group first: confirm this entry, which that
                # join's transaction cannot see
                order._groupbuy_confirm_formed()
        elif self.state == "succeeded":
            # the group has formed: the customer's entry is confirmed at once (pickings,
            # pickup code, commission), as the customer and the leader expect
            order._groupbuy_confirm_formed()
        return order.id

    def _join_queued(self, partner_id, lines, answers=None, **kwargs):
        """Join in the queue (排队参团): what a burst of a flash campaign goes through.

        Everything the customer must hear at once is done now, as ``join`` does: every
        check, the atomic reservation of the units, the entry's chain number, and the
        group's forming. The order itself is left to the queue
        (``groupbuy.join.request``), whose cron creates the queued orders in batches a
        moment later; the customer waits on the request's page until theirs exists.

        Takes the arguments of ``join``; the options (``kwargs``) are kept as JSON.

        :return: the ``groupbuy.join.request``
        :raise UserError: as ``join`` does, before anything is reserved
        """
        self.ensure_one()
        partner, quantities, answers = self._join_checked(partner_id, lines, answers, kwargs)
        participants = self.env["groupbuy.campaign.line"]._groupbuy_reserve(partner, quantities)
        request = self.env["groupbuy.join.request"].sudo().create({
            "campaign_id": self.id,
            "partner_id": partner.id,
            "sequence": self._next_join_seq(),
            "participants": participants,
            "quantities": {str(line.id): qty for line, qty in quantities.items()},
            "answers": answers or False,
            "options": kwargs or False,
        })
        if self.state == "open" and participants >= self.min_participants and self._lock_for_success():
            # the queue's cron and the campaigns' cron confirm the orders
            self._action_succeed(confirm=False)
        self._join_queue_wake()
        return request

    # A burst's joins wake the queue's cron at most this often per process: a cron run
    # takes every request queued until the queue is empty, and a request left behind is
    # made by its own page after ``_QUEUE_GRACE_SECONDS`` (or by the cron's next minute).
    _JOIN_QUEUE_WAKE_INTERVAL = 0.5

    def _join_queue_wake(self):
        """Trigger the queue's cron after the current transaction commits (throttled)."""
        now = time.monotonic()
        key = self.env.cr.dbname
        if now - _queue_woken.get(key, 0.0) < self._JOIN_QUEUE_WAKE_INTERVAL:
            return
        _queue_woken[key] = now
        self.env.ref("community_groupbuy.ir_cron_groupbuy_join_queue").sudo()._trigger()

    def _join_checked(self, partner_id, lines, answers, kwargs):
        """The customer, ``{line: qty}`` and the answers of a join, every check done
        (``_check_join``): nothing is reserved yet."""
        unknown = set(kwargs) - set(self._get_join_keywords())
        if unknown:
            raise UserError(self.env._(
                "Joining does not take these options: %(options)s.", options=", ".join(sorted(unknown))
            ))
        partner = self.env["res.partner"].browse(partner_id).exists() if partner_id else None
        if not partner:
            raise UserError(self.env._("Tell us who is joining: the customer is unknown."))
        quantities = self._parse_join_lines(lines)
        answers = self._check_answers(answers)
        self._check_join(partner, quantities, answers, **kwargs)
        return partner, quantities, answers

    def _join_create_orders(self, entries):
        """Create the orders of reserved joins, in one batch (a join is one entry; the
        queue's cron passes many).

        :param list entries: dicts with ``partner``, ``quantities`` (``{line: qty}``),
            ``participants``, ``sequence``, ``answers`` and ``kwargs`` (the join's options)
        :return: the ``sale.order`` records, in the order of ``entries``
        """
        self.ensure_one()
        vals_list = [
            self._prepare_join_order_vals(
                entry["partner"], entry["quantities"], entry["participants"], entry["sequence"],
                entry["answers"], **entry["kwargs"],
            )
            for entry in entries
        ]
        # A join is the hot path of a burst: the orders are created without what they do
        # not need at that moment (no "quotation created" note, no tracking values, no
        # follower but their customer).
        orders = self.env["sale.order"].with_context(**self._join_create_context()).create(vals_list)
        for order, entry in zip(orders, entries):
            # the customer follows their entry: it is how Odoo's portal lets them see it
            order.message_subscribe(partner_ids=entry["partner"].ids)
            self._after_join(order, **entry["kwargs"])
        return orders

    def _join_create_context(self):
        """The context the join creates its order in (a hook)."""
        return {
            "mail_create_nolog": True,
            "mail_create_nosubscribe": True,
            "mail_notrack": True,
            "tracking_disable": True,
        }

    def _get_join_keywords(self):
        """The keyword options ``join`` accepts; addons add theirs (call super)."""
        return {"source_leader_id", "source_community_id"}

    def _check_join(self, partner, quantities, answers, **kwargs):
        """Every check before anything is reserved (a hook: raise ``UserError``).

        :param quantities: ``{groupbuy.campaign.line: qty}``
        """
        self.ensure_one()
        self._check_joinable()
        self._check_segment(partner)

    def _after_join(self, order, **kwargs):
        """Called with the new order of a join, before the group-forming check (a hook)."""
        return order

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

    _ANSWER_MAX_LENGTH = 500

    def _check_answers(self, answers):
        """The answers, checked against the campaign's questions: known questions only,
        each of its type (a selection among its options), every one given when the
        campaign requires answers."""
        answers = answers or {}
        if not isinstance(answers, dict):
            raise UserError(self.env._("Answers must be given by question."))
        questions = {prop["name"]: prop for prop in (self.answer_definition or [])}
        unknown = set(answers) - set(questions)
        if unknown:
            raise UserError(
                self.env._(
                    "Campaign %(name)s does not ask: %(questions)s.",
                    name=self.name,
                    questions=", ".join(sorted(unknown)),
                )
            )
        checked = {}
        for name, value in answers.items():
            if value in (None, "") or (value is False and questions[name].get("type") != "boolean"):
                continue
            checked[name] = self._check_answer_value(questions[name], value)
        if self.answers_required:
            missing = [
                prop.get("string") or prop["name"]
                for prop in (self.answer_definition or [])
                if prop.get("type") != "boolean" and checked.get(prop["name"]) in (None, False, "")
            ]
            if missing:
                raise UserError(
                    self.env._("Please answer: %(questions)s.", questions="、".join(missing))
                )
        return checked

    def _check_answer_value(self, question, value):
        """``value`` as the answer to ``question`` (a Properties definition), or a
        ``UserError`` saying what the question expects."""
        kind = question.get("type")
        label = question.get("string") or question["name"]
        if kind == "boolean":
            if not isinstance(value, bool):
                raise UserError(self.env._("%(question)s takes yes or no.", question=label))
        elif kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise UserError(self.env._("%(question)s must be a whole number.", question=label))
        elif kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise UserError(self.env._("%(question)s must be a number.", question=label))
            value = float(value)
        elif kind == "selection":
            if not isinstance(value, str) or value not in dict(question.get("selection") or []):
                raise UserError(self.env._("Choose one of the options for %(question)s.", question=label))
        elif kind == "tags":
            allowed = {tag[0] for tag in question.get("tags") or []}
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v in allowed for v in value):
                raise UserError(self.env._("Choose among the tags offered for %(question)s.", question=label))
            value = list(value)
        elif kind in ("char", "text"):
            if not isinstance(value, str):
                raise UserError(self.env._("%(question)s must be a text.", question=label))
            value = value.strip()
            if len(value) > self._ANSWER_MAX_LENGTH:
                raise UserError(self.env._(
                    "The answer to %(question)s is too long (%(max)s characters at most).",
                    question=label, max=self._ANSWER_MAX_LENGTH,
                ))
        elif kind in ("date", "datetime"):
            parse = fields.Date.to_date if kind == "date" else fields.Datetime.to_datetime
            try:
                if not isinstance(value, str) or not parse(value):
                    raise ValueError(value)
            except (TypeError, ValueError):
                if kind == "date":
                    message = self.env._("%(question)s must be a date.", question=label)
                else:
                    message = self.env._("%(question)s must be a date and time.", question=label)
                raise UserError(message) from None
        else:
            # records (many2one, many2many), separators...: nothing a customer can give
            raise UserError(self.env._("%(question)s cannot be answered when joining.", question=label))
        return value

    # ------------------------------------------------------------------
    # The website's join form (model methods: an addon can override them)
    # ------------------------------------------------------------------
    def _groupbuy_parse_form_lines(self, post):
        """``[{"product_id", "qty"}]`` from the join form's ``qty_<line id>`` inputs."""
        self.ensure_one()
        lines = []
        for line in self.line_ids:
            raw = (post.get(f"qty_{line.id}") or "").strip()
            if not raw:
                continue
            try:
                qty = float(raw)
            except ValueError:
                raise UserError(self.env._("The quantity must be a number.")) from None
            if qty:
                lines.append({"product_id": line.product_id.id, "qty": qty})
        return lines

    def _groupbuy_parse_form_answers(self, post):
        """Answers from the join form's ``answer_<question>`` inputs, typed as the
        questions are (``_check_answers`` then checks them as for any caller)."""
        self.ensure_one()
        answers = {}
        for prop in self.answer_definition or []:
            raw = post.get(f"answer_{prop['name']}")
            kind = prop.get("type")
            label = prop.get("string") or prop["name"]
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
                    raise UserError(self.env._("%(question)s must be a whole number.", question=label)) from None
            elif kind == "float":
                try:
                    raw = float(raw)
                except ValueError:
                    raise UserError(self.env._("%(question)s must be a number.", question=label)) from None
            answers[prop["name"]] = raw
        return answers

    def _next_join_seq(self):
        self.ensure_one()
        if not self.join_sequence_id:
            self.join_sequence_id = self._create_join_sequences(self)
        return int(self.join_sequence_id.sudo().next_by_id())

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

    def _prepare_join_order_vals(self, partner, quantities, participants, sequence, answers, **kwargs):
        """Values of the sale order a join creates (a hook for other addons).

        The order keeps who its leader is at this moment (``groupbuy_leader_id``) and who
        brought the customer: a later change of the campaign does not move them.
        """
        self.ensure_one()
        source_leader = self.env["res.partner"].browse(kwargs.get("source_leader_id") or ()).exists()
        source_community = self.env["groupbuy.community"].browse(kwargs.get("source_community_id") or ()).exists()
        if source_community and source_community.leader_id != (source_leader or self.leader_id):
            source_community = source_community.browse()
        vals = {
            "partner_id": partner.id,
            "company_id": self.company_id.id,
            "require_payment": True,
            "require_signature": False,
            "prepayment_percent": 1.0,
            "validity_date": fields.Date.to_date(fields.Datetime.context_timestamp(self, self.date_end)),
            "groupbuy_leader_id": self.leader_id.id,
            "groupbuy_source_leader_id": source_leader.id or self.leader_id.id,
            "groupbuy_source_community_id": (
                source_community.id if source_leader or source_community else self.community_id.id
            ),
            "groupbuy_campaign_id": self.id,
            "groupbuy_sequence": sequence,
            # the entry's link carries it (portal.mixin): made now rather than written after
            "access_token": str(uuid.uuid4()),
            # every entry waits for its group first (``join`` confirms it at once when
            # the group has formed)
            "groupbuy_status": "waiting",
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

import functools
import secrets
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class GroupbuyWithdrawal(models.Model):
    """A leader asks for their settled commission (提现): to their bank account, or as
    store credit on an eWallet card."""

    _name = "groupbuy.withdrawal"
    _description = "Group Buying Commission Withdrawal"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    leader_id = fields.Many2one("res.partner", string="Leader", required=True, index=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id", store=True)
    amount = fields.Monetary(required=True, tracking=True)
    method = fields.Selection(
        [("bank", "Bank transfer"), ("store_credit", "Store credit")],
        required=True,
        default="bank",
        tracking=True,
    )
    bank_account_id = fields.Many2one(
        "res.partner.bank",
        string="Bank account",
        domain="[('partner_id', '=', leader_id)]",
        tracking=True,
    )
    state = fields.Selection(
        [
            ("requested", "Requested"),
            ("approved", "Approved"),
            ("paid", "Paid"),
            ("rejected", "Rejected"),
        ],
        default="requested",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    date_request = fields.Date(string="Requested on", default=fields.Date.context_today, readonly=True)
    date_payout = fields.Date(string="Payout date", readonly=True, tracking=True)
    payment_id = fields.Many2one("account.payment", string="Payment", readonly=True, copy=False, check_company=True)
    move_id = fields.Many2one(
        "account.move", string="Store credit entry", readonly=True, copy=False, check_company=True
    )
    loyalty_card_id = fields.Many2one("loyalty.card", string="eWallet", readonly=True, copy=False)
    reject_reason = fields.Text(readonly=True)
    hold_token = fields.Char(readonly=True, copy=False, index="btree_not_null", groups="base.group_system")

    _sql_constraints = [("amount_positive", "CHECK (amount > 0)", "A withdrawal is a positive amount.")]

    # ------------------------------------------------------------------
    # Asking
    # ------------------------------------------------------------------
    # A request's amount is held, while its transaction runs, in a table of its own
    # written by a separate READ COMMITTED transaction under a per-leader lock (the way
    # the join reserves stock): concurrent requests see each other and the balance can
    # never go negative. A hold ends with its request's transaction; one its request
    # committed is matched by ``hold_token``; a forgotten one expires.
    _HOLD_LOCK = 74031
    _HOLD_MINUTES = 10

    def init(self):
        super().init()
        self.env.cr.execute("""
            CREATE TABLE IF NOT EXISTS groupbuy_withdrawal_hold (
                token varchar PRIMARY KEY,
                leader_id integer NOT NULL,
                company_id integer NOT NULL,
                amount numeric NOT NULL,
                create_date timestamp without time zone NOT NULL DEFAULT (now() at time zone 'UTC')
            )
        """)

    @api.model
    def _groupbuy_hold(self, leader, company, amount, unpaid):
        """Hold ``amount`` of ``leader``'s ``unpaid`` bills, or refuse; the hold's token."""
        token = secrets.token_hex(16)
        registry = self.env.registry
        inline = self.env.context.get("groupbuy_withdrawal_hold_inline")
        if registry.ready and not registry.in_test_mode() and not inline:
            with registry.cursor() as cr:
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                self._groupbuy_apply_hold(cr, leader, company, amount, unpaid, token)
            release = functools.partial(self._groupbuy_release_hold, registry, token)
            self.env.cr.postcommit.add(release)
            self.env.cr.postrollback.add(release)
        else:
            # installing, or tests on one shared cursor (context key
            # ``groupbuy_withdrawal_hold_inline``): hold in the current transaction
            self._groupbuy_apply_hold(self.env.cr, leader, company, amount, unpaid, token)
        return token

    def _groupbuy_apply_hold(self, cr, leader, company, amount, unpaid, token):
        cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [self._HOLD_LOCK, leader.id])
        cr.execute(
            "DELETE FROM groupbuy_withdrawal_hold WHERE create_date < (now() at time zone 'UTC') - make_interval(mins => %s)",
            [self._HOLD_MINUTES],
        )
        # one statement, one snapshot: a request that commits meanwhile is counted
        # either by its hold or by its withdrawal, never by neither
        cr.execute(
            """
            SELECT (SELECT coalesce(sum(amount), 0) FROM groupbuy_withdrawal
                     WHERE leader_id = %(leader)s AND company_id = %(company)s
                       AND state IN ('requested', 'approved')),
                   (SELECT coalesce(sum(h.amount), 0) FROM groupbuy_withdrawal_hold h
                     WHERE h.leader_id = %(leader)s AND h.company_id = %(company)s
                       AND h.create_date > (now() at time zone 'UTC') - make_interval(mins => %(minutes)s)
                       AND NOT EXISTS (SELECT 1 FROM groupbuy_withdrawal w WHERE w.hold_token = h.token))
            """,
            {"leader": leader.id, "company": company.id, "minutes": self._HOLD_MINUTES},
        )
        asked, held = (float(v) for v in cr.fetchone())
        currency = company.currency_id
        available = currency.round(max(unpaid - asked - held, 0.0))
        if currency.compare_amounts(amount, available) > 0:
            raise UserError(self.env._(
                "You can withdraw at most %(balance)s, your available commission.",
                balance=currency.format(available),
            ))
        cr.execute(
            "INSERT INTO groupbuy_withdrawal_hold (token, leader_id, company_id, amount) VALUES (%s, %s, %s, %s)",
            [token, leader.id, company.id, amount],
        )

    @staticmethod
    def _groupbuy_release_hold(registry, token):
        with registry.cursor() as cr:
            cr.execute("DELETE FROM groupbuy_withdrawal_hold WHERE token = %s", [token])

    @api.model
    def _groupbuy_payout_date(self, company, start=None):
        """T+N business days from ``start`` (today): the working days of the company's
        working calendar, less its public holidays (global leaves: time off of the
        calendar without a resource). Monday to Friday without a calendar."""
        day = fields.Date.to_date(start or fields.Date.context_today(self))
        days = int(company.groupbuy_withdrawal_payout_days or 1)
        calendar = company.resource_calendar_id
        if calendar:
            tz = pytz.timezone(calendar.tz or "UTC")
            next_day = tz.localize(datetime.combine(day + timedelta(days=1), time.min))
            payout = calendar.plan_days(days, next_day, compute_leaves=True)
            if payout:
                return payout.astimezone(tz).date()
        while days:
            day += timedelta(days=1)
            if day.weekday() < 5:
                days -= 1
        return day

    @api.model_create_multi
    def create(self, vals_list):
        Partner = self.env["res.partner"].sudo()
        for vals in vals_list:
            leader = Partner.browse(vals["leader_id"]).commercial_partner_id
            company = self.env["res.company"].browse(vals.get("company_id") or self.env.company.id)
            vals["leader_id"] = leader.id
            vals["company_id"] = company.id
            self._groupbuy_check_request(leader, company, vals)
            vals["name"] = self.env["ir.sequence"].sudo().next_by_code("groupbuy.withdrawal") or "/"
            vals["date_payout"] = self._groupbuy_payout_date(company)
        withdrawals = super().create(vals_list)
        auto = withdrawals.filtered(
            lambda w: w.currency_id.compare_amounts(w.amount, w.company_id.groupbuy_withdrawal_auto_amount) < 0
        )
        if auto:
            auto.sudo()._groupbuy_approve(self.env._("Approved automatically (below the approval amount)."))
        return withdrawals

    @api.model
    def _groupbuy_check_request(self, leader, company, vals):
        currency = company.currency_id
        amount = currency.round(vals.get("amount") or 0.0)
        vals["amount"] = amount
        if not leader.groupbuy_is_leader:
            raise UserError(self.env._("Only a group leader can withdraw commission."))
        minimum = company.groupbuy_withdrawal_min_amount
        if currency.compare_amounts(amount, minimum) < 0 or currency.compare_amounts(amount, 0.0) <= 0:
            raise UserError(self.env._(
                "You can withdraw from %(minimum)s: please enter a larger amount.",
                minimum=currency.format(max(minimum, currency.rounding)),
            ))
        if vals.get("method", "bank") == "bank":
            bank = self.env["res.partner.bank"].sudo().browse(vals.get("bank_account_id") or ())
            if not bank:
                raise UserError(self.env._("Add the bank account the money should go to."))
            if bank.partner_id.commercial_partner_id != leader:
                raise UserError(self.env._("The money can only go to a bank account of your own."))
        unpaid = leader.with_company(company)._groupbuy_commission_unpaid()
        vals["hold_token"] = self._groupbuy_hold(leader, company, amount, unpaid)

    # ------------------------------------------------------------------
    # Staff decide
    # ------------------------------------------------------------------
    def action_approve(self):
        self.check_access("write")
        if any(w.state != "requested" for w in self):
            raise UserError(self.env._("Only a requested withdrawal can be approved."))
        self._groupbuy_approve(self.env._("Approved by %(user)s.", user=self.env.user.name))
        return True

    def _groupbuy_approve(self, message):
        for withdrawal in self:
            withdrawal.state = "approved"
            withdrawal.message_post(body=message)

    def action_reject(self, reason=None):
        if not reason:
            return {
                "type": "ir.actions.act_window",
                "res_model": "groupbuy.withdrawal.reject.wizard",
                "view_mode": "form",
                "target": "new",
                "context": {"default_withdrawal_ids": self.ids},
            }
        self.check_access("write")
        if any(w.state not in ("requested", "approved") for w in self):
            raise UserError(self.env._("A paid or rejected withdrawal cannot be rejected."))
        for withdrawal in self:
            withdrawal.write({"state": "rejected", "reject_reason": reason})
            withdrawal.message_post(body=self.env._("Rejected: %(reason)s", reason=reason))
        return True

    # ------------------------------------------------------------------
    # Paying
    # ------------------------------------------------------------------
    def _groupbuy_open_bill_lines(self):
        """The leader's commission bills' payable lines not yet paid, oldest first."""
        self.ensure_one()
        settlements = self.env["groupbuy.commission.settlement"].sudo().search([
            ("leader_id", "=", self.leader_id.id),
            ("company_id", "=", self.company_id.id),
            ("state", "=", "invoiced"),
        ])
        return settlements.move_id.line_ids.filtered(
            lambda l: l.account_type == "liability_payable" and not l.reconciled
        ).sorted(lambda l: (l.date, l.id))

    def _groupbuy_reconcile_bills(self, move):
        """Reconcile ``move``'s payable line (a payment, a store credit entry) with the
        leader's open commission bills, oldest first."""
        self.ensure_one()
        counterpart = move.line_ids.filtered(lambda l: l.account_type == "liability_payable")
        (counterpart | self._groupbuy_open_bill_lines()).reconcile()

    def _get_payment_journal(self):
        self.ensure_one()
        journal = self.company_id.groupbuy_withdrawal_journal_id or self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(self.company_id), ("type", "=", "bank")], limit=1
        )
        if not journal:
            raise UserError(self.env._("Set up a bank journal to pay the leaders' withdrawals."))
        return journal

    def _get_payment_grouping_keys(self):
        """Bank withdrawals with the same values of these fields are paid by one payment."""
        return ["company_id", "currency_id", "leader_id", "bank_account_id"]

    def _prepare_payment_vals(self):
        """Values of the outbound payment of these withdrawals (one leader, one account)."""
        first = self[0]
        return {
            "payment_type": "outbound",
            "partner_type": "supplier",
            "partner_id": first.leader_id.id,
            "amount": first.currency_id.round(sum(self.mapped("amount"))),
            "currency_id": first.currency_id.id,
            "journal_id": first._get_payment_journal().id,
            "company_id": first.company_id.id,
            "partner_bank_id": first.bank_account_id.id,
            "date": fields.Date.context_today(self),
            "memo": self.env._("Commission withdrawal %(name)s", name=", ".join(self.mapped("name"))),
            "invoice_ids": [Command.set(first._groupbuy_open_bill_lines().move_id.ids)],
        }

    def action_pay(self):
        """Pay approved withdrawals, several leaders at once: one outbound payment per
        leader and bank account (their withdrawals added up), all created and posted in
        one batch and each reconciled with that leader's commission bills; store credit
        is an eWallet top-up. All or nothing: one refusal pays none."""
        self.check_access("write")
        if any(w.state != "approved" for w in self):
            raise UserError(self.env._("Only an approved withdrawal can be paid."))
        groups = defaultdict(lambda: self.browse())
        for withdrawal in self.sudo():
            key = (withdrawal.method, *(
                withdrawal[field] for field in withdrawal._get_payment_grouping_keys()
            )) if withdrawal.method == "bank" else (withdrawal.method, withdrawal.id)
            groups[key] |= withdrawal
        # a leader's bills are shared by their withdrawals: check them together
        for leader_withdrawals in self.sudo().grouped(lambda w: (w.leader_id, w.company_id)).values():
            bill_lines = leader_withdrawals[0]._groupbuy_open_bill_lines()
            if leader_withdrawals.currency_id.compare_amounts(
                -sum(bill_lines.mapped("amount_residual")), sum(leader_withdrawals.mapped("amount"))
            ) < 0:
                raise UserError(self.env._(
                    "Withdrawal %(name)s is more than the leader's unpaid commission bills.",
                    name=", ".join(leader_withdrawals.mapped("name")),
                ))
        bank_groups = [group for key, group in groups.items() if key[0] == "bank"]
        payments = self.env["account.payment"].sudo().create([group._prepare_payment_vals() for group in bank_groups])
        payments.action_post()
        for group, payment in zip(bank_groups, payments):
            group.payment_id = payment
            group[0]._groupbuy_reconcile_bills(payment.move_id)
        for group in (g for key, g in groups.items() if key[0] != "bank"):
            group.move_id = group._groupbuy_store_credit_entry()
            group._groupbuy_top_up_ewallet()
            group._groupbuy_reconcile_bills(group.move_id)
        paid = self.sudo()
        paid.state = "paid"
        for withdrawal in paid:
            withdrawal.message_post(body=self.env._("Paid."))
        return True

    # ------------------------------------------------------------------
    # Store credit
    # ------------------------------------------------------------------
    def _groupbuy_store_credit_entry(self):
        """Payable to the leader → the store credit liability, until spent."""
        self.ensure_one()
        company = self.company_id
        account = company._groupbuy_store_credit_account()
        payable = self.leader_id.with_company(company).property_account_payable_id
        journal = self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(company), ("type", "=", "general")], limit=1
        )
        label = self.env._("Commission %(name)s taken as store credit", name=self.name)
        move = self.env["account.move"].create({
            "move_type": "entry",
            "journal_id": journal.id,
            "company_id": company.id,
            "date": fields.Date.context_today(self),
            "ref": label,
            "line_ids": [
                Command.create({
                    "account_id": payable.id, "partner_id": self.leader_id.id, "name": label, "debit": self.amount,
                }),
                Command.create({
                    "account_id": account.id, "partner_id": self.leader_id.id, "name": label, "credit": self.amount,
                }),
            ],
        })
        move.action_post()
        return move

    def _groupbuy_top_up_ewallet(self):
        self.ensure_one()
        program = self.company_id._groupbuy_store_credit_program()
        card = self.env["loyalty.card"].search(
            [("program_id", "=", program.id), ("partner_id", "=", self.leader_id.id)], limit=1
        )
        if not card:
            card = self.env["loyalty.card"].create({
                "program_id": program.id, "partner_id": self.leader_id.id, "points": 0.0,
            })
        card.points = self.currency_id.round(card.points + self.amount)
        self.env["loyalty.history"].create({
            "card_id": card.id,
            "description": self.env._("Commission withdrawal %(name)s", name=self.name),
            "issued": self.amount,
        })
        self.loyalty_card_id = card
        return card

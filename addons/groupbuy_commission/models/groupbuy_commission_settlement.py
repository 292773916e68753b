from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every

try:
    from cn2an import an2cn
except ImportError:  # pragma: no cover - a declared external dependency
    an2cn = None


class GroupbuyCommissionSettlement(models.Model):
    """One leader's eligible commission lines up to a date (结算单): confirmed, it
    becomes the leader's vendor bill."""

    _name = "groupbuy.commission.settlement"
    _description = "Group Buying Commission Settlement"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_to desc, id desc"
    _check_company_auto = True

    # Lines are claimed by a settlement this many at a time (one UPDATE each).
    _CLAIM_BATCH = 20000

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    leader_id = fields.Many2one("res.partner", string="Leader", required=True, readonly=True, index=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id", store=True)
    date_from = fields.Date(string="From", readonly=True)
    date_to = fields.Date(string="Up to", required=True, readonly=True, index=True)
    line_ids = fields.One2many("groupbuy.commission.line", "settlement_id", string="Commission lines", readonly=True)
    line_count = fields.Integer(compute="_compute_line_count")
    amount_total = fields.Monetary(string="Total", readonly=True, tracking=True)
    move_id = fields.Many2one("account.move", string="Vendor bill", readonly=True, copy=False, check_company=True, index="btree_not_null")
    payment_state = fields.Selection(related="move_id.payment_state")
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("invoiced", "Billed"),
            ("paid", "Paid"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )

    def _compute_line_count(self):
        counts = dict(self.env["groupbuy.commission.line"]._read_group(
            [("settlement_id", "in", self.ids)], ["settlement_id"], ["__count"]
        ))
        for settlement in self:
            settlement.line_count = counts.get(settlement, 0)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("groupbuy.commission.settlement") or "/"
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(s.state not in ("draft", "cancel") for s in self):
            raise UserError(self.env._("A billed settlement cannot be deleted."))

    # ------------------------------------------------------------------
    # Making settlements
    # ------------------------------------------------------------------
    @api.model
    def _settlement_domain(self, date_to, leader_ids=None):
        domain = [
            ("state", "=", "eligible"),
            ("settlement_id", "=", False),
            ("date_eligible", "<=", date_to),
            ("company_id", "in", self.env.companies.ids),
        ]
        if leader_ids:
            domain.append(("leader_id", "in", list(leader_ids)))
        return domain

    @api.model
    def create_settlements(self, date_to=None, leader_ids=None):
        """Settle every leader's eligible lines up to ``date_to`` (today by default).

        Pending lines whose after-sales window passed become eligible first. One draft
        settlement per leader and company; a leader whose lines net to zero or less
        (reversals only) waits for the next run. A line is claimed with a guarded
        ``UPDATE ... WHERE settlement_id IS NULL``: two runs at the same time never put
        it on two settlements.

        :return: the ids of the new settlements
        """
        date_to = fields.Date.to_date(date_to or fields.Date.context_today(self))
        Line = self.env["groupbuy.commission.line"]
        Line._groupbuy_update_eligible(date_to, leader_ids)
        Line.flush_model()
        groups = Line._read_group(
            self._settlement_domain(date_to, leader_ids),
            ["company_id", "leader_id"],
            ["amount:sum", "date_eligible:min", "id:array_agg"],
        )
        todo = [
            (company, leader, amount, date_from, ids)
            for company, leader, amount, date_from, ids in groups
            if company.currency_id.compare_amounts(amount, 0.0) > 0
        ]
        if not todo:
            return []
        settlements = self.create([
            {
                "company_id": company.id,
                "leader_id": leader.id,
                "date_from": date_from,
                "date_to": date_to,
                "amount_total": company.currency_id.round(amount),
            }
            for company, leader, amount, date_from, _ids in todo
        ])
        self.flush_model()
        pairs = [(line_id, settlement.id) for settlement, item in zip(settlements, todo) for line_id in item[4]]
        claimed = {}
        for chunk in split_every(self._CLAIM_BATCH, pairs):
            self.env.cr.execute(
                """
                UPDATE groupbuy_commission_line AS line
                   SET settlement_id = claim.settlement_id, state = 'settled',
                       write_uid = %s, write_date = now() at time zone 'UTC'
                  FROM unnest(%s::int[], %s::int[]) AS claim(line_id, settlement_id)
                 WHERE line.id = claim.line_id AND line.settlement_id IS NULL AND line.state = 'eligible'
             RETURNING line.settlement_id
                """,
                [self.env.uid, [p[0] for p in chunk], [p[1] for p in chunk]],
                # a concurrent run that claimed these lines first makes this one
                # retry (serialisation failure), an expected outcome: not an error
                log_exceptions=False,
            )
            for (settlement_id,) in self.env.cr.fetchall():
                claimed[settlement_id] = claimed.get(settlement_id, 0) + 1
        Line.invalidate_model(["settlement_id", "state", "write_uid", "write_date"])
        # under READ COMMITTED a line claimed meanwhile is skipped: total what was claimed
        expected = {settlement.id: len(item[4]) for settlement, item in zip(settlements, todo)}
        short = settlements.filtered(lambda s: claimed.get(s.id, 0) != expected[s.id])
        if short:
            totals = dict(Line._read_group([("settlement_id", "in", short.ids)], ["settlement_id"], ["amount:sum"]))
            for settlement in short:
                settlement.amount_total = settlement.currency_id.round(totals.get(settlement, 0.0))
        empty = settlements.filtered(lambda s: not claimed.get(s.id))
        empty.unlink()
        return (settlements - empty).ids

    def action_cancel(self):
        """A draft settlement is given up: its lines are eligible again."""
        if any(s.state != "draft" for s in self):
            raise UserError(self.env._("Only a draft settlement can be cancelled; reverse its bill instead."))
        self.line_ids.write({"settlement_id": False, "state": "eligible"})
        self.write({"state": "cancel", "amount_total": 0.0})
        return True

    # ------------------------------------------------------------------
    # Vendor bills, the OCA/commission way
    # ------------------------------------------------------------------
    def _get_invoice_grouping_keys(self):
        """Settlements with the same values of these fields share one bill."""
        return ["company_id", "currency_id", "leader_id"]

    def _get_commission_product(self):
        self.ensure_one()
        product = self.company_id.groupbuy_commission_product_id or self.env.ref(
            "groupbuy_commission.product_groupbuy_commission", raise_if_not_found=False
        )
        if not product:
            raise UserError(self.env._("Choose the commission product in the Group Buying settings."))
        return product

    def _get_invoice_journal(self):
        self.ensure_one()
        journal = self.company_id.groupbuy_commission_journal_id or self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(self.company_id), ("type", "=", "purchase")],
            limit=1,
        )
        if not journal:
            raise UserError(self.env._("Set up a purchase journal for the leaders' commission bills."))
        return journal

    def _prepare_invoice(self):
        """Values of the vendor bill of this settlement (and those grouped with it)."""
        self.ensure_one()
        return {
            "move_type": "in_invoice",
            "partner_id": self.leader_id.id,
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            "journal_id": self._get_invoice_journal().id,
            "invoice_date": fields.Date.context_today(self),
            "invoice_origin": self.name,
            "ref": self.name,
            "invoice_line_ids": [],
        }

    def _prepare_invoice_line(self, product):
        self.ensure_one()
        account = self.company_id.groupbuy_commission_account_id or product.product_tmpl_id.with_company(
            self.company_id
        )._get_product_accounts()["expense"]
        vals = {
            "product_id": product.id,
            "name": self.env._(
                "Commission %(name)s (%(date_from)s – %(date_to)s)",
                name=self.name,
                date_from=self.date_from or "",
                date_to=self.date_to,
            ),
            "quantity": 1.0,
            "price_unit": self.amount_total,
            "tax_ids": [Command.clear()],
        }
        if account:
            vals["account_id"] = account.id
        return vals

    def action_confirm(self):
        """Create and post the leaders' vendor bills (one batched ``create``)."""
        self.check_access("write")
        todo = self.filtered(lambda s: s.state == "draft")
        for settlement in todo:
            if settlement.currency_id.compare_amounts(settlement.amount_total, 0.0) <= 0:
                raise UserError(self.env._(
                    "Settlement %(name)s has nothing to pay: its reversals outweigh its commissions.",
                    name=settlement.name,
                ))
        groups = defaultdict(lambda: self.browse())
        for settlement in todo:
            key = tuple(settlement[field] for field in settlement._get_invoice_grouping_keys())
            groups[key] |= settlement
        invoice_vals_list, grouped = [], []
        for settlements in groups.values():
            invoice_vals = settlements[0]._prepare_invoice()
            product = settlements[0]._get_commission_product()
            invoice_vals["invoice_line_ids"] = [
                Command.create(settlement._prepare_invoice_line(product)) for settlement in settlements
            ]
            if len(settlements) > 1:
                invoice_vals["ref"] = invoice_vals["invoice_origin"] = ", ".join(settlements.mapped("name"))
            invoice_vals_list.append(invoice_vals)
            grouped.append(settlements)
        moves = self.env["account.move"].sudo().with_context(default_move_type="in_invoice").create(invoice_vals_list)
        for move, settlements in zip(moves, grouped):
            settlements.write({"move_id": move.id, "state": "invoiced"})
        moves.action_post()
        return moves

    def _groupbuy_sync_payment_state(self):
        """The bill was paid (or a payment removed): the settlement and its lines follow."""
        for settlement in self.filtered(lambda s: s.state in ("invoiced", "paid")):
            paid = settlement.move_id.payment_state in ("paid", "in_payment")
            if paid and settlement.state == "invoiced":
                settlement.state = "paid"
                settlement.line_ids.filtered(lambda l: l.state == "settled").write({"state": "paid"})
            elif not paid and settlement.state == "paid":
                settlement.state = "invoiced"
                settlement.line_ids.filtered(lambda l: l.state == "paid").write({"state": "settled"})

    def action_view_bill(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_in_invoice_type")
        action.update({"res_id": self.move_id.id, "views": [(False, "form")], "view_mode": "form"})
        return action

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("groupbuy_commission.action_groupbuy_commission_line")
        action.update({"domain": [("settlement_id", "=", self.id)], "context": {}})
        return action

    # ------------------------------------------------------------------
    # Statement
    # ------------------------------------------------------------------
    def _groupbuy_amount_in_words(self):
        """The total in Chinese capital words (大写), as Odoo's ``l10n_cn`` does."""
        self.ensure_one()
        if not an2cn:
            return ""
        return an2cn(f"{self.amount_total:.2f}", "rmb")

    def _groupbuy_statement_values(self):
        """What the statement shows: earned lines by order, reversals, team totals."""
        self.ensure_one()
        lines = self.line_ids.sorted(lambda l: (l.date, l.id))
        return {
            "earned": lines.filtered(lambda l: l.kind in ("direct", "bonus")),
            "team": lines.filtered(lambda l: l.kind == "team"),
            "reversals": lines.filtered(lambda l: l.kind == "reversal"),
            "rules": lines.rule_id,
        }

    # ------------------------------------------------------------------
    # The cron
    # ------------------------------------------------------------------
    @api.model
    def _cron_create_settlements(self, today=None):
        """On the first day of a period (Monday, or the 1st of the month, by company
        setting), settle the period that ended yesterday and bill it. On the 1st, the
        month that ended gets its monthly bonus first."""
        today = fields.Date.to_date(today or fields.Date.context_today(self))
        created = self.browse()
        month_over = today.day == 1 and today - timedelta(days=1) < fields.Date.context_today(self).replace(day=1)
        for company in self.env["res.company"].search([]):
            if month_over:
                # the month's bonus first (once: a rerun makes nothing), so that it is billed now
                self.env["groupbuy.commission.line"].with_company(company).with_context(
                    allowed_company_ids=company.ids
                ).compute_monthly_bonus(today - timedelta(days=1))
            period = company.groupbuy_settlement_period
            if (period == "weekly" and today.weekday() != 0) or (period == "monthly" and today.day != 1):
                continue
            ids = self.with_company(company).with_context(
                allowed_company_ids=company.ids
            ).create_settlements(date_to=today - timedelta(days=1))
            created |= self.browse(ids)
        created.action_confirm()
        return created

    # ------------------------------------------------------------------
    # Demo data
    # ------------------------------------------------------------------
    @api.model
    def _groupbuy_demo_settle(self, leader_id, bank_account_id, withdraw_amount, days_ago=5):
        """The demo leader's story (demo data only): settle and bill her lines eligible
        ``days_ago`` days ago, then withdraw ``withdraw_amount`` to her bank account and
        pay it. Bills need the company's chart of accounts, which a fresh install loads
        after every addon (``account``'s ``_auto_install_template``): until then this
        waits, and ``account.chart.template._load`` runs it."""

        def settle(env):
            Settlement = env["groupbuy.commission.settlement"]
            date_to = fields.Date.context_today(Settlement) - timedelta(days=days_ago)
            Settlement.browse(Settlement.create_settlements(date_to, [leader_id])).action_confirm()
            Withdrawal = env["groupbuy.withdrawal"].with_context(groupbuy_withdrawal_hold_inline=True)
            withdrawal = Withdrawal.create({
                "leader_id": leader_id, "amount": withdraw_amount, "method": "bank", "bank_account_id": bank_account_id,
            })
            withdrawal.action_approve()
            withdrawal.action_pay()

        journal = self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(self.env.company), ("type", "=", "purchase")], limit=1
        )
        if journal:
            settle(self.env)
        else:
            self.env.registry._groupbuy_commission_demo_settle = settle


from datetime import timedelta

from odoo import Command, fields

from odoo.addons.community_groupbuy.tests.common import GroupbuyCommon


class GroupbuyCommissionCommon(GroupbuyCommon):
    """The core's leaders, customers and products, with commission rules, and helpers
    to confirm, deliver, settle and pay a group order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a withdrawal holds its amount in the test's own transaction (no committed hold)
        cls.env = cls.env(context=dict(cls.env.context, groupbuy_withdrawal_hold_inline=True))
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.company.write({
            "groupbuy_commission_earner": "campaign",
            "groupbuy_after_sales_days": 7,
            "groupbuy_withdrawal_min_amount": 10.0,
            "groupbuy_withdrawal_auto_amount": 0.0,
            "groupbuy_withdrawal_payout_days": "1",
        })
        Rule = cls.env["groupbuy.commission.rule"]
        # rules of the database's demo data must not decide the tests' amounts, nor its
        # lines waiting to be settled be settled by the tests
        Rule.search([]).active = False
        cls.env["groupbuy.commission.line"].search([("state", "in", ("pending", "eligible"))]).state = "cancelled"
        cls.rule_all = Rule.create({
            "name": "通用 10%",
            "amount_type": "percent",
            "value": 10.0,
            "team_percent": 20.0,
        })
        cls.bank_journal = cls.env["account.journal"].search(
            [*cls.env["account.journal"]._check_company_domain(cls.company), ("type", "=", "bank")], limit=1
        )
        cls.leader_bank = cls.env["res.partner.bank"].create({
            "partner_id": cls.leader.id, "acc_number": "6225880000000001", "acc_holder_name": "李团长",
        })

    # ------------------------------------------------------------------
    @classmethod
    def _formed_campaign(cls, customers=None, qty=1, product=None, price=29.9, **values):
        """A campaign whose group formed with ``customers`` (each joining ``qty``)."""
        product = product or cls.rice
        campaign = cls._open_campaign(
            [{"product_id": product.id, "price_unit": price}],
            min_participants=values.pop("min_participants", 1),
            **values,
        )
        orders = cls.env["sale.order"]
        for customer in customers or cls.customers[:1]:
            order_id = campaign.join(customer.id, [{"product_id": product.id, "qty": qty}])
            orders |= cls.env["sale.order"].browse(order_id)
        return campaign, orders

    def _deliver(self, orders, days_ago=0):
        """Validate the orders' outgoing pickings, ``days_ago`` days ago."""
        for picking in orders.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing" and p.state != "done"):
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
                move.picked = True
            picking.button_validate()
            picking.date_done = fields.Datetime.now() - timedelta(days=days_ago)

    def _make_eligible(self, orders):
        self._deliver(orders, days_ago=self.company.groupbuy_after_sales_days + 1)

    def _settle(self, leaders=None, date_to=None):
        Settlement = self.env["groupbuy.commission.settlement"]
        settlements = Settlement.browse(Settlement.create_settlements(date_to, leaders and leaders.ids))
        settlements.action_confirm()
        return settlements

    def _invoice(self, order):
        invoice = order._create_invoices()
        invoice.action_post()
        return invoice

    def _portal_user(self, partner, login):
        return self.env["res.users"].with_context(no_reset_password=True).create({
            "name": partner.name,
            "login": login,
            "password": login + "-pw-1234",
            "partner_id": partner.id,
            "groups_id": [Command.set([self.env.ref("base.group_portal").id])],
        })

"""The shared base of the top-level tests: tests on COMMITTED data.

Some behaviour only shows between transactions: concurrent joins, each in its own
transaction; a campaign's close committed batch by batch and interrupted in the middle.
These tests cannot run in the single rolled-back transaction of Odoo's ``TransactionCase``:
they open their own cursors on the test database's registry, commit what they create,
and remove it afterwards (``tearDownClass``), so the database is left as it was.

``CommittedCase`` gives them:

- ``cls.registry`` and ``committed_env(...)``: a context manager yielding a superuser environment
  on a fresh cursor, committed when the block ends (rolled back if it raises);
- ``create_fixture(...)``: a leader, customers and a product, remembered for the
  cleanup;
- ``open_campaigns(...)``: campaigns of one product, open for the last 5 minutes and the
  next hour, tracked for the cleanup;
- ``track_campaigns(ids)``: campaigns (and their orders, deliveries, payments, queued
  mails, commission lines) that ``tearDownClass`` removes.
"""
from contextlib import contextmanager
from datetime import timedelta

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.tests import BaseCase
from odoo.tests.common import get_db_name


class CommittedCase(BaseCase):
    """Base of the tests that commit their data (see the module's docstring)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls._committed = {"campaigns": [], "partners": [], "products": []}
        cls.addClassCleanup(cls._remove_committed)

    @classmethod
    @contextmanager
    def committed_env(cls, context=None):
        """A superuser environment on its own cursor, committed at the end of the block."""
        with cls.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, dict(context or {}))

    @classmethod
    def create_fixture(cls, env, prefix, customers, price=20.0, customer_values=None):
        """A leader, ``customers`` customers and a product, all named after ``prefix``.

        :return: ``(leader, customers, product)`` records of ``env``
        """
        leader = env["res.partner"].create({"name": f"{prefix}团长", "groupbuy_is_leader": True})
        partners = env["res.partner"].create([
            {"name": f"{prefix}顾客{i}", **(customer_values(i) if customer_values else {})}
            for i in range(customers)
        ])
        product = env["product.product"].create({"name": f"{prefix}商品", "list_price": price})
        cls._committed["partners"] += [leader.id, *partners.ids]
        cls._committed["products"].append(product.id)
        return leader, partners, product

    @classmethod
    def open_campaigns(cls, env, names, leader, product, line=None, **values):
        """Open campaigns named ``names``, one line of ``product`` each (``line``: more
        values of the line), ``values`` for the campaigns; tracked for the cleanup."""
        now = fields.Datetime.now()
        campaigns = env["groupbuy.campaign"].create([{
            "name": name,
            "leader_id": leader.id,
            "date_start": now - timedelta(minutes=5),
            "date_end": now + timedelta(hours=1),
            "line_ids": [Command.create({"product_id": product.id, **(line or {})})],
            **values,
        } for name in names])
        cls.track_campaigns(campaigns)
        campaigns.action_schedule()
        return campaigns

    @classmethod
    def track_campaigns(cls, campaigns):
        cls._committed["campaigns"] += list(campaigns.ids if hasattr(campaigns, "ids") else campaigns)

    @classmethod
    def _remove_committed(cls):
        with cls.committed_env() as env:
            campaigns = env["groupbuy.campaign"].browse(cls._committed["campaigns"]).exists()
            orders = campaigns.with_context(active_test=False).order_ids
            pickings = orders.picking_ids
            pickings.filtered(lambda p: p.state != "cancel").action_cancel()
            pickings.move_ids.unlink()
            pickings.unlink()
            orders.filtered(lambda o: o.state != "cancel")._action_cancel()
            # an addon installed beside the core may keep records of these orders
            # (groupbuy_commission's lines refuse an order's deletion)
            if "groupbuy.commission.line" in env:
                env["groupbuy.commission.line"].search([("order_id", "in", orders.ids)]).unlink()
            # the customers' notices still queued, and the payments and refunds made
            env["mail.mail"].search([("model", "=", "sale.order"), ("res_id", "in", orders.ids)]).unlink()
            transactions = orders.transaction_ids
            transactions |= transactions.child_transaction_ids
            payments = transactions.payment_id | orders.groupbuy_refund_payment_ids
            payments.filtered(lambda p: p.state != "draft").action_draft()
            payments.unlink()
            transactions.unlink()
            orders.unlink()
            campaigns.unlink()
            # archived rather than deleted: accounting and stock keep references to them
            env["product.product"].browse(cls._committed["products"]).product_tmpl_id.active = False
            env["res.partner"].browse(cls._committed["partners"]).active = False

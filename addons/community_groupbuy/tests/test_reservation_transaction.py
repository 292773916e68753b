"""The production path of a join's reservation, in the addon's own tests.

Tests share one transaction, where the reservation falls back to the current cursor;
here the data is committed first (as the server sees it) and each join runs in a cursor
of its own, so ``_groupbuy_reserve`` takes its real path: a short READ COMMITTED
transaction committed at once, given back if the join's transaction rolls back.
Everything made is removed afterwards.
"""
from datetime import timedelta

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name


@tagged("post_install", "-at_install")
class TestReservationTransaction(BaseCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            leader = env["res.partner"].create({"name": "事务测试团长", "groupbuy_is_leader": True})
            customers = env["res.partner"].create([{"name": "事务测试顾客A"}, {"name": "事务测试顾客B"}])
            product = env["product.product"].create({"name": "事务测试苹果", "list_price": 10.0})
            now = fields.Datetime.now()
            campaign = env["groupbuy.campaign"].create({
                "name": "事务测试团",
                "leader_id": leader.id,
                "min_participants": 5,
                "date_start": now - timedelta(minutes=5),
                "date_end": now + timedelta(hours=1),
                "line_ids": [Command.create({
                    "product_id": product.id, "price_unit": 8.0, "max_qty": 5, "max_qty_per_customer": 3,
                })],
            })
            campaign.action_schedule()
            cls.ids = {
                "leader": leader.id,
                "customers": customers.ids,
                "product": product.id,
                "campaign": campaign.id,
                "line": campaign.line_ids.id,
            }

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            campaign = env["groupbuy.campaign"].browse(cls.ids["campaign"])
            orders = campaign.order_ids
            orders.filtered(lambda o: o.state != "cancel")._action_cancel()
            orders.unlink()
            campaign.unlink()
            env["product.product"].browse(cls.ids["product"]).product_tmpl_id.active = False
            env["res.partner"].browse([cls.ids["leader"], *cls.ids["customers"]]).active = False
        super().tearDownClass()

    def _committed(self, query):
        """What another transaction sees now."""
        with self.registry.cursor() as cr:
            cr.execute(query, {"line": self.ids["line"], "campaign": self.ids["campaign"]})
            return cr.fetchone()[0]

    def _join(self, cr, customer, qty):
        env = api.Environment(cr, SUPERUSER_ID, {})
        return env["groupbuy.campaign"].browse(self.ids["campaign"]).join(
            customer, [{"product_id": self.ids["product"], "qty": qty}]
        )

    def test_reservation_commits_apart_and_is_given_back_on_rollback(self):
        sold = "SELECT sold_qty FROM groupbuy_campaign_line WHERE id = %(line)s"
        orders = "SELECT count(*) FROM sale_order WHERE groupbuy_campaign_id = %(campaign)s"
        customer_a, customer_b = self.ids["customers"]
        with self.registry.cursor() as cr:
            self._join(cr, customer_a, 2)
            # the join's own transaction is still open: its order is not visible, but
            # the units are already taken for everyone else (no oversell while it runs)
            self.assertEqual(self._committed(sold), 2)
            self.assertEqual(self._committed(orders), 0)
            cr.rollback()
        self.assertEqual(self._committed(sold), 0, "a rolled-back join gives its units back")

        with self.registry.cursor() as cr:
            self._join(cr, customer_a, 3)
        self.assertEqual(self._committed(sold), 3)
        self.assertEqual(self._committed(orders), 1)
        # the per-customer limit and the cap hold against what other transactions committed
        with self.registry.cursor() as cr, self.assertRaisesRegex(UserError, "at most 3"):
            self._join(cr, customer_a, 1)
        with self.registry.cursor() as cr, self.assertRaisesRegex(UserError, "sold out"):
            self._join(cr, customer_b, 3)
        self.assertEqual(self._committed(sold), 3, "a refused join takes nothing")
        with self.registry.cursor() as cr:
            self._join(cr, customer_b, 2)
        self.assertEqual(self._committed(sold), 5)
        self.assertEqual(self._committed(orders), 2)

"""50 customers race for 20 units of a flash sale, each in its own transaction.

The data is committed first (other transactions must see it), the joins run in real
threads with their own cursors, the way Odoo's server runs concurrent requests
(``odoo.service.model.retrying``: the request's transaction, retried on serialization
failures), and everything is removed afterwards.
"""
import threading

from committed_case import CommittedCase

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestJoinConcurrency(CommittedCase):
    JOINS = 50
    CAP = 20
    PER_CUSTOMER = 2
    SLOTS = 24

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env() as env:
            # 25 customers, each joining twice with 1 or 2 units: per-customer limit 2.
            leader, customers, product = cls.create_fixture(env, "并发测试", cls.JOINS // 2)
            campaign, spare = cls.open_campaigns(
                env, ["草莓秒杀", "草莓秒杀 2"], leader, product,
                line={"price_unit": 9.9, "max_qty": cls.CAP, "max_qty_per_customer": cls.PER_CUSTOMER},
                mode="flash", min_participants=5,
            )
            cls.ids = {
                "spare": spare.id,
                "leader": leader.id,
                "customers": customers.ids,
                "product": product.id,
                "campaign": campaign.id,
            }

    def _join_in_own_transaction(self, customer_id, qty, results, barrier, slots):
        barrier.wait()
        # At most `slots` transactions at once, like a server's worker threads (each join
        # holds two database connections: its request's and its reservation's).
        with slots:
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    campaign = env["groupbuy.campaign"].browse(self.ids["campaign"])

                    def join():
                        return campaign.join(customer_id, [{"product_id": self.ids["product"], "qty": qty}])

                    try:
                        order_id = retrying(join, env)
                        results.append(("ok", customer_id, qty, order_id))
                    except UserError as e:
                        cr.rollback()
                        results.append(("refused", customer_id, qty, str(e)))
            except Exception as e:  # noqa: BLE001 - recorded, asserted below
                results.append(("error", customer_id, qty, repr(e)))

    def test_fifty_joins_race_for_twenty_units(self):
        customers = self.ids["customers"]
        jobs = [(customers[i % len(customers)], 1 + (i // len(customers))) for i in range(self.JOINS)]
        results = []
        barrier = threading.Barrier(len(jobs))
        slots = threading.BoundedSemaphore(self.SLOTS)
        threads = [
            threading.Thread(target=self._join_in_own_transaction, args=(cid, qty, results, barrier, slots))
            for cid, qty in jobs
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertEqual(len(results), self.JOINS, "every join got an answer")
        errors = [r for r in results if r[0] == "error"]
        self.assertFalse(errors, f"no join may fail with a technical error: {errors[:3]}")
        accepted = [r for r in results if r[0] == "ok"]
        refusals = [r[3] for r in results if r[0] == "refused"]
        self.assertTrue(all("sold out" in msg or "at most" in msg for msg in refusals), refusals[:3])

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            campaign = env["groupbuy.campaign"].browse(self.ids["campaign"])
            line = campaign.line_ids
            orders = campaign.order_ids.filtered(lambda o: o.state != "cancel")
            self.assertEqual(line.sold_qty, self.CAP, "exactly the cap is sold")
            self.assertEqual(sum(orders.order_line.mapped("product_uom_qty")), self.CAP)
            # no order lost: every accepted join has its order, and nothing else exists
            self.assertEqual(sorted(orders.ids), sorted(r[3] for r in accepted))
            per_customer = {}
            for order in orders:
                per_customer[order.partner_id.id] = per_customer.get(order.partner_id.id, 0) + order.order_line.product_uom_qty
            self.assertLessEqual(max(per_customer.values()), self.PER_CUSTOMER)
            # the chain numbers are unique
            sequences = orders.mapped("groupbuy_sequence")
            self.assertEqual(len(set(sequences)), len(sequences))
            # the join that made the 5th participant formed the group at once
            self.assertEqual(campaign.state, "succeeded")
            self.assertGreaterEqual(len(accepted), 10)
        # orders committed alongside the one that formed the group are confirmed by the
        # cron run it triggered (the cron's own step for succeeded campaigns)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            campaign = env["groupbuy.campaign"].browse(self.ids["campaign"])
            campaign._confirm_waiting_orders()
            orders = campaign.order_ids
            self.assertEqual(set(orders.mapped("state")), {"sale"})
            self.assertEqual(set(orders.mapped("groupbuy_status")), {"confirmed"})
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            line = env["groupbuy.campaign"].browse(self.ids["campaign"]).line_ids
            # the counters agree with the orders when rebuilt from them
            line._groupbuy_recompute_sold_qty()
            self.assertEqual(line.sold_qty, self.CAP)

    def test_new_customer_joins_in_the_same_transaction(self):
        # A visitor's contact is created by the request that joins: the reservation,
        # committed apart, must not need that contact to exist yet.
        spare = self.ids["spare"]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            visitor = env["res.partner"].create({"name": "新访客", "phone": "17000000001"})
            order_id = env["groupbuy.campaign"].browse(spare).join(
                visitor.id, [{"product_id": self.ids["product"], "qty": 1}]
            )
            order = env["sale.order"].browse(order_id)
            self.assertEqual(order.partner_id, visitor)
            cr.rollback()  # leave the shared campaign as it was
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            line = env["groupbuy.campaign"].browse(spare).line_ids
            self.assertEqual(line.sold_qty, 0, "the rolled-back visitor's unit was given back")

    def test_rolled_back_join_gives_units_back(self):
        spare = self.ids["spare"]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            campaign = env["groupbuy.campaign"].browse(spare)
            campaign.join(self.ids["customers"][0], [{"product_id": self.ids["product"], "qty": 2}])
            cr.commit()
            # The reservation is committed at once, before the request's own transaction:
            # another transaction sees the units as taken while the join is in progress.
            order_id = campaign.join(self.ids["customers"][1], [{"product_id": self.ids["product"], "qty": 1}])
            with self.registry.cursor() as other:
                other.execute("SELECT sold_qty FROM groupbuy_campaign_line WHERE campaign_id = %s", [spare])
                self.assertEqual(other.fetchone()[0], 3)
            cr.rollback()  # the request fails after its join: its order disappears...
            self.assertFalse(env["sale.order"].browse(order_id).exists())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            line = env["groupbuy.campaign"].browse(spare).line_ids
            self.assertEqual(line.sold_qty, 2, "...and the unit it reserved is given back")
            held = {
                c.partner_id: c.qty
                for c in env["groupbuy.campaign.line.customer"].search([("line_id", "=", line.id)])
            }
            customers = self.ids["customers"]
            self.assertEqual((held[customers[0]], held[customers[1]]), (2.0, 0.0))

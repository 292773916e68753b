"""A burst of joins larger than the connection pool, as on the threaded server.

Odoo's threaded server (``make run``) serves each request in a thread with its own
connection from one pool per process (``db_maxconn``), and a join takes a second one for
its reservation. Here the pool is shrunk to leave one connection spare beyond the
request threads' own, then 40 joins in real threads (8 requests at a time, like
``ODOO_MAX_HTTP_THREADS``), each holding its "request" cursor, race for 15 units: every
join is accepted or refused in a sentence (sold out), exactly the cap is sold, and no
join fails with ``PoolError`` ("The Connection Pool Is Full") or any other technical
error. Without the bounded, waited-for reservation connections, this test fails with
pool errors.
"""
import threading
from unittest.mock import patch

from committed_case import CommittedCase

from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.tests import tagged

from odoo.addons.community_groupbuy.models import groupbuy_campaign_line


@tagged("post_install", "-at_install")
class TestJoinPool(CommittedCase):
    JOINS = 40
    CAP = 15
    REQUEST_THREADS = 8

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env() as env:
            leader, customers, product = cls.create_fixture(env, "连接池测试", cls.JOINS, price=30.0)
            campaigns = cls.open_campaigns(
                env, ["荔枝秒杀 A", "荔枝秒杀 B"], leader, product,
                line={"price_unit": 19.9, "max_qty": cls.CAP, "max_qty_per_customer": 1},
                mode="flash", min_participants=100,
            )
            cls.ids = {
                "leader": leader.id, "customers": customers.ids, "product": product.id,
                "campaigns": campaigns.ids,
            }

    def _burst(self, campaign_id):
        """40 joins, 8 "request threads" at a time, on a pool with one spare connection."""
        results = []
        barrier = threading.Barrier(self.JOINS)
        request_threads = threading.BoundedSemaphore(self.REQUEST_THREADS)

        def join(customer_id):
            barrier.wait()
            with request_threads:
                try:
                    with self.registry.cursor() as cr:  # the request's own connection
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        campaign = env["groupbuy.campaign"].browse(campaign_id)

                        def run():
                            return campaign.join(customer_id, [{"product_id": self.ids["product"], "qty": 1}])

                        try:
                            results.append(("ok", customer_id, retrying(run, env)))
                        except UserError as e:
                            cr.rollback()
                            results.append(("refused", customer_id, str(e)))
                except Exception as e:  # noqa: BLE001 - recorded, asserted below
                    results.append(("error", customer_id, repr(e)))

        pool = sql_db._Pool
        used = sum(1 for _cnx, in_use, _t in pool._connections if in_use)
        threads = [threading.Thread(target=join, args=(cid,)) for cid in self.ids["customers"]]
        # the request threads' connections, and one more for every reservation to share
        with patch.object(pool, "_maxconn", used + self.REQUEST_THREADS + 1):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=180)
        return results

    def _assert_sold_out_exactly(self, campaign_id, results):
        self.assertEqual(len(results), self.JOINS, "every join got an answer")
        errors = [r for r in results if r[0] == "error"]
        self.assertFalse(errors, f"no join may fail with a technical error: {errors[:3]}")
        refusals = [r[2] for r in results if r[0] == "refused"]
        self.assertTrue(all("sold out" in msg for msg in refusals), refusals[:3])
        accepted = [r[2] for r in results if r[0] == "ok"]
        self.assertEqual(len(accepted), self.CAP)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            campaign = env["groupbuy.campaign"].browse(campaign_id)
            orders = campaign.order_ids.filtered(lambda o: o.state != "cancel")
            self.assertEqual(sorted(orders.ids), sorted(accepted), "every accepted join has its order")
            self.assertEqual(campaign.line_ids.sold_qty, self.CAP, "exactly the cap is sold")

    def test_burst_waits_for_reservation_slots(self):
        # one reservation slot per process: the reservations wait for it and never
        # take a connection the pool does not have
        with patch.object(groupbuy_campaign_line, "_reserve_slots", threading.BoundedSemaphore(1)):
            results = self._burst(self.ids["campaigns"][0])
        # (a pool with no connection for the reservation at all would still make them
        # wait, then refuse in a sentence: see the next test)
        self._assert_sold_out_exactly(self.ids["campaigns"][0], results)

    def test_no_slot_in_time_is_a_clear_refusal(self):
        # every reservation slot busy for longer than a join waits: the customer is told
        # to try again, nothing is reserved and no order is made
        campaign_id = self.ids["campaigns"][1]
        slots = threading.BoundedSemaphore(1)
        slots.acquire()
        with patch.object(groupbuy_campaign_line, "_reserve_slots", slots), \
                patch.object(groupbuy_campaign_line, "RESERVE_WAIT", 0.2), \
                self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            campaign = env["groupbuy.campaign"].browse(campaign_id)
            with self.assertRaisesRegex(UserError, "try again"):
                campaign.join(self.ids["customers"][0], [{"product_id": self.ids["product"], "qty": 1}])
            cr.rollback()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            campaign = env["groupbuy.campaign"].browse(campaign_id)
            self.assertEqual(campaign.line_ids.sold_qty, 0)
            self.assertFalse(campaign.order_ids)

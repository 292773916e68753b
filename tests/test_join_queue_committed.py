"""A flash sale's burst through the join queue, on committed data.

40 customers queue for 30 units at once, each in its own transaction; then the queue is
worked by three workers at the same moment (the queue's cron, a second node's cron, a
customer's waiting page): every accepted join gets exactly one order, and the close that
runs alongside waits for the queue rather than deciding without its orders.
"""
import threading

from committed_case import CommittedCase

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestJoinQueueCommitted(CommittedCase):
    JOINS = 40
    CAP = 30

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env() as env:
            leader, customers, product = cls.create_fixture(env, "排队测试", cls.JOINS)
            (campaign,) = cls.open_campaigns(
                env, ["排队秒杀"], leader, product,
                line={"price_unit": 9.9, "max_qty": cls.CAP, "max_qty_per_customer": 1},
                mode="flash", min_participants=10,
            )
            cls.ids = {"campaign": campaign.id, "customers": customers.ids, "product": product.id}

    def _in_own_transaction(self, job, results, barrier):
        barrier.wait()
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                try:
                    results.append(("ok", retrying(lambda: job(env), env)))
                except UserError as e:
                    cr.rollback()
                    results.append(("refused", str(e)))
        except Exception as e:  # noqa: BLE001 - recorded, asserted below
            results.append(("error", repr(e)))

    def _race(self, jobs):
        results = []
        barrier = threading.Barrier(len(jobs))
        threads = [threading.Thread(target=self._in_own_transaction, args=(job, results, barrier)) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
        self.assertEqual(len(results), len(jobs), "every job got an answer")
        errors = [r for r in results if r[0] == "error"]
        self.assertFalse(errors, f"no technical error: {errors[:3]}")
        return results

    def test_a_burst_through_the_queue_sells_the_cap_with_one_order_per_join(self):
        def join(customer_id):
            def job(env):
                campaign = env["groupbuy.campaign"].browse(self.ids["campaign"])
                return campaign._join_queued(customer_id, [{"product_id": self.ids["product"], "qty": 1}]).id
            return job

        results = self._race([join(cid) for cid in self.ids["customers"]])
        accepted = [r[1] for r in results if r[0] == "ok"]
        refusals = [r[1] for r in results if r[0] == "refused"]
        self.assertEqual(len(accepted), self.CAP)
        self.assertTrue(all("sold out" in msg for msg in refusals), refusals[:3])

        # three workers on the queue at once, and the campaign's close beside them
        def work_queue(env):
            return env["groupbuy.join.request"]._cron_process_queue(batch_size=7)

        def serve_page(env):
            request = env["groupbuy.join.request"].browse(accepted[-1])
            return request._groupbuy_serve_now().state

        def close(env):
            # the campaigns' cron closing it: a committed step at a time
            campaign = env["groupbuy.campaign"].with_context(groupbuy_close_cron=True).browse(self.ids["campaign"])
            for _step in range(200):
                more = campaign._groupbuy_close_step()
                env.cr.commit()
                if not more:
                    break
            return campaign.state

        results = self._race([work_queue, work_queue, serve_page, close])
        self.assertEqual(sorted(r[0] for r in results), ["ok"] * 4)

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            campaign = env["groupbuy.campaign"].browse(self.ids["campaign"])
            requests = env["groupbuy.join.request"].browse(accepted)
            self.assertEqual(set(requests.mapped("state")), {"done"})
            orders = campaign.order_ids
            self.assertEqual(len(orders), self.CAP, "one order per accepted join, none twice")
            self.assertEqual(orders, requests.order_id)
            self.assertEqual(sum(orders.order_line.mapped("product_uom_qty")), self.CAP)
            self.assertEqual(len(set(orders.mapped("groupbuy_sequence"))), self.CAP)
            self.assertEqual(campaign.line_ids.sold_qty, self.CAP)
            self.assertEqual(campaign.close_participant_count, self.CAP,
                             "the close decided with every queued join's order")
            self.assertEqual(campaign.state, "done")
            self.assertEqual(set(orders.mapped("state")), {"sale"}, "every order confirmed, by the queue or the close")

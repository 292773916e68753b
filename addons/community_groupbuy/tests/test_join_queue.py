import re
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import GroupbuyCommon
from .test_website import GroupbuyHttpCommon


class JoinQueueCommon(GroupbuyCommon):

    def _flash(self, **values):
        lines = [{"product_id": self.peach.id, "price_unit": 9.9, "max_qty": 5, "max_qty_per_customer": 3}]
        return self._open_campaign(lines=lines, mode="flash", **values)

    def _queue(self, campaign, customer, qty=1, **kwargs):
        return campaign._join_queued(customer.id, [{"product_id": self.peach.id, "qty": qty}], **kwargs)

    def _run_queue(self):
        return self.env["groupbuy.join.request"]._cron_process_queue()


@tagged("post_install", "-at_install")
class TestJoinQueue(JoinQueueCommon):

    def test_flash_campaigns_queue_their_joins_by_default(self):
        self.assertTrue(self._flash().join_queue)
        standard = self._open_campaign()
        self.assertFalse(standard.join_queue)
        standard.join_queue = True
        self.assertTrue(standard.join_queue, "a leader may queue a popular standard group too")

    def test_a_queued_join_reserves_at_once_and_the_queue_makes_the_orders(self):
        campaign = self._flash(min_participants=3)
        first = self._queue(campaign, self.customers[0], qty=2, source_leader_id=self.other_leader.id)
        second = self._queue(campaign, self.customers[1], qty=3)
        line = campaign.line_ids
        self.assertEqual((first.state, first.sequence), ("queued", 1))
        self.assertEqual((second.state, second.sequence), ("queued", 2))
        self.assertEqual(line.sold_qty, 5, "the units are taken at once")
        self.assertFalse(campaign.order_ids, "the orders are the queue's to make")
        with self.assertRaisesRegex(UserError, "sold out"):
            self._queue(campaign, self.customers[2])
        self.assertEqual(self.env["groupbuy.join.request"].search_count([("campaign_id", "=", campaign.id)]), 2,
                         "a refused join queues nothing")

        self.assertEqual(self._run_queue(), 2)
        self.assertEqual((first.state, second.state), ("done", "done"))
        orders = first.order_id | second.order_id
        self.assertEqual(campaign.order_ids, orders)
        self.assertEqual(orders.mapped("groupbuy_sequence"), [1, 2])
        self.assertEqual(orders.mapped("groupbuy_status"), ["waiting", "waiting"])
        self.assertEqual(first.order_id.partner_id, self.customers[0])
        self.assertEqual(first.order_id.order_line.product_uom_qty, 2)
        self.assertEqual(first.order_id.order_line.price_unit, 9.9)
        self.assertEqual(first.order_id.groupbuy_source_leader_id, self.other_leader, "who brought them is kept")
        self.assertIn(self.customers[0], first.order_id.message_partner_ids, "the customer follows their entry")
        self.assertEqual(line.sold_qty, 5, "made orders keep the units they reserved")
        self.assertEqual(self._run_queue(), 0, "a request is made once")

    def test_the_group_formed_in_the_queue_confirms_its_orders(self):
        campaign = self._flash(min_participants=2)
        self._queue(campaign, self.customers[0])
        self.assertEqual(campaign.state, "open")
        self._queue(campaign, self.customers[1])
        self.assertEqual(campaign.state, "succeeded", "the join that forms the group says so at once")
        self._run_queue()
        orders = campaign.order_ids
        self.assertEqual(len(orders), 2)
        self.assertEqual(orders.mapped("state"), ["sale", "sale"])
        self.assertEqual(orders.mapped("groupbuy_status"), ["confirmed", "confirmed"])
        self.assertTrue(all(order.picking_ids for order in orders), "each entry's delivery is made")
        late = self._queue(campaign, self.customers[2])
        self._run_queue()
        self.assertEqual(late.order_id.state, "sale", "a join after the group formed is confirmed by the queue")

    def _queue_triggers(self):
        cron = self.env.ref("community_groupbuy.ir_cron_groupbuy_join_queue")
        return self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])

    def test_a_queue_run_stays_short_and_asks_for_the_next(self):
        # Odoo's cron worker kills itself when its sleep and one run pass its watchdog
        # (limit_time_real_cron): a run hands back after its time and triggers the next
        campaign = self._flash(min_participants=10)
        requests = self.env["groupbuy.join.request"]
        for customer in self.customers[:3]:
            requests |= self._queue(campaign, customer)
        before = self._queue_triggers()
        Request = self.registry["groupbuy.join.request"]
        with patch.object(Request, "_CRON_TIME_BUDGET", 0):
            self.assertEqual(requests._cron_process_queue(batch_size=2), 2, "one batch, then the run's time is up")
        self.assertEqual(requests.mapped("state"), ["done", "done", "queued"])
        asked = self._queue_triggers() - before
        self.assertEqual(len(asked), 1, "the next run is asked for")
        self.assertLessEqual(asked.call_at, fields.Datetime.now(), "at once: this run made orders")
        self.assertEqual(self._run_queue(), 1)
        self.assertEqual(requests.mapped("state"), ["done", "done", "done"])
        self.assertEqual(self._queue_triggers() - before, asked, "an empty queue asks for no run")

    def test_a_close_makes_the_queued_orders_before_it_decides(self):
        campaign = self._flash(min_participants=2)
        self._queue(campaign, self.customers[0])
        self.assertEqual(campaign.state, "open")
        campaign.action_close()
        self.assertEqual(campaign.state, "failed")
        order = campaign.order_ids
        self.assertEqual(len(order), 1, "the queued join got its order, then its group failed")
        self.assertEqual(order.state, "cancel")
        self.assertEqual(campaign.line_ids.sold_qty, 0)

        formed = self._flash(min_participants=1, name="一人成团")
        request = self._queue(formed, self.customers[1])
        formed.action_close()
        self.assertEqual(formed.state, "done")
        self.assertEqual(request.order_id.state, "sale")

    def test_a_join_queued_when_its_campaign_failed_orders_nothing(self):
        campaign = self._flash(min_participants=3)
        request = self._queue(campaign, self.customers[0], qty=2)
        # the campaign failed before the queue got to it (it was cancelled by staff)
        campaign.state = "failed"
        self._run_queue()
        self.assertEqual(request.state, "failed")
        self.assertIn("did not form", request.error)
        self.assertFalse(request.order_id)
        self.assertEqual(campaign.line_ids.sold_qty, 0, "its units are given back")

    def test_served_requests_are_cleaned_up_after_a_month(self):
        campaign = self._flash()
        served = self._queue(campaign, self.customers[0])
        waiting = self._queue(campaign, self.customers[1])
        self._run_queue()
        waiting.state = "queued"  # as if its order were still to be made
        self.env.flush_all()
        self.env.cr.execute("UPDATE groupbuy_join_request SET write_date = now() - interval '31 days' WHERE id IN %s",
                            [tuple((served | waiting).ids)])
        self.env.invalidate_all()
        order = served.order_id
        self.env["groupbuy.join.request"]._gc_served_requests()
        self.assertFalse(served.exists(), "a request served a month ago is removed")
        self.assertTrue(order.exists(), "its order stays")
        self.assertTrue(waiting.exists(), "a queued request is never removed")

    def test_counters_rebuilt_count_the_queued_units(self):
        campaign = self._flash()
        self._queue(campaign, self.customers[0], qty=2)
        self._join(campaign, self.customers[1], qty=1)
        campaign.line_ids._groupbuy_recompute_sold_qty()
        self.assertEqual(campaign.line_ids.sold_qty, 3)
        with self.assertRaisesRegex(UserError, "at most 3"):
            self._queue(campaign, self.customers[0], qty=2)


@tagged("post_install", "-at_install")
class TestJoinQueuePages(GroupbuyHttpCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flash = cls._open_campaign(
            lines=[{"product_id": cls.peach.id, "price_unit": 9.9, "max_qty": 20, "max_qty_per_customer": 2}],
            mode="flash", min_participants=5, name="草莓秒杀",
        )

    def _queue_url(self, response):
        self.assertEqual(response.status_code, 303, self._error(response))
        location = response.headers["Location"]
        self.assertRegex(location, rf"/groupbuy/{self.flash.share_code}/queue/\d+/[\w-]{{32}}$")
        return location

    @staticmethod
    def _path(url):
        """The URL's path, without the site or the language prefix."""
        return re.sub(r"^/(en|zh_CN)(?=/)", "", re.sub(r"^https?://[^/]+", "", url))

    def _join_flash(self):
        return self._post(f"{self.flash.website_url}/join", {f"qty_{self.flash.line_ids.id}": "1"})

    def test_a_flash_join_waits_on_its_page_then_goes_to_its_entry(self):
        self.authenticate("gb_cust", "gb_cust")
        url = self._queue_url(self._join_flash())
        request = self.env["groupbuy.join.request"].search([("campaign_id", "=", self.flash.id)])
        self.assertEqual(request.partner_id, self.customers[0])
        page = self.url_open(f"/en{self._path(url)}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("chain number", page.text)
        self.assertIn('http-equiv="refresh"', page.text, "the page follows the queue by itself")
        html = self.url_open(f"/en{self.flash.website_url}").text
        self.assertIn("your order is being made", html)
        self.assertIn(self._path(url), html, "the campaign page links to the waiting page")
        # joining again while queued goes to the same page, reserves nothing more
        self.assertEqual(self._path(self._queue_url(self._join_flash())), self._path(url))
        self.assertEqual(self.flash.line_ids.sold_qty, 1)

        # what the page's script polls: a few bytes, the state and where to go
        self.assertIn(f'data-state-url="{self._path(url)}/state"', page.text)
        state = self.url_open(f"{self._path(url)}/state")
        self.assertEqual(state.status_code, 200)
        self.assertEqual(state.json(), {"state": "queued", "url": False, "ahead": 0, "retry_ms": 2000})
        self.assertEqual(state.headers["Cache-Control"], "no-store")

        self.env["groupbuy.join.request"]._cron_process_queue()
        response = self.url_open(f"/en{self._path(url)}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn(f"/my/orders/{request.order_id.id}/groupbuy?access_token=", response.headers["Location"])
        state = self.url_open(f"{self._path(url)}/state").json()
        self.assertEqual(state["state"], "done")
        self.assertIn(f"/my/orders/{request.order_id.id}/groupbuy?access_token=", state["url"])

    def test_the_further_back_in_the_queue_the_later_a_page_asks_again(self):
        # a burst's hundreds of waiting phones must not take the server from the queue
        Request = self.env["groupbuy.join.request"]
        ahead = Request.create([
            {"campaign_id": self.flash.id, "partner_id": self.customers[1].id, "sequence": 100 + i}
            for i in range(45)
        ])
        self.authenticate("gb_cust", "gb_cust")
        url = self._queue_url(self._join_flash())
        state = self.url_open(f"{self._path(url)}/state").json()
        self.assertEqual((state["ahead"], state["retry_ms"]), (45, 4000), "2 s, and a second per 20 ahead")
        ahead[:40].write({"state": "done"})
        self.assertEqual(self.url_open(f"{self._path(url)}/state").json()["retry_ms"], 2000)
        Request.create([
            {"campaign_id": self.flash.id, "partner_id": self.customers[1].id, "sequence": 1000 + i}
            for i in range(10)
        ])
        self.assertEqual(self.url_open(f"{self._path(url)}/state").json()["ahead"], 5, "those behind do not count")

    def test_the_waiting_page_goes_on_to_the_entry_by_itself(self):
        # in the browser: the page's script follows the request. The queue's cron is not
        # running here; the queue counts as moving when the page opens, and as stalled
        # from the script's first poll on, so the poll makes the order (the fallback)
        self.authenticate("gb_cust", "gb_cust")
        url = self._queue_url(self._join_flash())
        Request = self.registry["groupbuy.join.request"]
        asked = []

        def stalled(request, grace, stall):
            asked.append(request.id)
            return len(asked) > 1

        with patch.object(Request, "_groupbuy_queue_stalled", stalled):
            self.start_tour(f"/en{self._path(url)}", "groupbuy_queue_follows_to_entry", login="gb_cust")
        self.assertGreaterEqual(len(asked), 2, "the page, then at least one poll of its state")
        request = self.env["groupbuy.join.request"].search([("campaign_id", "=", self.flash.id)])
        self.assertEqual(request.state, "done")
        self.assertEqual(request.order_id.partner_id, self.customers[0])

    def test_a_waiting_page_needs_its_token(self):
        self.authenticate("gb_cust", "gb_cust")
        url = self._queue_url(self._join_flash())
        good_token = url.rsplit("/", 1)[1]
        self.assertEqual(self.url_open(url[:-4] + "AAAA").status_code, 404)
        self.assertEqual(self.url_open(url[:-4] + "AAAA/state").status_code, 404, "nor its state")
        self.assertEqual(self.url_open(url.replace(self.flash.share_code, self.campaign.share_code)).status_code, 404,
                         "the page of one campaign's join is not under another's")
        request_id = int(re.search(r"/queue/(\d+)/", url).group(1))
        other = self.env["groupbuy.join.request"].create({
            "campaign_id": self.flash.id, "partner_id": self.customers[1].id, "sequence": 9,
        })
        self.assertNotEqual(other.id, request_id)
        self.assertEqual(self.url_open(f"{self.flash.website_url}/queue/{other.id}/{good_token}").status_code, 404,
                         "a token opens its own request only")

    def test_a_late_queue_is_served_by_the_waiting_page(self):
        self.authenticate("gb_cust", "gb_cust")
        url = self._queue_url(self._join_flash())
        request = self.env["groupbuy.join.request"].search([("campaign_id", "=", self.flash.id)])
        # the queue's cron is late (or not running): the page makes the order itself
        self.env.cr.execute("UPDATE groupbuy_join_request SET create_date = %s WHERE id = %s",
                            [fields.Datetime.now() - timedelta(minutes=1), request.id])
        request.invalidate_recordset()
        response = self.url_open(f"/en{self._path(url)}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(request.order_id)
        self.assertIn(f"/my/orders/{request.order_id.id}/groupbuy", response.headers["Location"])

    def test_a_waiting_page_leaves_a_moving_queue_to_its_cron(self):
        self.authenticate("gb_cust", "gb_cust")
        url = self._queue_url(self._join_flash())
        request = self.env["groupbuy.join.request"].search([("campaign_id", "=", self.flash.id)])
        # another join of the burst was made by the queue a moment ago: it is working
        self.env["groupbuy.join.request"].create({
            "campaign_id": self.flash.id, "partner_id": self.customers[2].id, "sequence": 99, "state": "done",
        })
        self.env.cr.execute("UPDATE groupbuy_join_request SET create_date = %s WHERE id = %s",
                            [fields.Datetime.now() - timedelta(minutes=1), request.id])
        request.invalidate_recordset()
        page = self.url_open(f"/en{self._path(url)}", allow_redirects=False)
        self.assertEqual(page.status_code, 200, "still waiting for the queue")
        self.assertEqual(request.state, "queued")
        self.assertFalse(request.order_id)

    def test_a_refused_queued_join_comes_back_on_the_campaign_page(self):
        self.authenticate("gb_cust", "gb_cust")
        url = self._queue_url(self._join_flash())
        self.flash.state = "failed"
        self.env["groupbuy.join.request"]._cron_process_queue()
        page = self.url_open(f"/en{self._path(url)}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("did not form", page.text)

    def test_the_waiting_page_in_chinese(self):
        self.authenticate("gb_cust", "gb_cust")
        url = self._queue_url(self._join_flash())
        page = self.url_open(f"/zh_CN{self._path(url)}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("接龙序号", page.text)
        self.assertIn("正在生成", page.text)

    def test_the_queue_is_the_websites_not_an_api_for_customers(self):
        self.authenticate("gb_cust", "gb_cust")

        def call(model, method, args):
            return self.make_jsonrpc_request("/web/dataset/call_kw", {
                "model": model, "method": method, "args": args, "kwargs": {},
            })

        # a customer cannot queue a join in another customer's name over RPC
        with self.assertRaisesRegex(JsonRpcException, "AccessError"), mute_logger("odoo.http"):
            call("groupbuy.campaign", "_join_queued",
                 [[self.flash.id], self.customers[1].id, [{"product_id": self.peach.id, "qty": 1}]])
        # nor read anyone's queued joins (their tokens open their pages)
        self._queue_url(self._join_flash())
        with self.assertRaisesRegex(JsonRpcException, "AccessError"), mute_logger("odoo.http"):
            call("groupbuy.join.request", "search_read", [[], ["access_token"]])
        self.assertEqual(self.flash.line_ids.sold_qty, 1, "only the customer's own join, from the page")

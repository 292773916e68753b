from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import GroupbuyCommon


@tagged("post_install", "-at_install")
class TestCampaignLifecycle(GroupbuyCommon):

    def test_schedule_opens_a_campaign_whose_window_has_started(self):
        campaign = self._create_campaign()
        self.assertEqual(campaign.state, "draft")
        campaign.action_schedule()
        self.assertEqual(campaign.state, "open")

    def test_schedule_future_campaign_waits_for_cron(self):
        now = fields.Datetime.now()
        campaign = self._create_campaign(date_start=now + timedelta(hours=2), date_end=now + timedelta(days=2))
        campaign.action_schedule()
        self.assertEqual(campaign.state, "scheduled")
        with self.assertRaisesRegex(UserError, "has not started yet"):
            self._join(campaign, self.customers[0])
        # the cron opens it once its start has come
        campaign.date_start = now - timedelta(minutes=1)
        self.env["groupbuy.campaign"]._cron_process_campaigns()
        self.assertEqual(campaign.state, "open")

    def test_schedule_without_products_is_refused(self):
        campaign = self._create_campaign(lines=[])
        campaign.line_ids = [Command.clear()]
        with self.assertRaisesRegex(UserError, "Add at least one product"):
            campaign.action_schedule()
        self.assertEqual(campaign.state, "draft")

    def test_dates_and_threshold_are_checked(self):
        now = fields.Datetime.now()
        with self.assertRaises(ValidationError):
            self._create_campaign(date_start=now, date_end=now - timedelta(hours=1))
        with self.assertRaises(ValidationError):
            self._create_campaign(min_participants=0)
        with self.assertRaises(ValidationError):
            self._create_campaign(cancel_deadline=now + timedelta(days=5))

    def test_flash_sale_needs_a_stock_cap(self):
        with self.assertRaisesRegex(ValidationError, "stock cap"):
            self._create_campaign(mode="flash")
        campaign = self._create_campaign(
            mode="flash", lines=[{"product_id": self.peach.id, "price_unit": 19.9, "max_qty": 50}]
        )
        self.assertEqual(campaign.mode, "flash")

    def test_reaching_threshold_succeeds_at_once_and_confirms_orders(self):
        campaign = self._open_campaign()
        first = self._join(campaign, self.customers[0])
        second = self._join(campaign, self.customers[1])
        self.assertEqual(campaign.state, "open")
        self.assertEqual((first | second).mapped("state"), ["draft", "draft"])
        self.assertEqual((first | second).mapped("groupbuy_status"), ["waiting", "waiting"])
        self.assertEqual(campaign.remaining_participants, 1)
        third = self._join(campaign, self.customers[2])
        self.assertEqual(campaign.state, "succeeded")
        orders = first | second | third
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        self.assertEqual(set(orders.mapped("groupbuy_status")), {"confirmed"})
        self.assertTrue(all(order.picking_ids for order in orders), "success creates the pickings")
        self.assertEqual(orders.mapped("groupbuy_sequence"), [1, 2, 3])

    def test_succeeded_campaign_keeps_taking_joins_until_cap(self):
        campaign = self._open_campaign(
            lines=[{"product_id": self.peach.id, "price_unit": 29.9, "max_qty": 4}], min_participants=2
        )
        self._join(campaign, self.customers[0])
        self._join(campaign, self.customers[1])
        self.assertEqual(campaign.state, "succeeded")
        late = self._join(campaign, self.customers[2], qty=2)
        # a join after success is confirmed at once, in its own request
        self.assertEqual(late.state, "sale")
        self.assertEqual(late.groupbuy_status, "confirmed")
        self.assertTrue(late.picking_ids)
        self.assertEqual(campaign.line_ids.sold_qty, 4)
        with self.assertRaisesRegex(UserError, "sold out"):
            self._join(campaign, self.customers[3])
        self.assertEqual(campaign.participant_count, 3)

    def test_close_without_threshold_fails_and_cancels(self):
        campaign = self._open_campaign(min_participants=5)
        orders = self._join(campaign, self.customers[0]) | self._join(campaign, self.customers[1])
        campaign.action_close()
        self.assertEqual(campaign.state, "failed")
        self.assertEqual(set(orders.mapped("state")), {"cancel"})
        self.assertEqual(set(orders.mapped("groupbuy_status")), {"failed"})
        self.assertEqual(campaign.line_ids.sold_qty, 0)
        with self.assertRaisesRegex(UserError, "cannot be closed"):
            campaign.action_close()

    def test_close_succeeded_campaign_marks_it_done(self):
        campaign = self._open_campaign(min_participants=1)
        self._join(campaign, self.customers[0])
        self.assertEqual(campaign.state, "succeeded")
        campaign.action_close()
        self.assertEqual(campaign.state, "done")
        with self.assertRaisesRegex(UserError, "closed to new participants"):
            self._join(campaign, self.customers[1])

    def test_close_open_campaign_with_threshold_reached_succeeds(self):
        # The threshold was reached but the campaign was not moved on (e.g. joins raced);
        # closing it evaluates as the end would.
        campaign = self._open_campaign(min_participants=2)
        self._join(campaign, self.customers[0])
        order = self._join(campaign, self.customers[1])
        campaign.state = "open"
        order.write({"state": "draft", "groupbuy_status": "waiting"})
        campaign.action_close()
        self.assertEqual(campaign.state, "done")
        self.assertEqual(order.state, "sale")

    def test_cron_closes_ended_campaigns(self):
        now = fields.Datetime.now()
        ok = self._open_campaign(min_participants=1)
        self._join(ok, self.customers[0])
        failing = self._open_campaign(min_participants=3)
        lost = self._join(failing, self.customers[1])
        (ok | failing).write({"date_end": now - timedelta(minutes=1)})
        self.env["groupbuy.campaign"]._cron_process_campaigns()
        self.assertEqual(ok.state, "done")
        self.assertEqual(failing.state, "failed")
        self.assertEqual(lost.state, "cancel")

    def test_cron_confirms_orders_left_waiting(self):
        campaign = self._open_campaign(min_participants=2)
        first = self._join(campaign, self.customers[0])
        # a concurrent join saw the campaign still open: its order is left waiting
        campaign.state = "succeeded"
        first.groupbuy_status = "waiting"
        self.env["groupbuy.campaign"]._cron_process_campaigns()
        self.assertEqual(first.state, "sale")
        self.assertEqual(first.groupbuy_status, "confirmed")

    def test_cancel_campaign_cancels_orders(self):
        campaign = self._open_campaign()
        order = self._join(campaign, self.customers[0])
        campaign.action_cancel()
        # cancelled at once (no more joins); its orders are cancelled by the cron's
        # committed steps, and until then it cannot go back to draft
        self.assertEqual(campaign.state, "cancelled")
        self.assertTrue(campaign.groupbuy_closing)
        self.assertEqual(campaign.groupbuy_close_remaining, 1)
        self.assertEqual(order.state, "draft")
        with self.assertRaisesRegex(UserError, "still cancelling"):
            campaign.action_draft()
        self.env["groupbuy.campaign"]._cron_process_campaigns()
        self.assertEqual(order.state, "cancel")
        self.assertFalse(campaign.groupbuy_closing)
        self.assertEqual(campaign.groupbuy_close_remaining, 0)
        campaign.action_draft()
        self.assertEqual(campaign.state, "draft")

    def test_progress_figures(self):
        campaign = self._open_campaign(min_participants=4)
        self._join(campaign, self.customers[0], qty=2)
        self._join(campaign, self.customers[0], qty=1)  # the same customer again
        self._join(campaign, self.customers[1])
        self.assertEqual(campaign.participant_count, 2)
        self.assertEqual(campaign.order_count, 3)
        self.assertEqual(campaign.remaining_participants, 2)
        self.assertEqual(campaign.progress, 50.0)
        self.assertIn("2 more needed", campaign.progress_text)
        self.assertEqual(campaign.line_ids.sold_qty, 4)
        self.assertAlmostEqual(campaign.amount_total, 4 * 29.9, places=2)
        remaining = campaign.with_context(groupbuy_now=campaign.date_end - timedelta(hours=2, minutes=5))
        self.assertEqual(remaining.remaining_time, "Ends in 2h 5min")
        remaining = campaign.with_context(groupbuy_now=campaign.date_end - timedelta(days=1, hours=3))
        self.assertEqual(remaining.remaining_time, "Ends in 1d 3h")
        self.assertEqual(campaign.with_context(groupbuy_now=campaign.date_end).remaining_time, "Ended")

    def test_zh_cn_progress_text(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        campaign = self._open_campaign(min_participants=10)
        self._join(campaign, self.customers[0])
        text = campaign.with_context(lang="zh_CN").progress_text
        self.assertEqual(text, "已参团 1 人，还差 9 人")

    def test_duplicate_with_new_dates(self):
        campaign = self._open_campaign(
            lines=[{
                "product_id": self.peach.id,
                "price_unit": 29.9,
                "max_qty": 100,
                "tier_ids": [Command.create({"min_participants": 10, "price_unit": 25.9})],
            }],
            min_participants=2,
        )
        self._join(campaign, self.customers[0])
        self._join(campaign, self.customers[1])
        campaign.action_close()
        before = fields.Datetime.now()
        action = campaign.action_duplicate()
        copy = self.env["groupbuy.campaign"].browse(action["res_id"])
        self.assertEqual(copy.state, "draft")
        # it starts at the next full hour (the hour may turn while the copy is made)
        next_hours = {
            moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            for moment in (before, fields.Datetime.now())
        }
        self.assertIn(copy.date_start, next_hours)
        self.assertEqual(copy.date_end - copy.date_start, campaign.date_end - campaign.date_start)
        self.assertEqual(copy.line_ids.product_id, self.peach)
        self.assertEqual(copy.line_ids.sold_qty, 0)
        self.assertEqual(copy.line_ids.tier_ids.mapped("price_unit"), [25.9])
        self.assertFalse(copy.order_ids)
        self.assertEqual(copy.leader_id, campaign.leader_id)
        copy.action_schedule()
        self.assertEqual(copy.state, "scheduled")

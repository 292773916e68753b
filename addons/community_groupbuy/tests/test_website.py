import base64
import io
from datetime import timedelta

from PIL import Image

from odoo import Command, fields
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from .common import GroupbuyCommon


class GroupbuyHttpCommon(HttpCase, GroupbuyCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        def portal_user(login, partner):
            return new_test_user(cls.env, login=login, groups="base.group_portal", partner_id=partner.id,
                                 name=partner.name, lang="en_US")

        cls.customer_user = portal_user("gb_cust", cls.customers[0])
        cls.outsider_user = portal_user("gb_outsider", cls.customers[9])
        cls.leader_user = portal_user("gb_leader", cls.leader)
        cls.other_leader_user = portal_user("gb_leader2", cls.other_leader)
        cls.customers[0].phone = "13811112222"
        # the platform's website speaks Chinese first, English at /en (scripts/create_db.sh);
        # the test users read English
        cls.campaign = cls._open_campaign(
            lines=[
                {"product_id": cls.peach.id, "price_unit": 29.9, "max_qty": 50, "max_qty_per_customer": 5},
                {"product_id": cls.rice.id, "price_unit": 49.0},
            ],
            min_participants=5,
            answers_required=True,
            answer_definition=[{"name": "note", "string": "备注", "type": "char"}],
        )
        cls.url = cls.campaign.website_url

    def _post(self, url, data):
        data = dict(data, csrf_token=self.csrf_token())
        return self.url_open(url, data=data, allow_redirects=False)

    def csrf_token(self):
        # a page of the website gives the session's CSRF token
        page = self.url_open(self.url).text
        marker = 'name="csrf_token" value="'
        start = page.index(marker) + len(marker)
        return page[start:page.index('"', start)]


@tagged("post_install", "-at_install")
class TestCampaignPage(GroupbuyHttpCommon):

    def test_page_shows_products_tiers_progress_and_masked_chain(self):
        self._join(self.campaign, self.customers[0], answers={"note": "门卫"})
        response = self.url_open(f"/en{self.url}")
        self.assertEqual(response.status_code, 200)
        html = response.text
        self.assertIn("阳山水蜜桃", html)
        self.assertIn("1 joined, 4 more needed", html)
        self.assertIn("顾*1", html, "the chain list shows the masked name")
        self.assertNotIn("顾客1", html.split("o_groupbuy_chain")[1], "never the full name")
        self.assertIn("138****2222", html)
        self.assertNotIn("13811112222", html, "never the full phone number")
        self.assertIn('property="og:title"', html)
        self.assertIn("og:description", html)

    def test_page_in_chinese(self):
        response = self.url_open(f"/zh_CN{self.url}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("立即参团", response.text)
        self.assertIn("已参团 0 人，还差 5 人", response.text)

    def test_unknown_draft_and_unpublished_campaigns_are_not_found(self):
        draft = self._create_campaign()
        self.assertEqual(self.url_open(draft.website_url).status_code, 404)
        self.assertEqual(self.url_open("/groupbuy/nosuchcode").status_code, 404)
        self.campaign.is_published = False
        self.assertEqual(self.url_open(self.url).status_code, 404)

    def test_ended_failed_and_sold_out_offer_nothing_to_pay(self):
        failed = self._open_campaign(min_participants=5)
        failed.action_close()
        html = self.url_open(f"/en{failed.website_url}").text
        self.assertIn("did not form", html)
        self.assertNotIn("o_groupbuy_join_button", html)
        soldout = self._open_campaign(lines=[{"product_id": self.peach.id, "price_unit": 9.9, "max_qty": 1}],
                                      min_participants=1)
        self._join(soldout, self.customers[1])
        html = self.url_open(f"/en{soldout.website_url}").text
        self.assertIn("Sold out", html)
        self.assertNotIn("o_groupbuy_join_button", html)

    def test_visitor_joins_with_name_and_phone(self):
        self.authenticate(None, None)
        response = self._post(f"{self.url}/join", {
            f"qty_{self.campaign.line_ids[0].id}": "2",
            "answer_note": "放门卫室",
            "name": "游客小王",
            "phone": "139 0000 9999",
        })
        self.assertEqual(response.status_code, 303)
        order = self.campaign.order_ids
        self.assertEqual(len(order), 1)
        self.assertEqual(order.partner_id.name, "游客小王")
        self.assertEqual(order.partner_id.phone, "13900009999")
        self.assertIn(f"/my/groupbuy/{order.id}?access_token=", response.headers["Location"])
        # the same phone again is matched, not created twice, and caught as a second entry
        response = self._post(f"/en{self.url}/join", {
            f"qty_{self.campaign.line_ids[0].id}": "1", "answer_note": "x", "name": "小王", "phone": "13900009999",
        })
        self.assertEqual(response.status_code, 400)
        self.assertIn("already in this group", response.text)
        self.assertEqual(len(self.campaign.order_ids), 1)
        self.assertEqual(self.env["res.partner"].search_count([("phone", "=", "13900009999")]), 1)

    def test_share_link_records_the_leader_and_community(self):
        # the share link of another leader (a head leader sharing this campaign in
        # their own community) records them as the customer's source
        other_community = self.env["groupbuy.community"].create({"name": "赵团长群", "leader_id": self.other_leader.id})
        self.authenticate("gb_cust", "gb_cust")
        share_url = self.campaign._get_share_url_for(self.other_leader, other_community)
        self.assertNotIn(f"leader={self.other_leader.id}", share_url)
        self.url_open(share_url.replace(self.campaign.get_base_url(), ""))
        response = self._post(f"{self.url}/join", {f"qty_{self.campaign.line_ids[0].id}": "1", "answer_note": "x"})
        self.assertEqual(response.status_code, 303)
        order = self.campaign.order_ids
        self.assertEqual(order.partner_id, self.customers[0])
        self.assertEqual(order.groupbuy_source_leader_id, self.other_leader)
        self.assertEqual(order.groupbuy_source_community_id, other_community)
        self.assertEqual(order.groupbuy_leader_id, self.leader, "the campaign's leader is kept apart")

    def test_forged_share_link_records_nobody(self):
        """Editing the leader in a share link (to steal the attribution) proves nothing:
        the order falls back to the campaign's own leader."""
        token = self.campaign._get_share_token(self.other_leader)
        leader_id, community_id, signature = token.split(".")
        forged = [
            f"{self.leader.id}.{community_id}.{signature}",  # someone else's id, same signature
            f"{leader_id}.{self.community.id}.{signature}",  # another community
            f"{leader_id}.{community_id}.{'0' * len(signature)}",  # a made-up signature
            f"{leader_id}.{community_id}",  # no signature at all
        ]
        thief = self.env["res.partner"].create({"name": "冒充团长", "groupbuy_is_leader": True})
        forged.append(f"{thief.id}.0.{signature}")
        self.authenticate("gb_cust", "gb_cust")
        for ref in forged:
            self.url_open(f"{self.url}?ref={ref}")
        self.url_open(f"{self.url}?leader={thief.id}")  # the old, unsigned form
        response = self._post(f"{self.url}/join", {f"qty_{self.campaign.line_ids[0].id}": "1", "answer_note": "x"})
        self.assertEqual(response.status_code, 303)
        order = self.campaign.order_ids
        self.assertEqual(order.groupbuy_source_leader_id, self.leader)
        self.assertEqual(order.groupbuy_source_community_id, self.campaign.community_id)
        # a share link made for another campaign does not carry over either
        other = self._open_campaign(name="另一个团")
        self.assertIsNone(self.campaign._resolve_share_token(other._get_share_token(self.other_leader)))

    def test_join_refusals_record_nothing(self):
        self.authenticate("gb_cust", "gb_cust")
        qty = f"qty_{self.campaign.line_ids[0].id}"
        cases = [
            ({qty: "1"}, "Please answer"),
            ({qty: "9", "answer_note": "x"}, "at most 5"),
            ({qty: "0", "answer_note": "x"}, "at least one product"),
            ({qty: "abc", "answer_note": "x"}, "must be a number"),
        ]
        for data, message in cases:
            response = self._post(f"{self.url}/join", data)
            self.assertEqual(response.status_code, 400, message)
            self.assertIn(message, response.text)
        self.assertFalse(self.campaign.order_ids)
        self.authenticate(None, None)
        response = self._post(f"{self.url}/join", {qty: "1", "answer_note": "x", "name": "", "phone": "123"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.campaign.order_ids)

    def test_exclusive_campaign_turns_outsiders_away(self):
        self.campaign.write({"mode": "exclusive", "allowed_community_ids": [Command.set(self.community.ids)]})
        self.authenticate("gb_outsider", "gb_outsider")
        html = self.url_open(self.url).text
        self.assertIn("o_groupbuy_exclusive", html)
        self.assertNotIn("o_groupbuy_join_button", html)
        response = self._post(f"{self.url}/join", {f"qty_{self.campaign.line_ids[0].id}": "1", "answer_note": "x"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("reserved for members", response.text)
        self.assertFalse(self.campaign.order_ids)

    def test_chain_json_gives_new_entries_masked(self):
        self._join(self.campaign, self.customers[0], answers={"note": "a"})
        self._join(self.campaign, self.customers[1], answers={"note": "b"})
        result = self.make_jsonrpc_request(f"{self.url}/chain", {"after": 1})
        self.assertEqual([e["sequence"] for e in result["entries"]], [2])
        self.assertEqual(result["entries"][0]["name"], "顾*2")
        self.assertEqual(result["participant_count"], 2)
        # the whole 接龙 text is fetched when copied, not polled
        text = self.url_open(f"{self.url}/chain.txt").text
        self.assertIn("#接龙", text)
        self.assertIn("1. 顾*1 阳山水蜜桃 ×1", text)

    def test_customers_ask_the_leader_on_the_page(self):
        token = self.campaign._portal_ensure_token()
        self.authenticate(None, None)
        html = self.url_open(f"/en{self.url}").text
        self.assertIn(f'data-token="{token}"', html, "visitors read the questions and answers")
        self.assertIn('data-allow_composer="0"', html, "but log in to ask")
        self.authenticate("gb_cust", "gb_cust")
        self.make_jsonrpc_request("/mail/message/post", {
            "thread_model": "groupbuy.campaign",
            "thread_id": self.campaign.id,
            "post_data": {"body": "请问周几到货？", "message_type": "comment"},
            "token": token,
        })
        message = self.campaign.message_ids.filtered(lambda m: "周几到货" in (m.body or ""))
        self.assertEqual(message.author_id, self.customers[0])
        # a wrong token cannot post
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request("/mail/message/post", {
                "thread_model": "groupbuy.campaign", "thread_id": self.campaign.id,
                "post_data": {"body": "spam", "message_type": "comment"}, "token": "wrong",
            })
        self.assertFalse(self.campaign.message_ids.filtered(lambda m: "spam" in (m.body or "")))

    def test_poster_is_a_png_with_the_campaign(self):
        response = self.url_open(f"{self.url}/poster.png?ref={self.campaign._get_share_token(self.leader)}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "image/png")
        image = Image.open(io.BytesIO(response.content))
        self.assertEqual(image.size, (750, 1200))


@tagged("post_install", "-at_install")
class TestPortalEntries(GroupbuyHttpCommon):

    def test_entry_needs_its_token_or_its_owner(self):
        order = self._join(self.campaign, self.customers[0], answers={"note": "a"})
        token = order._portal_ensure_token()
        self.authenticate(None, None)
        self.assertEqual(self.url_open(f"/my/groupbuy/{order.id}").status_code, 404)
        self.assertEqual(self.url_open(f"/my/groupbuy/{order.id}?access_token=wrong").status_code, 404)
        self.assertEqual(self.url_open(f"/my/groupbuy/{order.id}?access_token={token}").status_code, 200)
        self.authenticate("gb_outsider", "gb_outsider")
        self.assertEqual(self.url_open(f"/my/groupbuy/{order.id}").status_code, 404)
        response = self._post(f"/my/groupbuy/{order.id}/cancel", {})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(order.state, "draft")
        self.authenticate("gb_cust", "gb_cust")
        self.assertEqual(self.url_open(f"/my/groupbuy/{order.id}").status_code, 200)
        self.assertIn(self.campaign.name, self.url_open("/my/groupbuy").text)

    def test_customer_changes_then_cancels_with_refunds(self):
        order = self._join(self.campaign, self.customers[0], qty=3, answers={"note": "a"})
        self._pay(order)
        self.authenticate("gb_cust", "gb_cust")
        line = self.campaign.line_ids[0]
        response = self._post(f"/my/groupbuy/{order.id}/update", {f"qty_{line.id}": "1", "answer_note": "改到晚上"})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(order.order_line.product_uom_qty, 1)
        self.assertEqual(order.groupbuy_answers, {"note": "改到晚上"})
        self.assertAlmostEqual(line.sold_qty, 1)
        refunds = order.transaction_ids.child_transaction_ids
        self.assertAlmostEqual(sum(refunds.mapped("amount")), -59.8, msg="two boxes refunded at once")
        response = self._post(f"/my/groupbuy/{order.id}/cancel", {})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(order.state, "cancel")
        self.assertAlmostEqual(order.groupbuy_amount_paid, 0.0)
        self.assertEqual(line.sold_qty, 0)

    def test_entry_confirmed_by_the_group_can_still_be_paid(self):
        campaign = self._open_campaign(min_participants=1, answers_required=False)
        order = self._join(campaign, self.customers[0], qty=2)
        self.assertEqual(order.state, "sale", "the group formed with this join")
        self.authenticate("gb_cust", "gb_cust")
        self.assertIn("o_groupbuy_pay", self.url_open(f"/my/groupbuy/{order.id}").text)
        self.assertIn("o_sale_portal_paynow", self.url_open(order.get_portal_url()).text)
        self._pay(order)
        self.assertNotIn("o_groupbuy_pay", self.url_open(f"/my/groupbuy/{order.id}").text)

    def test_after_deadline_the_page_says_why_not(self):
        order = self._join(self.campaign, self.customers[0], answers={"note": "a"})
        self.campaign.cancel_deadline = fields.Datetime.now() - timedelta(minutes=1)
        self.campaign.date_start = fields.Datetime.now() - timedelta(hours=2)
        self.authenticate("gb_cust", "gb_cust")
        html = self.url_open(f"/my/groupbuy/{order.id}").text
        self.assertIn("can no longer be changed or cancelled", html)
        self.assertNotIn("o_groupbuy_cancel", html)
        response = self._post(f"/my/groupbuy/{order.id}/cancel", {})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(order.state, "draft")


@tagged("post_install", "-at_install")
class TestLeaderPortal(GroupbuyHttpCommon):

    def test_leader_sees_full_chain_of_own_campaign_only(self):
        self._join(self.campaign, self.customers[0], answers={"note": "a"})
        theirs = self._open_campaign(leader_id=self.other_leader.id, community_id=False)
        self._join(theirs, self.customers[5], answers=None)
        self.authenticate("gb_leader", "gb_leader")
        html = self.url_open(f"/my/groupbuy/campaigns/{self.campaign.id}").text
        self.assertIn("顾客1", html, "the leader sees their own customer's name")
        self.assertIn("13811112222", html, "and phone")
        self.assertEqual(self.url_open(f"/my/groupbuy/campaigns/{theirs.id}").status_code, 404)
        self.assertEqual(self.url_open(f"/my/groupbuy/campaigns/{theirs.id}/export.xlsx").status_code, 404)
        listing = self.url_open("/my/groupbuy/campaigns").text
        self.assertIn(self.campaign.name, listing)
        self.assertNotIn(f"/my/groupbuy/campaigns/{theirs.id}", listing)

    def test_my_account_shows_the_leader_card_to_leaders_only(self):
        def leader_card_hidden(html):
            card = html.split("/my/groupbuy/campaigns")[0].rsplit("o_portal_index_card", 1)[1]
            return card.lstrip().startswith("d-none") or " d-none" in card.split('"')[0]

        self.authenticate("gb_leader", "gb_leader")
        self.assertFalse(leader_card_hidden(self.url_open("/my/home").text))
        self.authenticate("gb_cust", "gb_cust")
        self.assertTrue(leader_card_hidden(self.url_open("/my/home").text))

    def test_customers_and_visitors_have_no_leader_pages(self):
        self.authenticate("gb_cust", "gb_cust")
        self.assertEqual(self.url_open("/my/groupbuy/campaigns").status_code, 404)
        self.assertEqual(self.url_open(f"/my/groupbuy/campaigns/{self.campaign.id}").status_code, 404)
        self.authenticate(None, None)
        response = self.url_open("/my/groupbuy/campaigns")
        self.assertIn("/web/login", response.url, "visitors are sent to log in")

    def test_export_is_an_xlsx_with_the_chain(self):
        self._join(self.campaign, self.customers[0], answers={"note": "门卫"})
        self.authenticate("gb_leader", "gb_leader")
        response = self.url_open(f"/my/groupbuy/campaigns/{self.campaign.id}/export.xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        import openpyxl  # noqa: PLC0415 - Odoo's own requirement

        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[1][1], "顾客1")
        self.assertEqual(rows[1][2], "13811112222")
        self.assertIn("阳山水蜜桃 ×1", rows[1][3])

    def test_leader_opens_duplicates_and_schedules(self):
        self.peach.product_tmpl_id.groupbuy_leader_allowed = True
        self.authenticate("gb_leader", "gb_leader")
        now = fields.Datetime.now()
        page = self.url_open("/my/groupbuy/campaigns/new").text
        self.assertIn(self.peach.name, page)
        self.assertNotIn(self.rice.name, page, "only the catalogue open to leaders")
        response = self._post("/my/groupbuy/campaigns/new", {
            "name": "李团长的桃子团",
            "product_id": str(self.peach.id),
            f"price_{self.peach.id}": "27.5",
            f"cap_{self.peach.id}": "80",
            "min_participants": "6",
            "date_start": (now + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M"),
            "date_end": (now + timedelta(days=2, hours=9)).strftime("%Y-%m-%dT%H:%M"),
            "community_id": str(self.community.id),
        })
        self.assertEqual(response.status_code, 303)
        new = self.env["groupbuy.campaign"].search([("name", "=", "李团长的桃子团")])
        self.assertEqual(new.leader_id, self.leader)
        self.assertEqual(new.state, "draft")
        self.assertEqual((new.line_ids.price_unit, new.line_ids.max_qty), (27.5, 80))
        # a product outside the catalogue is refused
        response = self._post("/my/groupbuy/campaigns/new", {
            "name": "x", "product_id": str(self.rice.id), "min_participants": "2",
            "date_start": "2030-01-01T10:00", "date_end": "2030-01-02T10:00",
        })
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._post(f"/my/groupbuy/campaigns/{new.id}/schedule", {}).status_code, 303)
        self.assertEqual(new.state, "scheduled")
        response = self._post(f"/my/groupbuy/campaigns/{new.id}/duplicate", {})
        self.assertEqual(response.status_code, 303)
        copy = self.env["groupbuy.campaign"].search([("name", "=", "李团长的桃子团 (copy)")])
        self.assertEqual(copy.leader_id, self.leader)
        self.assertEqual(copy.state, "draft")
        # and another leader's campaign cannot be duplicated or scheduled
        theirs = self._create_campaign(leader_id=self.other_leader.id, community_id=False)
        with mute_logger("odoo.http"):
            self.assertEqual(self._post(f"/my/groupbuy/campaigns/{theirs.id}/schedule", {}).status_code, 404)
        self.assertEqual(theirs.state, "draft")


@tagged("post_install", "-at_install")
class TestWebsiteTours(GroupbuyHttpCommon):

    def test_tour_visitor_joins_and_pays(self):
        self.start_tour(self.url, "groupbuy_visitor_join_pay")
        order = self.campaign.order_ids
        self.assertEqual(order.partner_id.phone, "13900009999")
        self.assertEqual(order.order_line[:1].product_uom_qty, 2)
        self.assertAlmostEqual(order.groupbuy_amount_paid, order.amount_total)
        self.assertEqual(order.state, "draft", "paid, waiting for the group")

    def test_tour_customer_changes_then_cancels(self):
        order = self._join(self.campaign, self.customers[0], qty=2, answers={"note": "a"})
        self._pay(order)
        self.start_tour("/my/groupbuy", "groupbuy_customer_change_cancel", login="gb_cust")
        self.assertEqual(order.state, "cancel")
        refunds = order.transaction_ids.child_transaction_ids
        self.assertEqual(len(refunds), 2, "one refund for the change, one for the cancellation")
        self.assertAlmostEqual(order.groupbuy_amount_paid, 0.0)

    def test_tour_leader_duplicates_schedules_and_shares(self):
        past = self._open_campaign(name="上周土鸡蛋团", min_participants=1)
        self._join(past, self.customers[0], answers=None)
        past.action_close()
        self.start_tour("/my/groupbuy/campaigns", "groupbuy_leader_duplicate_schedule_share", login="gb_leader")
        copy = self.env["groupbuy.campaign"].search([("name", "=", "上周土鸡蛋团 (copy)")])
        self.assertEqual(copy.state, "scheduled")
        self.assertEqual(copy.leader_id, self.leader)

    def test_tour_outsider_turned_away(self):
        self.campaign.write({"mode": "exclusive", "allowed_community_ids": [Command.set(self.community.ids)]})
        self.start_tour(self.url, "groupbuy_exclusive_outsider", login="gb_outsider")

import io
import re
from datetime import timedelta
from unittest.mock import patch

from PIL import Image

from odoo import Command, fields
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.sms.tests.common import SMSCase

from .common import GroupbuyCommon


class GroupbuyHttpCommon(HttpCase, SMSCase, GroupbuyCommon):

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
        cls.customers[0].write({"phone": "13811112222", "email": "chen.jing@example.com"})
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

    def _send_code(self, phone, data=None):
        """Tap "Send code" on the join form (Odoo's SMS gateway mocked: nothing leaves)."""
        with self.mockSMSGateway():
            return self._post(f"/en{self.url}/send_code", dict(data or {}, phone=phone))

    def _code_sent_to(self, number):
        """The code in the last text message sent to ``number``."""
        bodies = [sms["body"] for sms in self._sms if sms["number"] == number]
        self.assertTrue(bodies, f"no text message was sent to {number}")
        return re.search(r"\b(\d{6})\b", bodies[-1]).group(1)

    def _error(self, response):
        """The error the page shows (to say why a test failed)."""
        found = re.search(r'o_groupbuy_error[^>]*>\s*(.*?)\s*<', response.text or "", re.S)
        return found.group(1) if found else response.text[:200]

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

    def test_visitor_proves_their_phone_by_sms_then_joins(self):
        self.authenticate(None, None)
        qty = f"qty_{self.campaign.line_ids[0].id}"
        form = {qty: "2", "answer_note": "放门卫室", "name": "游客小王", "phone": "139 0000 9999"}
        response = self._send_code("139 0000 9999", form)
        self.assertEqual(response.status_code, 200)
        self.assertIn("We sent a code to", response.text)
        self.assertIn("139****9999", response.text)
        self.assertIn('value="游客小王"', response.text, "what the visitor typed comes back")
        code = self._code_sent_to("13900009999")
        verification = self.env["groupbuy.phone.verification"].search([("phone", "=", "13900009999")])
        self.assertEqual(len(verification), 1)
        self.assertNotIn(code, verification.code_hash, "the code is stored as an HMAC, not as it is")
        self.assertEqual(len(verification.code_hash), 64)
        response = self._post(f"{self.url}/join", dict(form, sms_code=code))
        self.assertEqual(response.status_code, 303, self._error(response))
        order = self.campaign.order_ids
        self.assertEqual(len(order), 1)
        self.assertEqual(order.partner_id.name, "游客小王")
        self.assertEqual(order.partner_id.phone, "13900009999")
        self.assertIn(f"/my/orders/{order.id}/groupbuy?access_token=", response.headers["Location"])
        self.assertTrue(verification.used, "a code proves a phone once")
        # the proof stays with the browser: another campaign, no new code
        other = self._open_campaign(name="第二个团", min_participants=5)
        response = self._post(f"{other.website_url}/join", {
            f"qty_{other.line_ids[0].id}": "1", "name": "游客小王", "phone": "13900009999",
        })
        self.assertEqual(response.status_code, 303)
        self.assertEqual(other.order_ids.partner_id, order.partner_id)
        # and it is their own entry they are told about
        response = self._post(f"/en{self.url}/join", {qty: "1", "answer_note": "x", "name": "小王", "phone": "13900009999"})
        self.assertEqual(response.status_code, 400)
        self.assertIn(f"already in this group (entry no. {order.groupbuy_sequence})", response.text)
        self.assertEqual(len(self.campaign.order_ids), 1)
        self.assertEqual(self.env["res.partner"].search_count([("phone", "=", "13900009999")]), 1)

    def test_a_members_phone_number_does_not_borrow_their_contact(self):
        """Typing someone's phone number orders nothing in their name, and does not tell
        whether they joined."""
        member = self.customers[0]  # phone 13811112222, in the campaign's community
        self._join(self.campaign, member, answers={"note": "a"})
        self.authenticate(None, None)
        qty = f"qty_{self.campaign.line_ids[0].id}"
        stranger = {qty: "1", "answer_note": "x", "name": "冒充者", "phone": member.phone}
        for data in (stranger, dict(stranger, sms_code="123456")):
            response = self._post(f"/en{self.url}/join", data)
            self.assertEqual(response.status_code, 400)
            self.assertNotIn("already in this group", response.text)
            self.assertNotIn("entry no.", response.text)
        self.assertIn("Ask for a code first", response.text)
        self.assertEqual(self.campaign.order_ids.partner_id, member, "no order in the member's name")
        self.assertEqual(len(self.campaign.order_ids), 1)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "冒充者")]))
        # an exclusive campaign does not take the member's number either
        exclusive = self._open_campaign(
            name="会员专享", mode="exclusive", allowed_community_ids=[Command.set(self.community.ids)]
        )
        response = self._post(f"/en{exclusive.website_url}/join", {
            f"qty_{exclusive.line_ids[0].id}": "1", "name": "冒充者", "phone": member.phone,
        })
        self.assertEqual(response.status_code, 400)
        self.assertFalse(exclusive.order_ids)
        self.assertIn("o_groupbuy_exclusive", self.url_open(exclusive.website_url).text)

    def test_a_proven_phone_is_its_owners_contact(self):
        """Who proves a customer's number by the code sent to it is that customer: their
        contact (and their segment) is used, not a copy."""
        member = self.customers[1]
        exclusive = self._open_campaign(
            name="会员专享", mode="exclusive", allowed_community_ids=[Command.set(self.community.ids)]
        )
        self.authenticate(None, None)
        self._send_code(member.phone)
        response = self._post(f"{exclusive.website_url}/join", {
            f"qty_{exclusive.line_ids[0].id}": "1", "name": "顾客2", "phone": member.phone,
            "sms_code": self._code_sent_to(member.phone),
        })
        self.assertEqual(response.status_code, 303)
        self.assertEqual(exclusive.order_ids.partner_id, member)
        html = self.url_open(f"/en{exclusive.website_url}").text
        self.assertIn("o_groupbuy_already", html, "the proven customer sees their own entry")

    def test_an_employees_number_never_gives_their_contact(self):
        employee = new_test_user(self.env, login="gb_employee", groups="base.group_user", name="员工")
        employee.partner_id.phone = "13700007777"
        self.authenticate(None, None)
        self._send_code("13700007777")
        response = self._post(f"{self.url}/join", {
            f"qty_{self.campaign.line_ids[0].id}": "1", "answer_note": "x", "name": "访客",
            "phone": "13700007777", "sms_code": self._code_sent_to("13700007777"),
        })
        self.assertEqual(response.status_code, 303)
        self.assertNotEqual(self.campaign.order_ids.partner_id, employee.partner_id)
        self.assertEqual(self.campaign.order_ids.partner_id.name, "访客")

    def test_codes_cannot_be_guessed(self):
        self.authenticate(None, None)
        qty = f"qty_{self.campaign.line_ids[0].id}"
        self._send_code("13900008888")
        code = self._code_sent_to("13900008888")
        wrong = f"{(int(code) + 1) % 1000000:06d}"
        data = {qty: "1", "answer_note": "x", "name": "试码", "phone": "13900008888"}
        for _i in range(4):
            response = self._post(f"/en{self.url}/join", dict(data, sms_code=wrong))
            self.assertEqual(response.status_code, 400)
            self.assertIn("The code is wrong", response.text)
        response = self._post(f"/en{self.url}/join", dict(data, sms_code=wrong))
        self.assertIn("Wrong code too many times", response.text)
        # the fifth wrong try killed the code: the right one no longer works
        response = self._post(f"/en{self.url}/join", dict(data, sms_code=code))
        self.assertEqual(response.status_code, 400)
        self.assertIn("Ask for a code first", response.text)
        self.assertFalse(self.campaign.order_ids)
        # a new code comes a minute later, not at once
        response = self._send_code("13900008888")
        self.assertEqual(response.status_code, 400)
        self.assertIn("wait a minute", response.text)
        self.assertFalse(self._sms)
        self.env.cr.execute(
            "UPDATE groupbuy_phone_verification SET create_date = create_date - interval '2 minutes'"
            " WHERE phone = '13900008888'"
        )
        self.env["groupbuy.phone.verification"].invalidate_model(["create_date"])
        self._send_code("13900008888")
        response = self._post(f"{self.url}/join", dict(data, sms_code=self._code_sent_to("13900008888")))
        self.assertEqual(response.status_code, 303)

    def test_codes_expire(self):
        self.authenticate(None, None)
        self._send_code("13900006666")
        code = self._code_sent_to("13900006666")
        self.env["groupbuy.phone.verification"].search([("phone", "=", "13900006666")]).expires_at = (
            fields.Datetime.now() - timedelta(seconds=1)
        )
        response = self._post(f"/en{self.url}/join", {
            f"qty_{self.campaign.line_ids[0].id}": "1", "answer_note": "x", "name": "迟到", "phone": "13900006666",
            "sms_code": code,
        })
        self.assertEqual(response.status_code, 400)
        self.assertIn("Ask for a code first", response.text)
        self.assertFalse(self.campaign.order_ids)

    def test_sends_are_limited_per_browser(self):
        self.authenticate(None, None)
        for i in range(5):
            self.assertEqual(self._send_code(f"1390000500{i}").status_code, 200)
        response = self._send_code("13900005009")
        self.assertEqual(response.status_code, 400)
        self.assertIn("Too many codes were asked from this browser", response.text)
        self.assertFalse(self._sms, "no text message beyond the limit")

    def test_free_text_answers_are_for_the_leader_unless_made_public(self):
        campaign = self._open_campaign(name="问答团", answer_definition=[
            {"name": "ripeness", "string": "成熟度", "type": "selection", "selection": [["soft", "软桃"], ["firm", "脆桃"]]},
            {"name": "note", "string": "备注", "type": "char"},
        ])
        self._join(campaign, self.customers[0], answers={"ripeness": "soft", "note": "放门卫室"})
        html = self.url_open(f"/en{campaign.website_url}").text
        chain = html.split('id="groupbuy_chain"')[1]
        self.assertIn("成熟度: 软桃", chain)
        self.assertNotIn("放门卫室", html, "free text stays with the leader")
        chain = self.make_jsonrpc_request(f"{campaign.website_url}/chain", {"after": 0})
        self.assertEqual(chain["entries"][0]["answers"], [["成熟度", "软桃"]])
        self.authenticate("gb_leader", "gb_leader")
        self.assertIn("放门卫室", self.url_open(f"/my/groupbuy/campaigns/{campaign.id}").text)
        # staff list the public questions by label
        campaign.public_question_names = "备注"
        self.authenticate(None, None)
        chain = self.url_open(f"/en{campaign.website_url}").text.split('id="groupbuy_chain"')[1]
        self.assertIn("放门卫室", chain)
        self.assertNotIn("软桃", chain, "only the listed questions are public")

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
        response = self._send_code("123")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._sms, "no text message to a number that cannot be one")
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
        first = self._join(self.campaign, self.customers[0], answers={"note": "a"})
        second = self._join(self.campaign, self.customers[1], answers={"note": "b"})
        result = self.make_jsonrpc_request(f"{self.url}/chain", {"after": first.groupbuy_sequence})
        self.assertEqual([e["sequence"] for e in result["entries"]], [second.groupbuy_sequence])
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
        self.assertEqual(order._groupbuy_entry_url(), f"/my/orders/{order.id}/groupbuy?access_token={token}",
                         "the entry page is the sale portal's order page's, with its token")
        entry = f"/my/orders/{order.id}/groupbuy"
        self.authenticate(None, None)
        for url in (entry, f"/my/groupbuy/{order.id}"):
            self.assertEqual(self.url_open(url).status_code, 404)
            self.assertEqual(self.url_open(f"{url}?access_token=wrong").status_code, 404)
            self.assertEqual(self.url_open(f"{url}?access_token={token}").status_code, 200)
        self.authenticate("gb_outsider", "gb_outsider")
        self.assertEqual(self.url_open(entry).status_code, 404)
        response = self._post(f"{entry}/cancel", {})
        self.assertEqual(response.status_code, 404)
        response = self._post(f"{entry}/update", {f"qty_{self.campaign.line_ids[0].id}": "3"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.order_line.product_uom_qty, 1)
        self.authenticate("gb_cust", "gb_cust")
        self.assertEqual(self.url_open(entry).status_code, 200)
        listing = self.url_open("/my/groupbuy").text
        self.assertIn(self.campaign.name, listing)
        self.assertIn(f"/my/orders/{order.id}/groupbuy?access_token=", listing)

    def test_portal_lists_keep_their_own_paging(self):
        """Odoo merges every CustomerPortal subclass: the group buys list pages by 20
        without changing how sale's /my/orders pages (80 a page)."""
        service = self.env["product.product"].create({"name": "配送服务", "type": "service", "list_price": 1.0})
        orders = self.env["sale.order"].create([
            {"partner_id": self.customers[0].id, "order_line": [Command.create({"product_id": service.id})]}
            for _i in range(21)
        ])
        orders.action_confirm()
        campaign = self._open_campaign(name="分页团", min_participants=30)
        for _i in range(21):
            self._join(campaign, self.customers[0])
        self.authenticate("gb_cust", "gb_cust")
        html = self.url_open("/my/orders").text
        self.assertNotIn("/my/orders/page/2", html, "sale's list is not cut at 20")
        for order in orders:
            self.assertIn(f"/my/orders/{order.id}?", html)
        html = self.url_open("/my/groupbuy").text
        self.assertIn("/my/groupbuy/page/2", html, "our own list pages by 20")
        self.assertEqual(html.count("/groupbuy?access_token="), 20)

    def test_customer_changes_then_cancels_with_refunds(self):
        order = self._join(self.campaign, self.customers[0], qty=3, answers={"note": "a"})
        self._pay(order)
        self.authenticate("gb_cust", "gb_cust")
        line = self.campaign.line_ids[0]
        entry = f"/my/orders/{order.id}/groupbuy"
        response = self._post(f"{entry}/update", {f"qty_{line.id}": "1", "answer_note": "改到晚上"})
        self.assertEqual(response.status_code, 303)
        self.assertIn(f"{entry}?access_token=", response.headers["Location"])
        self.assertIn("message=updated", response.headers["Location"])
        self.assertEqual(order.order_line.product_uom_qty, 1)
        self.assertEqual(order.groupbuy_answers, {"note": "改到晚上"})
        self.assertAlmostEqual(line.sold_qty, 1)
        refunds = order.transaction_ids.child_transaction_ids
        self.assertAlmostEqual(sum(refunds.mapped("amount")), -59.8, msg="two boxes refunded at once")
        changed = self._customer_mail(order, "was changed")
        self.assertIn("59.80", changed.body_html, "the mail says what was refunded")
        response = self._post(f"{entry}/cancel", {})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(order.state, "cancel")
        self.assertAlmostEqual(order.groupbuy_amount_paid, 0.0)
        self.assertEqual(line.sold_qty, 0)
        cancelled = self._customer_mail(order, "is cancelled")
        self.assertIn("29.90", cancelled.body_html)
        # the customer reads them in the portal too: comments on their order, not notes
        for mail in changed | cancelled:
            self.assertEqual(mail.mail_message_id.message_type, "comment")
            self.assertFalse(mail.mail_message_id.subtype_id.internal)
        self.assertIn("o_groupbuy_entry_messages", self.url_open(entry).text)

    def _customer_mail(self, order, subject):
        mail = self.env["mail.mail"].search([
            ("model", "=", "sale.order"), ("res_id", "=", order.id), ("subject", "ilike", subject),
        ])
        self.assertEqual(len(mail), 1, f"one mail '{subject}' to the customer")
        self.assertEqual(mail.recipient_ids, order.partner_id)
        return mail

    def test_entry_confirmed_by_the_group_can_still_be_paid(self):
        campaign = self._open_campaign(min_participants=1, answers_required=False)
        order = self._join(campaign, self.customers[0], qty=2)
        self.assertEqual(order.state, "sale", "the group formed with this join")
        self.authenticate("gb_cust", "gb_cust")
        self.assertIn("o_groupbuy_pay", self.url_open(order._groupbuy_entry_url()).text)
        self.assertIn("o_sale_portal_paynow", self.url_open(order.get_portal_url()).text)
        self._pay(order)
        self.assertNotIn("o_groupbuy_pay", self.url_open(order._groupbuy_entry_url()).text)

    def test_after_deadline_the_page_says_why_not(self):
        order = self._join(self.campaign, self.customers[0], answers={"note": "a"})
        self.campaign.cancel_deadline = fields.Datetime.now() - timedelta(minutes=1)
        self.campaign.date_start = fields.Datetime.now() - timedelta(hours=2)
        self.authenticate("gb_cust", "gb_cust")
        html = self.url_open(order._groupbuy_entry_url()).text
        self.assertIn("can no longer be changed or cancelled", html)
        self.assertNotIn("o_groupbuy_cancel", html)
        response = self._post(f"/my/orders/{order.id}/groupbuy/cancel", {})
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
        Verification = type(self.env["groupbuy.phone.verification"])
        with self.mockSMSGateway(), patch.object(Verification, "_new_code", lambda self: "246810"):
            self.start_tour(self.url, "groupbuy_visitor_join_pay")
        self.assertEqual(self._code_sent_to("13900009999"), "246810", "the code came by SMS")
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

    def test_tour_countdown_in_chinese(self):
        # the server writes the first countdown (in Chinese too): the tour checks the
        # script's own, ticking text ("距结束 1天 23:59:59", not "Ends in 1d 23:59:59")
        self.start_tour(f"/zh_CN{self.url}", "groupbuy_countdown_zh")

    def test_tour_outsider_turned_away(self):
        self.campaign.write({"mode": "exclusive", "allowed_community_ids": [Command.set(self.community.ids)]})
        self.start_tour(self.url, "groupbuy_exclusive_outsider", login="gb_outsider")

import re
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from .test_website import GroupbuyHttpCommon


class ExclusiveVisitorCommon(GroupbuyHttpCommon):
    """An exclusive campaign for the members of the leader's community, visited by
    someone who is not logged in.

    Codes go out through Odoo's SMS stack: a real ``sms.sms`` record is created and sent
    in test mode, only IAP's transport is replaced (``SMSCase.mockSMSGateway``, as
    Odoo's own ``sms`` tests do); the code is read from the text message's body.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exclusive = cls._open_campaign(
            name="会员专享桃", mode="exclusive", allowed_community_ids=[Command.set(cls.community.ids)],
            min_participants=5,
        )
        cls.exclusive_url = cls.exclusive.website_url
        cls.member = cls.customers[1]  # in the community, phone 13900000002
        cls.stranger = cls.customers[9]  # a customer outside it, phone 13900000010

    def _sms_code(self, number, content=None):
        """The code in the last text message Odoo's SMS stack sent to ``number``."""
        sms = self.env["sms.sms"].sudo().search([("number", "=", number)], order="id desc", limit=1)
        self.assertTrue(sms, f"no text message for {number}")
        self.assertEqual(sms.state, "pending", "handed to the SMS gateway")
        if content:
            self.assertIn(content, sms.body)
        return re.search(r"\b(\d{6})\b", sms.body).group(1)

    def _send_exclusive_code(self, phone, lang="/en"):
        with self.mockSMSGateway():
            return self._post(f"{lang}{self.exclusive_url}/send_code", {"phone": phone})

    def _verify(self, phone, code, lang="/en"):
        return self._post(f"{lang}{self.exclusive_url}/verify_phone", {"phone": phone, "sms_code": code})

    def _join_exclusive(self, data=None, lang="/en"):
        return self._post(f"{lang}{self.exclusive_url}/join", dict(
            {f"qty_{self.exclusive.line_ids[0].id}": "1"}, **(data or {})
        ))


@tagged("post_install", "-at_install")
class TestExclusiveVisitor(ExclusiveVisitorCommon):

    def test_member_proves_phone_on_the_exclusive_page_and_joins_as_themselves(self):
        self.authenticate(None, None)
        html = self.url_open(f"/en{self.exclusive_url}").text
        self.assertIn("o_groupbuy_exclusive", html)
        self.assertIn("o_groupbuy_verify_phone", html, "a visitor is offered to prove their phone")
        self.assertNotIn("o_groupbuy_join_button", html)
        response = self._send_exclusive_code("139 0000 0002")
        self.assertEqual(response.status_code, 200, self._error(response))
        self.assertIn("139****0002", response.text)
        self.assertNotIn(self.member.name, response.text, "sending a code tells nothing about the number")
        code = self._sms_code("13900000002", content="Your group buying code is")
        response = self._verify("13900000002", code)
        self.assertEqual(response.status_code, 303, self._error(response))
        html = self.url_open(f"/en{self.exclusive_url}").text
        self.assertIn("o_groupbuy_join_button", html, "the proven member gets the join form")
        self.assertIn("o_groupbuy_phone_proven", html)
        self.assertIn(f'value="{self.member.name}"', html)
        response = self._join_exclusive({"phone": "13900000002", "name": self.member.name})
        self.assertEqual(response.status_code, 303, self._error(response))
        self.assertEqual(self.exclusive.order_ids.partner_id, self.member, "the member's own contact")
        self.assertEqual(self.env["res.partner"].search_count([("phone", "=", "13900000002")]), 1)
        self.assertIn("o_groupbuy_already", self.url_open(f"/en{self.exclusive_url}").text)

    def test_a_proven_phone_outside_the_segment_is_refused(self):
        self.authenticate(None, None)
        self._send_exclusive_code("13900000010")
        response = self._verify("13900000010", self._sms_code("13900000010"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("is verified, but it is not on the member list of this group", response.text)
        self.assertIn("139****0010", response.text)
        self.assertNotIn("o_groupbuy_join_button", response.text)
        # the join itself says no too, and writes nothing
        response = self._join_exclusive({"phone": "13900000010", "name": "游客"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("is reserved for members of its communities", response.text)
        self.assertFalse(self.exclusive.order_ids)
        # a number no contact has is refused the same way, and no contact is made for it
        self.env.cr.execute(
            "UPDATE groupbuy_phone_verification SET create_date = create_date - interval '2 minutes'"
        )
        self.env["groupbuy.phone.verification"].invalidate_model(["create_date"])
        self._send_exclusive_code("13700001234")
        response = self._verify("13700001234", self._sms_code("13700001234"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("not on the member list", response.text)
        self.assertFalse(self.env["res.partner"].search([("phone", "=", "13700001234")]))

    def test_a_typed_member_number_proves_nothing(self):
        self.authenticate(None, None)
        response = self._verify(self.member.phone, "")
        self.assertEqual(response.status_code, 400)
        self.assertIn("Prove this phone number is yours", response.text)
        response = self._verify(self.member.phone, "123456")
        self.assertEqual(response.status_code, 400)
        self.assertIn("Ask for a code first", response.text, "no code was sent: no code is right")
        for data in ({"phone": self.member.phone, "name": "冒充者"},
                     {"phone": self.member.phone, "name": "冒充者", "sms_code": "000000"}):
            response = self._join_exclusive(data)
            self.assertEqual(response.status_code, 400)
        self.assertFalse(self.exclusive.order_ids)
        self.assertNotIn("o_groupbuy_join_button", self.url_open(f"/en{self.exclusive_url}").text)

    def test_wrong_codes_kill_the_code_and_sends_are_capped_per_day(self):
        self.authenticate(None, None)
        self._send_exclusive_code(self.member.phone)
        code = self._sms_code(self.member.phone)
        wrong = f"{(int(code) + 1) % 1000000:06d}"
        for _i in range(4):
            self.assertIn("The code is wrong", self._verify(self.member.phone, wrong).text)
        self.assertIn("Wrong code too many times", self._verify(self.member.phone, wrong).text)
        response = self._verify(self.member.phone, code)
        self.assertEqual(response.status_code, 400, "the right code comes too late")
        self.assertNotIn("o_groupbuy_join_button", self.url_open(f"/en{self.exclusive_url}").text)
        # ten codes a day for one number, whatever the browser
        Verification = self.env["groupbuy.phone.verification"]
        for _i in range(Verification.MAX_SENDS_PER_DAY - 1):
            self.env.cr.execute(
                "UPDATE groupbuy_phone_verification SET create_date = create_date - interval '61 minutes'"
            )
            Verification.invalidate_model(["create_date"])
            with self.mockSMSGateway():
                Verification._send_code(self.member.phone)
        self.env.cr.execute(
            "UPDATE groupbuy_phone_verification SET create_date = create_date - interval '61 minutes'"
        )
        Verification.invalidate_model(["create_date"])
        self.authenticate(None, None)  # a new browser
        response = self._send_exclusive_code(self.member.phone)
        self.assertEqual(response.status_code, 400)
        self.assertIn("Too many codes were sent to this number today", response.text)
        self.assertFalse(self._sms, "no text message beyond the day's limit")


@tagged("post_install", "-at_install")
class TestExclusiveVisitorTour(ExclusiveVisitorCommon):
    browser_size = "390x844"  # a phone

    def test_tour_member_proves_phone_and_joins_in_chinese(self):
        Verification = type(self.env["groupbuy.phone.verification"])
        with self.mockSMSGateway(), patch.object(Verification, "_new_code", lambda self: "135790"):
            self.start_tour(f"/zh_CN{self.exclusive_url}", "groupbuy_exclusive_member_phone")
        self.assertEqual(self._sms_code("13900000002", content="您的社群团购验证码是"), "135790")
        order = self.exclusive.order_ids
        self.assertEqual(order.partner_id, self.member)
        self.assertEqual(order.order_line.product_uom_qty, 2)

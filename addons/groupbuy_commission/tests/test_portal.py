from odoo.exceptions import AccessError
from odoo.modules.module import get_manifest, get_modules
from odoo.tests import HttpCase, new_test_user, tagged

from .common import GroupbuyCommissionCommon


class GroupbuyCommissionHttpCommon(HttpCase, GroupbuyCommissionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()

        def portal_user(login, partner):
            return new_test_user(cls.env, login=login, groups="base.group_portal", partner_id=partner.id,
                                 name=partner.name, lang="en_US")

        cls.leader_user = portal_user("gbc_leader", cls.leader)
        cls.other_leader_user = portal_user("gbc_leader2", cls.other_leader)
        cls.head_user = portal_user("gbc_head", cls.head_leader)
        cls.customer_user = portal_user("gbc_customer", cls.customers[0])
        # 李 earns 10 % of 2 × 300.00; 赵 10 % of 1 × 500.00; both settled and billed
        _c, cls.my_orders = cls._formed_campaign(customers=cls.customers[:2], price=300.0)
        _c, cls.their_orders = cls._formed_campaign(
            customers=cls.customers[2:3], price=500.0, leader_id=cls.other_leader.id, community_id=False
        )

    def setUp(self):
        super().setUp()
        self._make_eligible(self.my_orders | self.their_orders)
        settlements = self._settle()
        self.my_settlement = settlements.filtered(lambda s: s.leader_id == self.leader)
        self.their_settlement = settlements.filtered(lambda s: s.leader_id == self.other_leader)

    def _post(self, url, data):
        page = self.url_open("/my/groupbuy/commission").text
        marker = 'name="csrf_token" value="'
        start = page.index(marker) + len(marker)
        data = dict(data, csrf_token=page[start:page.index('"', start)])
        return self.url_open(url, data=data, allow_redirects=False)


@tagged("post_install", "-at_install")
class TestCommissionPortal(GroupbuyCommissionHttpCommon):
    def test_record_rules_keep_a_leader_to_their_own(self):
        Line = self.env["groupbuy.commission.line"].with_user(self.leader_user)
        self.assertEqual(Line.search([]).leader_id, self.leader)
        Settlement = self.env["groupbuy.commission.settlement"].with_user(self.leader_user)
        self.assertEqual(Settlement.search([]), self.my_settlement)
        with self.assertRaises(AccessError):
            self.their_settlement.with_user(self.leader_user).read(["amount_total"])
        with self.assertRaises(AccessError):
            Line.create({"leader_id": self.leader.id, "amount": 100.0})
        mine = self.env["groupbuy.withdrawal"].create({
            "leader_id": self.leader.id, "amount": 20.0, "bank_account_id": self.leader_bank.id,
        })
        self.assertEqual(self.env["groupbuy.withdrawal"].with_user(self.other_leader_user).search([]).ids, [])
        self.assertEqual(self.env["groupbuy.withdrawal"].with_user(self.leader_user).search([]), mine)
        with self.assertRaises(AccessError):
            mine.with_user(self.leader_user).write({"amount": 60.0})

    def test_commission_page_shows_the_leaders_own_numbers(self):
        self.authenticate("gbc_leader", "gbc_leader")
        response = self.url_open("/my/groupbuy/commission")
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn("o_groupbuy_available", page)
        self.assertIn(self.currency.format(60.0), page)
        self.assertIn(self.my_settlement.name, page)
        self.assertNotIn(self.their_settlement.name, page)
        self.assertIn(self.env["sale.order"]._groupbuy_mask_name(self.customers[0].name), page)
        self.assertNotIn(self.customers[0].name, page)
        lines = self.url_open("/my/groupbuy/commission/lines")
        self.assertEqual(lines.status_code, 200)
        self.assertIn(self.my_orders[0].name, lines.text)
        self.assertNotIn(self.their_orders.name, lines.text)

    def test_head_leader_sees_team_totals_not_customers(self):
        self.authenticate("gbc_head", "gbc_head")
        page = self.url_open("/my/groupbuy/commission").text
        self.assertIn("o_groupbuy_commission_team", page)
        self.assertIn(self.leader.name, page)
        self.assertIn(self.currency.format(12.0), page)  # 20 % of 李's 60.00

    def test_statement_only_for_its_leader(self):
        self.authenticate("gbc_leader", "gbc_leader")
        url = f"/my/groupbuy/commission/statements/{self.my_settlement.id}"
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"%PDF") or b"Commission statement" in response.content)
        self.assertEqual(self.url_open(f"/my/groupbuy/commission/statements/{self.their_settlement.id}").status_code, 404)
        self.assertEqual(self.url_open(url + "?report_type=text").status_code, 404)

    def test_routes_are_for_leaders_only(self):
        routes = [
            "/my/groupbuy/commission",
            "/my/groupbuy/commission/lines",
            f"/my/groupbuy/commission/statements/{self.my_settlement.id}",
        ]
        for url in routes:
            response = self.url_open(url)
            self.assertIn("/web/login", response.url, f"{url}: a visitor is sent to log in")
        self.authenticate("gbc_customer", "gbc_customer")
        for url in routes:
            self.assertEqual(self.url_open(url).status_code, 404, f"{url}: not for a customer")
        # a customer's POST is refused like the pages
        self.assertEqual(self._post_as_customer(), 404)

    def _post_as_customer(self):
        # the customer's own entry page gives the session's CSRF token
        page = self.url_open(f"/my/groupbuy/{self.my_orders[0].id}").text
        marker = 'name="csrf_token" value="'
        token = page[page.index(marker) + len(marker):].split('"', 1)[0]
        response = self.url_open("/my/groupbuy/commission/withdraw", data={"amount": "20", "csrf_token": token})
        return response.status_code

    def test_withdraw_from_the_portal_with_a_new_bank_account(self):
        self.leader_bank.unlink()
        self.authenticate("gbc_leader", "gbc_leader")
        page = self.url_open("/my/groupbuy/commission").text
        self.assertIn('name="acc_number"', page, "asked for a bank account when there is none")
        response = self._post("/my/groupbuy/commission/withdraw", {"amount": "80", "method": "bank", "acc_number": "6214830000001111"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("at most", response.text)
        self.assertFalse(self.leader.bank_ids, "a refused request keeps nothing")
        response = self._post("/my/groupbuy/commission/withdraw", {
            "amount": "50", "method": "bank", "acc_number": "6214830000001111", "bank_name": "招商银行",
        })
        self.assertEqual(response.status_code, 303)
        withdrawal = self.env["groupbuy.withdrawal"].search([("leader_id", "=", self.leader.id)])
        self.assertEqual(withdrawal.amount, 50.0)
        self.assertEqual(withdrawal.bank_account_id.acc_number, "6214830000001111")
        self.assertEqual(withdrawal.state, "requested")
        # someone else's bank account id is refused
        others = self.env["res.partner.bank"].create({"partner_id": self.other_leader.id, "acc_number": "777"})
        response = self._post("/my/groupbuy/commission/withdraw", {"amount": "10", "bank_account_id": str(others.id)})
        self.assertEqual(response.status_code, 400)
        self.assertIn("of your own", response.text)

    def test_store_credit_route_only_for_the_entrys_owner(self):
        campaign = self._open_campaign([{"product_id": self.peach.id, "price_unit": 20.0}], min_participants=5)
        entry = self.env["sale.order"].browse(campaign.join(self.leader.id, [{"product_id": self.peach.id, "qty": 1}]))
        withdrawal = self.env["groupbuy.withdrawal"].create({"leader_id": self.leader.id, "amount": 15.0, "method": "store_credit"})
        withdrawal.action_approve()
        withdrawal.action_pay()
        self.authenticate("gbc_leader2", "gbc_leader2")
        self.assertEqual(self._post(f"/my/groupbuy/{entry.id}/store_credit", {}).status_code, 404)
        self.authenticate("gbc_leader", "gbc_leader")
        page = self.url_open(f"/my/groupbuy/{entry.id}").text
        self.assertIn("o_groupbuy_store_credit", page)
        response = self._post(f"/my/groupbuy/{entry.id}/store_credit", {})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(entry.amount_total, 5.0)


@tagged("post_install", "-at_install")
class TestCommissionTours(GroupbuyCommissionHttpCommon):
    browser_size = "375x740"
    touch_enabled = True

    def test_tour_leader_withdraws_on_a_phone(self):
        self.start_tour("/my/groupbuy/commission", "groupbuy_commission_leader_withdraw", login="gbc_leader")
        withdrawal = self.env["groupbuy.withdrawal"].search([("leader_id", "=", self.leader.id)])
        self.assertEqual(withdrawal.amount, 45.0)
        self.assertEqual(withdrawal.bank_account_id, self.leader_bank)
        self.assertEqual(withdrawal.state, "requested")


@tagged("post_install", "-at_install")
class TestCommissionStaffTour(HttpCase, GroupbuyCommissionCommon):
    def setUp(self):
        super().setUp()
        # the web client's first page loads many static files at once, and Python 3.11's
        # ast.parse (manifests) is not safe across threads: read them all beforehand
        for module in get_modules():
            get_manifest(module)

    def test_tour_staff_settle_then_pay(self):
        _c, orders = self._formed_campaign(customers=self.customers[:2], price=300.0)
        self._make_eligible(orders)
        self.start_tour(
            "/odoo/action-groupbuy_commission.action_groupbuy_commission_settlement",
            "groupbuy_commission_staff_settle",
            login="admin",
        )
        settlement = self.env["groupbuy.commission.settlement"].search([("leader_id", "=", self.leader.id)])
        self.assertEqual(settlement.amount_total, 60.0)
        self.assertEqual(settlement.move_id.state, "posted")
        withdrawal = self.env["groupbuy.withdrawal"].create({
            "leader_id": self.leader.id, "amount": 60.0, "bank_account_id": self.leader_bank.id,
        })
        self.start_tour(
            "/odoo/action-groupbuy_commission.action_groupbuy_withdrawal",
            "groupbuy_commission_staff_pay",
            login="admin",
        )
        self.assertEqual(withdrawal.state, "paid")
        self.assertEqual(settlement.state, "paid")

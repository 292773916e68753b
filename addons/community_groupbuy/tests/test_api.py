import json

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestJsonRpcApi(HttpCase):
    """The API integrators script against, through Odoo's real JSON-RPC endpoint."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env, login="gb_api", password="gb_api_pass_2026",
            groups="community_groupbuy.group_groupbuy_officer",
        )
        cls.leader = cls.env["res.partner"].create({"name": "API 团长", "groupbuy_is_leader": True})
        cls.customers = cls.env["res.partner"].create([{"name": "API 顾客A"}, {"name": "API 顾客B"}])
        cls.product = cls.env["product.product"].create({"name": "赣南脐橙 5斤装", "list_price": 35.0})

    def _rpc(self, service, method, *args):
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1,
                   "params": {"service": service, "method": method, "args": list(args)}}
        response = self.url_open("/jsonrpc", data=json.dumps(payload),
                                 headers={"Content-Type": "application/json"})
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _execute(self, uid, model, method, *args, **kwargs):
        return self._rpc("object", "execute_kw", self.env.cr.dbname, uid, "gb_api_pass_2026",
                         model, method, list(args), kwargs)

    def test_campaign_api_over_jsonrpc(self):
        uid = self._rpc("common", "login", self.env.cr.dbname, "gb_api", "gb_api_pass_2026")["result"]
        self.assertEqual(uid, self.officer.id)
        now = fields.Datetime.now()
        created = self._execute(uid, "groupbuy.campaign", "create", [{
            "name": "脐橙团",
            "leader_id": self.leader.id,
            "date_start": fields.Datetime.to_string(now.replace(microsecond=0)),
            "date_end": "2099-01-01 00:00:00",
            "min_participants": 2,
            "line_ids": [[0, 0, {
                "product_id": self.product.id, "price_unit": 29.9, "max_qty": 10,
                "max_qty_per_customer": 3,
                "tier_ids": [[0, 0, {"min_participants": 2, "price_unit": 27.9}]],
            }]],
        }])
        campaign_id = created["result"][0]
        self.assertTrue(self._execute(uid, "groupbuy.campaign", "action_schedule", [campaign_id])["result"])
        join = self._execute(uid, "groupbuy.campaign", "join", [campaign_id],
                             self.customers[0].id, [{"product_id": self.product.id, "qty": 2}])
        order_id = join["result"]
        self.assertIsInstance(order_id, int)
        with mute_logger("odoo.http"):  # the server logs the refusal it returns
            refused = self._execute(uid, "groupbuy.campaign", "join", [campaign_id],
                                    self.customers[1].id, [{"product_id": self.product.id, "qty": 4}])
        self.assertEqual(refused["error"]["data"]["name"], "odoo.exceptions.UserError")
        self.assertIn("at most 3", refused["error"]["data"]["message"])
        self._execute(uid, "groupbuy.campaign", "join", [campaign_id],
                      self.customers[1].id, [{"product_id": self.product.id, "qty": 1}])
        fields_read = ["name", "leader_id", "date_start", "date_end", "min_participants",
                       "state", "participant_count", "line_ids"]
        record = self._execute(uid, "groupbuy.campaign", "read", [campaign_id], fields_read)["result"][0]
        self.assertEqual(record["state"], "succeeded")
        self.assertEqual(record["participant_count"], 2)
        self.assertEqual(record["leader_id"][0], self.leader.id)
        line = self._execute(uid, "groupbuy.campaign.line", "read", record["line_ids"],
                             ["product_id", "price_unit", "max_qty", "max_qty_per_customer", "tier_ids"])["result"][0]
        self.assertEqual(line["max_qty"], 10)
        tier = self._execute(uid, "groupbuy.price.tier", "read", line["tier_ids"],
                             ["min_participants", "price_unit"])["result"][0]
        self.assertEqual((tier["min_participants"], tier["price_unit"]), (2, 27.9))
        copy_id = self._execute(uid, "groupbuy.campaign", "copy", [campaign_id])["result"][0]
        self.assertEqual(self._execute(uid, "groupbuy.campaign", "read", [copy_id], ["state"])["result"][0]["state"], "draft")
        self.assertTrue(self._execute(uid, "groupbuy.campaign", "action_close", [campaign_id])["result"])
        self.assertTrue(self._execute(uid, "groupbuy.campaign", "action_cancel", [copy_id])["result"])
        order = self._execute(uid, "sale.order", "read", [order_id], ["groupbuy_campaign_id", "groupbuy_sequence", "state"])["result"][0]
        self.assertEqual(order["groupbuy_campaign_id"][0], campaign_id)
        self.assertEqual(order["groupbuy_sequence"], 1)
        self.assertEqual(order["state"], "sale")

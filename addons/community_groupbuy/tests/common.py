from datetime import timedelta

from odoo import Command, fields

from odoo.addons.sale.tests.common import SaleCommon


class GroupbuyCommon(SaleCommon):
    """A leader with a community, customers, two fresh-food products and helpers to
    open campaigns, join them and pay through the demo payment provider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # payments are made through Odoo's demo provider: the test database needs it
        if cls.env["ir.module.module"]._get("payment_demo").state != "installed":
            raise RuntimeError(
                "The group buying tests pay through payment_demo: install it in the test "
                "database (GROUPBUY_ADDONS=community_groupbuy,payment_demo)."
            )
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        Partner = cls.env["res.partner"]
        cls.head_leader = Partner.create({"name": "王总团", "groupbuy_is_leader": True})
        cls.leader = Partner.create({
            "name": "李团长",
            "groupbuy_is_leader": True,
            "groupbuy_parent_leader_id": cls.head_leader.id,
            "phone": "13800000001",
        })
        cls.other_leader = Partner.create({"name": "赵团长", "groupbuy_is_leader": True})
        cls.customers = Partner.create([
            {"name": f"顾客{i}", "phone": f"1390000{i:04d}"} for i in range(1, 13)
        ])
        cls.community = cls.env["groupbuy.community"].create({
            "name": "阳光花园1号群",
            "leader_id": cls.leader.id,
            "member_ids": [Command.set(cls.customers[:4].ids)],
        })
        ProductTemplate = cls.env["product.template"]
        cls.peach = ProductTemplate.create({
            "name": "阳山水蜜桃",
            "type": "consu",
            "is_storable": True,
            "list_price": 39.9,
            "taxes_id": [Command.clear()],
        }).product_variant_id
        cls.rice = ProductTemplate.create({
            "name": "五常大米 5斤装",
            "type": "consu",
            "list_price": 59.0,
            "taxes_id": [Command.clear()],
        }).product_variant_id
        cls.demo_provider = cls.env.ref("payment.payment_provider_demo")
        cls.demo_provider.write({"state": "test"})
        cls.demo_method = cls.env.ref("payment_demo.payment_method_demo")

    @classmethod
    def _create_campaign(cls, lines=None, **values):
        now = fields.Datetime.now()
        vals = {
            "name": "水蜜桃拼团",
            "leader_id": cls.leader.id,
            "community_id": cls.community.id,
            "date_start": now - timedelta(hours=1),
            "date_end": now + timedelta(days=1),
            "min_participants": 3,
            "line_ids": [
                Command.create(line)
                for line in (lines or [{"product_id": cls.peach.id, "price_unit": 29.9}])
            ],
        }
        vals.update(values)
        return cls.env["groupbuy.campaign"].create(vals)

    @classmethod
    def _open_campaign(cls, lines=None, **values):
        campaign = cls._create_campaign(lines, **values)
        campaign.action_schedule()
        return campaign

    def _join(self, campaign, customer, qty=1, product=None, answers=None):
        order_id = campaign.join(
            customer.id, [{"product_id": (product or self.peach).id, "qty": qty}], answers=answers
        )
        return self.env["sale.order"].browse(order_id)

    def _pay(self, order, amount=None):
        """Pay an order through the demo provider, as the website checkout does."""
        tx = self.env["payment.transaction"].create({
            "provider_id": self.demo_provider.id,
            "payment_method_id": self.demo_method.id,
            "amount": order.amount_total if amount is None else amount,
            "currency_id": order.currency_id.id,
            "partner_id": order.partner_id.id,
            "reference": self.env["payment.transaction"]._compute_reference("demo", prefix=order.name),
            "operation": "online_direct",
            "sale_order_ids": [Command.set(order.ids)],
        })
        tx._handle_notification_data("demo", {"reference": tx.reference, "simulated_state": "done"})
        tx._post_process()
        return tx

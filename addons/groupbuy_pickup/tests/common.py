from odoo import Command

from odoo.addons.community_groupbuy.tests.common import GroupbuyCommon


class GroupbuyPickupCommon(GroupbuyCommon):
    """The core's group-buying base with pickup points: two for the leader (one the
    community's default), one for the other leader, and helpers to form a group and
    bring its goods to the point."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # refused pickup codes are logged in a transaction of their own (a cursor from
        # the registry): in test mode that cursor is the test's own
        if not getattr(cls, "registry_test_mode", False):  # an HttpCase enters it itself
            cls.registry.enter_test_mode(cls.cr)
            cls.addClassCleanup(cls.registry.leave_test_mode)
        Partner = cls.env["res.partner"]
        Point = cls.env["groupbuy.pickup.point"]
        cls.point = Point.create({
            "name": "阳光花园1号楼门卫室",
            "leader_id": cls.leader.id,
            "partner_id": Partner.create({
                "name": "阳光花园1号楼", "street": "张江路100号", "city": "上海",
                "partner_latitude": 31.2050, "partner_longitude": 121.5900,
            }).id,
            "opening_hours": "每天 08:00-21:00",
            "phone": "13800000001",
            "sequence": 20,
        })
        cls.point_b = Point.create({
            "name": "阳光花园便利店",
            "leader_id": cls.leader.id,
            "partner_id": Partner.create({
                "name": "阳光花园便利店", "street": "张江路120号", "city": "上海",
                "partner_latitude": 31.2300, "partner_longitude": 121.6200,
            }).id,
            "sequence": 10,
        })
        cls.other_point = Point.create({
            "name": "翠湖小区驿站",
            "leader_id": cls.other_leader.id,
            "partner_id": Partner.create({
                "name": "翠湖小区", "street": "翠湖路1号", "city": "上海",
                "partner_latitude": 31.1000, "partner_longitude": 121.4000,
            }).id,
        })
        cls.community.pickup_point_id = cls.point
        cls.carrier = cls.env.ref("groupbuy_pickup.carrier_groupbuy_pickup")

    def _form_group(self, campaign, customers, qty=1, pay=True, **join_kwargs):
        """Every customer joins (and pays), the group forms: the confirmed orders."""
        Order = self.env["sale.order"]
        orders = Order
        for customer in customers:
            order = Order.browse(campaign.join(
                customer.id, [{"product_id": self.peach.id, "qty": qty}], **join_kwargs
            ))
            if pay:
                self._pay(order)
            orders |= order
        return orders

    def _arrive(self, orders):
        orders.groupbuy_pickup_point_id.action_goods_arrived()
        return orders

    @classmethod
    def _campaign_with_points(cls, **values):
        values.setdefault("min_participants", 2)
        return cls._open_campaign(**values)

    @staticmethod
    def _set_points(campaign, points):
        campaign.pickup_point_ids = [Command.set(points.ids)]

from odoo import api, fields, models


class GroupbuyPickupAttempt(models.Model):
    """Every pickup code typed at a point: who, when, what came of it. Wrong codes
    (unknown, or another point's) count towards the verifier's lockout."""

    _name = "groupbuy.pickup.attempt"
    _description = "Pickup Code Attempt"
    _order = "create_date desc, id desc"

    user_id = fields.Many2one("res.users", required=True, index=True, ondelete="cascade", readonly=True)
    point_id = fields.Many2one("groupbuy.pickup.point", string="Pickup point", ondelete="set null", readonly=True)
    order_id = fields.Many2one("sale.order", ondelete="set null", readonly=True)
    code_tail = fields.Char(
        string="Code (last digits)", readonly=True,
        help="Only the last two digits are kept: the log never holds a usable code.",
    )
    result = fields.Selection(
        [
            ("verified", "Verified"),
            ("unknown", "Unknown code"),
            ("other_point", "Another point's code"),
            ("collected", "Already collected"),
            ("not_paid", "Not paid"),
            ("cancelled", "Cancelled"),
            ("refund", "Refund pending"),
            ("not_arrived", "Goods not arrived"),
            ("locked", "Verifier locked out"),
        ],
        required=True,
        readonly=True,
    )
    wrong_code = fields.Boolean(readonly=True, index=True)

    @api.model
    def _groupbuy_log(self, user, point, code, result, order=None, same_transaction=False):
        """Record an attempt. Refusals are recorded in a transaction of their own, so
        that the refusal (which rolls the caller's transaction back) keeps its trace and
        the lockout counts it."""
        digits = "".join(ch for ch in str(code or "") if ch.isdigit())
        vals = {
            "user_id": user.id,
            "point_id": point.id or False,
            "order_id": order.id if order else False,
            "code_tail": ("**" + digits[-2:]) if digits else "",
            "result": result,
            "wrong_code": result in ("unknown", "other_point"),
        }
        if same_transaction:
            return self.sudo().create(vals)
        self.env.flush_all()
        with self.env.registry.cursor() as cr:
            self.env(cr=cr, su=True)[self._name].create(vals)
        return True

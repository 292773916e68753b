from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        res = super()._action_done()
        # Goods returned by a customer: commissions follow the returned quantity.
        returns = self.filtered(lambda p: p.return_id and p.state == "done")
        orders = returns.sudo().move_ids.sale_line_id.order_id.filtered("groupbuy_commission_line_ids")
        if orders:
            orders._groupbuy_commission_sync()
        return res

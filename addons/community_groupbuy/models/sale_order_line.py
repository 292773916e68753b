from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    groupbuy_line_id = fields.Many2one(
        "groupbuy.campaign.line", string="Campaign line", index="btree_not_null", copy=False, readonly=True
    )

    def _compute_price_unit(self):
        # The group price is set by the campaign (and its tiers), not by the pricelist.
        super(SaleOrderLine, self.filtered(lambda l: not l.groupbuy_line_id))._compute_price_unit()

    def _compute_discount(self):
        super(SaleOrderLine, self.filtered(lambda l: not l.groupbuy_line_id))._compute_discount()

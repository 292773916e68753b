from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    groupbuy_leader_allowed = fields.Boolean(
        string="Leaders may open campaigns",
        help="The product is in the catalogue leaders choose from when they open a "
        "campaign from their portal.",
    )

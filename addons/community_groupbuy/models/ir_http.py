from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _get_translation_frontend_modules_name(cls):
        # the campaign page's script (countdown, "copied") speaks the visitor's language
        return [*super()._get_translation_frontend_modules_name(), "community_groupbuy"]

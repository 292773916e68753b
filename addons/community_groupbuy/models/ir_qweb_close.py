from lxml import etree

from odoo import models

# The context key the close's notices are rendered in (``sale.order._groupbuy_send_notices``)
CLOSE_RENDER = "groupbuy_close_render"


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _compile(self, template):
        """Mail renders a ``mail.template``'s body once per record from its source
        (``mail.render.mixin._render_template_qweb``: an etree, compiled again each time,
        as Odoo caches compiled views only). In a campaign's close, compile each source
        once per cursor and language: every customer's mail is still rendered on
        their own record, from the template in their language."""
        if not self.env.context.get(CLOSE_RENDER) or not isinstance(template, etree._Element):
            return super()._compile(template)
        context = self.env.context
        key = (
            etree.tostring(template),
            tuple(context.get(k) for k in self._get_template_cache_keys()),
            context.get("raise_on_forbidden_code_for_model"),
        )
        compiled = self.env.cr.cache.setdefault("groupbuy_close_qweb", {})
        if key not in compiled:
            compiled[key] = super()._compile(template)
        return compiled[key]

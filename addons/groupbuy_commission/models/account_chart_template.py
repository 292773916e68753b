from odoo import models


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _load(self, template_code, company, install_demo, force_create=True):
        res = super()._load(template_code, company, install_demo, force_create)
        # the commission demo's bills wait for the chart of accounts (a fresh install)
        settle = getattr(self.env.registry, "_groupbuy_commission_demo_settle", None)
        if settle:
            del self.env.registry._groupbuy_commission_demo_settle
            settle(self.env)
        return res

import io
from datetime import timedelta

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round


class GroupbuyPurchaseAllocation(models.Model):
    """How much of a campaign's need for a product was covered, and by which RFQ line
    (or by free stock): what makes buying to orders idempotent."""

    _name = "groupbuy.purchase.allocation"
    _description = "Group Buying Purchase Allocation"

    campaign_id = fields.Many2one("groupbuy.campaign", required=True, ondelete="cascade", index=True)
    product_id = fields.Many2one("product.product", required=True, ondelete="cascade", index=True)
    qty = fields.Float(string="Covered quantity", digits="Product Unit of Measure")
    stock_qty = fields.Float(string="From free stock", digits="Product Unit of Measure")
    purchase_line_id = fields.Many2one("purchase.order.line", ondelete="set null", index="btree_not_null")
    company_id = fields.Many2one(related="campaign_id.company_id", store=True)


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    groupbuy_campaign_ids = fields.Many2many(
        "groupbuy.campaign",
        "groupbuy_campaign_purchase_order_rel",
        "purchase_id",
        "campaign_id",
        string="Group campaigns",
        readonly=True,
        copy=False,
        help="The campaigns whose orders this purchase buys (以销定采).",
    )


class GroupbuyCampaign(models.Model):
    _inherit = "groupbuy.campaign"

    purchase_order_ids = fields.Many2many(
        "purchase.order",
        "groupbuy_campaign_purchase_order_rel",
        "campaign_id",
        "purchase_id",
        string="Purchase orders",
        readonly=True,
        copy=False,
    )
    purchase_order_count = fields.Integer(compute="_compute_purchase_order_count")

    def _compute_purchase_order_count(self):
        for campaign in self:
            campaign.purchase_order_count = len(campaign.purchase_order_ids)

    def _groupbuy_purchase_plan(self):
        """What to buy for these campaigns' confirmed orders, per product:
        ``[{"product", "need", "covered", "stock", "buy", "seller", "campaigns": {campaign: qty}}]``.
        The need is summed in two grouped reads (orders, allocations), not per order."""
        SaleLine = self.env["sale.order.line"].sudo()
        rows = SaleLine._read_group(
            [("order_id.groupbuy_campaign_id", "in", self.ids),
             ("order_id.state", "=", "sale"),
             ("order_id.groupbuy_status", "=", "confirmed"),
             ("groupbuy_line_id", "!=", False),
             ("product_id.type", "=", "consu")],
            ["groupbuy_line_id"],
            ["product_uom_qty:sum"],
        )
        rows = [(line.campaign_id, line.product_id, qty) for line, qty in rows]
        covered = {
            (campaign.id, product.id): qty
            for campaign, product, qty in self.env["groupbuy.purchase.allocation"].sudo()._read_group(
                [("campaign_id", "in", self.ids),
                 "|", ("purchase_line_id", "=", False), ("purchase_line_id.state", "!=", "cancel")],
                ["campaign_id", "product_id"],
                ["qty:sum"],
            )
        }
        plan = {}
        for campaign, product, qty in rows:
            rounding = product.uom_id.rounding
            left = float_round(qty - covered.get((campaign.id, product.id), 0.0), precision_rounding=rounding)
            if float_compare(left, 0.0, precision_rounding=rounding) <= 0:
                continue
            entry = plan.setdefault(product, {"product": product, "need": 0.0, "campaigns": {}})
            entry["need"] += left
            entry["campaigns"][campaign] = left
        use_stock = self[:1].company_id.groupbuy_purchase_use_free_stock if self else False
        products = self.env["product.product"].browse([p.id for p in plan])
        reserved = self._groupbuy_reserved_by_own_orders(products) if use_stock else {}
        result = []
        for product, entry in plan.items():
            rounding = product.uom_id.rounding
            stock = 0.0
            if use_stock and product.is_storable:
                stock = max(0.0, product.free_qty + reserved.get(product.id, 0.0))
            stock = min(stock, entry["need"])
            buy = float_round(entry["need"] - stock, precision_rounding=rounding)
            seller = product._select_seller(quantity=buy, uom_id=product.uom_id) if buy > 0 else product.seller_ids[:0]
            result.append(dict(entry, stock=stock, buy=buy, seller=seller))
        return sorted(result, key=lambda r: r["product"].display_name)

    def _groupbuy_reserved_by_own_orders(self, products):
        """Stock the campaigns' own deliveries already reserved (it is theirs)."""
        moves = self.env["stock.move"].sudo()._read_group(
            [("sale_line_id.order_id.groupbuy_campaign_id", "in", self.ids),
             ("product_id", "in", products.ids),
             ("state", "in", ("assigned", "partially_available"))],
            ["product_id"],
            ["quantity:sum"],
        )
        return {product.id: qty for product, qty in moves}

    def _groupbuy_prepare_purchase_order(self, vendor, company):
        origin = ", ".join(self.mapped("name"))
        return {
            "partner_id": vendor.id,
            "company_id": company.id,
            "origin": origin[:200],
            "groupbuy_campaign_ids": [fields.Command.set(self.ids)],
        }

    def action_create_purchase_orders(self):
        """Buy what the confirmed orders of these campaigns need (以销定采): one draft
        RFQ per vendor (the products' vendor lists), less free stock when the company
        says so, with the campaigns as origin. What was bought (or taken from stock)
        is recorded per campaign and product: running it again orders only what is new.

        :return: the created ``purchase.order`` ids
        :raise UserError: when a product to buy has no vendor (nothing is created)
        """
        if not self:
            return []
        if len(self.company_id) > 1:
            raise UserError(self.env._("Buy for the campaigns of one company at a time."))
        company = self.company_id
        plan = self._groupbuy_purchase_plan()
        missing = [row["product"].display_name for row in plan if row["buy"] > 0 and not row["seller"]]
        if missing:
            raise UserError(self.env._(
                "Add a vendor to these products before buying: %(products)s.", products="、".join(missing)
            ))
        PurchaseOrder = self.env["purchase.order"].sudo()
        PurchaseLine = self.env["purchase.order.line"].sudo()
        by_vendor = {}
        for row in plan:
            if row["buy"] > 0:
                by_vendor.setdefault(row["seller"].partner_id, []).append(row)
        orders = PurchaseOrder.create([
            self._groupbuy_prepare_purchase_order(vendor, company) for vendor in by_vendor
        ])
        allocations = []
        for order, (vendor, rows) in zip(orders, by_vendor.items()):
            for row in rows:
                product = row["product"]
                vals = PurchaseLine._prepare_purchase_order_line(
                    product, row["buy"], product.uom_id, company, row["seller"], order
                )
                line = PurchaseLine.create(vals)
                allocations += self._groupbuy_allocation_vals(row, line)
        for row in plan:
            if row["buy"] <= 0:
                allocations += self._groupbuy_allocation_vals(row, PurchaseLine.browse())
        self.env["groupbuy.purchase.allocation"].sudo().create(allocations)
        for order in orders:
            order.message_post(body=self.env._("Bought to the orders of: %(campaigns)s.", campaigns=order.origin))
        return orders.ids

    def _groupbuy_allocation_vals(self, row, line):
        stock_left = row["stock"]
        vals = []
        for campaign, qty in row["campaigns"].items():
            from_stock = min(stock_left, qty)
            stock_left -= from_stock
            vals.append({
                "campaign_id": campaign.id,
                "product_id": row["product"].id,
                "qty": qty,
                "stock_qty": from_stock,
                "purchase_line_id": line.id or False,
            })
        return vals

    def action_view_purchase_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("purchase.purchase_rfq")
        action["domain"] = [("id", "in", self.purchase_order_ids.ids)]
        return action

    def action_buy_to_orders(self):
        """The back-office button: create the RFQs and show them."""
        ids = self.action_create_purchase_orders()
        if not ids:
            raise UserError(self.env._("Nothing to buy: these campaigns' orders are already covered."))
        action = self.env["ir.actions.act_window"]._for_xml_id("purchase.purchase_rfq")
        action["domain"] = [("id", "in", ids)]
        return action

    def _groupbuy_purchase_xlsx(self):
        _ = self.env._
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        bold = workbook.add_format({"bold": True})
        sheet = workbook.add_worksheet(_("Purchase list")[:31])
        sheet.write_row(0, 0, [_("Product"), _("Needed"), _("From stock"), _("To buy"), _("Vendor"), _("Campaigns")], bold)
        for row_index, row in enumerate(self._groupbuy_purchase_plan(), start=1):
            sheet.write_row(row_index, 0, [
                row["product"].display_name, row["need"], row["stock"], row["buy"],
                row["seller"].partner_id.name or "",
                ", ".join(c.name for c in row["campaigns"]),
            ])
        sheet.set_column(0, 5, 20)
        workbook.close()
        return output.getvalue()

    def action_export_purchase_xlsx(self):
        attachment = self.env["ir.attachment"].create({
            "name": f"purchase-list-{fields.Date.context_today(self)}.xlsx",
            "raw": self._groupbuy_purchase_xlsx(),
            "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        })
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}

    @api.model
    def _cron_groupbuy_buy_to_orders(self):
        """At the cut-off: buy for the campaigns that formed and closed in the last day."""
        now = fields.Datetime.now()
        campaigns = self.search([
            ("state", "in", ("succeeded", "done")),
            ("date_end", "<=", now),
            ("date_end", ">", now - timedelta(days=1)),
        ])
        for company in campaigns.company_id:
            company_campaigns = campaigns.filtered(lambda c: c.company_id == company)
            try:
                with self.env.cr.savepoint():
                    company_campaigns.action_create_purchase_orders()
            except UserError as error:
                company_campaigns[:1].message_post(body=error.args[0])
        return True

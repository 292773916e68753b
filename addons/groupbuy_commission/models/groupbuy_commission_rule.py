from odoo import api, fields, models
from odoo.exceptions import ValidationError


class GroupbuyCommissionRule(models.Model):
    """How much a leader earns on a sold line (佣金规则).

    A rule applies to all products, a product category, a product or one campaign, and
    to all leaders or one leader. The most specific rule wins: campaign > product >
    category > all; at the same level a leader's own rule beats the general one.
    """

    _name = "groupbuy.commission.rule"
    _description = "Group Buying Commission Rule"
    _inherit = ["mail.thread"]
    _order = "level desc, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_type = fields.Selection(
        [
            ("percent", "Percentage of the sale"),
            ("fixed", "Fixed amount per unit"),
            ("margin", "Percentage of the margin"),
        ],
        string="Type",
        required=True,
        default="percent",
        tracking=True,
        help="Percentage of the line's untaxed amount; a fixed amount per unit sold; or a "
        "percentage of the margin (untaxed amount less the product's cost).",
    )
    value = fields.Float(
        required=True,
        tracking=True,
        digits="Product Price",
        help="The percentage, or for a fixed rule the amount per unit. Tiers replace it "
        "once the campaign reaches their number of participants.",
    )
    product_id = fields.Many2one("product.product", check_company=True, index=True)
    categ_id = fields.Many2one("product.category", string="Product category", index=True)
    campaign_id = fields.Many2one("groupbuy.campaign", check_company=True, index=True, ondelete="cascade")
    leader_id = fields.Many2one(
        "res.partner",
        string="Leader",
        domain="[('groupbuy_is_leader', '=', True)]",
        index=True,
        help="Only this leader; empty for all leaders.",
    )
    tier_ids = fields.One2many("groupbuy.commission.rule.tier", "rule_id", string="Tiers by group size")
    team_percent = fields.Float(
        string="Head leader's share (%)",
        tracking=True,
        help="The head leader (总团长) of the earning leader earns this percentage of the "
        "leader's commission, as a separate team line.",
    )
    level = fields.Integer(
        compute="_compute_level",
        store=True,
        help="How specific the rule is: 4 campaign, 3 product, 2 category, 1 all products.",
    )
    scope = fields.Char(compute="_compute_scope")

    _sql_constraints = [
        ("value_positive", "CHECK (value >= 0)", "A commission rate cannot be negative."),
        (
            "team_percent_range",
            "CHECK (team_percent >= 0 AND team_percent <= 100)",
            "The head leader's share is a percentage between 0 and 100.",
        ),
    ]

    @api.depends("campaign_id", "product_id", "categ_id")
    def _compute_level(self):
        for rule in self:
            rule.level = 4 if rule.campaign_id else 3 if rule.product_id else 2 if rule.categ_id else 1

    @api.depends("campaign_id", "product_id", "categ_id", "leader_id")
    def _compute_scope(self):
        for rule in self:
            if rule.campaign_id:
                scope = self.env._("Campaign %(name)s", name=rule.campaign_id.name)
            elif rule.product_id:
                scope = self.env._("Product %(name)s", name=rule.product_id.display_name)
            elif rule.categ_id:
                scope = self.env._("Category %(name)s", name=rule.categ_id.display_name)
            else:
                scope = self.env._("All products")
            if rule.leader_id:
                scope = self.env._("%(scope)s, leader %(leader)s", scope=scope, leader=rule.leader_id.name)
            rule.scope = scope

    @api.constrains("amount_type", "value", "tier_ids")
    def _check_percentages(self):
        for rule in self.filtered(lambda r: r.amount_type in ("percent", "margin")):
            if rule.value > 100 or any(t.value > 100 for t in rule.tier_ids):
                raise ValidationError(
                    self.env._("Rule %(name)s: a percentage cannot be above 100.", name=rule.name)
                )

    # ------------------------------------------------------------------
    # Which rule, at which rate
    # ------------------------------------------------------------------
    @api.model
    def _find_rule(self, order_line, leader):
        """The most specific active rule for ``order_line`` earned by ``leader``."""
        order = order_line.order_id
        product = order_line.product_id
        candidates = self.search([
            ("company_id", "=", order.company_id.id),
            ("campaign_id", "in", [False, order.groupbuy_campaign_id.id]),
            ("product_id", "in", [False, product.id]),
            ("leader_id", "in", [False, leader.id]),
        ])
        categ = product.categ_id
        ancestors = categ.parent_path and [int(i) for i in categ.parent_path.split("/") if i] or []
        candidates = candidates.filtered(lambda r: not r.categ_id or r.categ_id.id in ancestors)
        if not candidates:
            return self.browse()

        def specificity(rule):
            categ_depth = ancestors.index(rule.categ_id.id) if rule.categ_id else -1
            return (rule.level, bool(rule.leader_id), categ_depth, -rule.sequence, -rule.id)

        return max(candidates, key=specificity)

    def _get_rate(self, participants):
        """The rule's value, stepped up by the highest tier the group size reached."""
        self.ensure_one()
        reached = self.tier_ids.filtered(lambda t: t.min_participants <= participants)
        if reached:
            return max(reached, key=lambda t: t.min_participants).value
        return self.value

    def _compute_amount(self, rate, base_amount, qty, cost, currency):
        """Commission for ``qty`` units sold for ``base_amount`` (untaxed) at ``rate``."""
        self.ensure_one()
        return self.env["groupbuy.commission.line"]._groupbuy_amount(
            self.amount_type, rate, base_amount, qty, cost, currency
        )


class GroupbuyCommissionRuleTier(models.Model):
    _name = "groupbuy.commission.rule.tier"
    _description = "Group Buying Commission Tier"
    _order = "rule_id, min_participants"

    rule_id = fields.Many2one("groupbuy.commission.rule", required=True, ondelete="cascade", index=True)
    min_participants = fields.Integer(
        string="From participants", required=True, help="The rate applies from this group size (成团人数)."
    )
    value = fields.Float(required=True, digits="Product Price")

    _sql_constraints = [
        ("min_positive", "CHECK (min_participants > 0)", "A tier starts at one participant or more."),
        ("value_positive", "CHECK (value >= 0)", "A commission rate cannot be negative."),
        ("unique_min", "UNIQUE (rule_id, min_participants)", "Two tiers of a rule cannot start at the same size."),
    ]

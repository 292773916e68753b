import copy

from odoo import api, models
from odoo.tools.lru import LRU

# What the campaign page shows the same way to every visitor (the public chain list's
# page, its count, the link preview) is kept per process, keyed by the campaign's
# *version*: one query that reads what changes it from the database. Every UPDATE of a
# row gives it a new physical place (``ctid``, even within one transaction) and a new
# ``write_date`` (in another transaction), so the version holds the campaign's, its
# lines' and its tiers' ``ctid`` and last write, the units sold, and of its entries the
# number of active ones, the last one, the last write and a sum of their ``ctid``s. A
# join, a cancellation, an edit anywhere (on any node of a cluster) changes the version,
# so a cached value is never served after its campaign changed: nothing a page needs
# lives only in one process's memory, the cache only saves rebuilding the same thing for
# every visitor. Thread-safe (``LRU`` locks), bounded.
_SHARED = LRU(512)


class GroupbuyCampaign(models.Model):
    _inherit = "groupbuy.campaign"

    _PAGE_VERSION_SQL = """
        SELECT c.ctid::text, c.write_date, l.places, l.last_write, l.sold, t.places, t.last_write,
               o.active, o.last_id, o.last_write, o.places
          FROM groupbuy_campaign c,
               LATERAL (SELECT string_agg(ctid::text, ',' ORDER BY id) AS places, max(write_date) AS last_write,
                               sum(COALESCE(sold_qty, 0)) AS sold
                          FROM groupbuy_campaign_line WHERE campaign_id = c.id) l,
               LATERAL (SELECT string_agg(tier.ctid::text, ',' ORDER BY tier.id) AS places,
                               max(tier.write_date) AS last_write
                          FROM groupbuy_price_tier tier
                          JOIN groupbuy_campaign_line line ON line.id = tier.line_id
                         WHERE line.campaign_id = c.id) t,
               LATERAL (SELECT count(*) FILTER (WHERE groupbuy_status IN %s) AS active,
                               max(id) AS last_id, max(write_date) AS last_write,
                               sum(hashtext(ctid::text)) AS places
                          FROM sale_order WHERE groupbuy_campaign_id = c.id) o
         WHERE c.id = %s
    """

    def _groupbuy_page_version(self):
        """What the shared part of this campaign's page depends on, read in one query."""
        self.ensure_one()
        # this transaction's own changes count too
        for model in ("groupbuy.campaign", "groupbuy.campaign.line", "groupbuy.price.tier", "sale.order"):
            self.env[model].flush_model()
        self.env.cr.execute(
            self._PAGE_VERSION_SQL,
            [tuple(self.env["sale.order"]._groupbuy_active_statuses()), self.id],
        )
        return tuple(self.env.cr.fetchone() or ())

    def _groupbuy_shared(self, kind, compute, *key, version=None):
        """``compute()`` for this campaign, shared by every visitor until the campaign's
        version changes. The key holds the database, the language, the timezone and the
        website (what the values are rendered in); the caller adds what else they vary by."""
        self.ensure_one()
        full_key = (
            self.env.cr.dbname, self.id, kind, version or self._groupbuy_page_version(),
            self.env.lang, self.env.context.get("tz"), self.env.context.get("website_id"), *key,
        )
        try:
            value = _SHARED[full_key]
        except KeyError:
            value = compute()
            _SHARED[full_key] = value
        return copy.deepcopy(value)

    def _groupbuy_chain_count(self, version=None):
        """The number of active entries, as read with the version (no query of its own)."""
        return (version or self._groupbuy_page_version())[7] or 0

    def _groupbuy_chain_entries_shared(self, limit, offset, version=None):
        """One page of the public (masked) chain list, shared by every visitor."""
        return self._groupbuy_shared(
            "chain", lambda: self._get_chain_entries(limit=limit, offset=offset), limit, offset, version=version
        )

    def _default_website_meta(self):
        # the link preview (photo, price, progress) is the same for every visitor
        if len(self) != 1:
            return super()._default_website_meta()
        return self._groupbuy_shared("meta", super()._default_website_meta)

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        # website.layout asks a logged-in visitor's page object for fields_get() four
        # times, only to test whether some field names exist (``'website_published' in
        # main_object.fields_get()``). The campaign page gives it its campaign with
        # ``groupbuy_field_names_only``: the accessible field names, without building
        # every field's description (translated strings, selections, help).
        if self.env.context.get("groupbuy_field_names_only") and not allfields and not attributes:
            return {
                fname: {"type": field.type}
                for fname, field in self._fields.items()
                if field.is_accessible(self.env)
            }
        return super().fields_get(allfields=allfields, attributes=attributes)

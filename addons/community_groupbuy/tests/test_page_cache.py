from unittest.mock import patch

from odoo.tests import tagged

from .common import GroupbuyCommon
from .test_website import GroupbuyHttpCommon

CAMPAIGN = "odoo.addons.community_groupbuy.models.groupbuy_campaign_share.GroupbuyCampaign"


@tagged("post_install", "-at_install")
class TestSharedPageParts(GroupbuyCommon):
    """The public chain list and the link preview are shared by every visitor of a
    campaign, and never outlive a change of the campaign or of its entries (in this
    transaction or any other)."""

    def setUp(self):
        super().setUp()
        self.campaign = self._open_campaign(min_participants=50, answer_definition=[
            {"name": "note", "string": "备注", "type": "char"},
        ])
        self.Campaign = self.env["groupbuy.campaign"]

    def _shared_page(self):
        version = self.campaign._groupbuy_page_version()
        return (
            self.campaign._groupbuy_chain_count(version),
            self.campaign._groupbuy_chain_entries_shared(50, 0, version),
        )

    def test_visitors_share_the_chain_page_until_it_changes(self):
        self._join(self.campaign, self.customers[0])
        with patch(f"{CAMPAIGN}._get_chain_entries", autospec=True,
                   side_effect=type(self.Campaign)._get_chain_entries) as build:
            count, entries = self._shared_page()
            self.assertEqual((count, len(entries)), (1, 1))
            for _visitor in range(3):
                self.assertEqual(self._shared_page(), (count, entries))
            self.assertEqual(build.call_count, 1, "built once, then shared by the next visitors")
            self._join(self.campaign, self.customers[1])
            count, entries = self._shared_page()
            self.assertEqual(build.call_count, 2, "a join changes the list")
        self.assertEqual(count, 2)
        self.assertEqual([e["sequence"] for e in entries], [1, 2])

    def test_a_withdrawn_entry_leaves_the_shared_list(self):
        order = self._join(self.campaign, self.customers[0])
        self._join(self.campaign, self.customers[1])
        self.assertEqual(self._shared_page()[0], 2)
        order.action_groupbuy_withdraw()
        count, entries = self._shared_page()
        self.assertEqual(count, 1)
        self.assertEqual([e["sequence"] for e in entries], [2])

    def test_a_changed_answer_and_changed_settings_show_at_once(self):
        order = self._join(self.campaign, self.customers[0], answers={"note": "放门卫室"})
        self.assertEqual(self._shared_page()[1][0]["answers"], [], "free text is the leader's")
        self.campaign.public_question_names = "备注"
        self.assertEqual(self._shared_page()[1][0]["answers"], [("备注", "放门卫室")])
        order._groupbuy_update_entry(None, {"note": "放快递柜"})
        self.assertEqual(self._shared_page()[1][0]["answers"], [("备注", "放快递柜")])

    def test_a_shared_value_is_a_copy(self):
        self._join(self.campaign, self.customers[0])
        _count, entries = self._shared_page()
        entries[0]["name"] = "changed by one page"
        self.assertNotEqual(self._shared_page()[1][0]["name"], "changed by one page")

    def test_layout_asks_field_names_only(self):
        names = self.Campaign.with_context(groupbuy_field_names_only=True).fields_get()
        full = self.Campaign.fields_get()
        self.assertEqual(set(names), set(full), "the same fields, as the user may read them")
        self.assertIn("string", full["name"], "everyone else still gets every field's description")


@tagged("post_install", "-at_install")
class TestSharedPageOverHttp(GroupbuyHttpCommon):
    def test_a_join_shows_on_the_page_of_the_next_visitor(self):
        campaign = self._open_campaign(min_participants=50, name="共享页团")
        self._join(campaign, self.customers[0])
        self.authenticate("gb_cust", "gb_cust")
        html = self.url_open(f"/en{campaign.website_url}").text
        self.assertEqual(html.count("o_groupbuy_chain_entry"), 1)
        self._join(campaign, self.customers[5])
        html = self.url_open(f"/en{campaign.website_url}").text
        self.assertEqual(html.count("o_groupbuy_chain_entry"), 2, "the second entry is listed")
        self.assertIn('o_groupbuy_count">2<', html)

    def test_link_preview_follows_the_price(self):
        campaign = self._open_campaign(min_participants=50, name="预览团")
        self.authenticate("gb_cust", "gb_cust")
        campaign.line_ids.price_unit = 25.0
        self.assertIn("25.00", self.url_open(f"/en{campaign.website_url}").text.split("og:description")[1][:200])
        campaign.line_ids.price_unit = 19.0
        self.assertIn("19.00", self.url_open(f"/en{campaign.website_url}").text.split("og:description")[1][:200])

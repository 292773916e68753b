from odoo.tests import tagged

from .test_website import GroupbuyHttpCommon


@tagged("post_install", "-at_install")
class TestPagesAtSize(GroupbuyHttpCommon):
    """The campaign page, the leader's campaign page and the chain poll read one page of
    the chain list: the same number of SQL queries for a campaign of 3 entries as for
    one of 2 pages and more (bench/pages.py measures their time at 5,000 entries)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        page = cls.env["groupbuy.campaign"]._CHAIN_PAGE_SIZE
        many = cls.env["res.partner"].create([
            {"name": f"接龙顾客{i}", "phone": f"1370000{i:04d}"} for i in range(page + 15)
        ])
        cls.small = cls._open_campaign(min_participants=500, name="小团")
        cls.large = cls._open_campaign(min_participants=500, name="大团")
        for campaign, partners in ((cls.small, many[:3]), (cls.large, many)):
            for partner in partners:
                campaign.join(partner.id, [{"product_id": cls.peach.id, "qty": 1}])

    def _queries(self, call):
        call()  # warm the caches (routing, templates, assets) for both sizes alike
        before = self.cr.sql_log_count
        response = call()
        return self.cr.sql_log_count - before, response

    def _assert_same_queries(self, make_call):
        small, small_response = self._queries(make_call(self.small))
        large, large_response = self._queries(make_call(self.large))
        self.assertEqual(small, large, "the same number of queries at 3 entries and at 65")
        return small_response, large_response

    def test_public_page_reads_one_page_of_the_chain(self):
        self.authenticate("gb_cust", "gb_cust")
        _small, large = self._assert_same_queries(lambda c: lambda: self.url_open(f"/en{c.website_url}"))
        self.assertEqual(large.status_code, 200)
        html = large.text
        self.assertIn("接*0", html, "the first page starts at the first entry")
        self.assertEqual(html.count("o_groupbuy_chain_entry"), 50, "only one page is listed")
        self.assertIn(f"{self.large.website_url}/page/2", html, "a pager leads to the next entries")
        page2 = self.url_open(f"/en{self.large.website_url}/page/2").text
        self.assertIn("51.", page2, "the second page goes on with the chain's numbers")

    def test_leader_page_reads_one_page_of_the_chain(self):
        self.authenticate("gb_leader", "gb_leader")
        _small, large = self._assert_same_queries(
            lambda c: lambda: self.url_open(f"/en/my/groupbuy/campaigns/{c.id}")
        )
        self.assertEqual(large.status_code, 200)
        self.assertIn("13700000000", large.text, "the leader sees their customers' phones")
        self.assertNotIn("13700000064", large.text, "one page at a time")
        self.assertIn(f"/my/groupbuy/campaigns/{self.large.id}/page/2", large.text)
        page2 = self.url_open(f"/en/my/groupbuy/campaigns/{self.large.id}/page/2").text
        self.assertIn("13700000064", page2)

    def test_chain_poll_reads_what_is_new(self):
        self.authenticate(None, None)
        calls = {}

        def poll(campaign):
            def call():
                calls[campaign] = self.make_jsonrpc_request(f"{campaign.website_url}/chain", {"after": 2})
                return calls[campaign]
            return call

        self._assert_same_queries(poll)
        self.assertEqual([e["sequence"] for e in calls[self.small]["entries"]], [3])
        self.assertEqual(len(calls[self.large]["entries"]), 63)
        self.assertEqual(calls[self.large]["chain_count"], 65)
        self.assertNotIn("chain_text", calls[self.large], "the whole 接龙 text is not polled")

    def test_chain_text_is_fetched_whole(self):
        self.authenticate(None, None)
        response = self.url_open(f"{self.large.website_url}/chain.txt")
        self.assertEqual(response.status_code, 200)
        lines = response.text.splitlines()
        self.assertEqual(lines[0], "#接龙")
        self.assertIn("1. 接*0 阳山水蜜桃 ×1", lines)
        self.assertIn("65. 接*4 阳山水蜜桃 ×1", lines)
        self.assertNotIn("接龙顾客1", response.text, "masked names only")

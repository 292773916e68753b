import base64
import re

from odoo.tests import HttpCase, tagged
from odoo.tools.misc import file_open


@tagged("post_install", "-at_install")
class TestDemoStory(HttpCase):
    """The demo a platform would recognise (the test database is built with it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaigns = cls.env["groupbuy.campaign"].browse(
            cls.env["ir.model.data"].search([
                ("module", "=", "community_groupbuy"), ("model", "=", "groupbuy.campaign"),
            ]).mapped("res_id")
        ).exists()
        if not cls.campaigns:
            raise RuntimeError("The demo story is not installed: build the test database with demo data.")

    def test_every_group_price_is_below_the_regular_price(self):
        for line in self.campaigns.line_ids:
            with self.subTest(product=line.product_id.display_name):
                self.assertLess(line.price_unit, line.list_price)
                for tier in line.tier_ids:
                    self.assertLess(tier.price_unit, line.price_unit)

    def test_the_website_is_the_platforms(self):
        website = self.env.ref("website.default_website")
        self.assertEqual(website.name, "邻里鲜社区团购")
        with file_open("community_groupbuy/static/src/img/groupbuy_logo.png", "rb") as logo:
            self.assertEqual(website.with_context(bin_size=False).logo, base64.b64encode(logo.read()))
        peach = self.env.ref("community_groupbuy.campaign_peach")
        html = self.url_open(f"/zh_CN{peach.website_url}", timeout=60).text
        self.assertIn('property="og:site_name" content="邻里鲜社区团购"', html, "link previews name the platform")
        self.assertNotIn("My Website", html)
        self.assertIn("400-800-1234", html, "the platform's own footer")
        self.assertNotIn("info@yourcompany.example.com", html)
        self.assertNotIn("放门卫室", html, "a customer's note is for the leader, not the public chain list")

    def test_footer_copyright_and_countdown_speak_the_platform_and_the_page_language(self):
        peach = self.env.ref("community_groupbuy.campaign_peach")
        copyright_re = r'<span class="o_footer_copyright_name[^"]*">\s*(.*?)\s*</span>'
        pages = {"zh_CN": f"/zh_CN{peach.website_url}", "en": f"/en{peach.website_url}"}
        texts = {}
        for lang, url in pages.items():
            html = self.url_open(url, timeout=60).text
            found = re.search(copyright_re, html, re.S)
            self.assertTrue(found, f"{url} has the copyright line")
            texts[lang] = found.group(1)
            self.assertNotIn("Your Logo", html)
            countdown = re.search(r'class="o_groupbuy_countdown[^"]*">([^<]*)<', html)
            self.assertIn({"zh_CN": "距结束", "en": "Ends in"}[lang], countdown.group(1), "the countdown speaks the page's language")
        for text in texts.values():
            self.assertEqual(text, "&copy; 邻里鲜社区团购", "the platform, not 版权 © 公司名称 (Company name)")

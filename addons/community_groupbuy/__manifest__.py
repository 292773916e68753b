{
    "name": "Community Group Buying",
    "summary": "Group campaigns (开团) with thresholds, price tiers and automatic success or refund",
    "version": "18.0.1.0.0",
    "category": "Sales/Group Buying",
    "author": "Community Group Buying",
    "website": "https://example.com/community-groupbuy",
    "license": "LGPL-3",
    "depends": ["sale_stock", "website_sale", "portal", "payment"],
    "data": [
        "security/groupbuy_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "data/mail_template_campaign.xml",
        "views/groupbuy_campaign_views.xml",
        "views/groupbuy_community_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/res_config_settings_views.xml",
        "views/groupbuy_menus.xml",
        "views/product_template_views.xml",
        "views/groupbuy_templates.xml",
        "views/groupbuy_portal_templates.xml",
    ],
    "demo": [
        "demo/groupbuy_demo.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "community_groupbuy/static/src/js/groupbuy_campaign.js",
        ],
        "web.assets_tests": [
            "community_groupbuy/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "application": True,
}

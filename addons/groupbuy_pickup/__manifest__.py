{
    "name": "Group Buying Pickup and Fulfilment",
    "summary": "Pickup points (自提点), pickup codes (自提码) and verification, delivery routes, "
    "picking lists and buying to orders (以销定采)",
    "version": "18.0.1.0.0",
    "category": "Sales/Group Buying",
    "author": "Community Group Buying",
    "website": "https://example.com/community-groupbuy",
    "license": "LGPL-3",
    "depends": ["community_groupbuy", "stock", "purchase_stock", "delivery", "stock_picking_batch"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/groupbuy_pickup_security.xml",
        "security/ir.model.access.csv",
        "data/delivery_carrier_data.xml",
        "data/mail_template_data.xml",
        "data/ir_cron_data.xml",
        "views/groupbuy_pickup_point_views.xml",
        "views/groupbuy_community_views.xml",
        "views/groupbuy_campaign_views.xml",
        "views/sale_order_views.xml",
        "views/groupbuy_delivery_route_views.xml",
        "views/res_config_settings_views.xml",
        "views/groupbuy_pickup_menus.xml",
        "views/groupbuy_pickup_templates.xml",
        "views/groupbuy_pickup_portal_templates.xml",
        "report/groupbuy_pickup_reports.xml",
        "report/groupbuy_pickup_report_templates.xml",
    ],
    "demo": [
        "demo/groupbuy_pickup_demo.xml",
    ],
    "post_init_hook": "_groupbuy_pickup_post_init",
    "assets": {
        "web.assets_frontend": [
            "groupbuy_pickup/static/src/js/groupbuy_pickup.js",
        ],
        "web.assets_tests": [
            "groupbuy_pickup/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}

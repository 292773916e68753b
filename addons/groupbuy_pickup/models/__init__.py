from . import (
    res_company,
    res_config_settings,
    res_partner,
    groupbuy_pickup_point,
    groupbuy_pickup_attempt,
    groupbuy_community,
    delivery_carrier,
    groupbuy_campaign,
    groupbuy_campaign_purchase,
    groupbuy_delivery_route,
    sale_order,
)

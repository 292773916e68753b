from . import (
    res_company,
    res_config_settings,
    groupbuy_commission_rule,
    groupbuy_commission_line,
    groupbuy_commission_bonus_tier,
    groupbuy_commission_settlement,
    groupbuy_withdrawal,
    res_partner,
    sale_order,
    account_move,
    groupbuy_campaign,
    stock_picking,
)

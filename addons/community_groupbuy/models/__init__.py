from . import groupbuy_community
from . import groupbuy_campaign
from . import groupbuy_campaign_line
from . import groupbuy_price_tier
from . import groupbuy_campaign_line_customer
from . import res_partner
from . import sale_order
from . import payment_transaction

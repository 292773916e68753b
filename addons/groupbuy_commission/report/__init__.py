from . import groupbuy_commission_ranking

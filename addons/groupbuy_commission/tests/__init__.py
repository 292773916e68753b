from . import test_rules, test_lifecycle, test_settlement, test_withdrawal, test_bonus, test_ranking, test_concurrency, test_portal, test_demo

from . import test_rules, test_lifecycle

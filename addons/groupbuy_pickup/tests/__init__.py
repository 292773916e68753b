from . import test_pickup_point, test_pickup_code, test_portal, test_fulfilment, test_tours

from . import test_campaign_lifecycle
from . import test_join
from . import test_refunds
from . import test_access
from . import test_api
from . import test_tours
from . import test_website
from . import test_hooks

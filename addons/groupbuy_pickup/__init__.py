from . import controllers, models, tools


def _groupbuy_pickup_post_init(env):
    """Orders that existed before the addon: their campaign's default point, and a
    pickup code for the confirmed ones."""
    env["sale.order"]._groupbuy_assign_default_pickup_points()

"""18.0.1.1.0: what ``init()`` used to repair at every update, done once here.

- campaigns made before share codes existed get one each (a random 8-character code,
  as ``groupbuy.campaign._new_share_code`` makes);
- ``groupbuy_campaign_line_customer.partner_id`` became a plain integer (the
  reservation is committed in a transaction where a contact created by the same request
  does not exist yet): databases made when it was a many2one lose its foreign key;
- campaigns get their portal access token now, as new ones do at creation (the public
  page is a read-only route and never writes one).
"""
import secrets
import uuid

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def migrate(cr, version):
    cr.execute("SELECT id FROM groupbuy_campaign WHERE share_code IS NULL")
    for (campaign_id,) in cr.fetchall():
        cr.execute(
            "UPDATE groupbuy_campaign SET share_code = %s WHERE id = %s",
            ["".join(secrets.choice(ALPHABET) for _i in range(8)), campaign_id],
        )
    cr.execute(
        "ALTER TABLE groupbuy_campaign_line_customer "
        "DROP CONSTRAINT IF EXISTS groupbuy_campaign_line_customer_partner_id_fkey"
    )
    cr.execute("SELECT id FROM groupbuy_campaign WHERE access_token IS NULL")
    for (campaign_id,) in cr.fetchall():
        cr.execute("UPDATE groupbuy_campaign SET access_token = %s WHERE id = %s", [str(uuid.uuid4()), campaign_id])

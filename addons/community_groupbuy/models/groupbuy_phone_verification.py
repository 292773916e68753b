import re
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import consteq
from odoo.tools.misc import hmac as hmac_tool


class GroupbuyPhoneVerification(models.Model):
    """A one-time code sent by SMS to prove that a visitor holds a phone number.

    A phone number is not a login: a visitor who joins without an account becomes the
    contact of a phone number only once a code sent to that number came back. The code
    is random, short-lived, stored as an HMAC keyed with the database secret (a 6-digit
    code has a million values: a plain hash would be reversed at once), compared with
    ``consteq``, and dies after a few wrong tries; sends are limited per number, by the hour and by the day.
    """

    _name = "groupbuy.phone.verification"
    _description = "Phone verification code (group buying)"
    _order = "id desc"

    phone = fields.Char(required=True, index=True, readonly=True)
    code_hash = fields.Char(required=True, readonly=True)
    expires_at = fields.Datetime(required=True, readonly=True)
    attempts = fields.Integer(readonly=True)
    used = fields.Boolean(readonly=True)

    CODE_LENGTH = 6
    CODE_LIFETIME = timedelta(minutes=10)
    MAX_ATTEMPTS = 5
    RESEND_DELAY = timedelta(seconds=60)
    MAX_SENDS_PER_HOUR = 5
    # at most MAX_SENDS_PER_DAY codes a day and MAX_ATTEMPTS tries a code: 50 guesses a
    # day among a million codes for whoever tries a number they do not hold
    MAX_SENDS_PER_DAY = 10

    @api.model
    def _normalize_phone(self, phone):
        """The digits of a phone number (a leading + kept), or False when it cannot be one."""
        phone = (phone or "").strip()
        if not re.match(r"^\+?[0-9][0-9 \-]{5,19}$", phone):
            return False
        return re.sub(r"[^0-9+]", "", phone)

    @api.model
    def _new_code(self):
        return "".join(str(secrets.randbelow(10)) for _i in range(self.CODE_LENGTH))

    @api.model
    def _hash_code(self, phone, code):
        return hmac_tool(self.env(su=True), "groupbuy-phone-code", f"{phone}:{code}")

    @api.model
    def _send_code(self, phone):
        """Send a new code to ``phone`` (normalized) by SMS, within the rate limits.

        :raise UserError: when the number was sent a code less than a minute ago, or too
            many codes in the last hour, or the SMS could not be sent
        """
        now = fields.Datetime.now()
        recent = self.sudo().search([("phone", "=", phone), ("create_date", ">", now - timedelta(hours=1))])
        if recent and recent[0].create_date > now - self.RESEND_DELAY:
            raise UserError(self.env._("A code was just sent to this number: wait a minute before asking again."))
        if len(recent) >= self.MAX_SENDS_PER_HOUR:
            raise UserError(self.env._("Too many codes were sent to this number: try again in an hour."))
        sent_today = self.sudo().search_count([("phone", "=", phone), ("create_date", ">", now - timedelta(days=1))])
        if sent_today >= self.MAX_SENDS_PER_DAY:
            raise UserError(self.env._("Too many codes were sent to this number today: try again tomorrow, or log in."))
        # a new code replaces the previous ones
        recent.filtered(lambda v: not v.used).write({"used": True})
        code = self._new_code()
        self.sudo().create({
            "phone": phone,
            "code_hash": self._hash_code(phone, code),
            "expires_at": now + self.CODE_LIFETIME,
        })
        sms = self.env["sms.sms"].sudo().create({
            "number": phone,
            "body": self.env._(
                "Your group buying code is %(code)s (valid for 10 minutes). Do not share it.", code=code
            ),
        })
        sms.send(unlink_failed=True, unlink_sent=True, raise_exception=False)
        if sms.exists() and sms.state == "error":
            raise UserError(self.env._("We could not send a text message to this number: check it, or log in."))
        return True

    @api.model
    def _check_code(self, phone, code):
        """True when ``code`` is the live code last sent to ``phone``; the code is then
        spent. A wrong code counts as a try; after ``MAX_ATTEMPTS`` the code is dead and
        the visitor must ask for a new one.

        The wrong try is written in the current transaction: the website's routes
        render the error as a page (the transaction commits), so the count stays.

        :raise UserError: saying what to do when the code is wrong, expired or missing
        """
        code = re.sub(r"\s", "", code or "")
        verification = self.sudo().search(
            [("phone", "=", phone), ("used", "=", False), ("expires_at", ">", fields.Datetime.now())], limit=1
        )
        if not verification or verification.attempts >= self.MAX_ATTEMPTS:
            raise UserError(self.env._("Ask for a code first: tap “Send code” and enter the code you receive."))
        if not code or not consteq(self._hash_code(phone, code), verification.code_hash):
            attempts = verification.attempts + 1
            verification.write({"attempts": attempts, "used": attempts >= self.MAX_ATTEMPTS})
            if attempts >= self.MAX_ATTEMPTS:
                message = self.env._("Wrong code too many times: ask for a new code.")
            else:
                message = self.env._("The code is wrong: check the text message and try again.")
            raise UserError(message)
        verification.used = True
        return True

    @api.autovacuum
    def _gc_expired(self):
        self.sudo().search([("create_date", "<", fields.Datetime.now() - timedelta(days=1))]).unlink()

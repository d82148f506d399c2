"""Password reset by a one-time link: valid for :data:`rules.RESET_VALID`, used once, then every session ends.

The demo has no mail server, so ``stallkit staff reset-link`` prints the link; a brand's deployment
sends it however it sends mail. Issuing a link for an unknown email raises :class:`NotFound` (the
CLI is run by an operator, not a stranger).
"""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from storefront.backoffice import accounts, rules, sessions, tokens
from storefront.backoffice.models import PasswordReset, StaffAccount
from storefront.errors import FieldError, InvalidInput, NotFound


async def issue(email: str, now: datetime) -> str:
    """A new reset token for the account (the link's last part); earlier unused links stay valid until they expire."""
    account = await StaffAccount.get_or_none(email=rules.normalise_email(email))
    if account is None:
        raise NotFound(f"no staff account for {email!r}", errors=[FieldError("email", "no such account")])
    token = tokens.new_token()
    await PasswordReset.create(
        account_id=account.id, token_hash=tokens.token_hash(token), created_at=now, expires_at=now + rules.RESET_VALID
    )
    return token


async def usable(token: str, now: datetime) -> PasswordReset | None:
    if not token or len(token) > 200:
        return None
    reset = await PasswordReset.get_or_none(token_hash=tokens.token_hash(token))
    if reset is None or reset.used_at is not None or now >= reset.expires_at:
        return None
    return reset


async def use(token: str, password: str, now: datetime) -> None:
    """Set the password through the link, once; the account's sessions all end."""
    async with in_transaction():
        reset = await usable(token, now)
        if reset is None:
            message = "this link has expired or was used already: ask for a new one"
            raise InvalidInput(message, errors=[FieldError("token", message)])
        claimed = await PasswordReset.filter(id=reset.id, used_at__isnull=True).update(used_at=now)
        if not claimed:  # the same link used twice at once: the first wins
            raise InvalidInput("this link was used already: ask for a new one", errors=[FieldError("token", "used")])
        await accounts.set_password(reset.account_id, password, now)
        await sessions.close_all(reset.account_id)

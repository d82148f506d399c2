"""Server-side sessions: the cookie carries a random token, the database its hash, the account and a CSRF token.

Signing out deletes the row, so a stolen cookie stops working at once; so does a password change
(every session of the account goes). :func:`resolve` answers the live session and its account, or
None; it moves ``last_seen_at`` at most once a minute, so reading pages writes little.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from storefront.backoffice import rules, tokens
from storefront.backoffice.models import StaffAccount, StaffSession


@dataclass(frozen=True)
class SignedIn:
    session: StaffSession
    account: StaffAccount
    brand_handle: str
    brand_name: str


async def open_session(account: StaffAccount, now: datetime) -> tuple[str, StaffSession]:
    """A new session for ``account``: the cookie's token (shown once, here) and the row."""
    token = tokens.new_token()
    session = await StaffSession.create(
        account_id=account.id,
        token_hash=tokens.token_hash(token),
        csrf_token=tokens.new_token(),
        created_at=now,
        last_seen_at=now,
        expires_at=now + rules.LIFETIME,
    )
    return token, session


async def resolve(token: str | None, now: datetime) -> SignedIn | None:
    if not token or len(token) > 200:
        return None
    session = await StaffSession.get_or_none(token_hash=tokens.token_hash(token)).prefetch_related(
        "account", "account__brand"
    )
    if session is None:
        return None
    account = session.account
    if account.disabled or not rules.session_live(
        last_seen_at=session.last_seen_at, expires_at=session.expires_at, now=now
    ):
        await StaffSession.filter(id=session.id).delete()
        return None
    if rules.needs_touch(session.last_seen_at, now):
        await StaffSession.filter(id=session.id).update(last_seen_at=now)
    return SignedIn(session=session, account=account, brand_handle=account.brand.handle, brand_name=account.brand.name)


async def close_session(session_id: uuid.UUID) -> None:
    await StaffSession.filter(id=session_id).delete()


async def close_all(account_id: uuid.UUID) -> None:
    await StaffSession.filter(account_id=account_id).delete()

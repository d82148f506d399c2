"""Staff accounts: made by the CLI (or an owner, later), signed in with email and password.

Signing in answers the account or raises :class:`SignInRefused` (wrong email or password: the
same words either way) or :class:`AccountLocked` (too many wrong passwords in a row; see
:mod:`.rules`). The failure count is moved with a relative update, so two wrong passwords at once
both count.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

import msgspec
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from storefront.backoffice import passwords, rules
from storefront.backoffice.models import StaffAccount
from storefront.errors import (
    Conflict,
    DuplicateHandle,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from storefront.events import Event
from storefront.tenancy import Brand


class SignInRefused(Unauthenticated):
    code = "sign_in_refused"
    title = "Wrong email or password"


class AccountLocked(PermissionDenied):
    code = "account_locked"
    title = "Sign-in paused for this account"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class StaffOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    brand: str  # the brand's handle
    email: str
    name: str
    role: rules.Role
    event_id: uuid.UUID | None


async def create_staff(
    brand_handle: str,
    *,
    email: str,
    name: str,
    role: rules.Role,
    password: str,
    now: datetime,
    event_id: uuid.UUID | None = None,
) -> StaffOut:
    """A new account; refused in words for a weak password, a taken email, or a stall account without its event."""
    brand = await Brand.get_or_none(handle=brand_handle)
    if brand is None:
        raise NotFound(f"no brand with handle {brand_handle!r}", errors=[FieldError("brand", "no such brand")])
    problem = rules.password_problem(password)
    if problem is not None:
        raise InvalidInput(f"password: {problem}", errors=[FieldError("password", problem)])
    if (role == "stall") != (event_id is not None):
        message = "a stall account names its event, and only a stall account does"
        raise InvalidInput(message, errors=[FieldError("event", message)])
    if event_id is not None and not await Event.exists(id=event_id, brand_id=brand.id):
        raise NotFound("no such event of this brand", errors=[FieldError("event", "no such event")])
    address = rules.normalise_email(email)
    try:
        account = await StaffAccount.create(
            brand_id=brand.id,
            email=address,
            name=name.strip() or address,
            role=role,
            event_id=event_id,
            password_hash=passwords.hash_password(password),
            password_changed_at=now,
        )
    except IntegrityError:
        raise DuplicateHandle(f"{address} already has a staff account") from None
    return staff_out(account, brand.handle)


def staff_out(account: StaffAccount, brand_handle: str) -> StaffOut:
    return StaffOut(
        id=account.id,
        brand=brand_handle,
        email=account.email,
        name=account.name,
        role=account.role,  # type: ignore[arg-type]  # stored from rules.Role only
        event_id=account.event_id,
    )


async def sign_in(email: str, password: str, now: datetime) -> StaffAccount:
    """The account these credentials open; :class:`SignInRefused` or :class:`AccountLocked` otherwise."""
    account = await StaffAccount.get_or_none(email=rules.normalise_email(email), disabled=False)
    if account is not None and rules.locked(account.locked_until, now):
        raise _locked(account, now)
    if not passwords.verify(account.password_hash if account else None, password) or account is None:
        if account is not None:
            await _count_failure(account, now)
        raise SignInRefused("the email or the password is wrong")
    updates: dict[str, object] = {"failed_sign_ins": 0, "locked_until": None}
    if passwords.needs_rehash(account.password_hash):
        updates["password_hash"] = passwords.hash_password(password)
    await StaffAccount.filter(id=account.id).update(**updates)
    return account


async def _count_failure(account: StaffAccount, now: datetime) -> None:
    await StaffAccount.filter(id=account.id).update(failed_sign_ins=F("failed_sign_ins") + 1)
    failures = await StaffAccount.filter(id=account.id).first().values_list("failed_sign_ins", flat=True)
    count, until = rules.after_failure(int(cast("int", failures or 0)) - 1, now)
    if until is not None:
        await StaffAccount.filter(id=account.id).update(failed_sign_ins=count, locked_until=until)
        account.locked_until = until
        raise _locked(account, now)


def _locked(account: StaffAccount, now: datetime) -> AccountLocked:
    until = account.locked_until or now
    minutes = max(1, round((until - now).total_seconds() / 60))
    return AccountLocked(
        f"too many wrong passwords in a row: try again in {minutes} minutes, or reset the password",
        retry_after=max(1, int((until - now).total_seconds())),
    )


async def set_password(account_id: uuid.UUID, password: str, now: datetime) -> None:
    """A new password (from a reset link): the lock and failure count are cleared with it."""
    problem = rules.password_problem(password)
    if problem is not None:
        raise InvalidInput(f"password: {problem}", errors=[FieldError("password", problem)])
    changed = await StaffAccount.filter(id=account_id).update(
        password_hash=passwords.hash_password(password), password_changed_at=now, failed_sign_ins=0, locked_until=None
    )
    if not changed:
        raise Conflict("this account no longer exists")

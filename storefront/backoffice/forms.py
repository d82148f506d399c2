"""A back-office form acts once: its rendered key is claimed in the same transaction as what it does.

A double click, a reload that re-posts, a retry after a dropped answer: each finds the key claimed
and does nothing (the page then shows the state as it is). If the action fails, the claim rolls
back with it, so the same form can be sent again once the reason is fixed.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Awaitable, Callable

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storefront.backoffice.models import FormClaim
from storefront.errors import FieldError, InvalidInput

KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def signed_number(text: str, field: str, *, digits: int, words: str, short: str) -> int:
    """A whole number typed in a form, with an optional sign (an adjustment may take off); refused in words.

    ``words`` is the sentence the page shows, ``short`` the field's own message; at most ``digits`` digits.
    """
    body = text.strip()
    unsigned = body[1:] if body[:1] in "+-" else body
    if not unsigned or not (unsigned.isascii() and unsigned.isdigit()) or len(unsigned) > digits:
        raise InvalidInput(f"{field}: {words}", errors=[FieldError(field, short)])
    return int(body)


def new_key() -> str:
    return secrets.token_urlsafe(16)


def checked_key(value: str) -> str:
    if not KEY.fullmatch(value):
        message = "this form has lost its key: reload the page and try again"
        raise InvalidInput(message, errors=[FieldError("form_key", message)])
    return value


async def once(brand_id: uuid.UUID, key: str, action: Callable[[], Awaitable[object]]) -> bool:
    """Run ``action`` unless this form's ``key`` already ran; True when it ran now."""
    try:
        async with in_transaction():
            await FormClaim.create(brand_id=brand_id, key=checked_key(key))
            await action()
    except IntegrityError:
        if await FormClaim.exists(brand_id=brand_id, key=key):
            return False
        raise
    return True

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

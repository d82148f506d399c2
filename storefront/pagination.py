"""Cursor pagination over time-ordered UUIDv7 primary keys.

The cursor is the last id of a page, base64url encoded: opaque to clients, stable under
inserts (unlike offsets), and one indexed range scan to resume.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Generic, TypeVar

import msgspec
from tortoise.models import Model
from tortoise.queryset import QuerySet

from storefront.errors import FieldError, InvalidInput

T = TypeVar("T")
M = TypeVar("M", bound=Model)

DEFAULT_LIMIT = 20


class Page(msgspec.Struct, Generic[T], frozen=True, kw_only=True):
    data: list[T]
    has_more: bool
    next_cursor: str | None = None


def bad_cursor() -> InvalidInput:
    """The one problem every list answers for a cursor it did not issue."""
    return InvalidInput(
        "the cursor is not one this API issued", errors=[FieldError("query.cursor", "malformed cursor")]
    )


def encode_token(raw: bytes) -> str:
    """Bytes as an opaque cursor (base64url, unpadded), for lists whose position is not one id."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_token(cursor: str) -> bytes:
    """The bytes of a cursor made by :func:`encode_token`; :func:`bad_cursor` if it cannot be one."""
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise bad_cursor() from None


def encode_cursor(last_id: uuid.UUID) -> str:
    return encode_token(last_id.bytes)


def decode_cursor(cursor: str) -> uuid.UUID:
    raw = decode_token(cursor)
    if len(raw) != 16:
        raise bad_cursor()
    return uuid.UUID(bytes=raw)


def page_query(query: QuerySet[M], cursor: str | None, limit: int) -> QuerySet[M]:
    """The rows of one page: after the cursor, in id order, plus one row that tells :func:`page_of` if more exist."""
    if cursor:
        query = query.filter(id__gt=decode_cursor(cursor))
    return query.order_by("id").limit(limit + 1)


def page_of(items: list[T], ids: list[uuid.UUID], limit: int) -> Page[T]:
    """A page from ``limit + 1`` fetched rows: the extra row only tells whether more exist."""
    has_more = len(items) > limit
    items, ids = items[:limit], ids[:limit]
    return Page(data=items, has_more=has_more, next_cursor=encode_cursor(ids[-1]) if has_more and ids else None)

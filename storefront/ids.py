"""Identifiers: app-made UUIDv7s and URL slugs.

UUIDv7 is time-ordered, so primary keys double as a stable pagination order, and a stall can
create ids offline that never collide with the server's.
"""

from __future__ import annotations

import re
import sys
import unicodedata
import uuid
from typing import Annotated

import msgspec

if sys.version_info >= (3, 14):  # pragma: no cover - exercised only on 3.14+
    _uuid7 = uuid.uuid7
else:
    import uuid_utils

    def _uuid7() -> uuid.UUID:
        return uuid.UUID(bytes=uuid_utils.uuid7().bytes)


def new_id() -> uuid.UUID:
    """A fresh UUIDv7."""
    return _uuid7()


HANDLE_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Handle = Annotated[
    str, msgspec.Meta(min_length=1, max_length=80, pattern=HANDLE_PATTERN, description="lower-case slug")
]
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=SKU_PATTERN)]

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = 80) -> str:
    """A handle from a title: ASCII, lower case, hyphen separated."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NON_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "item"

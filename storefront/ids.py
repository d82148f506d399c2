"""Identifiers (app-made UUIDv7s, URL slugs, SKUs) and the shapes of text a client may send.

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


# --- what a client may send as text ----------------------------------------------------------
#
# A pattern is read by two regex dialects: msgspec checks it with Python's ``re.search``, where
# ``$`` also matches just before a final newline (so ``^[a-z-]+$`` takes "noa-micro-bag\n", a
# second product beside "noa-micro-bag"), and clients read it from OpenAPI as ECMAScript, which
# has no ``\Z``. Ending every pattern with END means "the end of the string" in both.
END = r"$(?!\n)"

# No Unicode control character (C0, DEL, C1) and no line or paragraph separator: one line of text.
LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*" + END
# Text that may run over lines: tab, line feed and carriage return (a textarea posts CRLF) stay.
MULTILINE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*" + END

# Free text is one of these two, with its own length: ``Annotated[Line, msgspec.Meta(max_length=200)]``.
# A NUL or an escape sequence stored in a title or an email would reach every page, receipt and
# log line that shows it; tests/test_schema_columns.py checks that every string a route decodes
# refuses them.
Line = Annotated[str, msgspec.Meta(pattern=LINE_PATTERN)]

# Not an address parser (the mail that reaches it is the real test), but one line with no space, no
# control character and no second @ in either part: a receipt's address and a back-in-stock request's.
_EMAIL_PART = r"[^@\s\x00-\x1f\x7f-\x9f]+"
Email = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=254,
        pattern=f"^{_EMAIL_PART}@{_EMAIL_PART}\\.{_EMAIL_PART}" + END,
        description="an email address, e.g. ada@example.com",
    ),
]
MultiLine = Annotated[str, msgspec.Meta(pattern=MULTILINE_PATTERN)]

HANDLE_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*" + END
Handle = Annotated[
    str, msgspec.Meta(min_length=1, max_length=80, pattern=HANDLE_PATTERN, description="lower-case slug")
]
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*" + END
Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=SKU_PATTERN)]

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = 80) -> str:
    """A handle from a title: ASCII, lower case, hyphen separated."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NON_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "item"

"""A journal entry, and the canonical form that makes its content hash stable.

The server refuses an entry id it has seen with different content, so the same action must hash
the same on every run, after every reopen and after an export and import: the payload is kept as
canonical JSON text (sorted keys, no spaces, UTF-8) and hashed once, when it is recorded, and that
text, never a re-encoding of it, is what travels.

Instants are stored as fixed-width ISO 8601 UTC text (microseconds always written), so they sort
as text in the order they happened.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated

import msgspec

from popup.store.errors import InvalidTillInput

KIND_PATTERN = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$(?!\n)"
_KIND = re.compile(KIND_PATTERN)
KIND_MAX_LENGTH = 64

Kind = Annotated[str, msgspec.Meta(min_length=1, max_length=KIND_MAX_LENGTH, pattern=KIND_PATTERN)]
Sha256 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$(?!\n)")]
Seq = Annotated[int, msgspec.Meta(ge=1)]
Instant = Annotated[datetime, msgspec.Meta(tz=True)]


class Entry(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One till action as the server will receive it; ordered by (device_id, seq), never by clock."""

    id: uuid.UUID
    device_id: uuid.UUID
    seq: Seq
    occurred_at: Instant
    kind: Kind
    payload: str  # canonical JSON of a JSON object
    content_hash: Sha256  # SHA-256 of ``payload``'s UTF-8 bytes


def check_kind(kind: str) -> str:
    if len(kind) > KIND_MAX_LENGTH or not _KIND.match(kind):
        raise InvalidTillInput(f"entry kind {kind!r} must be snake_case, at most {KIND_MAX_LENGTH} characters")
    return kind


def canonical_json(payload: object) -> str:
    """The one text for ``payload`` (a mapping or a msgspec Struct): sorted keys, no spaces."""
    try:
        value = msgspec.to_builtins(payload)
        if not isinstance(value, dict):
            raise InvalidTillInput(f"an entry payload must be a JSON object, not {type(payload).__name__}")
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        text.encode()
    except (TypeError, ValueError) as exc:  # unencodable values, NaN, lone surrogates
        raise InvalidTillInput(f"an entry payload must be plain JSON: {exc}") from exc
    return text


def content_hash(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()


def instant_text(at: datetime) -> str:
    """``at`` as stored: UTC, fixed width, so text order is time order."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidTillInput(f"the till needs aware instants, got naive {at.isoformat()}")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def utc(at: datetime) -> datetime:
    """``at`` exactly as it reads back from the store."""
    return parse_instant(instant_text(at))

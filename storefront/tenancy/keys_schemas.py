"""API shapes for a brand's keys. A key's text appears in exactly one shape, once: :class:`IssuedKey`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from storefront.ids import Line
from storefront.tenancy.keys import KeyKind

# A label is for people reading the list: printable text only, as the column holds it.
Label = Annotated[Line, msgspec.Meta(max_length=100)]


class KeyOut(msgspec.Struct, frozen=True, kw_only=True):
    """A key as listings show it: its prefix, never its text (only the SHA-256 of that is stored)."""

    id: uuid.UUID
    kind: KeyKind
    prefix: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


class NewKey(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: KeyKind
    label: Label = ""


class IssuedKey(msgspec.Struct, frozen=True, kw_only=True):
    """A new key with its text, shown this once; ``replaces`` is the key a rotation revoked."""

    key: Annotated[str, msgspec.Meta(description="the key's text: store it now, it is never shown again")]
    details: KeyOut
    replaces: uuid.UUID | None = None

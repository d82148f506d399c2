"""API key text: generation, hashing and shape checks (pure)."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Literal

KeyKind = Literal["publishable", "secret"]
PREFIX: dict[KeyKind, str] = {"publishable": "pk_", "secret": "sk_"}
_SHAPE = re.compile(r"^(pk|sk)_[A-Za-z0-9_-]{43}$")


def generate(kind: KeyKind) -> str:
    """A new key: its kind's prefix and 32 random bytes, URL-safe."""
    return PREFIX[kind] + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_key(text: str) -> bool:
    """Cheap shape check so malformed keys never reach the database."""
    return bool(_SHAPE.match(text))


def display_prefix(key: str) -> str:
    return key[:12]

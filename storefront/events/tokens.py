"""Device tokens and pack keys (pure, no I/O).

A device token is a bearer credential scoped to one event's till: ``sk_dev_`` and 32 random
bytes, URL-safe. Only its SHA-256 is stored (32 random bytes leave nothing to brute-force, so a
fast hash is enough, as for API keys), and its shape is disjoint from an API key's, so neither
can ever be taken for the other.

A pack key is what a device's packs are signed with. It is derived, never stored: HMAC-SHA256
under a key derived from the app's secret, over ``"pack:" + device id``, so the server can sign
a fresh pack for a device at any time and a leaked table yields no key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storefront.settings import Settings

PREFIX = "sk_dev_"
_SHAPE = re.compile(r"^sk_dev_[A-Za-z0-9_-]{43}$(?!\n)")
_KEY_LABEL = b"stallkit event packs v1"


def generate() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def looks_like_token(text: str) -> bool:
    """Cheap shape check, so malformed tokens never reach the database."""
    return bool(_SHAPE.match(text))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signing_key(secret: str) -> bytes:
    """The key pack keys are derived under: from the app's secret, so it is used for nothing else."""
    if not secret:
        raise ValueError("event packs need a secret (STALLKIT_SECRET) to be signed with")
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def settings_key(settings: Settings) -> bytes:
    """The app's pack signing key, from its settings: what every route that signs a pack uses."""
    return signing_key(settings.secret.reveal())


def pack_key(key: bytes, device_id: uuid.UUID) -> str:
    """The device's pack key (hex): shown to the device once, with its token, and derivable again."""
    return hmac.new(key, f"pack:{device_id}".encode(), hashlib.sha256).hexdigest()

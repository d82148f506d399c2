"""Where a till syncs to: the storefront's address and the device's token, kept in the data directory.

The device's token is given once (``--storefront`` and ``--token``, or ``STALLKIT_STOREFRONT_URL``
and ``STALLKIT_DEVICE_TOKEN``) and then kept in ``sync.json`` (0600, like the pack key), so the
background sync of an open till and a later ``stallkit popup sync`` need nothing typed again. The
event and the device come from the pack in use, never from the command line, so a till cannot send
one event's journal to another.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import msgspec

from popup.till.pin import write_private

SYNC_FILE = "sync.json"
URL_ENV = "STALLKIT_STOREFRONT_URL"
TOKEN_ENV = "STALLKIT_DEVICE_TOKEN"  # noqa: S105 - the variable's name, not a token


class SyncSettingsError(ValueError):
    """The till does not know where to sync, or what it was told cannot be used; the message says which."""


class SyncSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    storefront: str
    # Device id -> token: this till's own, and those of tills whose exports were imported here.
    tokens: dict[uuid.UUID, str] = {}


def load(data_dir: Path) -> SyncSettings | None:
    try:
        return msgspec.json.decode((data_dir / SYNC_FILE).read_bytes(), type=SyncSettings)
    except FileNotFoundError:
        return None
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise SyncSettingsError(f"{data_dir / SYNC_FILE} is damaged: give --storefront and --token again") from None


def configured_by_environment() -> bool:
    return bool(os.environ.get(URL_ENV) and os.environ.get(TOKEN_ENV))


def resolve(data_dir: Path, device_id: uuid.UUID, *, storefront: str | None, token: str | None) -> SyncSettings:
    """What was given now (flags, then the environment) over what was kept; saved when it changed."""
    kept = load(data_dir)
    url = storefront or os.environ.get(URL_ENV) or (kept.storefront if kept else None)
    if not url:
        raise SyncSettingsError(f"where is the storefront? give --storefront URL once (or {URL_ENV})")
    if not url.startswith(("http://", "https://")):
        raise SyncSettingsError(f"the storefront address must start with http:// or https://, got {url!r}")
    tokens = dict(kept.tokens) if kept else {}
    given = token or os.environ.get(TOKEN_ENV)
    if given:
        tokens[device_id] = given.strip()
    if device_id not in tokens:
        raise SyncSettingsError(f"this device has no token here: give --token once (or {TOKEN_ENV})")
    settings = SyncSettings(storefront=url.rstrip("/"), tokens=tokens)
    if settings != kept:
        write_private(data_dir / SYNC_FILE, msgspec.json.encode(settings))
    return settings

"""Opening a till: the data directory's files, the pack key and PIN, the pack check, the store.

``open_till`` is everything ``stallkit popup open`` does before it serves, so tests open a till
the same way. The data directory keeps what a restart needs (a restart is just ``popup open``):

- ``pack.key``: the device's pack key (hex), given once with ``--key`` or ``STALLKIT_PACK_KEY``;
- ``pack.json``: the pack in use, as downloaded (its signature is checked again at every open,
  so an edited copy is refused like any tampered pack);
- ``pin.json``: the staff PIN's salted scrypt hash (:mod:`popup.till.pin`);
- ``updates.json``: prices and credit caps a sync brought since the pack (:mod:`popup.till.updates`);
- ``images/``: product images already on this machine (:class:`popup.till.state.ImageCache`);
- the store (``till.sqlite3``, its lock) from :mod:`popup.store`.

Secrets are written 0600, the directory 0700. A pack for another event or device replaces the one
in use only through ``TillStore.reset``: refused while an entry is neither synced nor exported. A
newer pack of the same event and device (fresh credit caps) replaces it in place; SKUs already
moved keep their levels, the others start from the new allocation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import msgspec

from popup.store import TillStore
from popup.till import updates
from popup.till.context import TillContext
from popup.till.defaults import KEY_ENV, PIN_ENV
from popup.till.errors import TillSetupError
from popup.till.pin import PinFormat, PinHash, check_format, write_private
from popup.till.state import ImageCache
from storefront.clock import Clock
from storefront.events.pack import Pack, verify

PACK_FILE = "pack.json"
KEY_FILE = "pack.key"
IMAGES = "images"


@dataclass(frozen=True)
class OpenedTill:
    till: TillContext
    pin: PinHash
    replaced: bool  # a pack for another event or device took the place of the one in use


def open_till(data_dir: Path, pack_path: Path | None, *, key: str | None, pin: str | None, clock: Clock) -> OpenedTill:
    """Verify the pack, open the store and set up the PIN; every refusal is a one-line error.

    Raises :class:`PackError` (tampered, foreign, expired, not a pack), a store error
    (``TillAlreadyOpen``, ``DeviceMismatch``, ``ResetRefused``) or :class:`TillSetupError`.
    """
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    pack_key = _pack_key(data_dir, key)
    raw = _pack_bytes(data_dir, pack_path)
    pack = verify(raw, pack_key, clock())
    store = TillStore.open(data_dir, device_id=pack.device.id, clock=clock)
    try:
        replaced = _take_pack(store, data_dir, raw, pack)
        _save_key(data_dir, pack_key)
        staff_pin = _pin(data_dir, pin)
        till = TillContext.build(store, pack, clock, ImageCache(data_dir / IMAGES), updates.load(data_dir))
    except BaseException:
        store.close()
        raise
    return OpenedTill(till=till, pin=staff_pin, replaced=replaced)


def _pack_key(data_dir: Path, key: str | None) -> str:
    given = key or os.environ.get(KEY_ENV)
    if given:
        return given.strip()
    try:
        return (data_dir / KEY_FILE).read_text().strip()
    except FileNotFoundError:
        raise TillSetupError(
            f"no pack key for {data_dir}: give the device's pack key once with --key or {KEY_ENV}"
        ) from None


def _pack_bytes(data_dir: Path, pack_path: Path | None) -> bytes:
    path = pack_path if pack_path is not None else data_dir / PACK_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if pack_path is None:
            raise TillSetupError(f"no event pack in {data_dir} yet: name the pack file to open") from None
        raise TillSetupError(f"no such pack file: {pack_path}") from None
    except OSError as exc:
        raise TillSetupError(f"cannot read the pack {path}: {exc.strerror}") from None


def _take_pack(store: TillStore, data_dir: Path, raw: bytes, pack: Pack) -> bool:
    """Make ``pack`` the one in use; answer whether it replaced another event's or device's."""
    current = data_dir / PACK_FILE
    try:
        kept = current.read_bytes()
    except FileNotFoundError:
        kept = None
    if kept == raw:
        return False
    updates.forget(data_dir)  # a newer pack holds the prices and caps sync brought since the last
    replaced = False
    if kept is not None:
        try:
            previous = msgspec.json.decode(kept, type=Pack)
            same = (previous.event.id, previous.device.id) == (pack.event.id, pack.device.id)
        except msgspec.MsgspecError:
            same = False
        if not same:
            store.reset()  # ResetRefused while an entry exists only here: nothing is replaced
            replaced = True
    write_private(current, raw)
    return replaced


def _save_key(data_dir: Path, pack_key: str) -> None:
    path = data_dir / KEY_FILE
    try:
        if path.read_text().strip() == pack_key:
            return
    except FileNotFoundError:
        pass
    write_private(path, pack_key.encode())


def _pin(data_dir: Path, pin: str | None) -> PinHash:
    given = pin if pin is not None else os.environ.get(PIN_ENV)
    try:
        saved = PinHash.load(data_dir)
    except ValueError as exc:
        raise TillSetupError(str(exc)) from None
    if given is None:
        if saved is None:
            raise TillSetupError(f"set the staff PIN on the first open: --pin or {PIN_ENV} (4 to 12 digits)")
        return saved
    try:
        check_format(given)
    except PinFormat as exc:
        raise TillSetupError(str(exc)) from None
    if saved is not None and saved.matches(given):
        return saved
    fresh = PinHash.of(given)  # the data directory's owner may set a new PIN at any open
    fresh.save(data_dir)
    return fresh

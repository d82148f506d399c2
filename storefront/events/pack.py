"""The event pack: what a stall device takes offline, signed so the till can trust it (pure, no I/O).

The till (``popup/``) imports this module to verify a pack, so it holds no ORM, no HTTP and no
clock: the caller passes ``now``. The signature is HMAC-SHA256, keyed with the device's pack key
(its 32 bytes, given as hex), over the pack's canonical JSON without its ``signature``: sorted
keys, no spaces, UTF-8. Canonical form is computed from the parsed JSON on both sides, so any
encoder that keeps the values keeps the signature valid, and any change to a value breaks it.

A pack signed for another device does not verify under this device's key; a caller that knows
which device and event it serves may also name them, and a pack for another is refused as
foreign. A pack past ``expires_at`` (its event's end and a grace of two days, for late counts
and sync) is refused as expired.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import msgspec

from storefront.credits import ValuationRules
from storefront.credits import offline_lookup as offline_lookup  # re-exported: the till finds a typed code by it

FORMAT: Literal[1] = 1
GRACE = timedelta(days=2)


class PackError(ValueError):
    """A pack the till must not use; the message says why, in words staff can act on."""


class MalformedPack(PackError):
    """Not a pack at all: not JSON, a field missing or of the wrong type, an unknown format."""


class TamperedPack(PackError):
    """The signature does not match: the pack was changed, or signed with another device's key."""


class ForeignPack(PackError):
    """A genuine pack, but for another device or another event than the one asked for."""


class ExpiredPack(PackError):
    """A genuine pack whose validity has run out."""


class PackEvent(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: uuid.UUID
    handle: str
    name: str
    venue: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    status: str
    location: str  # the stall location's handle


class PackDevice(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: uuid.UUID
    name: str
    # Six Crockford symbols, unique among the brand's devices: the prefix of the device's receipt
    # and trade-in numbers (``7K3MQ9-00017``) and of the credit codes it issues offline.
    mark: str = ""


class PackBrand(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: uuid.UUID
    handle: str
    name: str
    currency: str
    locale: str
    timezone: str
    theme: str


class PackImage(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    url: str
    alt: str = ""


class PackLine(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: str
    quantity: int


class PackDrop(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A limited drop the SKU belongs to: a capsule run of ``quantity`` pieces between two instants."""

    handle: str
    name: str
    quantity: int
    starts_at: datetime
    ends_at: datetime


class PackProduct(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: str
    title: str
    price: int  # minor units of ``currency``: the event price where one is set
    currency: str
    images: list[PackImage]
    list_price: int | None = None  # the online price, when the event price differs
    category: str = ""
    size_class: str = ""
    drop: PackDrop | None = None


class PackTheme(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The brand's theme resolved to its tokens, so the till looks like the brand with no network."""

    name: str
    tokens: dict[str, str] = {}


class PackCredit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An online credit the till may take offline, up to ``cap`` (held on the server for the event).

    ``lookup`` is :func:`offline_lookup` of the code: the till finds a typed code by it, and the
    pack never carries a spendable code.
    """

    lookup: str
    cap: int
    currency: str
    expires_at: datetime | None = None


class PackReservation(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An online order to collect at the stall; ``pickup_code_hash`` is :func:`pickup_code_hash` of its code."""

    order_id: uuid.UUID
    number: str
    name: str
    pickup_code_hash: str
    lines: list[PackLine]


class Pack(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    format: Literal[1]
    event: PackEvent
    device: PackDevice
    brand: PackBrand
    products: list[PackProduct]
    allocation: list[PackLine]
    issued_at: datetime
    expires_at: datetime
    signature: str
    theme: PackTheme | None = None
    valuation: ValuationRules | None = None  # None: no trade-ins at this stall
    credits: list[PackCredit] = []
    reservations: list[PackReservation] = []


def normalise_pickup_code(typed: str) -> str:
    """A pickup code as staff may type it (``" k7m-q9x "``) in the form checkout gave it (``K7MQ9X``)."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def pickup_code_hash(brand_id: uuid.UUID, code: str) -> str:
    """How a pack names a reservation's pickup code: the till checks a typed code without carrying it.

    A six-symbol code is no secret against a determined guesser with the pack in hand; the hash
    keeps the codes off a lost tablet's disk in plain sight, and the brand's id keeps one brand's
    hashes from matching another's.
    """
    return hashlib.sha256(f"{brand_id}:{normalise_pickup_code(code)}".encode()).hexdigest()


def expiry(ends_at: datetime) -> datetime:
    return ends_at + GRACE


def canonical(body: Any) -> bytes:
    """The bytes a signature covers: builtins (as parsed from JSON) with sorted keys and no spaces."""
    return msgspec.json.encode(body, order="sorted")


def _key(pack_key: str) -> bytes:
    try:
        key = bytes.fromhex(pack_key)
    except ValueError:
        raise PackError("the pack key is not hex: copy it again from the device's registration") from None
    if len(key) != hashlib.sha256().digest_size:
        raise PackError("the pack key has the wrong length: copy it again from the device's registration")
    return key


def signature_of(body: dict[str, Any], pack_key: str) -> str:
    """HMAC-SHA256 (hex) of ``body``'s canonical form, ``signature`` left out."""
    unsigned = {name: value for name, value in body.items() if name != "signature"}
    return hmac.new(_key(pack_key), canonical(unsigned), hashlib.sha256).hexdigest()


def build(
    *,
    event: PackEvent,
    device: PackDevice,
    brand: PackBrand,
    products: list[PackProduct],
    allocation: list[PackLine],
    pack_key: str,
    now: datetime,
    theme: PackTheme | None = None,
    valuation: ValuationRules | None = None,
    credits: Sequence[PackCredit] = (),
    reservations: Sequence[PackReservation] = (),
) -> Pack:
    """A signed pack for ``device``, issued at ``now``, valid until its event's end and the grace."""
    unsigned = Pack(
        format=FORMAT,
        event=event,
        device=device,
        brand=brand,
        products=products,
        allocation=allocation,
        issued_at=now,
        expires_at=expiry(event.ends_at),
        signature="",
        theme=theme,
        valuation=valuation,
        credits=list(credits),
        reservations=list(reservations),
    )
    body = msgspec.to_builtins(unsigned)
    return msgspec.structs.replace(unsigned, signature=signature_of(body, pack_key))


def encode(pack: Pack) -> bytes:
    return msgspec.json.encode(pack)


def verify(
    data: bytes,
    pack_key: str,
    now: datetime,
    *,
    device_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
) -> Pack:
    """The pack in ``data`` if it is genuine, this device's and current; a :class:`PackError` if not.

    The signature is checked before any field is trusted; then the shape, the device and event
    (when named) and the expiry.
    """
    try:
        body = msgspec.json.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise MalformedPack("this file is not an event pack (not JSON)") from None
    if not isinstance(body, dict) or not isinstance(body.get("signature"), str):
        raise MalformedPack("this file is not an event pack (no signature)")
    if not hmac.compare_digest(signature_of(body, pack_key).encode(), body["signature"].encode()):
        raise TamperedPack("the pack's signature does not match: it was changed, or is for another device")
    try:
        pack = msgspec.json.decode(data, type=Pack)
    except msgspec.ValidationError as exc:
        raise MalformedPack(f"this pack cannot be read: {exc}") from None
    if device_id is not None and pack.device.id != device_id:
        raise ForeignPack(f"this pack is for device {pack.device.name!r} ({pack.device.id}), not this one")
    if event_id is not None and pack.event.id != event_id:
        raise ForeignPack(f"this pack is for event {pack.event.name!r} ({pack.event.id}), not this one")
    if now >= pack.expires_at:
        raise ExpiredPack(f"this pack expired at {pack.expires_at.isoformat()}: download a fresh one")
    return pack

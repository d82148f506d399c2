"""Issuing, rotating and revoking a brand's API keys (the CLI and ``/v1/brand/keys`` both call these).

Rules, decided once:

- A key's text is returned when it is made and never again; only its SHA-256 is stored, so a
  listing shows the prefix and the label.
- A brand always keeps at least one active secret key: revoking the last one is a 409, whoever
  asks (the key itself included). Rotating replaces a key in one transaction, so it never
  leaves the brand without one. The brand row is locked while this is decided, so two
  concurrent revocations cannot both take "the other one".
- Revocation is seen by this process's resolvers at once (:func:`invalidate_brand`) and by
  other workers within the resolver's ``ttl`` (``storefront.tenancy.principals``): at once on
  PostgreSQL, within 1 s on SQLite.
- Revoking a revoked key is a no-op that answers the key as it is, so a retry is harmless.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from tortoise.transactions import in_transaction

from storefront.clock import utcnow
from storefront.errors import Conflict, NotFound
from storefront.tenancy import keys
from storefront.tenancy.keys import KeyKind
from storefront.tenancy.keys_schemas import IssuedKey, KeyOut
from storefront.tenancy.models import ApiKey, Brand
from storefront.tenancy.principals import invalidate_brand


def key_out(key: ApiKey) -> KeyOut:
    kind: KeyKind = "secret" if key.kind == "secret" else "publishable"
    return KeyOut(
        id=key.id, kind=kind, prefix=key.prefix, label=key.label, created_at=key.created_at, revoked_at=key.revoked_at
    )


async def list_keys(brand_id: uuid.UUID) -> list[KeyOut]:
    """Every key of the brand, revoked ones too, oldest first."""
    return [key_out(k) for k in await ApiKey.filter(brand_id=brand_id).order_by("created_at", "id")]


async def issue_key(brand_id: uuid.UUID, kind: KeyKind, label: str = "") -> IssuedKey:
    """A new key beside the existing ones: deploy it, then revoke the old one (no downtime)."""
    async with in_transaction():
        await _lock_brand(brand_id)
        text, key = await _create(brand_id, kind, label)
    return IssuedKey(key=text, details=key_out(key))


async def rotate_key(brand_id: uuid.UUID, key_id: uuid.UUID, *, now: datetime | None = None) -> IssuedKey:
    """Replace an active key: a new one of the same kind and label, the old one revoked now."""
    async with in_transaction():
        await _lock_brand(brand_id)
        old = await _get(brand_id, key_id)
        if old.revoked_at is not None:
            raise Conflict(f"key {old.prefix}… is revoked already; issue a new key instead")
        kind: KeyKind = "secret" if old.kind == "secret" else "publishable"
        text, new = await _create(brand_id, kind, old.label)
        await ApiKey.filter(id=old.id).update(revoked_at=now or utcnow())
    invalidate_brand(brand_id)
    return IssuedKey(key=text, details=key_out(new), replaces=old.id)


async def rotate_kind(
    brand_id: uuid.UUID, kind: KeyKind, label: str = "", *, keep_old: bool = False, now: datetime | None = None
) -> tuple[IssuedKey, list[KeyOut]]:
    """A new key of ``kind``, and (unless ``keep_old``) every other active key of that kind revoked."""
    async with in_transaction():
        await _lock_brand(brand_id)
        old = await ApiKey.filter(brand_id=brand_id, kind=kind, revoked_at=None).order_by("created_at")
        text, new = await _create(brand_id, kind, label or (old[-1].label if old else ""))
        revoked: list[KeyOut] = []
        if not keep_old and old:
            at = now or utcnow()
            await ApiKey.filter(id__in=[k.id for k in old]).update(revoked_at=at)
            revoked = [msgspec.structs.replace(key_out(k), revoked_at=at) for k in old]
    invalidate_brand(brand_id)
    return IssuedKey(key=text, details=key_out(new)), revoked


async def revoke_key(brand_id: uuid.UUID, key_id: uuid.UUID, *, now: datetime | None = None) -> KeyOut:
    """Revoke a key at once; the brand's last active secret key cannot be revoked (rotate it instead)."""
    async with in_transaction():
        await _lock_brand(brand_id)
        key = await _get(brand_id, key_id)
        if key.revoked_at is not None:
            return key_out(key)
        if key.kind == "secret":
            others = await ApiKey.filter(brand_id=brand_id, kind="secret", revoked_at=None).exclude(id=key.id).count()
            if others == 0:
                raise Conflict(
                    f"key {key.prefix}… is the brand's last active secret key; rotate it instead, "
                    "so the brand keeps one"
                )
        await ApiKey.filter(id=key.id).update(revoked_at=now or utcnow())
        await key.refresh_from_db()
    invalidate_brand(brand_id)
    return key_out(key)


async def find_key(brand_id: uuid.UUID, id_or_prefix: str) -> KeyOut:
    """A key by its id or its listed prefix (what an operator can copy from ``stallkit brand keys list``)."""
    try:
        by_id = await ApiKey.get_or_none(brand_id=brand_id, id=uuid.UUID(id_or_prefix))
    except ValueError:
        by_id = None
    if by_id is not None:
        return key_out(by_id)
    matches = await ApiKey.filter(brand_id=brand_id, prefix=id_or_prefix.rstrip("…"))
    if len(matches) != 1:
        raise NotFound(f"no single key with id or prefix {id_or_prefix!r}")
    return key_out(matches[0])


async def _lock_brand(brand_id: uuid.UUID) -> None:
    """Serialise key changes per brand (``FOR UPDATE`` on PostgreSQL; SQLite has one connection)."""
    if await Brand.select_for_update().get_or_none(id=brand_id) is None:
        raise NotFound("brand not found")


async def _get(brand_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey:
    key = await ApiKey.get_or_none(id=key_id, brand_id=brand_id)
    if key is None:
        raise NotFound("key not found")
    return key


async def _create(brand_id: uuid.UUID, kind: KeyKind, label: str) -> tuple[str, ApiKey]:
    text = keys.generate(kind)
    key = await ApiKey.create(
        brand_id=brand_id, kind=kind, key_hash=keys.hash_key(text), prefix=keys.display_prefix(text), label=label
    )
    return text, key

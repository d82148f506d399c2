"""Who may call a route, and resolving API keys to principals fast without serving anything stale.

**Secret by default.** A route admits publishable keys only when it says so with
``opt=SHOPPER`` (on the handler or its controller): the catalogue, the components, the
shopper's own cart and checkout, the analytics beacon. Everything else (ledgers, orders, stock
movements, reports, key management) needs a secret key, including every route added later
that forgets to decide. Both roads to the caller enforce it: the auth middleware refuses a
publishable key before the handler runs, and :func:`principal_from` (which the injected
``Reader`` and the hot paths both use) refuses it again, so a handler cannot read a
publishable caller on a route that does not admit one.

**Resolving keys.** Every request needs the caller's brand and its ``catalog_version`` (the
read caches' validator). Asking the database each time costs a round trip that dominates a
cached read, so a resolver may keep what it read for at most ``ttl`` seconds, and every
catalogue or key write in this process invalidates the brand's entries at once
(:func:`invalidate_brand`). Hence:

- SQLite (one worker, by design): writes through this process are visible on the very next
  request; writes by another process (the CLI revoking a key) within ``ttl`` (1 s). An entry
  past half its ``ttl`` is refreshed in the background while requests keep using it: under
  load, every SQLite query waits for the GIL behind the busy event loop (measured: a 0.1 ms
  lookup took up to 0.7 s when 32 requests refreshed at once), so no request should wait on a
  refresh. An entry past its ``ttl`` is never used: the request waits for the database, so a
  revoked key is refused within ``ttl`` however long it sat idle in the cache.
- PostgreSQL (many workers): ``ttl`` is 0, so each request reads the key and the version with
  one fixed, pre-built, indexed statement; a revocation or write in any worker is seen by the
  next request everywhere.

Resolvers belong to apps (``app.state``); this module only remembers which ones exist so a
write can invalidate them all.
"""

from __future__ import annotations

import asyncio
import time
import uuid
import weakref
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import msgspec
from litestar.di import NamedDependency
from tortoise import Tortoise

from storefront.errors import PermissionDenied
from storefront.sql import placeholder
from storefront.tenancy import keys
from storefront.tenancy.schemas import Principal

PRINCIPAL_STATE_KEY = "stallkit_principal"
_PUBLISHABLE_OPT = "stallkit_publishable"

SHOPPER: Mapping[str, Any] = MappingProxyType({_PUBLISHABLE_OPT: True})
"""``opt`` for a route a shopper's browser calls with the brand's publishable key."""

# Handlers annotate their parameters with these so Litestar injects the caller by name, explicitly
# (the providers live at the HTTP edge, ``storefront.api.deps``). A ``Reader`` is whoever the route
# admits (a secret key; a publishable key too where the route is ``SHOPPER``); a ``Writer`` always
# holds a secret key.
Reader = NamedDependency[Principal]
Writer = NamedDependency[Principal]


def admits_publishable(route_handler: object) -> bool:
    """Whether the route was opened to publishable keys with ``opt=SHOPPER``."""
    opt = getattr(route_handler, "opt", None)
    return bool(opt and opt.get(_PUBLISHABLE_OPT))


def principal_from(scope: Mapping[str, Any]) -> Principal:
    """The caller the auth middleware resolved for this request (hot paths read it without injection).

    A publishable key on a route that does not admit one is refused here too, so a route is
    secret-only unless it says otherwise, whichever way its handler reads the caller.
    """
    principal: Principal = scope["state"][PRINCIPAL_STATE_KEY]
    if not principal.can_write and not admits_publishable(scope.get("route_handler")):
        raise PermissionDenied("a secret key is required")
    return principal


_LOOKUP = (
    "SELECT k.kind, k.brand_id, b.catalog_version, b.allowed_origins, k.id FROM api_key k "
    "JOIN brand b ON b.id = k.brand_id WHERE k.key_hash = {p} AND k.revoked_at IS NULL"
)
_RESOLVERS: weakref.WeakSet[PrincipalResolver] = weakref.WeakSet()
MAX_ENTRIES = 10_000


class PrincipalResolver:
    """Keys to principals, each kept at most ``ttl`` seconds (0: always read the database).

    ``invalidated_by_this_process=False`` makes a resolver deaf to this process's writes, as
    another worker's is: tests use it to stand in for a second process.
    """

    def __init__(
        self, ttl: float, clock: Callable[[], float] = time.monotonic, *, invalidated_by_this_process: bool = True
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._inflight: dict[str, asyncio.Future[Principal | None]] = {}
        self._invalidated_at: dict[str, float] = {}
        self._sql: str | None = None
        if invalidated_by_this_process:
            _RESOLVERS.add(self)

    async def resolve(self, raw_key: str) -> Principal | None:
        """The principal for a key's text, or None when the key is malformed, unknown or revoked."""
        if not keys.looks_like_key(raw_key):
            return None
        key_hash = keys.hash_key(raw_key)
        if self.ttl <= 0:
            return await self._load(key_hash)
        entry = self._entries.get(key_hash)
        if entry is not None:
            age = self.clock() - entry[0]
            if age < self.ttl:
                if age >= self.ttl / 2 and key_hash not in self._inflight:
                    # Nobody awaits this refresh; a failure leaves the entry to the next attempt.
                    self._refresh(key_hash).add_done_callback(_ignore_failure)
                return entry[1]
        return await self._refresh(key_hash)

    def _refresh(self, key_hash: str) -> asyncio.Future[Principal | None]:
        """One load per key at a time; concurrent callers share it (no stampede)."""
        inflight = self._inflight.get(key_hash)
        if inflight is None:
            inflight = asyncio.ensure_future(self._load_and_store(key_hash, self.clock()))
            self._inflight[key_hash] = inflight
        return inflight

    async def _load_and_store(self, key_hash: str, started: float) -> Principal | None:
        try:
            principal = await self._load(key_hash)
        finally:
            if self._inflight.get(key_hash) is asyncio.current_task():  # not a newer load's
                del self._inflight[key_hash]
        if principal is None:
            self._entries.pop(key_hash, None)
        elif self._generation_unchanged(key_hash, started):
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key_hash] = (started, principal)
        return principal

    def _generation_unchanged(self, key_hash: str, started: float) -> bool:
        """False if the brand was invalidated while this load ran: its result may predate the write."""
        return self._invalidated_at.get(key_hash, float("-inf")) < started

    def invalidate_brand(self, brand_id: uuid.UUID) -> None:
        now = self.clock()
        stale = [h for h, (_, p) in self._entries.items() if p.brand_id == brand_id]
        for key_hash in stale:
            del self._entries[key_hash]
            self._invalidated_at[key_hash] = now
        for key_hash in self._inflight:  # loads already running may have read the old version
            self._invalidated_at[key_hash] = now
        self._inflight.clear()

    async def _load(self, key_hash: str) -> Principal | None:
        connection = Tortoise.get_connection("default")
        if self._sql is None:
            self._sql = _LOOKUP.format(p=placeholder(connection.capabilities.dialect, 1))
        _, rows = await connection.execute_query(self._sql, [key_hash])
        if not rows:
            return None
        kind, brand_id, version, origins, key_id = rows[0][0], rows[0][1], rows[0][2], rows[0][3], rows[0][4]
        if isinstance(origins, str | bytes):
            origins = msgspec.json.decode(origins)
        return Principal(
            brand_id=_as_uuid(brand_id),
            kind=kind,
            catalog_version=int(version),
            allowed_origins=tuple(origins or ()),
            key_id=_as_uuid(key_id),
        )


def _as_uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _ignore_failure(future: asyncio.Future[Principal | None]) -> None:
    if not future.cancelled():
        future.exception()


def invalidate_brand(brand_id: uuid.UUID) -> None:
    """Forget every resolver's entries for the brand: its catalogue, keys or settings changed."""
    for resolver in list(_RESOLVERS):
        resolver.invalidate_brand(brand_id)

"""Rate limits on what a stranger can do cheaply and we pay for: guessing keys, starting carts,
checking out, and analytics beacons. The ``limits`` library counts; this module decides who and what.

- **Who.** Each limit is counted per client address and, for the writes, per API key too. The
  client is the connection's peer, or, when that peer is one of ``STALLKIT_TRUSTED_PROXIES``,
  the nearest untrusted address in ``X-Forwarded-For``; IPv6 clients count per /64, the block
  one subscriber gets. A publishable key is shared by every shopper of the brand, so its
  per-key limits are a ceiling for the whole brand and are set high: the per-client ones stop
  a single abuser.
- **What.** ``bad_keys``: a malformed, unknown or revoked key; once a client has spent its
  allowance it gets 429 before its next key is even looked up. ``carts``: ``POST /v1/carts`` and
  the ``add-to-cart`` form action (which starts a cart when the form has none), and a shopper's
  ``POST /v1/trade-ins`` and its photos. ``checkouts``:
  placing and confirming, through the API or the checkout component. ``beacons``:
  ``POST /v1/analytics/events``. ``sign_ins``: the back office's sign-in and password-reset
  forms, per client (answered as a page). ``credit_lookups``: ``GET /v1/credits/{code}`` (and its entries), applying
  or removing a code on a cart, and the credit-balance component's look-up, per client only, since
  a code is a bearer instrument.
- **Answer.** 429 ``rate_limited`` problem details with ``Retry-After`` (whole seconds). A
  refused request claims no ``Idempotency-Key`` (this middleware runs before that one), so
  retrying it later with the same key runs it normally.
- **Several workers.** The default store is each worker's memory: exact with one worker (SQLite
  always has one), and with W workers behind a balancer a client gets up to W times a limit.
  For one global count, point ``STALLKIT_RATE_LIMIT_STORAGE`` at a store every worker shares
  that ``limits`` speaks to (``async+redis://host:6379``, ``async+memcached://host:11211``; install
  its driver, e.g. ``coredis``).

Windows are fixed (``limits``' fixed-window strategy): a window starts at a key's first hit, so
a client can at most double a limit across a window edge, and ``Retry-After`` is exact.
``limits``' own in-memory store starts a sweep of every key after each hit (measured here with the
event loop running between hits, as in a server: 1.3 ms a hit with 10,000 clients, 8.6 ms with
50,000), which would turn the limiter into the bottleneck it guards against; :class:`LocalStorage`
sweeps at most once a second and bounds its size (about 25 us a hit, however many clients).
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable
from typing import Literal, cast

import limits
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseBodyEvent, Receive, Scope, Send

from storefront.api.asgi import header, send_problem
from storefront.settings import Settings
from storefront.tenancy import PRINCIPAL_STATE_KEY, Principal

Bucket = Literal["bad_keys", "carts", "checkouts", "beacons", "credit_lookups", "sign_ins"]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
STATE_KEY = "rate_limits"


def bucket_for(method: str, path: str) -> Bucket | None:
    """Which limit a request spends, by its (routed, normalised) path."""
    if method == "GET" and path.startswith("/v1/credits/"):  # a code is a bearer instrument: no guessing
        return "credit_lookups"
    if _tries_a_code(method, path):
        return "credit_lookups"
    if method != "POST":
        return None
    if path == "/admin/sign-in" or path.startswith("/admin/reset/"):  # a staff password, or a reset token
        return "sign_ins"
    if path in ("/v1/carts", "/v1/components/add-to-cart", "/v1/back-in-stock", "/v1/components/back-in-stock"):
        return "carts"
    if path == "/v1/trade-ins" or (
        path.startswith("/v1/trade-ins/") and path.endswith("/photos")
    ):  # a shopper's trade-in and its photos are rows (and files) made on a public key, as a cart is
        return "carts"
    if path in ("/v1/components/checkout", "/v1/components/checkout/confirm") or (
        path.startswith("/v1/carts/") and path.endswith(("/checkout", "/confirm"))
    ):
        return "checkouts"
    if path == "/v1/analytics/events":
        return "beacons"
    return None


def _tries_a_code(method: str, path: str) -> bool:
    """Applying a code to a cart, or the balance component, says whether the code exists: a look-up by another name."""
    if method == "POST" and path in ("/v1/components/credit-balance", "/v1/components/checkout/credit"):
        return True
    # A cart's credits, and a credit taken to (or back from) an event's stall.
    return method in ("POST", "DELETE") and path.startswith(("/v1/carts/", "/v1/events/")) and "/credits" in path


class LocalStorage(Storage):
    """Fixed-window counters in this process's memory, swept once a second and never above ``max_keys``.

    Everything here is synchronous between awaits, so the event loop makes each call atomic.
    ``clock`` is injected (wall seconds, as ``limits`` reports reset times) so tests need not wait.
    """

    STORAGE_SCHEME = None

    def __init__(self, clock: Callable[[], float] = time.time, max_keys: int = 200_000) -> None:
        super().__init__()
        self.clock = clock
        self.max_keys = max_keys
        self._counters: dict[str, list[float]] = {}  # key -> [count, expires at]
        self._next_sweep = 0.0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def _live(self, key: str, now: float) -> list[float] | None:
        counter = self._counters.get(key)
        if counter is not None and counter[1] <= now:
            del self._counters[key]
            return None
        return counter

    def _sweep(self, now: float) -> None:
        if now >= self._next_sweep:
            self._next_sweep = now + 1.0
            for key in [k for k, (_, expires) in self._counters.items() if expires <= now]:
                del self._counters[key]
        # Still too many live keys (a flood of distinct clients): forget the oldest windows first.
        while len(self._counters) >= self.max_keys:
            del self._counters[next(iter(self._counters))]

    async def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = self.clock()
        counter = self._live(key, now)
        if counter is None:
            self._sweep(now)
            counter = self._counters[key] = [0, now + expiry]
        counter[0] += amount
        return int(counter[0])

    async def get(self, key: str) -> int:
        counter = self._live(key, self.clock())
        return int(counter[0]) if counter else 0

    async def get_expiry(self, key: str) -> float:
        now = self.clock()
        counter = self._live(key, now)
        return counter[1] if counter else now

    async def check(self) -> bool:
        return True

    async def reset(self) -> int | None:
        count = len(self._counters)
        self._counters.clear()
        return count

    async def clear(self, key: str) -> None:
        self._counters.pop(key, None)

    def __len__(self) -> int:
        return len(self._counters)


def _items(value: str) -> tuple[limits.RateLimitItem, ...]:
    return tuple(limits.parse_many(value)) if value else ()


def _storage(uri: str) -> Storage:
    if uri in ("", "memory://"):
        return LocalStorage()
    storage = storage_from_string(uri)
    if not isinstance(storage, Storage):
        raise ValueError(f"STALLKIT_RATE_LIMIT_STORAGE must be an async store (async+...://), got {uri!r}")
    return storage


class RateLimits:
    """The app's limits (``app.state.rate_limits``): what each bucket allows per client and per key."""

    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self.storage = storage if storage is not None else _storage(settings.rate_limit_storage)
        self._limiter = FixedWindowRateLimiter(self.storage)
        self.per_client: dict[Bucket, tuple[limits.RateLimitItem, ...]] = {
            "bad_keys": _items(settings.rate_limit_bad_keys),
            "carts": _items(settings.rate_limit_carts),
            "checkouts": _items(settings.rate_limit_checkouts),
            "beacons": _items(settings.rate_limit_beacons),
            "credit_lookups": _items(settings.rate_limit_credit_lookups),
            "sign_ins": _items(settings.rate_limit_sign_ins),
        }
        self.per_key: dict[Bucket, tuple[limits.RateLimitItem, ...]] = {
            "carts": _items(settings.rate_limit_carts_per_key),
            "checkouts": _items(settings.rate_limit_checkouts_per_key),
            "beacons": _items(settings.rate_limit_beacons_per_key),
        }
        self.trusted: tuple[Network, ...] = tuple(
            ipaddress.ip_network(p.strip(), strict=False) for p in settings.trusted_proxies.split(",") if p.strip()
        )
        # Until when this worker has seen a bad key: before that, no request pays for the guessing check
        # (16 us a request, measured, against a dictionary miss).
        self._bad_keys_window = max((item.get_expiry() for item in self.per_client["bad_keys"]), default=0)
        self._bad_keys_seen_until = float("-inf")

    async def spend(self, bucket: Bucket, client: str, key: str | None = None) -> int | None:
        """Count one request; None if it may go ahead, else the seconds to wait before retrying."""
        spent = [(item, ("client", client)) for item in self.per_client.get(bucket, ())]
        if key is not None:
            spent += [(item, ("key", key)) for item in self.per_key.get(bucket, ())]
        for item, who in spent:
            if not await self._limiter.hit(item, bucket, *who):
                return await self._retry_after(item, bucket, *who)
        return None

    async def exhausted(self, bucket: Bucket, client: str) -> int | None:
        """Whether the client has nothing left to spend (without spending): the seconds to wait, or None."""
        for item in self.per_client.get(bucket, ()):
            if not await self._limiter.test(item, bucket, "client", client):
                return await self._retry_after(item, bucket, "client", client)
        return None

    async def guessing_refused(self, scope: Scope) -> int | None:
        """The seconds this request's client must wait for having sent too many bad keys, or None."""
        if time.monotonic() >= self._bad_keys_seen_until:
            return None
        return await self.exhausted("bad_keys", self.client(scope))

    async def bad_key(self, scope: Scope) -> int | None:
        """Count a malformed, unknown or revoked key; the seconds to wait if that was one too many."""
        if not self._bad_keys_window:
            return None
        self._bad_keys_seen_until = time.monotonic() + self._bad_keys_window
        return await self.spend("bad_keys", self.client(scope))

    async def _retry_after(self, item: limits.RateLimitItem, *identifiers: str) -> int:
        stats = await self._limiter.get_window_stats(item, *identifiers)
        now = self.storage.clock() if isinstance(self.storage, LocalStorage) else time.time()
        return max(1, math.ceil(stats.reset_time - now))

    def client(self, scope: Scope) -> str:
        """The client a request counts against (see the module docstring)."""
        peer = (scope.get("client") or ("unknown", 0))[0]
        address = _address(peer)
        if address is not None and self.trusted and _within(address, self.trusted):
            forwarded = header(scope, b"x-forwarded-for") or ""
            for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
                hop_address = _address(hop)
                if hop_address is None:
                    break
                address = hop_address
                if not _within(hop_address, self.trusted):
                    break
        if address is None:
            return peer
        if address.version == 6:
            return str(ipaddress.ip_network(f"{address}/64", strict=False))
        return str(address)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _within(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def limits_of(scope: Scope) -> RateLimits:
    rate_limits: RateLimits = scope["app"].state[STATE_KEY]
    return rate_limits


async def send_rate_limited(send: Send, retry_after: int, detail: str, path: str) -> None:
    await send_problem(
        send,
        429,
        "rate_limited",
        "Too many requests",
        f"{detail} Retry after {retry_after} s.",
        path,
        headers=[(b"retry-after", str(retry_after).encode())],
    )


async def send_page_rate_limited(send: Send, retry_after: int, detail: str) -> None:
    """429 as a page: a person at the back office's sign-in form reads words, not problem details."""
    minutes = max(1, math.ceil(retry_after / 60))
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Too many attempts</title></head>'
        f"<body><main><h1>Too many attempts</h1><p>{detail} Try again in {minutes} minute"
        f"{'s' if minutes != 1 else ''}.</p></main></body></html>"
    ).encode()
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"retry-after", str(retry_after).encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    # more_body is optional in ASGI (default False); litestar's TypedDict requires it
    await send(cast("HTTPResponseBodyEvent", {"type": "http.response.body", "body": body}))


_DETAIL: dict[Bucket, str] = {
    "bad_keys": "Too many requests with a malformed, unknown or revoked API key from this client.",
    "carts": "Too many new carts.",
    "checkouts": "Too many checkouts.",
    "beacons": "Too many analytics beacons.",
    "credit_lookups": "Too many credit code look-ups.",
    "sign_ins": "Too many sign-in attempts from this network.",
}


class RateLimitMiddleware:
    """Spends the cart, checkout and beacon limits, after auth (the key is known) and before idempotency."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        bucket = bucket_for(scope["method"], scope["path"]) if scope["type"] == ScopeType.HTTP else None
        if bucket is None:
            await self.app(scope, receive, send)
            return
        principal: Principal | None = scope.get("state", {}).get(PRINCIPAL_STATE_KEY)
        key = str(principal.key_id or principal.brand_id) if principal is not None else None
        rate_limits = limits_of(scope)
        retry_after = await rate_limits.spend(bucket, rate_limits.client(scope), key)
        if retry_after is not None and bucket == "sign_ins":
            await send_page_rate_limited(send, retry_after, _DETAIL[bucket])
            return
        if retry_after is not None:
            await send_rate_limited(send, retry_after, _DETAIL[bucket], scope["path"])
            return
        await self.app(scope, receive, send)


async def refuse_key_guessing(scope: Scope, send: Send) -> bool:
    """Answer 429 (and return True) if this client has spent its allowance of bad keys."""
    return await _refused_for_bad_keys(await limits_of(scope).guessing_refused(scope), scope, send)


async def refuse_bad_key(scope: Scope, send: Send) -> bool:
    """Count a bad key; answer 429 (and return True) if it was one too many, else leave the answer to the caller."""
    return await _refused_for_bad_keys(await limits_of(scope).bad_key(scope), scope, send)


async def _refused_for_bad_keys(retry_after: int | None, scope: Scope, send: Send) -> bool:
    if retry_after is None:
        return False
    await send_rate_limited(send, retry_after, _DETAIL["bad_keys"], scope["path"])
    return True

"""Rate limits: key guessing, cart creation, checkout and beacons, per client and per key, as 429 problems.

The app here has small limits and a counter store on a clock the test moves, so a window's end
is a line of code, not a sleep. Clients are told apart by their connection's address, as the
server sees them (httpx's ASGI transport sets it).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from components.plugin import ComponentsPlugin
from storefront.api.ratelimit import LocalStorage, RateLimits, bucket_for
from storefront.app import create_app
from storefront.settings import Settings, SettingsError
from storefront.tenancy.schemas import CreatedBrand
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient
LIMITS = {
    "rate_limit_bad_keys": "3/minute",
    "rate_limit_carts": "2/minute",
    "rate_limit_carts_per_key": "3/minute",
    "rate_limit_checkouts": "2/minute",
    "rate_limit_checkouts_per_key": "100/minute",
    "rate_limit_beacons": "2/minute",
    "rate_limit_beacons_per_key": "3/minute",
    "trusted_proxies": "10.0.0.0/8, fd00::/8",
}
BAD_KEY = "sk_" + "x" * 43


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Limited(msgspec.Struct, kw_only=True):
    app: Litestar
    clock: Clock
    clients: dict[str, Client]

    def at(self, address: str) -> Client:
        """A client connecting from ``address`` (made on first use)."""
        if address not in self.clients:
            transport = httpx.ASGITransport(app=self.app, client=(address, 50_000))
            self.clients[address] = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        return self.clients[address]


@pytest.fixture
async def limited(database: Settings) -> AsyncIterator[Limited]:
    settings = msgspec.structs.replace(database, **LIMITS)
    app = create_app(settings, plugins=[ComponentsPlugin()], manage_database=False)
    clock = Clock()
    app.state.rate_limits = RateLimits(settings, storage=LocalStorage(clock=clock))
    state = Limited(app=app, clock=clock, clients={})
    yield state
    for http in state.clients.values():
        await http.aclose()


def assert_rate_limited(response: httpx.Response, retry_after: int | None = None) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "rate_limited"
    seconds = int(response.headers["retry-after"])
    assert 1 <= seconds <= 60
    if retry_after is not None:
        assert seconds == retry_after


async def new_cart(client: Client, brand: CreatedBrand, **headers: str) -> httpx.Response:
    return await client.post("/v1/carts", json={}, headers=auth(brand.publishable_key, **headers))


# --- key guessing -------------------------------------------------------------------------------


async def test_a_client_guessing_keys_is_stopped_before_the_next_lookup(
    limited: Limited, make_brand: MakeBrand
) -> None:
    brand = await make_brand()
    guesser, neighbour = limited.at("203.0.113.7"), limited.at("198.51.100.2")
    for _ in range(3):
        assert (await guesser.get("/v1/products", headers=auth(BAD_KEY))).status_code == 401
    refused = await guesser.get("/v1/products", headers=auth(BAD_KEY))
    assert_rate_limited(refused, retry_after=60)
    # Even a real key: the client is refused before any key is looked up.
    assert_rate_limited(await guesser.get("/v1/products", headers=auth(brand.secret_key)))
    # Guesses through the URL and through a preflight are guesses too (for another client).
    for _ in range(2):
        assert (await neighbour.get("/v1/components", params={"key": "pk_" + "y" * 43})).status_code == 401
    preflight = {"Origin": "https://a.example", "Access-Control-Request-Method": "GET"}
    assert (await neighbour.options("/v1/components?key=pk_" + "z" * 43, headers=preflight)).status_code == 403
    assert_rate_limited(await neighbour.options("/v1/components?key=pk_" + "z" * 43, headers=preflight))

    other = limited.at("192.0.2.9")
    assert (await other.get("/v1/products", headers=auth(brand.secret_key))).status_code == 200
    assert (await other.get("/v1/products")).status_code == 401  # no key at all is no guess
    limited.clock.now += 20
    assert_rate_limited(await guesser.get("/v1/products", headers=auth(brand.secret_key)), retry_after=40)
    limited.clock.now += 41
    assert (await guesser.get("/v1/products", headers=auth(brand.secret_key))).status_code == 200


# --- cart creation, checkout, beacons --------------------------------------------------------------


async def test_cart_creation_is_limited_per_client_and_per_key(limited: Limited, make_brand: MakeBrand) -> None:
    brand, other_brand = await make_brand(), await make_brand()
    a, b, c = limited.at("203.0.113.10"), limited.at("203.0.113.11"), limited.at("203.0.113.12")
    assert [(await new_cart(a, brand)).status_code for _ in range(2)] == [201, 201]
    assert_rate_limited(await new_cart(a, brand))
    assert (await new_cart(b, brand)).status_code == 201  # the brand's third cart this minute
    assert_rate_limited(await new_cart(c, brand))  # a fresh client, but the key's ceiling is reached
    assert (await new_cart(c, other_brand)).status_code == 201  # another key has its own
    # The add-to-cart form action may start a cart, so it spends the same allowance.
    action = await a.post("/v1/components/add-to-cart", params={"key": other_brand.publishable_key}, data={})
    assert_rate_limited(action)
    limited.clock.now += 61
    assert (await new_cart(a, brand)).status_code == 201


async def test_checkout_and_confirm_are_limited(limited: Limited, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    shopper = limited.at("203.0.113.20")
    cart = (await new_cart(limited.at("203.0.113.21"), brand)).json()["id"]
    body = {"email": "ada@example.com", "name": "Ada"}
    first = await shopper.post(f"/v1/carts/{cart}/checkout", json=body, headers=auth(brand.publishable_key))
    assert first.status_code != 429, first.text  # an empty cart: refused by checkout itself
    confirm = await shopper.post(f"/v1/carts/{cart}/confirm", json={}, headers=auth(brand.publishable_key))
    assert confirm.status_code != 429, confirm.text
    again = await shopper.post(f"/v1/carts/{cart}/checkout", json=body, headers=auth(brand.publishable_key))
    assert_rate_limited(again)
    form = await shopper.post("/v1/components/checkout", params={"key": brand.publishable_key}, data={})
    assert_rate_limited(form)


async def test_beacons_are_limited_per_client_and_per_key(limited: Limited, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    page, other_page = limited.at("203.0.113.30"), limited.at("2001:db8:1:2::30")

    async def beacon(client: Client) -> httpx.Response:
        event = {"type": "impression", "component": "price", "product": "no-such-bag", "variant": None}
        events = {"events": [event | {"method": None, "occurred_at": "2026-11-23T10:00:00Z"}]}
        return await client.post("/v1/analytics/events", params={"key": brand.publishable_key}, json=events)

    assert [(await beacon(page)).status_code for _ in range(2)] == [202, 202]
    assert_rate_limited(await beacon(page))
    assert (await beacon(other_page)).status_code == 202
    # Another address in the same IPv6 /64 is the same subscriber; the key's ceiling is reached anyway.
    assert_rate_limited(await beacon(limited.at("2001:db8:1:2::31")))
    assert_rate_limited(await beacon(limited.at("203.0.113.31")))


async def test_a_refused_request_claims_no_idempotency_key(limited: Limited, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    shopper = limited.at("203.0.113.40")
    for _ in range(2):
        assert (await new_cart(shopper, brand)).status_code == 201
    key = str(uuid.uuid4())
    assert_rate_limited(await new_cart(shopper, brand, **{"Idempotency-Key": key}))
    limited.clock.now += 61
    retried = await new_cart(shopper, brand, **{"Idempotency-Key": key})
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers


async def test_other_writes_are_not_limited(limited: Limited, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    merchant = limited.at("203.0.113.50")
    cart = (await new_cart(merchant, brand)).json()["id"]
    for _ in range(5):
        response = await merchant.get(f"/v1/carts/{cart}", headers=auth(brand.publishable_key))
        assert response.status_code == 200


# --- who the client is -------------------------------------------------------------------------------


def scope(peer: str, forwarded: str | None = None) -> dict[str, Any]:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return {"client": (peer, 1), "headers": headers}


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # an untrusted peer cannot name someone else
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),  # our proxy names the client
        ("10.0.0.2", "1.1.1.1, 198.51.100.1, 10.0.0.9", "198.51.100.1"),  # nearest untrusted hop
        ("10.0.0.2", "10.0.0.3", "10.0.0.3"),  # only proxies all the way: the farthest one
        ("10.0.0.2", "not-an-address, 198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "198.51.100.1, garbage", "10.0.0.2"),  # a hop we cannot read: stop at the proxy
        ("10.0.0.2", None, "10.0.0.2"),
        ("2001:db8:aa:bb:1:2:3:4", None, "2001:db8:aa:bb::/64"),
        ("fd00::1", "2001:db8:aa:bb::9", "2001:db8:aa:bb::/64"),
    ],
)
def test_the_client_address(peer: str, forwarded: str | None, client: str) -> None:
    limits = RateLimits(Settings(database_url="sqlite://x", **LIMITS))
    assert limits.client(scope(peer, forwarded)) == client


@pytest.mark.parametrize(
    ("method", "path", "bucket"),
    [
        ("POST", "/v1/carts", "carts"),
        ("POST", "/v1/components/add-to-cart", "carts"),
        ("POST", f"/v1/carts/{uuid.uuid4()}/checkout", "checkouts"),
        ("POST", f"/v1/carts/{uuid.uuid4()}/confirm", "checkouts"),
        ("POST", "/v1/components/checkout", "checkouts"),
        ("POST", "/v1/components/checkout/confirm", "checkouts"),
        ("POST", "/v1/analytics/events", "beacons"),
        ("POST", "/v1/back-in-stock", "carts"),
        ("POST", "/v1/components/back-in-stock", "carts"),
        ("GET", "/v1/back-in-stock", None),
        ("GET", "/v1/carts", None),
        ("POST", f"/v1/carts/{uuid.uuid4()}/lines", None),
        ("POST", "/v1/products", None),
    ],
)
def test_which_requests_spend_which_limit(method: str, path: str, bucket: str | None) -> None:
    assert bucket_for(method, path) == bucket


def test_every_limited_path_is_a_route(app: Litestar) -> None:
    """A renamed route would silently lose its limit: each path the limiter knows must still be served."""
    served = {route.path_format for route in app.routes}
    for path in (
        "/v1/carts",
        "/v1/carts/{cart_id}/checkout",
        "/v1/carts/{cart_id}/confirm",
        "/v1/components/{name}",
        "/v1/components/checkout/confirm",
        "/v1/analytics/events",
        "/v1/back-in-stock",
    ):
        assert path in served, path


# --- the counter store ---------------------------------------------------------------------------


async def test_the_store_forgets_ended_windows_and_stays_bounded() -> None:
    clock = Clock()
    storage = LocalStorage(clock=clock, max_keys=1_000)
    for i in range(900):
        await storage.incr(f"k{i}", 60)
    assert len(storage) == 900
    clock.now += 61
    await storage.incr("fresh", 60)
    assert len(storage) == 1  # the sweep ran: every ended window is gone
    for i in range(5_000):
        await storage.incr(f"flood{i}", 60)
    assert len(storage) <= 1_000
    assert await storage.get("flood4999") == 1  # the newest windows are the ones kept


async def test_a_hit_costs_the_same_with_fifty_thousand_clients() -> None:
    """``limits``' own memory store scans every key on every hit; ours must not (see the module docstring)."""

    async def per_hit(keys: int) -> float:
        storage = LocalStorage()
        limits = RateLimits(Settings(database_url="sqlite://x", **LIMITS), storage=storage)
        for i in range(keys):
            await limits.spend("carts", f"198.18.{i // 256 % 256}.{i % 256}-{i}")
        started = time.perf_counter()
        for i in range(2_000):
            await limits.spend("carts", f"client-{i % 100}")
        return (time.perf_counter() - started) / 2_000

    few, many = await per_hit(10), await per_hit(50_000)
    assert many < 0.0005, f"{many * 1e6:.0f} µs a hit with 50,000 clients"
    assert many < few * 5 + 0.00005, (few, many)


# --- settings ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STALLKIT_RATE_LIMIT_CARTS", "lots"),
        ("STALLKIT_RATE_LIMIT_CHECKOUTS", "0/minute"),
        ("STALLKIT_RATE_LIMIT_BEACONS_PER_KEY", "10 per fortnight"),
        ("STALLKIT_TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal"),
        ("STALLKIT_RATE_LIMIT_STORAGE", "redis://cache:6379"),  # the sync driver would block the event loop
    ],
)
def test_a_bad_limit_stops_the_process_with_one_line(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_limits_are_read_from_the_environment() -> None:
    make: Callable[[dict[str, str]], Settings] = Settings.from_env
    settings = make({"STALLKIT_RATE_LIMIT_CARTS": "5/second;100/hour", "STALLKIT_RATE_LIMIT_BAD_KEYS": ""})
    limits = RateLimits(settings)
    assert [str(item) for item in limits.per_client["carts"]] == ["5 per 1 second", "100 per 1 hour"]
    assert limits.per_client["bad_keys"] == ()  # empty turns a limit off
    assert [str(item) for item in limits.per_key["checkouts"]] == ["3000 per 1 minute"]  # the default


async def test_a_shared_store_is_any_async_store_limits_knows() -> None:
    """``async+memory://`` is ``limits``' own, standing in for ``async+redis://`` (not run here)."""
    from limits.aio.storage import MemoryStorage

    limits = RateLimits(
        Settings(database_url="sqlite://x", rate_limit_carts="1/minute", rate_limit_storage="async+memory://")
    )
    assert isinstance(limits.storage, MemoryStorage)
    assert await limits.spend("carts", "203.0.113.1") is None
    assert await limits.spend("carts", "203.0.113.1") == 60

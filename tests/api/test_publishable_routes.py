"""Every route of the app, called with a publishable key: only the allow-list below gets past auth.

The list is the decision, made here on purpose and kept exact: a route added without a place
in it is secret-only (the mechanism's default, ``opt=SHOPPER`` opens a route) and this test
fails until someone decides, in this file, that shoppers' browsers may call it.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from storefront.errors import PermissionDenied
from storefront.tenancy import PRINCIPAL_STATE_KEY, Principal, principal_from
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient

# (method, path) a publishable key may call: the catalogue and components, the shopper's own cart,
# checkout and the choices behind them, the brand's public face, the analytics beacon.
SHOPPER_ROUTES = {
    ("GET", "/v1/orders/{order_id}/status"),  # the shopper's own order page, with its link's token
    ("GET", "/v1/brand"),  # name, currency, locale, theme: what a storefront renders with
    ("GET", "/v1/products"),
    ("GET", "/v1/products/{handle}"),
    ("GET", "/v1/lookbooks"),
    ("GET", "/v1/lookbooks/{handle}"),
    ("GET", "/v1/components"),
    ("GET", "/v1/components/{name}"),
    ("POST", "/v1/components/{name}"),  # the components' form actions: add to cart, check out
    ("POST", "/v1/components/checkout/confirm"),
    ("POST", "/v1/components/checkout/credit"),
    ("GET", "/v1/fulfilment/quote"),
    ("GET", "/v1/fulfilment/pickup-points"),  # where a shopper can collect
    ("GET", "/v1/fulfilment/courier-zones"),  # what delivery costs
    ("GET", "/v1/fulfilment/personalisation-options"),  # what a monogram may say
    ("POST", "/v1/back-in-stock"),  # "tell me when it's back" (the list of requests stays secret)
    ("POST", "/v1/carts"),
    ("GET", "/v1/carts/{cart_id}"),
    ("POST", "/v1/carts/{cart_id}/lines"),
    ("PATCH", "/v1/carts/{cart_id}/lines/{line_id}"),
    ("DELETE", "/v1/carts/{cart_id}/lines/{line_id}"),
    ("POST", "/v1/carts/{cart_id}/looks"),
    ("POST", "/v1/carts/{cart_id}/checkout"),
    ("POST", "/v1/carts/{cart_id}/confirm"),
    ("POST", "/v1/analytics/events"),
    ("GET", "/v1/credits/{code}"),  # what a credit code is worth: the code is the shopper's capability
    ("POST", "/v1/carts/{cart_id}/credits"),  # pay with store credit: the code is the capability
    ("DELETE", "/v1/carts/{cart_id}/credits/{code}"),
    ("POST", "/v1/events/{event_id}/credits"),  # take a credit to a stall: the code is the capability
    ("GET", "/v1/events/upcoming"),  # where the brand's stall will be: what its site shows
    ("GET", "/v1/drops/{handle}"),  # "12 of 50 left": what its site shows
    ("POST", "/v1/trade-ins"),  # a shopper's estimate: its random id is then the shopper's capability
    ("GET", "/v1/trade-ins/{trade_in_id}"),
    ("POST", "/v1/trade-ins/{trade_in_id}/photos"),
    ("GET", "/v1/trade-ins/{trade_in_id}/photos/{photo_id}"),
}
# Reached with no key at all (signature-verified, or not under /v1).
KEYLESS_PREFIXES = ("/v1/webhooks/", "/static/", "/schema", "/embed.js", "/healthz")


def operations(app: Litestar) -> list[tuple[str, str]]:
    """(method, path with ``{name}`` parameters) for every route handler the app serves."""
    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods - {"OPTIONS", "HEAD"}:
                found.add((method, route.path_format))
    return sorted(found)


def concrete(path: str) -> str:
    """A callable URL for a path template: fresh ids, a handle nobody has."""
    path = re.sub(
        r"\{(cart|line|order|fulfilment|return|key|trade_in|photo|event|device)_id\}", lambda _: str(uuid.uuid4()), path
    )
    return path.replace("{handle}", "no-such-thing").replace("{name}", "no-such-thing").replace("{sku}", "NO-SUCH")


def keyed(method: str, path: str) -> bool:
    return path.startswith("/v1/") and not path.startswith(KEYLESS_PREFIXES) and bool(method)


async def call(client: Client, method: str, path: str, key: str) -> httpx.Response:
    body: dict[str, Any] = {"json": {}} if method in {"POST", "PATCH", "PUT"} else {}
    return await client.request(method, concrete(path), headers=auth(key), **body)


def test_the_walk_sees_the_whole_app(app: Litestar) -> None:
    ops = operations(app)
    assert len(ops) > 50, ops
    assert ("GET", "/v1/stock/movements") in ops
    missing = SHOPPER_ROUTES - set(ops)
    assert not missing, f"allow-listed routes that no longer exist (renamed?): {sorted(missing)}"


async def test_a_publishable_key_reaches_only_the_shopper_routes(
    app: Litestar, client: Client, make_brand: MakeBrand
) -> None:
    brand = await make_brand()
    opened, refused = [], []
    for method, path in operations(app):
        if not keyed(method, path):
            continue
        response = await call(client, method, path, brand.publishable_key)
        if (method, path) in SHOPPER_ROUTES:
            if response.status_code in (401, 403):
                refused.append(f"{method} {path}: {response.status_code} {response.text[:120]}")
        elif response.status_code != 403 or response.json().get("code") != "permission_denied":
            opened.append(f"{method} {path}: {response.status_code} {response.text[:120]}")
    assert not opened, "a publishable key got past auth where it must not:\n" + "\n".join(opened)
    assert not refused, "a shopper route refused the publishable key:\n" + "\n".join(refused)


async def test_a_secret_key_reaches_every_keyed_route(app: Litestar, client: Client, make_brand: MakeBrand) -> None:
    """The other half of the walk: the 403s above are about the key's kind, not a broken route."""
    brand = await make_brand()
    refused = []
    for method, path in operations(app):
        if keyed(method, path):
            response = await call(client, method, path, brand.secret_key)
            if response.status_code in (401, 403):
                refused.append(f"{method} {path}: {response.status_code} {response.text[:120]}")
    assert not refused, "\n".join(refused)


async def test_the_stock_ledger_and_orders_are_closed_to_the_publishable_key(
    client: Client, make_brand: MakeBrand
) -> None:
    brand = await make_brand()
    for path in ("/v1/stock/movements", "/v1/stock", "/v1/orders", "/v1/orders/kpis", "/v1/analytics/summary"):
        for request in (
            client.get(path, headers=auth(brand.publishable_key)),
            client.get(path, params={"key": brand.publishable_key}),
        ):
            response = await request
            assert response.status_code == 403, (path, response.text)
            assert response.json()["code"] == "permission_denied"
            assert "data" not in response.json()


@pytest.mark.parametrize("shopper_route", [False, True])
def test_principal_from_refuses_a_publishable_key_unless_the_route_admits_it(shopper_route: bool) -> None:
    """The second lock: a handler reading the caller itself (the hot paths do) gets the same answer."""

    class Handler:
        opt = {"stallkit_publishable": True} if shopper_route else {}

    principal = Principal(brand_id=uuid.uuid4(), kind="publishable", catalog_version=0, allowed_origins=())
    scope = {"state": {PRINCIPAL_STATE_KEY: principal}, "route_handler": Handler()}
    if shopper_route:
        assert principal_from(scope) is principal
    else:
        with pytest.raises(PermissionDenied):
            principal_from(scope)
    secret = Principal(brand_id=uuid.uuid4(), kind="secret", catalog_version=0, allowed_origins=())
    assert principal_from({"state": {PRINCIPAL_STATE_KEY: secret}, "route_handler": Handler()}) is secret

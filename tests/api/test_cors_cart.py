"""A shopper's browser drives the cart API across origins: the preflight a real browser sends, then the call.

Before this, the preflight allowed only ``GET, POST`` and not ``Authorization``, so a page could
add a line but never change or remove one. The preflight is answered per path with the methods
that path's shopper routes take, still only for the brand's allowed origins.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.commerce import Shop, add, new_cart, open_shop
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient
SITE = "https://hollis.example"
BROWSER_HEADERS = "authorization,content-type,idempotency-key"


def preflight(method: str, origin: str = SITE, headers: str = BROWSER_HEADERS) -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}


def allowed(response: httpx.Response, name: str) -> set[str]:
    return {v.strip().lower() for v in response.headers[name].split(",")}


@pytest.fixture
async def shop(client: Client, make_brand: MakeBrand) -> Shop:
    return await open_shop(client, make_brand, allowed_origins=[SITE])


async def line_in_cart(client: Client, shop: Shop) -> tuple[str, str]:
    cart = await new_cart(client, shop)
    added = await add(client, shop, cart, shop.sku, 2)
    assert added.status_code == 201, added.text
    return cart, added.json()["lines"][0]["id"]


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_the_preflight_for_a_cart_line_allows_changing_and_removing_it(
    client: Client, shop: Shop, method: str
) -> None:
    url = f"/v1/carts/{uuid.uuid4()}/lines/{uuid.uuid4()}?key={shop.brand.publishable_key}"
    response = await client.options(url, headers=preflight(method))
    assert response.status_code == 204, response.text
    assert response.headers["access-control-allow-origin"] == SITE
    assert allowed(response, "access-control-allow-methods") == {"patch", "delete"}
    assert set(BROWSER_HEADERS.split(",")) | {"hx-request", "hx-current-url", "hx-target"} <= allowed(
        response, "access-control-allow-headers"
    )
    assert "origin" in response.headers["vary"].lower()
    assert "access-control-allow-credentials" not in response.headers


async def test_each_path_offers_only_its_own_shopper_methods(client: Client, shop: Shop) -> None:
    key = shop.brand.publishable_key
    carts = await client.options(f"/v1/carts?key={key}", headers=preflight("POST"))
    assert allowed(carts, "access-control-allow-methods") == {"post"}
    cart = await client.options(f"/v1/carts/{uuid.uuid4()}?key={key}", headers=preflight("GET"))
    assert allowed(cart, "access-control-allow-methods") == {"get"}
    # The product routes take writes too, but only with a secret key: the browser is offered reads.
    products = await client.options(f"/v1/products/some-bag?key={key}", headers=preflight("GET"))
    assert allowed(products, "access-control-allow-methods") == {"get"}


@pytest.mark.parametrize(
    ("case", "path", "origin", "code"),
    [
        ("foreign origin", "/v1/carts/{cart}/lines/{line}", "https://evil.example", "origin_not_allowed"),
        ("no key in the URL", "/v1/carts/{cart}/lines/{line}", SITE, "origin_not_allowed"),
        ("a secret-only path", "/v1/orders", SITE, "permission_denied"),
        ("the stock ledger", "/v1/stock/movements", SITE, "permission_denied"),
    ],
)
async def test_the_preflight_is_refused(
    client: Client, shop: Shop, case: str, path: str, origin: str, code: str
) -> None:
    url = path.format(cart=uuid.uuid4(), line=uuid.uuid4())
    if case != "no key in the URL":
        url += f"?key={shop.brand.publishable_key}"
    response = await client.options(url, headers=preflight("PATCH", origin))
    assert response.status_code == 403, response.text
    assert response.json()["code"] == code
    assert not any(h.startswith("access-control-") for h in response.headers)


async def test_an_allowed_origin_changes_then_removes_a_line_with_the_key_in_a_header(
    client: Client, shop: Shop
) -> None:
    cart, line = await line_in_cart(client, shop)
    browser = auth(shop.brand.publishable_key, Origin=SITE, **{"Idempotency-Key": str(uuid.uuid4())})
    changed = await client.patch(f"/v1/carts/{cart}/lines/{line}", json={"quantity": 1}, headers=browser)
    assert changed.status_code == 200, changed.text
    assert changed.json()["lines"][0]["quantity"] == 1
    assert changed.headers["access-control-allow-origin"] == SITE
    assert {"retry-after", "idempotent-replayed"} <= allowed(changed, "access-control-expose-headers")

    removed = await client.delete(
        f"/v1/carts/{cart}/lines/{line}", headers=auth(shop.brand.publishable_key, Origin=SITE)
    )
    assert removed.status_code == 200, removed.text
    assert removed.json()["lines"] == []
    assert removed.headers["access-control-allow-origin"] == SITE


async def test_the_key_in_the_url_alone_also_drives_the_cart(client: Client, shop: Shop) -> None:
    """What the preflight needs is enough for the call too: no Authorization header required."""
    cart, line = await line_in_cart(client, shop)
    url = f"/v1/carts/{cart}/lines/{line}"
    params = {"key": shop.brand.publishable_key}
    changed = await client.patch(url, params=params, json={"quantity": 1}, headers={"Origin": SITE})
    assert changed.status_code == 200, changed.text
    removed = await client.delete(url, params=params, headers={"Origin": SITE})
    assert removed.json()["lines"] == []


async def test_a_foreign_origin_cannot_change_a_line(client: Client, shop: Shop) -> None:
    cart, line = await line_in_cart(client, shop)
    headers = auth(shop.brand.publishable_key, Origin="https://evil.example")
    response = await client.patch(f"/v1/carts/{cart}/lines/{line}", json={"quantity": 1}, headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "origin_not_allowed"
    cart_now = await client.get(f"/v1/carts/{cart}", headers=auth(shop.brand.publishable_key))
    assert cart_now.json()["lines"][0]["quantity"] == 2

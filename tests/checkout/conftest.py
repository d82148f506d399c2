"""Helpers to take a cart through checkout (the localstripe-backed app is ``shop_client``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import msgspec
import pytest
import pytest_asyncio
from litestar import Litestar

from components.plugin import ComponentsPlugin
from storefront.app import create_app
from storefront.payments.fake import FakeGateway
from storefront.settings import Secret, Settings
from tests.commerce import Shop, add, delivery, new_cart
from tests.conftest import auth


def app_with_fake_payments(
    database: Settings, gateway: FakeGateway, webhook_secret: str, **overrides: object
) -> Litestar:
    """Payments on (a dummy key); a loopback API base so confirm accepts a test card, as with localstripe."""
    settings = msgspec.structs.replace(
        database,
        **overrides,
        stripe_secret_key=Secret("sk_test_fake_gateway"),
        stripe_publishable_key="pk_test_fake_gateway",
        stripe_webhook_secret=Secret(webhook_secret),
        stripe_api_base="http://127.0.0.1:9",  # never called: only makes settings.stripe_is_local true
    )
    return create_app(settings, plugins=[ComponentsPlugin()], manage_database=False, gateway=gateway)


def fake_payments(namespace: str, webhook_secret: str) -> tuple[Any, Any, Any, Any]:
    """A test module's ``module_fake``, ``fake_app``, ``fake`` and ``client`` fixtures: the app on its own FakeGateway.

    One fake serves the module; ``namespace`` keeps its ids (``pi_<namespace>_0001``) apart from
    other modules' in the session's shared database, and ``fake`` starts each test with no calls.
    Assign the four to the module's names of the same names.
    """

    @pytest.fixture(scope="module")
    def module_fake() -> FakeGateway:
        return FakeGateway(webhook_secret=webhook_secret, namespace=namespace)

    @pytest.fixture(scope="module")
    def fake_app(database: Settings, module_fake: FakeGateway) -> Litestar:
        return app_with_fake_payments(database, module_fake, webhook_secret)

    @pytest.fixture
    def fake(module_fake: FakeGateway) -> Iterator[FakeGateway]:
        module_fake.calls.clear()
        yield module_fake

    @pytest_asyncio.fixture
    async def client(fake_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake_app), base_url="http://testserver") as http:
            yield http

    return module_fake, fake_app, fake, client


async def checkout(client: httpx.AsyncClient, shop: Shop, cart: str, **body: Any) -> httpx.Response:
    """Check out with a delivery address in the shop's courier zone (ignored when nothing ships)."""
    payload = {"email": "ada@example.com", "name": "Ada", **delivery(), **body}
    return await client.post(f"/v1/carts/{cart}/checkout", json=payload, headers=auth(shop.brand.publishable_key))


async def confirm(
    client: httpx.AsyncClient, shop: Shop, cart: str, payment_method: str | None = "pm_card_visa"
) -> httpx.Response:
    body = {"payment_method": payment_method} if payment_method else {}
    return await client.post(f"/v1/carts/{cart}/confirm", json=body, headers=auth(shop.brand.publishable_key))


async def cart_with(client: httpx.AsyncClient, shop: Shop, sku: str, quantity: int = 1, **line: Any) -> str:
    cart = await new_cart(client, shop)
    response = await add(client, shop, cart, sku, quantity, **line)
    assert response.status_code == 201, response.text
    return cart


async def paid_order(client: httpx.AsyncClient, shop: Shop, sku: str, quantity: int = 1, **line: Any) -> dict[str, Any]:
    cart = await cart_with(client, shop, sku, quantity, **line)
    assert (await checkout(client, shop, cart)).status_code == 201
    response = await confirm(client, shop, cart)
    assert response.status_code == 200, response.text
    order = response.json()["order"]
    assert order["status"] == "paid", order
    return order  # type: ignore[no-any-return]


async def levels(client: httpx.AsyncClient, shop: Shop, sku: str) -> dict[str, tuple[int, int]]:
    response = await client.get("/v1/stock", params={"sku": sku}, headers=auth(shop.brand.secret_key))
    assert response.status_code == 200, response.text
    return {row["location"]: (row["on_hand"], row["reserved"]) for row in response.json()["data"]}

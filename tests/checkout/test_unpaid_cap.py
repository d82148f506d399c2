"""Hoarding: one shopper cannot hold a product's stock unpaid, again and again (storefront.checkout.limits).

Against the in-memory payment fake: the cap is checked before anything is held, so a refused
checkout holds nothing and creates no payment intent.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from storefront.checkout.limits import earliest_release, shopper_ref
from storefront.orders.models import Order
from storefront.payments.fake import FakeGateway
from storefront.settings import Settings
from tests.checkout.conftest import app_with_fake_payments, cart_with, checkout, levels
from tests.commerce import open_shop
from tests.conftest import MakeBrand, auth
from tests.fulfilment.test_quote_http import assert_problem

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


WEBHOOK_SECRET = "whsec_fake_cap_tests"


@pytest.fixture(scope="module")
def fake() -> FakeGateway:
    """This module's own fake account: its ids (``pi_cap…``) never meet another module's."""
    return FakeGateway(webhook_secret=WEBHOOK_SECRET, namespace=f"cap{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="module")
def fake_app(database: Settings, fake: FakeGateway) -> Litestar:
    return app_with_fake_payments(database, fake, WEBHOOK_SECRET, unpaid_checkouts_per_shopper=2)  # the default


@pytest_asyncio.fixture
async def client(fake_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake_app), base_url="http://testserver") as http:
        yield http


def test_the_cap_refuses_only_once_it_is_reached_and_names_the_earliest_release() -> None:
    holds = [NOW + timedelta(minutes=9), NOW + timedelta(minutes=3)]
    assert earliest_release(holds[:1], 2) is None
    assert earliest_release(holds, 2) == NOW + timedelta(minutes=3)
    assert earliest_release([], 1) is None


def test_a_shopper_ref_is_keyed_and_stable_and_hides_the_address() -> None:
    ref = shopper_ref("s" * 40, "203.0.113.9")
    assert ref == shopper_ref("s" * 40, "203.0.113.9") != shopper_ref("t" * 40, "203.0.113.9")
    assert "203" not in ref and len(ref) == 32


async def test_a_third_unpaid_checkout_is_refused_and_holds_nothing(
    client: httpx.AsyncClient,
    make_brand: MakeBrand,
    fake: FakeGateway,
) -> None:
    shop = await open_shop(client, make_brand, shop_units=10)
    for i in range(2):  # the default cap: two unpaid checkouts at a time
        cart = await cart_with(client, shop, shop.sku, 2)
        placed = await checkout(client, shop, cart, email=f"shopper{i}@example.com")
        assert placed.status_code == 201, placed.text
    intents = len(fake.calls)
    third = await cart_with(client, shop, shop.sku, 2)
    refused = await checkout(client, shop, third, email="someone.else@example.com")  # same client, new email
    body = assert_problem(refused, 409, "unpaid_checkouts_limit")
    assert "minutes" in body["detail"], body
    assert len(fake.calls) == intents  # no payment intent for a refused checkout
    assert await levels(client, shop, shop.sku) == {"market-street": (10, 4)}  # nothing more held
    assert not await Order.filter(cart_id=third).exists()


async def test_the_same_email_from_another_client_counts_too(
    fake_app: Litestar,
    make_brand: MakeBrand,
    fake: FakeGateway,
) -> None:
    async def from_client(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=fake_app, client=(address, 4000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async with await from_client("198.51.100.1") as first, await from_client("198.51.100.2") as second:
        shop = await open_shop(first, make_brand, shop_units=10)
        for http in (first, second):
            cart = await cart_with(http, shop, shop.sku, 1)
            assert (await checkout(http, shop, cart, email="Ada@Example.com")).status_code == 201
        third = await cart_with(second, shop, shop.sku, 1)
        assert_problem(await checkout(second, shop, third, email="ada@example.com"), 409, "unpaid_checkouts_limit")
        elsewhere = await cart_with(second, shop, shop.sku, 1)  # another shopper on a third client is served
        async with await from_client("198.51.100.3") as third_client:
            assert (await checkout(third_client, shop, elsewhere, email="grace@example.com")).status_code == 201


async def test_paying_frees_a_place_and_a_secret_key_checkout_is_not_capped(
    client: httpx.AsyncClient,
    make_brand: MakeBrand,
    fake: FakeGateway,
) -> None:
    shop = await open_shop(client, make_brand, shop_units=10)
    carts = [await cart_with(client, shop, shop.sku, 1) for _ in range(3)]
    for cart in carts[:2]:
        assert (await checkout(client, shop, cart)).status_code == 201
    paid = await client.post(
        f"/v1/carts/{carts[0]}/confirm",
        json={"payment_method": "pm_card_visa"},
        headers=auth(shop.brand.publishable_key),
    )
    assert paid.json()["order"]["status"] == "paid", paid.text
    assert (await checkout(client, shop, carts[2])).status_code == 201  # one unpaid left, so room for one more
    for _ in range(3):  # the brand's own server checks out for many shoppers
        cart = await cart_with(client, shop, shop.sku, 1)
        response = await client.post(
            f"/v1/carts/{cart}/checkout",
            json={"email": "ada@example.com", "name": "Ada"},
            headers=auth(shop.brand.secret_key),
        )
        assert response.status_code == 201, response.text

"""Delivery address, phone and collector at checkout, the pickup code, and the shopper's order page, over HTTP.

Against the in-memory FakeGateway (its own namespace of ids), so the test can read back the
PaymentIntent checkout created and see the shipping details it carries.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from storefront.orders import placing
from storefront.orders.models import Fulfilment
from storefront.orders.placing import PICKUP_ALPHABET
from storefront.payments.fake import FakeGateway
from storefront.payments.gateway import Shipping, ShippingAddress
from storefront.settings import Settings
from tests.checkout.conftest import app_with_fake_payments, cart_with, confirm
from tests.commerce import add, courier, delivery, new_cart, open_shop
from tests.conftest import MakeBrand, auth
from tests.fulfilment.test_quote_http import assert_problem

Client = httpx.AsyncClient
WEBHOOK_SECRET = "whsec_fake_contact_tests"


@pytest.fixture(scope="module")
def gateway() -> FakeGateway:
    return FakeGateway(webhook_secret=WEBHOOK_SECRET, namespace="contact")


@pytest.fixture(scope="module")
def app(database: Settings, gateway: FakeGateway) -> Litestar:
    return app_with_fake_payments(database, gateway, WEBHOOK_SECRET)


@pytest_asyncio.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


async def post_checkout(client: Client, key: str, cart: str, **body: Any) -> httpx.Response:
    payload = {"email": "ada@example.com", "name": "Ada", **body}
    return await client.post(f"/v1/carts/{cart}/checkout", json=payload, headers=auth(key))


def errors_of(response: httpx.Response) -> dict[str, str]:
    problem = assert_problem(response, 422, "invalid_input")
    return {e["field"]: e["message"] for e in problem["errors"]}


async def test_a_courier_order_refuses_a_missing_or_faraway_address(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    key = shop.brand.publishable_key
    cart = await cart_with(client, shop, shop.other_sku, 1, fulfilment=courier("E2 8AA"))
    assert set(errors_of(await post_checkout(client, key, cart))) == {"body.address", "body.phone"}
    far = errors_of(await post_checkout(client, key, cart, **delivery("n16 8aa")))
    assert list(far) == ["body.address.postcode"]
    assert far["body.address.postcode"].startswith("Our courier for Mini Backpack ")
    assert far["body.address.postcode"].endswith(
        " delivers only in East London, and not to N16 8AA. Use an address there, or choose another way to get it."
    )
    bad_phone = errors_of(await post_checkout(client, key, cart, **delivery(phone="12")))
    assert list(bad_phone) == ["body.phone"]
    cut = delivery()
    cut["address"] = {**cut["address"], "line1": "12 Columbia Road\x00"}
    assert "body.address.line1" in errors_of(await post_checkout(client, key, cart, **cut))
    # nothing was placed: the cart is still open and can check out once the address is right
    view = (await client.get(f"/v1/carts/{cart}", headers=auth(key))).json()
    assert (view["status"], view["order"]) == ("open", None)


async def test_the_address_is_stored_shown_and_sent_with_the_payment(
    client: Client, make_brand: MakeBrand, gateway: FakeGateway
) -> None:
    shop = await open_shop(client, make_brand)
    cart = await cart_with(client, shop, shop.other_sku, 1, fulfilment=courier("E2 8AA"))
    placed = await post_checkout(client, shop.brand.publishable_key, cart, **delivery("e2 7rg", phone="07700 900123"))
    assert placed.status_code == 201, placed.text
    answer = placed.json()
    (fulfilment,) = answer["order"]["fulfilments"]
    expected = {
        "name": "Ada Lovelace",
        "line1": "12 Columbia Road",
        "line2": "",
        "city": "London",
        "postcode": "E2 7RG",
        "country": "GB",
    }
    assert fulfilment["address"] == expected and fulfilment["phone"] == "+447700900123"
    assert (fulfilment["postcode"], fulfilment["collector"], fulfilment["pickup_code"]) == ("E2 7RG", None, None)
    order = (await client.get(f"/v1/orders/{answer['order']['id']}", headers=auth(shop.brand.secret_key))).json()
    assert order["fulfilments"][0]["address"] == expected
    intent = await gateway.retrieve_payment_intent(answer["payment"]["intent_id"])
    assert intent.shipping == Shipping(
        name="Ada Lovelace",
        phone="+447700900123",
        address=ShippingAddress(line1="12 Columbia Road", city="London", postal_code="E2 7RG", country="GB"),
    )
    # asking again answers the same order, intent and page
    again = (await post_checkout(client, shop.brand.publishable_key, cart, **delivery("e2 7rg"))).json()
    assert (again["order"]["id"], again["payment"]["intent_id"]) == (answer["order"]["id"], intent.id)
    assert again["status_url"] == answer["status_url"]


async def test_a_made_to_order_piece_needs_an_address_anywhere(
    client: Client, make_brand: MakeBrand, gateway: FakeGateway
) -> None:
    shop = await open_shop(client, make_brand)
    key = shop.brand.publishable_key
    line = {"fulfilment": {"method": "made_to_order"}, "personalisation": [{"option": "monogram", "value": "AL"}]}
    cart = await cart_with(client, shop, shop.mto_sku, 1, **line)
    assert set(errors_of(await post_checkout(client, key, cart))) == {"body.address", "body.phone"}
    placed = (await post_checkout(client, key, cart, **delivery("N16 8AA"))).json()
    assert placed["order"]["fulfilments"][0]["address"]["postcode"] == "N16 8AA"
    intent = await gateway.retrieve_payment_intent(placed["payment"]["intent_id"])
    assert intent.shipping is not None and intent.shipping.address.postal_code == "N16 8AA"


async def test_pickup_gets_a_code_and_a_collector_and_no_shipping(
    client: Client, make_brand: MakeBrand, gateway: FakeGateway
) -> None:
    shop = await open_shop(client, make_brand)
    key = shop.brand.publishable_key
    cart = await cart_with(client, shop, shop.sku, 1)
    nameless = await client.post(f"/v1/carts/{cart}/checkout", json={"email": "a@b.co"}, headers=auth(key))
    assert errors_of(nameless) == {"body.collector": "Enter the name of the person collecting it."}
    placed = (await post_checkout(client, key, cart, collector="Grace Hopper", **delivery())).json()
    (fulfilment,) = placed["order"]["fulfilments"]
    assert fulfilment["collector"] == "Grace Hopper" and fulfilment["address"] is None and fulfilment["phone"] is None
    code = fulfilment["pickup_code"]
    assert len(code) == 6 and set(code) <= set(PICKUP_ALPHABET)
    intent = await gateway.retrieve_payment_intent(placed["payment"]["intent_id"])
    assert intent.shipping is None


async def test_the_order_page_opens_with_its_token_only(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    other = await open_shop(client, make_brand)
    pk = shop.brand.publishable_key
    cart = await new_cart(client, shop)
    await add(client, shop, cart, shop.sku, 1)
    await add(client, shop, cart, shop.other_sku, 1, courier("E2 8AA"))
    placed = (await post_checkout(client, pk, cart, collector="Grace", **delivery())).json()
    url = urlsplit(placed["status_url"])
    token = parse_qs(url.query)["token"][0]
    assert url.scheme == "http" and url.netloc == "testserver" and token == placed["status_token"]
    assert await confirm(client, shop, cart) is not None
    page = await client.get(f"{url.path}?{url.query}", headers=auth(pk))
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["number"] == placed["order"]["number"] and body["status"] == "paid"
    assert "payment_intent" not in body and "email" not in body
    by_method = {f["method"]: f for f in body["fulfilments"]}
    assert by_method["pickup"]["pickup_code"] == next(
        f["pickup_code"] for f in placed["order"]["fulfilments"] if f["method"] == "pickup"
    )
    assert by_method["courier"]["address"]["postcode"] == "E2 8AA" and by_method["pickup"]["collector"] == "Grace"
    piece = by_method["courier"]["pieces"][0]
    assert [s["stage"] for s in piece["provenance"]] == ["material", "assembly"]
    assert [t["status"] for t in by_method["courier"]["tracking"]] == ["pending_payment", "paid"]
    assert by_method["courier"]["on_time"] is None and by_method["courier"]["late"] is False
    order_path = url.path
    for query, key in (
        ("", pk),  # no token
        ("?token=" + "A" * 32, pk),  # someone else's guess
        ("?" + url.query, other.brand.publishable_key),  # another brand, even with the token
    ):
        assert_problem(await client.get(order_path + query, headers=auth(key)), 404, "not_found")
    assert (await client.get(order_path, headers=auth(shop.brand.secret_key))).status_code == 200
    assert_problem(await client.get(order_path + "?token=short", headers=auth(pk)), 422, "invalid_input")


async def test_a_pickup_code_is_unique_among_the_brands_open_pickups(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = await cart_with(client, shop, shop.sku, 1)
    placed = (await post_checkout(client, shop.brand.publishable_key, cart)).json()
    taken = placed["order"]["fulfilments"][0]["pickup_code"]
    brand_id = shop.brand.brand.id

    def source(*codes: str) -> Callable[[Sequence[str]], str]:
        """Characters of ``codes`` in turn, then the last code for ever: a random source that repeats."""
        chars = iter("".join(codes))
        return lambda alphabet: next(chars, codes[-1][0])

    assert await placing.pickup_code(brand_id, source(taken, "ZZZZZZ")) == "ZZZZZZ"  # drawn again
    assert await placing.pickup_code(other_brand := (await make_brand()).brand.id, source(taken)) == taken
    assert other_brand != brand_id  # another brand's counter may hold the same code
    forever = itertools.cycle(taken)
    with pytest.raises(RuntimeError):  # a source stuck on one code is a bug, not a loop
        await placing.pickup_code(brand_id, lambda alphabet: next(forever))
    await Fulfilment.filter(pickup_code=taken, order_id=placed["order"]["id"]).update(status="fulfilled")
    assert await placing.pickup_code(brand_id, source(taken)) == taken  # collected: free again

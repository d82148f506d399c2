"""Carts over HTTP with a publishable key: lines, looks, totals, promises, and every bad input."""

from __future__ import annotations

import uuid

import httpx

from tests.commerce import add, courier, new_cart, open_shop, pickup
from tests.conftest import MakeBrand, auth
from tests.fulfilment.test_quote_http import assert_problem

Client = httpx.AsyncClient


async def test_a_cart_prices_lines_fees_and_promises(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    assert (await add(client, shop, cart, shop.sku, 2)).status_code == 201
    response = await add(client, shop, cart, shop.other_sku, 1, courier())
    assert response.status_code == 201, response.text
    body = response.json()
    assert [line["quantity"] for line in body["lines"]] == [2, 1]
    assert body["totals"] == {
        "subtotal": {"amount": 2 * 12_500 + 13_500, "currency": "GBP"},
        "fulfilment": {"amount": 795, "currency": "GBP"},
        "discount": {"amount": 0, "currency": "GBP"},
        "total": {"amount": 2 * 12_500 + 13_500 + 795, "currency": "GBP"},
        "units": 3,
        "credit": {"amount": 0, "currency": "GBP"},
        "due": {"amount": 2 * 12_500 + 13_500 + 795, "currency": "GBP"},
    }
    assert body["credits"] == []
    first, second = body["lines"]
    assert first["promise"]["method"] == "pickup" and first["promise"]["location"] == "market-street"
    assert second["promise"]["method"] == "courier" and second["fulfilment"]["postcode"] == "E28AA"
    again = await client.get(f"/v1/carts/{cart}", params={"key": shop.brand.publishable_key})
    assert again.json()["totals"] == body["totals"]


async def test_the_same_item_and_choice_adds_to_its_line(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    await add(client, shop, cart, shop.sku, 1)
    body = (await add(client, shop, cart, shop.sku, 2)).json()
    assert [line["quantity"] for line in body["lines"]] == [3]


async def test_a_whole_look_in_one_step_with_its_discount(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, bundle_discount_bp=1000)
    cart = await new_cart(client, shop)
    headers = auth(shop.brand.publishable_key)
    response = await client.post(
        f"/v1/carts/{cart}/looks", json={**shop.look, "fulfilment": courier()}, headers=headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["lines"]) == 2
    assert body["totals"]["discount"]["amount"] == (12_500 + 13_500) // 10
    assert sum(line["discount"]["amount"] for line in body["lines"]) == 2600
    # remove one piece of the look: the rest is no longer the whole look
    line = body["lines"][0]["id"]
    after = (await client.delete(f"/v1/carts/{cart}/lines/{line}", headers=headers)).json()
    assert after["totals"]["discount"]["amount"] == 0


async def test_personalised_made_to_order_line(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    personalisation = [{"option": "monogram", "value": "ABC"}, {"option": "thread", "value": "gold"}]
    response = await add(
        client, shop, cart, shop.mto_sku, 1, {"method": "made_to_order"}, personalisation=personalisation
    )
    assert response.status_code == 201, response.text
    line = response.json()["lines"][0]
    assert line["unit_price"]["amount"] == 30_000 + 1_500
    assert line["promise"]["method"] == "made_to_order"
    assert [p["value"] for p in line["personalisation"]] == ["ABC", "gold"]


async def test_update_and_remove_lines(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    line = (await add(client, shop, cart, shop.sku)).json()["lines"][0]["id"]
    headers = auth(shop.brand.publishable_key)
    patched = await client.patch(f"/v1/carts/{cart}/lines/{line}", json={"quantity": 4}, headers=headers)
    assert patched.json()["totals"]["units"] == 4
    removed = await client.delete(f"/v1/carts/{cart}/lines/{line}", headers=headers)
    assert removed.json()["lines"] == []


# --- bad input: a clear problem, nothing changed ---------------------------------------------


async def _lines(client: Client, shop, cart: str) -> list:  # type: ignore[no-untyped-def]
    return (await client.get(f"/v1/carts/{cart}", headers=auth(shop.brand.publishable_key))).json()["lines"]


async def test_unknown_variant(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    problem = assert_problem(await add(client, shop, cart, "NOPE-1"), 404, "not_found")
    assert problem["errors"][0]["field"] == "body.sku"
    assert await _lines(client, shop, cart) == []


async def test_postcode_outside_every_zone(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    problem = assert_problem(await add(client, shop, cart, shop.sku, 1, courier("SW1A 1AA")), 422, "invalid_input")
    assert problem["errors"][0]["field"] == "body.fulfilment.postcode"
    assert await _lines(client, shop, cart) == []


async def test_courier_without_postcode(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    problem = assert_problem(await add(client, shop, cart, shop.sku, 1, {"method": "courier"}), 422, "invalid_input")
    assert problem["errors"][0]["field"] == "body.fulfilment.postcode"


async def test_monogram_with_disallowed_characters(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    for value in ("a1!", "ABCD", "ÅB"):
        response = await add(
            client,
            shop,
            cart,
            shop.mto_sku,
            1,
            {"method": "made_to_order"},
            personalisation=[{"option": "monogram", "value": value}],
        )
        problem = assert_problem(response, 422, "invalid_input")
        assert problem["errors"][0]["field"] == "body.personalisation[0].value", value
    assert await _lines(client, shop, cart) == []


async def test_personalising_a_stock_item_is_refused(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    response = await add(client, shop, cart, shop.sku, 1, personalisation=[{"option": "monogram", "value": "AB"}])
    assert_problem(response, 422, "invalid_input")


async def test_quantity_zero_or_huge(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    for quantity in (0, -1, 10**9):
        problem = assert_problem(await add(client, shop, cart, shop.sku, quantity), 422, "invalid_input")
        assert problem["errors"][0]["field"] == "body.quantity"
    assert await _lines(client, shop, cart) == []


async def test_mismatched_currency(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    response = await client.post("/v1/carts", json={"currency": "EUR"}, headers=auth(shop.brand.publishable_key))
    problem = assert_problem(response, 422, "currency_mismatch")
    assert problem["errors"][0]["field"] == "body.currency"


async def test_another_brands_cart_is_not_found(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    other = await make_brand()
    cart = await new_cart(client, shop)
    response = await client.get(f"/v1/carts/{cart}", headers=auth(other.publishable_key))
    assert_problem(response, 404, "not_found")
    missing = await client.get(f"/v1/carts/{uuid.uuid4()}", headers=auth(shop.brand.publishable_key))
    assert_problem(missing, 404, "not_found")


async def test_unknown_fields_and_wrong_types(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    headers = auth(shop.brand.publishable_key)
    bad = {"sku": shop.sku, "quantity": "2", "fulfilment": pickup()}
    assert_problem(await client.post(f"/v1/carts/{cart}/lines", json=bad, headers=headers), 422, "invalid_input")
    extra = {"sku": shop.sku, "fulfilment": pickup(), "price": 1}
    assert_problem(await client.post(f"/v1/carts/{cart}/lines", json=extra, headers=headers), 422, "invalid_input")
    method = {"sku": shop.sku, "fulfilment": {"method": "drone"}}
    assert_problem(await client.post(f"/v1/carts/{cart}/lines", json=method, headers=headers), 422, "invalid_input")


async def test_a_retried_add_with_its_idempotency_key_adds_once(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    body = {"sku": shop.sku, "quantity": 2, "fulfilment": pickup()}
    headers = auth(shop.brand.publishable_key, **{"Idempotency-Key": str(uuid.uuid4())})
    first = await client.post(f"/v1/carts/{cart}/lines", json=body, headers=headers)
    again = await client.post(f"/v1/carts/{cart}/lines", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.content == again.content
    assert [line["quantity"] for line in (await _lines(client, shop, cart))] == [2]


async def test_a_guessable_idempotency_key_is_refused_with_a_publishable_key(
    client: Client, make_brand: MakeBrand
) -> None:
    """Shoppers share a publishable key: a key like "cart-1" could replay another shopper's cart."""
    shop = await open_shop(client, make_brand)
    headers = auth(shop.brand.publishable_key, **{"Idempotency-Key": "cart-1"})
    problem = assert_problem(await client.post("/v1/carts", json={}, headers=headers), 400, "invalid_idempotency_key")
    assert problem["errors"][0]["field"] == "header.idempotency-key"
    secret = auth(shop.brand.secret_key, **{"Idempotency-Key": "cart-1"})
    assert (await client.post("/v1/carts", json={}, headers=secret)).status_code == 201  # a merchant's own keys

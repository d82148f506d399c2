"""A bag never accepts more than can be had its way: the pure rule, then the cart API refusing in words.

The shop from :mod:`tests.commerce`: 5 of ``sku`` at Market Street (the pickup shop and the
courier hub), 5 of ``other_sku`` at the warehouse (courier only), a workroom for made to order.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
from hypothesis import given
from hypothesis import strategies as st

from storefront.cart import availability
from storefront.cart.availability import Shortfall, free_production_starts, refusal, shortfall
from storefront.fulfilment.promise import CAPACITY_HORIZON_DAYS, MicrofactoryRule
from tests.commerce import Shop, add, courier, new_cart, open_shop, pickup
from tests.conftest import MakeBrand, auth
from tests.fulfilment.test_quote_http import assert_problem

Client = httpx.AsyncClient
units = st.integers(min_value=0, max_value=500)

# --- the rule, pure ----------------------------------------------------------------------------


@given(asked=st.integers(min_value=1, max_value=99), in_bag=units, available=units)
def test_a_shortfall_is_exactly_asking_past_what_is_left(asked: int, in_bag: int, available: int) -> None:
    short = shortfall(asked, in_bag, available)
    assert (short is None) == (asked + in_bag <= available)
    if short is not None:
        assert short.left == max(available - in_bag, 0) < asked
        assert (short.available, short.in_bag, short.asked) == (available, in_bag, asked)


@given(asked=st.integers(min_value=1, max_value=99), in_bag=units, available=units)
def test_what_is_left_is_always_accepted(asked: int, in_bag: int, available: int) -> None:
    """Whatever a refusal says the shopper can still add, adding exactly that is accepted."""
    short = shortfall(asked, in_bag, available)
    if short is not None and short.left:
        assert shortfall(short.left, in_bag, available) is None


@given(
    asked=st.integers(min_value=1, max_value=99),
    in_bag=units,
    available=units,
    method=st.sampled_from(["pickup", "courier", "made_to_order"]),
)
def test_every_refusal_names_the_piece_and_what_there_is(asked: int, in_bag: int, available: int, method: str) -> None:
    short = shortfall(asked, in_bag, available)
    if short is None:
        return
    text = refusal("Noa micro bag in Tan", method, "Columbia Road", short)  # type: ignore[arg-type]
    assert text.startswith(f"Only {available} ") and text.endswith(".")
    assert "Noa micro bag in Tan" in text
    assert ("Columbia Road" in text) == (method == "pickup")


def test_the_refusal_names_the_piece_the_place_and_the_numbers() -> None:
    item = availability.item_name("Noa micro bag", "Tan")
    short = Shortfall(available=4, in_bag=0, asked=50)
    assert refusal(item, "pickup", "Columbia Road", short) == (
        "Only 4 of Noa micro bag in Tan can be collected at Columbia Road; you asked for 50."
    )
    some = Shortfall(available=4, in_bag=3, asked=2)
    assert refusal(item, "courier", None, some) == (
        "Only 4 of Noa micro bag in Tan can be sent by courier, and your bag already has 3; you can add 1 more, not 2."
    )
    full = Shortfall(available=4, in_bag=4, asked=1)
    assert refusal(item, "pickup", "Columbia Road", full).endswith("and all 4 are already in your bag.")
    last = Shortfall(available=1, in_bag=1, asked=1)
    assert refusal(item, "pickup", "Columbia Road", last).endswith("Columbia Road, and it is already in your bag.")
    sold_since = Shortfall(available=2, in_bag=3, asked=1)
    assert refusal(item, "courier", None, sold_since).endswith("by courier, and your bag already has 3.")
    made = refusal(item, "made_to_order", None, Shortfall(available=6, in_bag=2, asked=5))
    assert made == (
        f"Only 6 made-to-order pieces can be started in the next {CAPACITY_HORIZON_DAYS} days and your bag "
        "already has 2; you asked for 5 of Noa micro bag in Tan."
    )


def _factory(capacity: int, booked: dict[date, int] | None = None) -> MicrofactoryRule:
    return MicrofactoryRule(
        location="workroom",
        timezone="Europe/London",
        opening_hours=((), (), (), (), (), (), ()),
        daily_capacity=capacity,
        lead_time_working_days=3,
        closed_weekdays=frozenset({5, 6}),
        booked=booked or {},
    )


NOW = datetime(2027, 6, 2, 10, 0, tzinfo=UTC)  # a Wednesday


@given(capacity=st.integers(min_value=0, max_value=3), limit=st.integers(min_value=0, max_value=400))
def test_free_production_starts_count_working_days_within_the_horizon(capacity: int, limit: int) -> None:
    today = NOW.date()
    days = [today + timedelta(days=n) for n in range(1, CAPACITY_HORIZON_DAYS + 1)]
    working = sum(1 for day in days if day.weekday() < 5)
    assert free_production_starts(_factory(capacity), NOW, limit) == min(limit, working * capacity)


def test_booked_days_take_their_starts() -> None:
    tomorrow = NOW.date() + timedelta(days=1)
    everything = free_production_starts(_factory(2), NOW, 1000)
    assert free_production_starts(_factory(2, {tomorrow: 2}), NOW, 1000) == everything - 2
    assert free_production_starts(_factory(2, {tomorrow: 5}), NOW, 1000) == everything - 2  # over-booked by hand


# --- the cart API ------------------------------------------------------------------------------


async def _title(client: Client, shop: Shop, handle: str) -> str:
    response = await client.get(f"/v1/products/{handle}", headers=auth(shop.brand.publishable_key))
    return str(response.json()["title"])


async def test_more_than_the_shop_holds_is_refused_in_words_with_how_many(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand, shop_units=4)
    title = await _title(client, shop, shop.product)
    cart = await new_cart(client, shop)
    problem = assert_problem(await add(client, shop, cart, shop.sku, 50), 409, "out_of_stock")
    assert problem["detail"] == f"Only 4 of {title} in Tan can be collected at Market Street; you asked for 50."
    assert problem["errors"] == [{"field": "body.quantity", "message": problem["detail"]}]
    assert (problem["available"], problem["in_bag"]) == (4, 0)
    lines = (await client.get(f"/v1/carts/{cart}", headers=auth(shop.brand.publishable_key))).json()["lines"]
    assert lines == []
    assert (await add(client, shop, cart, shop.sku, 4)).status_code == 201  # exactly what there is


async def test_what_the_bag_already_holds_counts(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, shop_units=4)
    cart = await new_cart(client, shop)
    assert (await add(client, shop, cart, shop.sku, 3)).status_code == 201
    problem = assert_problem(await add(client, shop, cart, shop.sku, 2), 409, "out_of_stock")
    assert "your bag already has 3; you can add 1 more, not 2." in problem["detail"]
    assert (problem["available"], problem["in_bag"]) == (4, 3)
    # a line of the same piece with no shop chosen is collected at the same shop: it counts too
    anywhere = {"method": "pickup"}
    assert_problem(await add(client, shop, cart, shop.sku, 2, anywhere), 409, "out_of_stock")
    body = (await add(client, shop, cart, shop.sku, 1, anywhere)).json()
    assert sum(line["quantity"] for line in body["lines"]) == 4


async def test_courier_counts_the_hub_and_the_other_stock_rooms(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, shop_units=2, warehouse_units=0)
    headers = {"Authorization": f"Bearer {shop.brand.secret_key}"}
    movement = {"sku": shop.sku, "location": "warehouse", "kind": "receive", "quantity": 3}
    assert (await client.post("/v1/stock/movements", json=movement, headers=headers)).status_code == 201
    cart = await new_cart(client, shop)
    problem = assert_problem(await add(client, shop, cart, shop.sku, 6, courier()), 409, "out_of_stock")
    assert "can be sent by courier; you asked for 6." in problem["detail"]
    assert problem["available"] == 5  # 2 at the hub and 3 at the warehouse, as checkout would take them
    assert (await add(client, shop, cart, shop.sku, 5, courier())).status_code == 201


async def test_made_to_order_is_bounded_by_the_workrooms_capacity(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, daily_capacity=1)
    cart = await new_cart(client, shop)
    made = {"method": "made_to_order"}
    problem = assert_problem(await add(client, shop, cart, shop.mto_sku, 99, made), 409, "out_of_stock")
    available = problem["available"]
    assert 0 < available < 99
    assert f"Only {available} made-to-order pieces can be started" in problem["detail"]
    assert (await add(client, shop, cart, shop.mto_sku, available, made)).status_code == 201
    again = assert_problem(await add(client, shop, cart, shop.mto_sku, 1, made), 409, "out_of_stock")
    assert again["in_bag"] == available


async def test_raising_a_quantity_is_checked_and_lowering_never_is(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, shop_units=4)
    cart = await new_cart(client, shop)
    headers = auth(shop.brand.publishable_key)
    line = (await add(client, shop, cart, shop.sku, 2)).json()["lines"][0]["id"]
    too_many = await client.patch(f"/v1/carts/{cart}/lines/{line}", json={"quantity": 5}, headers=headers)
    problem = assert_problem(too_many, 409, "out_of_stock")
    assert problem["errors"][0]["field"] == "body.quantity"
    assert "; you asked for 5." in problem["detail"]  # the line's own units are not counted twice
    assert (problem["available"], problem["in_bag"]) == (4, 0)
    ok = await client.patch(f"/v1/carts/{cart}/lines/{line}", json={"quantity": 4}, headers=headers)
    assert ok.json()["lines"][0]["quantity"] == 4
    # the shop sells out elsewhere: the shopper can still lower what they have
    gone = {"sku": shop.sku, "location": "market-street", "kind": "adjust", "quantity": -4, "reason": "damaged"}
    secret = {"Authorization": f"Bearer {shop.brand.secret_key}"}
    assert (await client.post("/v1/stock/movements", json=gone, headers=secret)).status_code == 201
    lower = await client.patch(f"/v1/carts/{cart}/lines/{line}", json={"quantity": 1}, headers=headers)
    assert lower.status_code == 200 and lower.json()["lines"][0]["quantity"] == 1
    higher = await client.patch(f"/v1/carts/{cart}/lines/{line}", json={"quantity": 2}, headers=headers)
    assert_problem(higher, 409, "out_of_stock")


async def test_the_refusal_is_the_same_on_a_retry_with_its_idempotency_key(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand, shop_units=1)
    cart = await new_cart(client, shop)
    body = {"sku": shop.sku, "quantity": 3, "fulfilment": pickup()}
    headers = auth(shop.brand.publishable_key, **{"Idempotency-Key": "0b6f6a8e-3c1d-4f7a-9e52-7d4c2a1b9f30"})
    first = await client.post(f"/v1/carts/{cart}/lines", json=body, headers=headers)
    again = await client.post(f"/v1/carts/{cart}/lines", json=body, headers=headers)
    assert first.status_code == again.status_code == 409
    assert first.json()["available"] == again.json()["available"] == 1


async def test_a_whole_look_is_refused_when_the_bag_has_taken_what_one_piece_has(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand, shop_units=1)
    cart = await new_cart(client, shop)
    assert (await add(client, shop, cart, shop.sku, 1, courier())).status_code == 201  # the last one at the hub
    headers = auth(shop.brand.publishable_key)
    response = await client.post(
        f"/v1/carts/{cart}/looks", json={**shop.look, "fulfilment": courier()}, headers=headers
    )  # type: ignore[dict-item]
    problem = assert_problem(response, 409, "out_of_stock")
    field = problem["errors"][0]["field"]
    assert field.startswith("body.items[") and field.endswith("].quantity")
    assert problem["detail"].endswith("can be sent by courier, and it is already in your bag.")
    assert len((await client.get(f"/v1/carts/{cart}", headers=headers)).json()["lines"]) == 1  # nothing of the look

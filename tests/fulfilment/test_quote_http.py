"""Fulfilment over HTTP: configure a brand's pickup, courier and microfactory, then ask for quotes.

Quotes and zone listings read the clock through ``quoting.utcnow`` and ``service.utcnow``; most
tests pin both to Wednesday 2 June 2027, 11:46 in London, with a :class:`FixedClock` so every
promise is exact.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from storefront.clock import FixedClock
from storefront.fulfilment import quoting, service
from storefront.tenancy.schemas import CreatedBrand
from tests.conftest import MakeBrand, auth
from tests.factories import product_body

Client = httpx.AsyncClient
NOW = datetime(2027, 6, 2, 10, 46, tzinfo=UTC)  # Wednesday 11:46 BST
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

SHOP = {
    "handle": "columbia-road",
    "name": "Columbia Road",
    "kind": "shop",
    "postcode": "E2 7RG",
    "timezone": "Europe/London",
    "latitude_e6": 51_529_640,
    "longitude_e6": -71_180,
    "opening_hours": {day: [["10:00", "18:00"]] for day in EVERY_DAY},
}
WORKROOM = {
    "handle": "workroom",
    "name": "Hackney Workroom",
    "kind": "microfactory",
    "timezone": "Europe/London",
    "opening_hours": {day: [["08:00", "16:30"]] for day in ("mon", "tue", "wed", "thu", "fri")},
}
ZONE = {
    "name": "East London same day",
    "hub": "columbia-road",
    "postcode_prefixes": ["E1", "E2", "E3", "E8", "E9", "N1", "N16"],
    "same_day_cutoff": "14:00",
    "delivery_windows": [["18:00", "21:00"]],
    "delivery_days": list(EVERY_DAY),
    "rate": {"amount": 795, "currency": "GBP"},
}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FixedClock:
    fixed = FixedClock(NOW)
    monkeypatch.setattr(quoting, "utcnow", fixed)  # quotes
    monkeypatch.setattr(service, "utcnow", fixed)  # the rate "in force now" in zone listings
    return fixed


async def post(client: Client, brand: CreatedBrand, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=auth(brand.secret_key))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def configured(client: Client, make_brand: MakeBrand, *, made_to_order: bool = False) -> tuple[CreatedBrand, str]:
    """A brand with a shop (2 units of the product's first SKU), a workroom, and fulfilment set up."""
    brand = await make_brand()
    await post(client, brand, "/v1/locations", SHOP)
    await post(client, brand, "/v1/locations", WORKROOM)
    product = await post(client, brand, "/v1/products", product_body(made_to_order=made_to_order))
    sku = product["variants"][0]["sku"]
    movement = {"sku": sku, "location": "columbia-road", "kind": "receive", "quantity": 2}
    await post(client, brand, "/v1/stock/movements", movement)
    await post(client, brand, "/v1/fulfilment/pickup-points", {"location": "columbia-road", "prep_minutes": 45})
    await post(client, brand, "/v1/fulfilment/courier-zones", ZONE)
    factory = {
        "location": "workroom",
        "daily_capacity": 6,
        "lead_time_working_days": 5,
        "closed_weekdays": ["sat", "sun"],
    }
    await post(client, brand, "/v1/fulfilment/microfactories", factory)
    return brand, sku


async def get_quote(client: Client, key: str, **params: str) -> httpx.Response:
    return await client.get("/v1/fulfilment/quote", params=params, headers=auth(key))


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["code"] == code, problem
    return problem


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- quotes -----------------------------------------------------------------------------------


async def test_pickup_quote(client: Client, make_brand: MakeBrand, clock: FixedClock) -> None:
    brand, sku = await configured(client, make_brand)
    response = await get_quote(client, brand.publishable_key, variant=sku, method="pickup")
    assert response.status_code == 200, response.text
    quote = response.json()
    assert quote["method"] == "pickup"
    assert quote["rule"] == "pickup.prep_within_opening_hours" and quote["rule_text"]
    assert quote["price"] == {"amount": 0, "currency": "GBP"}
    assert quote["earliest"] == "2027-06-02T11:31:00Z"  # 12:31 BST
    assert quote["latest"] == "2027-06-02T17:00:00Z"  # 18:00 BST
    assert quote["cutoff"] == "2027-06-02T16:15:00Z"
    assert (quote["timezone"], quote["location"]) == ("Europe/London", "columbia-road")


async def test_courier_quote_in_zone_today(client: Client, make_brand: MakeBrand, clock: FixedClock) -> None:
    brand, sku = await configured(client, make_brand)
    response = await get_quote(client, brand.secret_key, variant=sku, method="courier", postcode="e2 7rg")
    assert response.status_code == 200, response.text
    quote = response.json()
    assert quote["rule"] == "courier.same_day_before_cutoff"
    assert (quote["earliest"], quote["latest"]) == ("2027-06-02T17:00:00Z", "2027-06-02T20:00:00Z")
    assert at(quote["cutoff"]) - NOW == timedelta(hours=2, minutes=14)  # "order within 2 h 14 min"
    assert quote["price"] == {"amount": 795, "currency": "GBP"}
    assert quote["zone"] == "east-london-same-day"

    clock.advance(timedelta(hours=3))  # 14:46: past the cutoff
    later = (await get_quote(client, brand.secret_key, variant=sku, method="courier", postcode="E2 7RG")).json()
    assert later["rule"] == "courier.next_delivery_day"
    assert later["earliest"] == "2027-06-03T17:00:00Z"
    assert later["cutoff"] == "2027-06-03T13:00:00Z"  # Thursday's same-day cutoff


async def test_courier_outside_every_zone_is_422(client: Client, make_brand: MakeBrand, clock: FixedClock) -> None:
    brand, sku = await configured(client, make_brand)
    response = await get_quote(client, brand.publishable_key, variant=sku, method="courier", postcode="SW1A 1AA")
    problem = assert_problem(response, 422, "postcode_not_served")
    # The code is for clients; the field's message is what a shopper reads (the cart passes it on).
    assert problem["errors"] == [{"field": "query.postcode", "message": "We don't deliver to SW1A 1AA by courier yet."}]
    e14 = await get_quote(client, brand.publishable_key, variant=sku, method="courier", postcode="E14 3AB")
    assert_problem(e14, 422, "postcode_not_served")
    missing = await get_quote(client, brand.publishable_key, variant=sku, method="courier")
    assert_problem(missing, 422, "postcode_required")


async def test_a_postcode_that_cannot_be_one_is_refused_in_other_words(
    client: Client, make_brand: MakeBrand, clock: FixedClock
) -> None:
    brand, sku = await configured(client, make_brand)
    for typed in ("E2", "E2 7R", "ZZZZ", "123"):  # a district alone, a typo, nonsense: not an address
        response = await get_quote(client, brand.publishable_key, variant=sku, method="courier", postcode=typed)
        problem = assert_problem(response, 422, "invalid_input")
        assert problem["errors"] == [{"field": "query.postcode", "message": "Enter a full UK postcode, like E2 7RG."}]
    served = await get_quote(client, brand.publishable_key, variant=sku, method="courier", postcode="e27rg")
    assert served.status_code == 200, served.text


async def test_courier_by_radius_around_the_hub(client: Client, make_brand: MakeBrand, clock: FixedClock) -> None:
    brand, sku = await configured(client, make_brand)
    zone = ZONE | {"name": "Two km ring", "postcode_prefixes": [], "radius_m": 2_000, "same_day_cutoff": None}
    await post(client, brand, "/v1/fulfilment/courier-zones", zone)
    near = await get_quote(
        client, brand.publishable_key, variant=sku, method="courier", latitude_e6="51526000", longitude_e6="-78000"
    )
    assert near.status_code == 200, near.text
    assert near.json()["zone"] == "two-km-ring"
    half = await get_quote(client, brand.publishable_key, variant=sku, method="courier", latitude_e6="51526000")
    assert_problem(half, 422, "invalid_input")


async def test_made_to_order_quote(client: Client, make_brand: MakeBrand, clock: FixedClock) -> None:
    brand, sku = await configured(client, make_brand, made_to_order=True)
    response = await get_quote(client, brand.publishable_key, variant=sku, method="made_to_order")
    assert response.status_code == 200, response.text
    quote = response.json()
    assert quote["rule"] == "made_to_order.capacity_then_lead_time"
    # Starts Thursday 3 June; Thu, Fri, Mon, Tue, Wed of production: ready Thursday 10 June at 08:00 BST.
    assert quote["earliest"] == "2027-06-10T07:00:00Z"
    assert quote["latest"] == "2027-06-14T15:30:00Z"  # dispatched by Monday's close
    assert quote["cutoff"] == "2027-06-02T23:00:00Z"  # midnight before production starts
    assert quote["location"] == "workroom"


async def test_a_stock_product_is_not_made_to_order(client: Client, make_brand: MakeBrand, clock: FixedClock) -> None:
    brand, sku = await configured(client, make_brand)
    response = await get_quote(client, brand.publishable_key, variant=sku, method="made_to_order")
    problem = assert_problem(response, 422, "not_made_to_order")
    assert problem["errors"][0]["field"] == "query.variant"


async def test_no_units_at_any_pickup_point(client: Client, make_brand: MakeBrand, clock: FixedClock) -> None:
    brand, sku = await configured(client, make_brand)
    other_sku = sku.replace("-TAN", "-BLK")  # the product's second variant: never received
    assert_problem(
        await get_quote(client, brand.publishable_key, variant=other_sku, method="pickup"), 422, "no_pickup_stock"
    )


@pytest.mark.parametrize("method", ["teleport", "PICKUP", ""])
async def test_a_bad_method_is_a_4xx_problem(client: Client, make_brand: MakeBrand, method: str) -> None:
    brand, sku = await configured(client, make_brand)
    response = await get_quote(client, brand.publishable_key, variant=sku, method=method)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "invalid_input"


async def test_an_unknown_variant_is_404(client: Client, make_brand: MakeBrand) -> None:
    brand, _ = await configured(client, make_brand)
    response = await get_quote(client, brand.publishable_key, variant="NO-SUCH-SKU", method="pickup")
    problem = assert_problem(response, 404, "not_found")
    assert problem["errors"] == [{"field": "query.variant", "message": "no such SKU"}]


async def test_another_brands_variant_is_404(client: Client, make_brand: MakeBrand) -> None:
    _, theirs = await configured(client, make_brand)
    mine, _ = await configured(client, make_brand)
    for method in ("pickup", "courier", "made_to_order"):
        response = await get_quote(client, mine.publishable_key, variant=theirs, method=method, postcode="E2 7RG")
        assert_problem(response, 404, "not_found")


async def test_a_quote_on_the_real_clock_is_in_the_future(client: Client, make_brand: MakeBrand) -> None:
    brand, sku = await configured(client, make_brand)
    before = datetime.now(UTC)
    quote = (await get_quote(client, brand.publishable_key, variant=sku, method="pickup")).json()
    assert at(quote["earliest"]) >= before + timedelta(minutes=45)
    assert at(quote["earliest"]) < at(quote["latest"])


# --- configuration ----------------------------------------------------------------------------


async def test_a_new_rate_applies_from_its_date_and_history_is_kept(
    client: Client, make_brand: MakeBrand, clock: FixedClock
) -> None:
    brand, sku = await configured(client, make_brand)
    path = "/v1/fulfilment/courier-zones/east-london-same-day/rates"
    tomorrow = (NOW + timedelta(days=1)).isoformat()
    zone = await post(client, brand, path, {"price": {"amount": 895, "currency": "GBP"}, "effective_from": tomorrow})
    assert [r["price"]["amount"] for r in zone["rates"]] == [795, 895]
    assert zone["rate"]["price"]["amount"] == 795  # still today's

    def courier() -> Any:
        return get_quote(client, brand.publishable_key, variant=sku, method="courier", postcode="E2 7RG")

    assert (await courier()).json()["price"]["amount"] == 795
    clock.advance(timedelta(days=1))
    assert (await courier()).json()["price"]["amount"] == 895

    listed = (await client.get("/v1/fulfilment/courier-zones", headers=auth(brand.publishable_key))).json()
    assert [r["price"]["amount"] for r in listed["data"][0]["rates"]] == [795, 895]
    assert listed["data"][0]["rate"]["price"]["amount"] == 895

    backdated = {"price": {"amount": 1, "currency": "GBP"}, "effective_from": (NOW - timedelta(days=30)).isoformat()}
    response = await client.post(path, json=backdated, headers=auth(brand.secret_key))
    assert_problem(response, 422, "invalid_input")
    euros = await client.post(path, json={"price": {"amount": 900, "currency": "EUR"}}, headers=auth(brand.secret_key))
    assert_problem(euros, 422, "invalid_input")
    no_offset = {"price": {"amount": 900, "currency": "GBP"}, "effective_from": "2030-01-01T00:00:00"}
    naive = await client.post(path, json=no_offset, headers=auth(brand.secret_key))
    assert_problem(naive, 422, "invalid_input")
    price = {"price": {"amount": 900, "currency": "GBP"}}
    missing = await client.post(
        "/v1/fulfilment/courier-zones/nowhere/rates", json=price, headers=auth(brand.secret_key)
    )
    assert_problem(missing, 404, "not_found")


async def test_configuration_lists_and_refusals(client: Client, make_brand: MakeBrand, clock: FixedClock) -> None:
    brand, _ = await configured(client, make_brand)
    pk, sk = auth(brand.publishable_key), auth(brand.secret_key)

    points = (await client.get("/v1/fulfilment/pickup-points", headers=pk)).json()
    assert [(p["location"], p["prep_minutes"], p["enabled"]) for p in points["data"]] == [("columbia-road", 45, True)]
    factories = (await client.get("/v1/fulfilment/microfactories", headers=sk)).json()  # capacity: secret
    assert factories["data"][0]["closed_weekdays"] == ["sat", "sun"]
    assert factories["data"][0]["daily_capacity"] == 6

    again = await client.post(
        "/v1/fulfilment/pickup-points", json={"location": "columbia-road", "prep_minutes": 5}, headers=sk
    )
    assert_problem(again, 409, "duplicate_handle")
    not_a_shop = await client.post(
        "/v1/fulfilment/pickup-points", json={"location": "workroom", "prep_minutes": 5}, headers=sk
    )
    assert_problem(not_a_shop, 422, "invalid_input")
    nowhere = await client.post(
        "/v1/fulfilment/pickup-points", json={"location": "nowhere", "prep_minutes": 5}, headers=sk
    )
    assert_problem(nowhere, 404, "not_found")
    by_pk = await client.post(
        "/v1/fulfilment/pickup-points", json={"location": "columbia-road", "prep_minutes": 5}, headers=pk
    )
    assert by_pk.status_code in (401, 403)

    factory = {"location": "workroom", "daily_capacity": 1, "lead_time_working_days": 1, "x": 1}
    unknown_field = await client.post("/v1/fulfilment/microfactories", json=factory, headers=sk)
    assert_problem(unknown_field, 422, "invalid_input")
    no_coverage = ZONE | {"handle": "nowhere", "postcode_prefixes": []}
    assert_problem(
        await client.post("/v1/fulfilment/courier-zones", json=no_coverage, headers=sk), 422, "invalid_input"
    )
    overlapping = ZONE | {"handle": "overlap", "delivery_windows": [["18:00", "21:00"], ["20:00", "22:00"]]}
    problem = assert_problem(
        await client.post("/v1/fulfilment/courier-zones", json=overlapping, headers=sk), 422, "invalid_input"
    )
    assert problem["errors"][0]["field"] == "body.delivery_windows[1]"
    lower_case = ZONE | {"handle": "lower", "postcode_prefixes": ["e1"]}
    assert_problem(await client.post("/v1/fulfilment/courier-zones", json=lower_case, headers=sk), 422, "invalid_input")
    twice = await client.post("/v1/fulfilment/courier-zones", json=ZONE, headers=sk)
    assert_problem(twice, 409, "duplicate_handle")


async def test_personalisation_options(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    monogram = {
        "kind": "monogram",
        "label": "Monogram",
        "pattern": "^[A-Z]{1,3}$",
        "max_length": 3,
        "price": {"amount": 1500, "currency": "GBP"},
    }
    created = await post(client, brand, "/v1/fulfilment/personalisation-options", monogram)
    assert (created["handle"], created["price"]) == ("monogram", {"amount": 1500, "currency": "GBP"})
    bad = monogram | {"handle": "bad", "pattern": "[A-Z"}
    response = await client.post("/v1/fulfilment/personalisation-options", json=bad, headers=auth(brand.secret_key))
    assert_problem(response, 422, "invalid_input")
    listed = (await client.get("/v1/fulfilment/personalisation-options", headers=auth(brand.publishable_key))).json()
    assert [o["handle"] for o in listed["data"]] == ["monogram"]

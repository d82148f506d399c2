"""Analytics over HTTP: component beacons with a publishable key, the funnel report with a secret key.

Beacons count only for the brand's own products, so each test that expects events stored makes a
brand with the two products the events name (:func:`make_shop`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from storefront.analytics.rules import MAX_BEACON_PURCHASES
from storefront.clock import utcnow
from storefront.tenancy.schemas import CreatedBrand
from tests.conftest import MakeBrand, auth
from tests.factories import product_body
from tests.queries import recorded_queries

Client = httpx.AsyncClient
PROBLEM_JSON = "application/problem+json"
BEACON = "/v1/analytics/events"
SUMMARY = "/v1/analytics/summary"
TEXT_PLAIN = {"Content-Type": "text/plain;charset=UTF-8"}
SHOP = "https://shop.example"
PRODUCTS = ("noa-micro-bag", "pia-tote")


async def make_shop(client: Client, make_brand: MakeBrand, **fields: Any) -> CreatedBrand:
    """A new brand whose catalogue has the products the test events name."""
    brand = await make_brand(**fields)
    for handle in PRODUCTS:
        created = await client.post("/v1/products", json=product_body(handle=handle), headers=auth(brand.secret_key))
        assert created.status_code == 201, created.text
    return brand


def event(type_: str = "impression", *, seconds: int = 0, **fields: Any) -> dict[str, Any]:
    at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC) + timedelta(seconds=seconds)
    return {
        "type": type_,
        "component": "product-page",
        "product": "noa-micro-bag",
        "variant": "MH-NOA-TAN",
        "method": None,
        "occurred_at": at.isoformat().replace("+00:00", "Z"),
        **fields,
    }


async def beacon(
    client: Client, brand: CreatedBrand, events: list[dict[str, Any]] | bytes, **headers: str
) -> httpx.Response:
    """What ``navigator.sendBeacon(url, string)`` sends: text/plain, key in the URL, no Authorization."""
    body = events if isinstance(events, bytes) else json.dumps({"events": events}).encode()
    return await client.post(BEACON, params={"key": brand.publishable_key}, content=body, headers=TEXT_PLAIN | headers)


async def summary(client: Client, brand: CreatedBrand, **params: str) -> dict[str, Any]:
    response = await client.get(SUMMARY, params=params, headers=auth(brand.secret_key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def totals(report: dict[str, Any]) -> int:
    return sum(sum(t["counts"].values()) for t in report["by_method"])


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == PROBLEM_JSON
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status and problem["code"] and problem["detail"]
    if field is not None:
        assert field in [e["field"] for e in problem["errors"]], problem
    return problem


# --- recording ----------------------------------------------------------------------------------


async def test_text_plain_beacon_with_publishable_key_is_accepted_and_counted(
    client: Client, make_brand: MakeBrand
) -> None:
    brand = await make_shop(client, make_brand)
    response = await beacon(client, brand, [event("impression")])
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 1, "rejected": 0}

    report = await summary(client, brand)
    assert report["has_more"] is False and report["next_cursor"] is None
    assert report["groups"] == [
        {
            "component": "product-page",
            "product": "noa-micro-bag",
            "method": None,
            "counts": {
                "impression": 1,
                "variant_select": 0,
                "fulfilment_select": 0,
                "add_to_cart": 0,
                "checkout_start": 0,
                "purchase": 0,
            },
            "rates": {
                "add_to_cart_bp": 0,
                "purchase_bp": 0,
                "view_to_cart_bp": 0,
                "cart_to_checkout_bp": None,
                "checkout_to_purchase_bp": None,
            },
            "views": 1,
            "engagement": {"hotspot_select": 0, "suggestion_select": 0, "repair_guide_open": 0},
        }
    ]


async def test_json_beacon_and_secret_key_in_header_are_accepted(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_shop(client, make_brand)
    response = await client.post(
        BEACON, params={"key": brand.publishable_key}, json={"events": [event(), event("variant_select")]}
    )
    assert response.status_code == 202, response.text
    server_side = await client.post(BEACON, json={"events": [event("purchase")]}, headers=auth(brand.secret_key))
    assert server_side.status_code == 202, server_side.text
    assert totals(await summary(client, brand)) == 3


async def test_exact_duplicates_in_one_batch_count_once_but_batches_are_not_idempotent(
    client: Client, make_brand: MakeBrand
) -> None:
    brand = await make_shop(client, make_brand)
    batch = [event(), event(), event(seconds=1), event("add_to_cart", method="pickup")]
    first = await beacon(client, brand, batch)
    assert first.json() == {"accepted": 3, "rejected": 0}
    again = await beacon(client, brand, batch)  # a resent beacon counts again: no key to replay by
    assert again.json() == {"accepted": 3, "rejected": 0}
    assert totals(await summary(client, brand)) == 6


async def test_events_for_unknown_products_and_implausible_purchases_are_dropped_and_counted(
    client: Client, make_brand: MakeBrand
) -> None:
    brand = await make_brand()
    created = await client.post(
        "/v1/products", json=product_body(handle="noa-micro-bag"), headers=auth(brand.secret_key)
    )
    assert created.status_code == 201, created.text
    batch = [
        event(),
        event(product="pia-tote"),
        event(product="no-such-bag", seconds=1),
    ]  # the last two: no such products
    batch += [event("purchase", variant=f"MH-NOA-{i}") for i in range(MAX_BEACON_PURCHASES + 2)]
    batch += [event("purchase", variant="MH-NOA-0", seconds=5)]  # the same line again
    with recorded_queries() as seen:
        response = await beacon(client, brand, batch)
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 1 + MAX_BEACON_PURCHASES, "rejected": 2 + 2 + 1}
    look_ups = [q for q, _ in seen if 'FROM "product"' in q]
    assert len(look_ups) == 1, look_ups  # one bounded look-up for the batch's handles, not one per event

    report = await summary(client, brand)
    assert [g["product"] for g in report["groups"]] == ["noa-micro-bag"]
    assert report["groups"][0]["counts"]["purchase"] == MAX_BEACON_PURCHASES
    assert totals(report) == 1 + MAX_BEACON_PURCHASES


async def test_a_batch_of_nothing_but_unknown_products_stores_nothing(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    response = await beacon(client, brand, [event(), event("add_to_cart", method="pickup")])
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 0, "rejected": 2}
    assert totals(await summary(client, brand)) == 0


# --- the report ---------------------------------------------------------------------------------


async def test_summary_shows_the_funnel_by_method_with_rates(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_shop(client, make_brand)
    events = [event("impression", seconds=i, method="pickup") for i in range(8)]
    events += [event("variant_select", seconds=i, method="pickup") for i in range(4)]
    events += [event("add_to_cart", seconds=1, method="pickup"), event("purchase", seconds=2, method="pickup")]
    events += [event("impression", seconds=i, method="courier") for i in range(3)]
    events += [event("add_to_cart", method="courier"), event("checkout_start", method="courier")]
    events += [event("impression", seconds=i, product="pia-tote", variant=None) for i in range(2)]
    assert (await beacon(client, brand, events)).json() == {"accepted": len(events), "rejected": 0}

    report = await summary(client, brand)
    groups = {(g["product"], g["method"]): g for g in report["groups"]}
    assert list(groups) == [("noa-micro-bag", "pickup"), ("noa-micro-bag", "courier"), ("pia-tote", None)]
    pickup = groups["noa-micro-bag", "pickup"]
    assert list(pickup["counts"].items()) == [  # funnel order
        ("impression", 8),
        ("variant_select", 4),
        ("fulfilment_select", 0),
        ("add_to_cart", 1),
        ("checkout_start", 0),
        ("purchase", 1),
    ]
    assert pickup["rates"] == {  # 12.50 %
        "add_to_cart_bp": 1250,
        "purchase_bp": 1250,
        "view_to_cart_bp": 1250,
        "cart_to_checkout_bp": 0,
        "checkout_to_purchase_bp": None,
    }
    courier = groups["noa-micro-bag", "courier"]["rates"]
    assert (courier["add_to_cart_bp"], courier["purchase_bp"], courier["cart_to_checkout_bp"]) == (3333, 0, 10_000)
    by_method = {t["method"]: t for t in report["by_method"]}
    assert list(by_method) == ["pickup", "courier", "made_to_order", "none"]
    assert by_method["pickup"]["counts"]["impression"] == 8
    assert by_method["courier"]["counts"]["checkout_start"] == 1
    assert set(by_method["made_to_order"]["rates"].values()) == {None}
    assert by_method["none"]["counts"]["impression"] == 2


async def test_summary_windows_on_server_receipt_time(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_shop(client, make_brand)
    await beacon(client, brand, [event(seconds=-(10**7))])  # the browser's clock is only informational
    now = utcnow()
    assert totals(await summary(client, brand)) == 1
    earlier = (now - timedelta(days=1)).isoformat()
    assert totals(await summary(client, brand, until=earlier)) == 0
    later = (now + timedelta(minutes=5)).isoformat()
    assert totals(await summary(client, brand, since=later, until=(now + timedelta(days=1)).isoformat())) == 0
    report = await summary(client, brand, since=earlier)
    assert totals(report) == 1
    assert report["since"].startswith(earlier[:19])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-11-01T00:00:00"}, "query.since"),
        ({"since": "2026-11-02T00:00:00Z", "until": "2026-11-01T00:00:00Z"}, "query.since"),
    ],
)
async def test_summary_refuses_bad_windows(
    client: Client, make_brand: MakeBrand, params: dict[str, str], field: str
) -> None:
    brand = await make_brand()
    response = await client.get(SUMMARY, params=params, headers=auth(brand.secret_key))
    assert_problem(response, 422, field)


async def test_another_brand_sees_none_of_it(client: Client, make_brand: MakeBrand) -> None:
    ours, theirs = await make_shop(client, make_brand), await make_shop(client, make_brand)
    await beacon(client, ours, [event(), event("add_to_cart", method="courier")])
    report = await summary(client, theirs)
    assert report["groups"] == []
    assert totals(report) == 0
    assert totals(await summary(client, ours)) == 2


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param({"events": [event("click")]}, 422, "body.events[0].type", id="unknown-type"),
        pytest.param({"events": [event(seconds=i) for i in range(51)]}, 422, "body.events", id="51-events"),
        pytest.param({"events": []}, 422, "body.events", id="no-events"),
        pytest.param(
            {"events": [event(occurred_at="2026-11-23T10:00:00")]}, 422, "body.events[0].occurred_at", id="naive"
        ),
        pytest.param({"events": [event(colour="tan")]}, 422, "body.events[0].colour", id="unknown-field"),
        pytest.param({"events": [event(), event(method="drone")]}, 422, "body.events[1].method", id="bad-method"),
        pytest.param({"events": [event(product="Noa Bag")]}, 422, "body.events[0].product", id="bad-handle"),
        pytest.param({"events": [event(component="x" * 41)]}, 422, "body.events[0].component", id="long-component"),
        pytest.param({"events": [event()], "extra": 1}, 422, "body.extra", id="unknown-top-field"),
        pytest.param(b"not json", 400, "body", id="not-json"),
        pytest.param(b"", 400, "body", id="empty"),
    ],
)
async def test_bad_batches_are_problems_and_store_nothing(
    client: Client, make_brand: MakeBrand, body: dict[str, Any] | bytes, status: int, field: str
) -> None:
    brand = await make_brand()
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = await beacon(client, brand, raw)
    assert_problem(response, status, field)
    assert totals(await summary(client, brand)) == 0


async def test_oversized_body_is_413(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    response = await beacon(client, brand, b'{"events": [' + b" " * (70 * 1024) + b"]}")
    assert_problem(response, 413)
    assert totals(await summary(client, brand)) == 0


async def test_summary_with_a_publishable_key_is_403(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    by_header = await client.get(SUMMARY, headers=auth(brand.publishable_key))
    assert_problem(by_header, 403)
    by_query = await client.get(SUMMARY, params={"key": brand.publishable_key})
    assert_problem(by_query, 403)


async def test_beacon_origin_must_be_allowed(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_shop(client, make_brand, allowed_origins=[SHOP])
    refused = await beacon(client, brand, [event()], Origin="https://evil.example")
    problem = assert_problem(refused, 403)
    assert problem["code"] == "origin_not_allowed"
    allowed = await beacon(client, brand, [event()], Origin=SHOP)
    assert allowed.status_code == 202, allowed.text
    assert totals(await summary(client, brand)) == 1


async def test_the_beacon_exemption_covers_nothing_else(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    # Other writes: a publishable key in the query is not read, in the header it is refused.
    by_query = await client.post("/v1/products", params={"key": brand.publishable_key}, json={})
    assert_problem(by_query, 401)
    by_header = await client.post("/v1/locations", json={}, headers=auth(brand.publishable_key))
    assert_problem(by_header, 403)
    # A secret key is never taken from a URL, not even the beacon's.
    secret_in_url = await client.post(BEACON, params={"key": brand.secret_key}, json={"events": [event()]})
    assert_problem(secret_in_url, 401)
    assert totals(await summary(client, brand)) == 0

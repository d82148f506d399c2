"""Orders over HTTP (secret key): fulfilment steps per method, returns, exchanges, refunds, KPIs."""

from __future__ import annotations

from typing import Any

import httpx

from storefront.orders.models import Order
from tests.checkout.conftest import levels, paid_order
from tests.commerce import courier, open_shop, post, receive
from tests.conftest import MakeBrand, auth
from tests.fulfilment.test_quote_http import assert_problem
from tests.stripe_server import STRIPE_TEST_KEY

Client = httpx.AsyncClient


async def _step(client: Client, key: str, order: dict[str, Any], status: str) -> httpx.Response:
    fulfilment = order["fulfilments"][0]["id"]
    path = f"/v1/orders/{order['id']}/fulfilments/{fulfilment}/status"
    return await client.post(path, json={"status": status}, headers=auth(key))


async def test_pickup_walks_ready_then_collected(shop_client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(shop_client, make_brand)
    order = await paid_order(shop_client, shop, shop.sku)
    key = shop.brand.secret_key
    assert_problem(await _step(shop_client, key, order, "out_for_delivery"), 409, "illegal_transition")
    ready = (await _step(shop_client, key, order, "ready_for_pickup")).json()
    assert ready["status"] == "ready_for_pickup"
    done = (await _step(shop_client, key, order, "fulfilled")).json()
    assert done["status"] == "fulfilled" and done["fulfilled_at"]
    assert done["kpis"]["actual_lead_minutes"] is not None and done["kpis"]["on_time"] is True
    assert_problem(await _step(shop_client, key, order, "fulfilled"), 409, "illegal_transition")


async def test_made_to_order_cannot_skip_production(shop_client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(shop_client, make_brand)
    order = await paid_order(shop_client, shop, shop.mto_sku, fulfilment={"method": "made_to_order"})
    key = shop.brand.secret_key
    assert_problem(await _step(shop_client, key, order, "out_for_delivery"), 409, "illegal_transition")
    for status in ("in_production", "out_for_delivery", "fulfilled"):
        assert (await _step(shop_client, key, order, status)).json()["status"] == status


async def test_orders_need_a_secret_key(shop_client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(shop_client, make_brand)
    order = await paid_order(shop_client, shop, shop.sku)
    response = await shop_client.get(f"/v1/orders/{order['id']}", headers=auth(shop.brand.publishable_key))
    assert response.status_code == 403
    other = await make_brand()
    assert_problem(await shop_client.get(f"/v1/orders/{order['id']}", headers=auth(other.secret_key)), 404, "not_found")


async def test_return_restocks_quarantines_and_refunds_exactly(shop_client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(shop_client, make_brand, shop_units=3)
    order = await paid_order(shop_client, shop, shop.sku, 3)
    line = order["lines"][0]["id"]
    key = auth(shop.brand.secret_key)
    body = {
        "lines": [
            {"line": line, "quantity": 1, "reason": "wrong_size", "condition": "resaleable"},
            {"line": line, "quantity": 1, "reason": "faulty", "condition": "damaged"},
        ]
    }
    ret = await shop_client.post(f"/v1/orders/{order['id']}/returns", json=body, headers=key)
    assert ret.status_code == 201, ret.text
    data = ret.json()
    assert data["status"] == "completed" and data["refund_id"]
    assert data["refund"]["amount"] == 2 * 12_500
    assert [line["disposition"] for line in data["lines"]] == ["restocked", "quarantined"]
    assert await levels(shop_client, shop, shop.sku) == {"market-street": (1, 0)}
    after = (await shop_client.get(f"/v1/orders/{order['id']}", headers=key)).json()
    assert after["refunded"]["amount"] == 25_000
    assert after["kpis"]["returned_units"] == 2 and after["kpis"]["damaged_units"] == 1
    # more than is left to return: refused, nothing changed
    too_many = {"lines": [{"line": line, "quantity": 2, "reason": "other", "condition": "resaleable"}]}
    problem = assert_problem(
        await shop_client.post(f"/v1/orders/{order['id']}/returns", json=too_many, headers=key), 422, "invalid_input"
    )
    assert problem["errors"][0]["field"] == "body.lines[0].quantity"
    assert (await Order.get(id=order["id"])).refunded_minor == 25_000


async def test_exchange_for_a_variant_of_the_same_price(shop_client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(shop_client, make_brand, shop_units=2)
    key = auth(shop.brand.secret_key)
    red = f"{shop.sku}-RED"
    variant = {"sku": red, "title": "Red", "price": {"amount": 12_500, "currency": "GBP"}}
    await post(shop_client, shop.brand, f"/v1/products/{shop.product}/variants", variant)
    await receive(shop_client, shop.brand, red, "market-street", 1)
    order = await paid_order(shop_client, shop, shop.sku)
    line = order["lines"][0]["id"]
    pricier = {
        "lines": [
            {
                "line": line,
                "quantity": 1,
                "reason": "changed_mind",
                "condition": "resaleable",
                "exchange_sku": shop.other_sku,
            }
        ]
    }
    refused = await shop_client.post(f"/v1/orders/{order['id']}/returns", json=pricier, headers=key)
    assert_problem(refused, 422, "invalid_input")
    swap = {
        "lines": [
            {"line": line, "quantity": 1, "reason": "changed_mind", "condition": "resaleable", "exchange_sku": red}
        ]
    }
    ret = (await shop_client.post(f"/v1/orders/{order['id']}/returns", json=swap, headers=key)).json()
    assert ret["refund"]["amount"] == 0 and ret["exchange_order"]
    exchange = (await shop_client.get(f"/v1/orders/{ret['exchange_order']}", headers=key)).json()
    assert (exchange["status"], exchange["exchange_of"], exchange["lines"][0]["sku"]) == ("paid", order["id"], red)
    assert await levels(shop_client, shop, red) == {"market-street": (0, 0)}
    assert await levels(shop_client, shop, shop.sku) == {"market-street": (2, 0)}


async def test_pending_order_has_nothing_to_return(shop_client: Client, make_brand: MakeBrand) -> None:
    from tests.checkout.conftest import cart_with, checkout

    shop = await open_shop(shop_client, make_brand)
    cart = await cart_with(shop_client, shop, shop.sku)
    order = (await checkout(shop_client, shop, cart)).json()["order"]
    body = {"lines": [{"line": order["lines"][0]["id"], "quantity": 1, "reason": "other", "condition": "resaleable"}]}
    response = await shop_client.post(
        f"/v1/orders/{order['id']}/returns", json=body, headers=auth(shop.brand.secret_key)
    )
    assert_problem(response, 409, "order_not_returnable")


async def test_kpis_by_method(shop_client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(shop_client, make_brand)
    await paid_order(shop_client, shop, shop.sku)
    await paid_order(shop_client, shop, shop.other_sku, fulfilment=courier())
    kpis = (await shop_client.get("/v1/orders/kpis", headers=auth(shop.brand.secret_key))).json()
    by_method = {k["method"]: k for k in kpis}
    assert set(by_method) == {"pickup", "courier"}
    assert by_method["courier"]["fulfilment_fees"]["amount"] == 795
    assert by_method["pickup"]["revenue"]["amount"] == 12_500


async def test_a_requested_return_is_refunded_when_received(shop_client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(shop_client, make_brand, shop_units=2)
    order = await paid_order(shop_client, shop, shop.sku, 2)
    line = order["lines"][0]["id"]
    key = auth(shop.brand.secret_key)
    request = {"lines": [{"line": line, "quantity": 2, "reason": "wrong_size"}]}
    requested = (await shop_client.post(f"/v1/orders/{order['id']}/returns", json=request, headers=key)).json()
    assert (requested["status"], requested["refund"]["amount"]) == ("requested", 0)
    assert await levels(shop_client, shop, shop.sku) == {"market-street": (0, 0)}  # not back yet
    again = await shop_client.post(f"/v1/orders/{order['id']}/returns", json=request, headers=key)
    assert_problem(again, 422, "invalid_input")  # the units are already on their way back
    path = f"/v1/orders/{order['id']}/returns/{requested['id']}/receive"
    incomplete = {"lines": [{"line": str(order["id"]), "condition": "resaleable"}]}
    assert_problem(await shop_client.post(path, json=incomplete, headers=key), 422, "invalid_input")
    received = await shop_client.post(path, json={"lines": [{"line": line, "condition": "resaleable"}]}, headers=key)
    assert received.status_code == 200, received.text
    body = received.json()
    assert (body["status"], body["refund"]["amount"], body["lines"][0]["disposition"]) == (
        "completed",
        25_000,
        "restocked",
    )
    assert await levels(shop_client, shop, shop.sku) == {"market-street": (2, 0)}
    twice = await shop_client.post(path, json={"lines": [{"line": line, "condition": "resaleable"}]}, headers=key)
    assert_problem(twice, 409, "return_already_received")
    assert (await Order.get(id=order["id"])).refunded_minor == 25_000


async def test_made_to_order_deposit_then_balance_when_it_ships(
    shop_client: Client, make_brand: MakeBrand, localstripe: Any
) -> None:
    """30% at checkout, the rest charged to the kept card when the piece ships; a return refunds both payments."""
    shop = await open_shop(shop_client, make_brand, deposit_bp=3000)
    mto = {"fulfilment": {"method": "made_to_order"}, "personalisation": [{"option": "thread", "value": "gold"}]}
    from tests.checkout.conftest import cart_with, checkout, confirm

    cart = await cart_with(shop_client, shop, shop.mto_sku, **mto)
    placed = (await checkout(shop_client, shop, cart)).json()
    assert placed["payment"]["amount"]["amount"] == 9_000  # 30% of 30,000
    assert placed["order"]["balance"]["amount"] == 21_000
    order = (await confirm(shop_client, shop, cart)).json()["order"]
    assert (order["status"], order["paid"]["amount"]) == ("paid", 9_000)
    key = shop.brand.secret_key
    early = {"lines": [{"line": order["lines"][0]["id"], "quantity": 1, "reason": "changed_mind"}]}
    not_yet = await shop_client.post(f"/v1/orders/{order['id']}/returns", json=early, headers=auth(key))
    assert_problem(not_yet, 422, "invalid_input")  # nothing to return before it ships
    assert (await _step(shop_client, key, order, "in_production")).json()["paid"]["amount"] == 9_000
    shipped = (await _step(shop_client, key, order, "out_for_delivery")).json()
    assert shipped["paid"]["amount"] == 30_000 and shipped["fulfilments"][0]["balance_paid"] is True
    again = (await _step(shop_client, key, order, "fulfilled")).json()
    assert again["paid"]["amount"] == 30_000  # the balance is charged once
    back = {"lines": [{"line": order["lines"][0]["id"], "quantity": 1, "reason": "faulty", "condition": "damaged"}]}
    ret = (await shop_client.post(f"/v1/orders/{order['id']}/returns", json=back, headers=auth(key))).json()
    assert (ret["status"], ret["refund"]["amount"]) == ("completed", 30_000)
    headers = {"Authorization": f"Bearer {STRIPE_TEST_KEY}"}
    async with httpx.AsyncClient(base_url=localstripe.api_base, headers=headers) as stripe:
        refunds = (await stripe.get("/v1/refunds", params={"limit": 100})).json()["data"]
    ours = {r["payment_intent"]: r["amount"] for r in refunds if r["payment_intent"] == order["payment_intent"]}
    assert ours == {order["payment_intent"]: 9_000}
    assert sum(r["amount"] for r in refunds if r["id"] in ret["refund_id"].split(",")) == 30_000


async def test_damaged_returns_are_quarantined_in_the_stock_ledger(shop_client: Client, make_brand: MakeBrand) -> None:
    """A damaged unit never goes back on sale, but the ledger says where it is: quarantined at its shop."""
    shop = await open_shop(shop_client, make_brand, shop_units=2)
    order = await paid_order(shop_client, shop, shop.sku, 2)
    key = auth(shop.brand.secret_key)
    body = {"lines": [{"line": order["lines"][0]["id"], "quantity": 2, "reason": "faulty", "condition": "damaged"}]}
    ret = await shop_client.post(f"/v1/orders/{order['id']}/returns", json=body, headers=key)
    assert ret.status_code == 201, ret.text
    assert [line["disposition"] for line in ret.json()["lines"]] == ["quarantined"]
    stock = (await shop_client.get("/v1/stock", params={"sku": shop.sku}, headers=key)).json()["data"]
    assert [(s["location"], s["on_hand"], s["reserved"], s["available"], s["quarantined"]) for s in stock] == [
        ("market-street", 0, 0, 0, 2)
    ]
    moves = (await shop_client.get("/v1/stock/movements", params={"sku": shop.sku}, headers=key)).json()["data"]
    quarantined = [m for m in moves if m["kind"] == "quarantine"]
    assert [(m["on_hand_delta"], m["reserved_delta"], m["quarantined_delta"]) for m in quarantined] == [(0, 0, 2)]
    assert sum(m["on_hand_delta"] for m in moves) == 0  # the ledger still sums to the level
    # a location holding quarantined units cannot be deleted out from under them
    gone = await shop_client.delete("/v1/locations/market-street", headers={**key, "Idempotency-Key": "del-1"})
    assert_problem(gone, 409, "conflict")

"""A hundred orders of every kind, paid by every road, some returned, exchanged or abandoned.

At the end stock, payments and refunds must reconcile to the unit and the minor unit across
three books: our stock levels, our stock ledger, and Stripe's own records (localstripe).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx

from storefront.clock import utcnow
from storefront.orders.reconciliation import reconcile
from tests.checkout.conftest import cart_with, checkout, confirm
from tests.commerce import open_shop, post, receive
from tests.conftest import MakeBrand, auth

ORDERS = 100
REASONS = ["changed_mind", "wrong_size", "faulty", "not_as_described"]


async def _stripe_intent(localstripe: Any, intent: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=localstripe.api_base) as http:
        response = await http.get(
            f"/v1/payment_intents/{intent}", headers={"Authorization": "Bearer sk_test_stallkit_localstripe"}
        )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_hundred_orders_reconcile_to_the_cent(
    shop_client: httpx.AsyncClient, make_brand: MakeBrand, shop_app: Any, stripe_webhooks: Any, localstripe: Any
) -> None:
    rng = random.Random(2026)
    shop = await open_shop(shop_client, make_brand, shop_units=200, warehouse_units=200, daily_capacity=60)
    red = f"{shop.sku}-RED"
    await post(
        shop_client,
        shop.brand,
        f"/v1/products/{shop.product}/variants",
        {
            "sku": red,
            "title": "Red",
            "price": {"amount": 12_500, "currency": "GBP"},
        },
    )
    await receive(shop_client, shop.brand, red, "market-street", 40)
    expected = Counter(
        {(shop.sku, "market-street"): 200, (shop.other_sku, "warehouse"): 200, (red, "market-street"): 40}
    )
    secret = auth(shop.brand.secret_key)
    gateway = shop_app.state["payments"]
    paid: list[dict[str, Any]] = []
    abandoned = 0

    for _ in range(ORDERS):
        roll = rng.random()
        if roll < 0.45:
            sku, place, qty, line = shop.sku, "market-street", rng.randint(1, 3), {}
        elif roll < 0.8:
            sku, place, qty = shop.other_sku, "warehouse", rng.randint(1, 2)
            line = {"fulfilment": {"method": "courier", "postcode": "E1 6AN"}}
        else:
            sku, place, qty = shop.mto_sku, None, 1
            line = {
                "fulfilment": {"method": "made_to_order"},
                "personalisation": [{"option": "monogram", "value": "AB"}],
            }
        cart = await cart_with(shop_client, shop, sku, qty, **line)
        placed = (await checkout(shop_client, shop, cart)).json()
        road = rng.random()
        if road < 0.1:
            abandoned += 1
            continue  # the shopper walks away; the hold expires
        if road < 0.2:  # declined, and never retried (localstripe cannot retry an intent): expires too
            declined = (await confirm(shop_client, shop, cart, "pm_card_chargeCustomerFail")).json()["order"]
            assert declined["status"] == "pending_payment"
            abandoned += 1
            continue
        if road < 0.35:
            intent = placed["payment"]["intent_id"]
            await gateway.confirm_payment_intent(intent, payment_method="pm_card_visa", idempotency_key=f"js-{intent}")
            delivery = await stripe_webhooks.wait_for("payment_intent.succeeded", intent)
            headers = {"Stripe-Signature": delivery.signature}
            await shop_client.post("/v1/webhooks/stripe", content=delivery.body, headers=headers)
            order = (await shop_client.get(f"/v1/orders/{placed['order']['id']}", headers=secret)).json()
        else:
            order = (await confirm(shop_client, shop, cart)).json()["order"]
        assert order["status"] == "paid", order
        if place is not None:
            expected[(sku, place)] -= qty
        paid.append({"order": order, "sku": sku, "place": place, "qty": qty})

    await reconcile(gateway, now=utcnow() + timedelta(hours=2))  # abandoned holds expire

    for entry in paid:  # every fulfilment walks its flow to the end
        order = entry["order"]
        for fulfilment in order["fulfilments"]:
            flow = {
                "pickup": ["ready_for_pickup", "fulfilled"],
                "courier": ["out_for_delivery", "fulfilled"],
                "made_to_order": ["in_production", "out_for_delivery", "fulfilled"],
            }[fulfilment["method"]]
            for step in flow:
                path = f"/v1/orders/{order['id']}/fulfilments/{fulfilment['id']}/status"
                response = await shop_client.post(path, json={"status": step}, headers=secret)
                assert response.status_code == 200, response.text
        entry["order"] = (await shop_client.get(f"/v1/orders/{order['id']}", headers=secret)).json()
        assert entry["order"]["status"] == "fulfilled"

    returns = 0
    for entry in paid:
        if rng.random() > 0.4:
            continue
        order, line = entry["order"], entry["order"]["lines"][0]
        qty = rng.randint(1, line["quantity"])
        condition = "damaged" if rng.random() < 0.3 else "resaleable"
        item: dict[str, Any] = {
            "line": line["id"],
            "quantity": qty,
            "reason": rng.choice(REASONS),
            "condition": condition,
        }
        exchange = entry["sku"] == shop.sku and rng.random() < 0.3
        if exchange:
            item["exchange_sku"] = red
            expected[(red, "market-street")] -= qty
        response = await shop_client.post(f"/v1/orders/{order['id']}/returns", json={"lines": [item]}, headers=secret)
        assert response.status_code == 201, response.text
        returns += 1
        if condition == "resaleable" and entry["place"] is not None:
            expected[(entry["sku"], entry["place"])] += qty

    # --- stock: levels, the ledger and our own count agree; nothing is still held
    levels = (await shop_client.get("/v1/stock", params={"limit": 100}, headers=secret)).json()["data"]
    actual = {(row["sku"], row["location"]): (row["on_hand"], row["reserved"]) for row in levels}
    assert actual == {key: (units, 0) for key, units in expected.items()}
    ledger: Counter[tuple[str, str]] = Counter()
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = (await shop_client.get("/v1/stock/movements", params=params, headers=secret)).json()
        for movement in page["data"]:
            ledger[(movement["sku"], movement["location"])] += movement["on_hand_delta"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert {k: v for k, v in ledger.items()} == dict(expected)

    # --- money: our books and Stripe's agree to the minor unit, order by order
    orders = []
    cursor = None
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = (await shop_client.get("/v1/orders", params=params, headers=secret)).json()
        orders.extend(page["data"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    statuses = Counter(o["status"] for o in orders if o["exchange_of"] is None)
    assert statuses == {"fulfilled": len(paid), "cancelled": abandoned}
    total_paid = total_refunded = 0
    for order in orders:
        if order["payment_intent"] is None or order["exchange_of"] is not None:
            continue
        intent = await _stripe_intent(localstripe, order["payment_intent"])
        charges = intent.get("charges", {}).get("data", [])
        stripe_paid = sum(c["amount"] for c in charges if c.get("status") == "succeeded")
        stripe_refunded = sum(c.get("amount_refunded", 0) for c in charges)
        if order["status"] == "cancelled":
            assert (order["paid"]["amount"], stripe_paid) == (0, 0)
            continue
        assert order["paid"]["amount"] == order["total"]["amount"] == stripe_paid, order["number"]
        our_returns = (await shop_client.get(f"/v1/orders/{order['id']}/returns", headers=secret)).json()
        assert order["refunded"]["amount"] == sum(r["refund"]["amount"] for r in our_returns) == stripe_refunded
        lines_total = sum(line["total"]["amount"] for line in order["lines"])
        assert order["total"]["amount"] == lines_total + order["fulfilment"]["amount"]
        total_paid += stripe_paid
        total_refunded += stripe_refunded
    assert returns > 10 and total_refunded > 0 and total_paid > total_refunded
    kpis = (await shop_client.get("/v1/orders/kpis", headers=secret)).json()
    assert {k["method"] for k in kpis} == {"pickup", "courier", "made_to_order"}
    assert sum(k["refunded"]["amount"] for k in kpis) >= total_refunded

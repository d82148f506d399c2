"""A checkout store credit covers wholly is paid in the transaction that places it.

What that transaction writes must be what placing and then paying wrote as two: the answer is
the order as read back afterwards, the history and the ledgers hold the same rows (reserve then
sell, hold then redeem, pending then paid), the KPI counters what the orders add up to, and a
retried checkout answers the same order without moving anything again.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from storefront.orders import kpi_counters
from storefront.orders.models import Order, OrderCredit, OrderEvent, StockHold
from storefront.payments.fake import FakeGateway
from tests.checkout.conftest import cart_with, checkout, fake_payments, levels
from tests.checkout.test_credit_checkout import PRICE, apply, balance, issue, kinds
from tests.commerce import courier, open_shop
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient
WEBHOOK_SECRET = "whsec_fake_paid_at_placing"

module_fake, fake_app, fake, client = fake_payments("paid-at-placing", WEBHOOK_SECRET)


async def _order(client: Client, secret_key: str, order_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/orders/{order_id}", headers=auth(secret_key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_the_answer_and_the_rows_are_those_of_placing_then_paying(
    client: Client, make_brand: MakeBrand, fake: FakeGateway
) -> None:
    shop = await open_shop(client, make_brand, shop_units=4)
    pickup = await cart_with(client, shop, shop.sku, 2)
    couriered = await cart_with(client, shop, shop.sku, 1, fulfilment=courier())
    for cart in (pickup, couriered):
        code = await issue(client, shop, 50_000)
        assert (await apply(client, shop, cart, code)).status_code == 201
        placed = await checkout(client, shop, cart)
        assert placed.status_code == 201, placed.text
        answer = placed.json()
        order = answer["order"]
        assert order == await _order(client, shop.brand.secret_key, order["id"])  # nothing differs once committed
        assert order["status"] == "paid" and {f["status"] for f in order["fulfilments"]} == {"paid"}
        assert order["credit"]["amount"] == order["total"]["amount"] and order["paid"]["amount"] == 0
        assert (answer["payment"]["status"], answer["payment"]["intent_id"]) == ("not_required", None)
        assert answer["status_token"]
        assert await kinds(client, shop, code) == [
            ("issue", 50_000, 0),
            ("hold", -order["total"]["amount"], order["total"]["amount"]),
            ("redeem", 0, -order["total"]["amount"]),
        ]
        history = await OrderEvent.filter(order_id=order["id"]).order_by("created_at", "id")
        assert [(e.from_status, e.to_status, e.source) for e in history] == [
            ("", "pending_payment", "checkout"),
            ("pending_payment", "paid", "checkout"),
        ]
        stored = await Order.get(id=order["id"])
        assert stored.paid_at is not None and stored.credit_minor == order["total"]["amount"]
        assert {h.status for h in await StockHold.filter(order_id=order["id"])} == {"sold"}
        assert {c.status for c in await OrderCredit.filter(order_id=order["id"])} == {"redeemed"}
        again = await checkout(client, shop, cart)  # a retry answers the same order and moves nothing again
        assert again.status_code == 201 and again.json()["order"] == order
        assert await balance(client, shop, code) == (50_000 - order["total"]["amount"], 0)
    assert fake.calls == []
    assert await levels(client, shop, shop.sku) == {"market-street": (1, 0)}
    movements = await client.get(
        "/v1/stock/movements", params={"sku": shop.sku, "limit": 100}, headers=auth(shop.brand.secret_key)
    )
    moved = Counter(m["kind"] for m in movements.json()["data"])
    assert (moved["reserve"], moved["sell"], moved["release"]) == (2, 2, 0)
    brand_id = shop.brand.brand.id
    assert await kpi_counters.read(brand_id) == await kpi_counters.recompute(brand_id)


async def test_credit_short_of_the_total_leaves_the_order_to_the_card(
    client: Client, make_brand: MakeBrand, fake: FakeGateway
) -> None:
    """Nothing is paid at placing while anything is due: the holds wait for the card, as before."""
    shop = await open_shop(client, make_brand, shop_units=2)
    cart = await cart_with(client, shop, shop.sku, 1)
    code = await issue(client, shop, 4_000)
    assert (await apply(client, shop, cart, code)).status_code == 201
    placed = await checkout(client, shop, cart)
    assert placed.status_code == 201, placed.text
    order = placed.json()["order"]
    assert (order["status"], order["credit"]["amount"]) == ("pending_payment", 4_000)
    assert placed.json()["payment"]["amount"]["amount"] == PRICE - 4_000
    assert {h.status for h in await StockHold.filter(order_id=order["id"])} == {"held"}
    assert {c.status for c in await OrderCredit.filter(order_id=order["id"])} == {"held"}
    assert await balance(client, shop, code) == (0, 4_000)
    assert (await Order.get(id=order["id"])).credit_minor == 4_000

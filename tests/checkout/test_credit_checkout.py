"""Store credit at checkout: apply a code to a cart, hold it at checkout, redeem or release it, refund onto it.

The in-memory FakeGateway (its own id namespace) records every call, so "an order paid wholly by
credit never touches the payment provider" is asserted as an empty call list; split tender runs
the real Stripe SDK against localstripe in :func:`test_split_tender_through_localstripe`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from storefront.orders.models import Order
from storefront.orders.reconciliation import reconcile
from storefront.payments.fake import FakeGateway
from tests.checkout.conftest import cart_with, checkout, confirm, fake_payments, levels
from tests.commerce import Shop, open_shop
from tests.conftest import MakeBrand, auth
from tests.fulfilment.test_quote_http import assert_problem

Client = httpx.AsyncClient
WEBHOOK_SECRET = "whsec_fake_credit_tests"
PRICE = 12_500  # the shop's first SKU, collected at Market Street (no fee)


module_fake, fake_app, fake, client = fake_payments("credit", WEBHOOK_SECRET)


async def issue(client: Client, shop: Shop, amount: int, **extra: Any) -> str:
    body = {"amount": {"amount": amount, "currency": "GBP"}, "reason": "goodwill", **extra}
    response = await client.post("/v1/credits", json=body, headers=auth(shop.brand.secret_key))
    assert response.status_code == 201, response.text
    return response.json()["code"]  # type: ignore[no-any-return]


async def apply(client: Client, shop: Shop, cart: str, code: str) -> httpx.Response:
    return await client.post(f"/v1/carts/{cart}/credits", json={"code": code}, headers=auth(shop.brand.publishable_key))


async def balance(client: Client, shop: Shop, code: str) -> tuple[int, int]:
    response = await client.get(f"/v1/credits/{code}", headers=auth(shop.brand.publishable_key))
    assert response.status_code == 200, response.text
    body = response.json()
    return body["balance"]["amount"], body["held"]["amount"]


async def kinds(client: Client, shop: Shop, code: str) -> list[tuple[str, int, int]]:
    response = await client.get(f"/v1/credits/{code}/entries", headers=auth(shop.brand.secret_key))
    assert response.status_code == 200, response.text
    return [(e["kind"], e["amount"]["amount"], e["held"]["amount"]) for e in response.json()["data"]]


async def return_all(client: Client, shop: Shop, order: dict[str, Any], **extra: Any) -> dict[str, Any]:
    line = order["lines"][0]
    body = {
        "lines": [
            {"line": line["id"], "quantity": line["quantity"], "reason": "changed_mind", "condition": "resaleable"}
        ],
        **extra,
    }
    response = await client.post(f"/v1/orders/{order['id']}/returns", json=body, headers=auth(shop.brand.secret_key))
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()  # type: ignore[no-any-return]


async def test_a_credit_applies_up_to_what_is_due_and_comes_off_again(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, shop_units=3)
    cart = await cart_with(client, shop, shop.sku, 1)
    small, large = await issue(client, shop, 5_000), await issue(client, shop, 20_000)
    first = await apply(client, shop, cart, small)
    assert first.status_code == 201, first.text
    assert first.headers["cache-control"] == "no-store"
    body = first.json()
    assert (body["totals"]["credit"]["amount"], body["totals"]["due"]["amount"]) == (5_000, PRICE - 5_000)
    [applied] = body["credits"]
    assert (applied["applies"]["amount"], applied["balance"]["amount"]) == (5_000, 5_000)
    assert applied["hint"] == small.replace("-", "")[-4:]
    body = (await apply(client, shop, cart, large)).json()
    assert [c["applies"]["amount"] for c in body["credits"]] == [5_000, PRICE - 5_000]  # in the order applied
    assert body["totals"]["due"]["amount"] == 0
    again = await apply(client, shop, cart, small.lower())  # the same code again, typed in lower case
    assert again.status_code == 201 and len(again.json()["credits"]) == 2
    by_id = await client.delete(f"/v1/carts/{cart}/credits/{applied['id']}", headers=auth(shop.brand.publishable_key))
    assert by_id.status_code == 200, by_id.text
    assert [c["applies"]["amount"] for c in by_id.json()["credits"]] == [PRICE]
    by_code = await client.delete(f"/v1/carts/{cart}/credits/{large}", headers=auth(shop.brand.publishable_key))
    assert by_code.status_code == 200 and by_code.json()["credits"] == []
    assert_problem(
        await client.delete(f"/v1/carts/{cart}/credits/{large}", headers=auth(shop.brand.publishable_key)),
        404,
        "not_found",
    )
    assert await balance(client, shop, large) == (20_000, 0)  # applying holds nothing


async def test_a_code_that_cannot_apply_says_why(client: Client, make_brand: MakeBrand) -> None:
    shop, other = await open_shop(client, make_brand, shop_units=1), await open_shop(client, make_brand, shop_units=1)
    cart = await cart_with(client, shop, shop.sku, 1)
    code = await issue(client, shop, 1_000)
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    problem = assert_problem(await apply(client, shop, cart, typo), 422, "credit_code_invalid")
    assert problem["errors"][0]["field"] == "body.code"
    assert_problem(await apply(client, shop, cart, await issue(client, other, 1_000)), 404, "not_found")
    assert_problem(await apply(client, other, cart, code), 404, "not_found")  # another brand's cart
    assert_problem(await apply(client, shop, cart, ""), 422, "invalid_input")
    emptied = await issue(client, shop, 500)
    spender = await cart_with(client, shop, shop.sku, 1)
    assert (await apply(client, shop, spender, emptied)).status_code == 201
    assert (await checkout(client, shop, spender)).status_code == 201  # holds the whole 500
    assert_problem(await apply(client, shop, cart, emptied), 409, "credit_spent")


async def test_an_order_paid_wholly_by_credit_never_touches_the_provider(
    client: Client, make_brand: MakeBrand, fake: FakeGateway
) -> None:
    shop = await open_shop(client, make_brand, shop_units=3)
    cart = await cart_with(client, shop, shop.sku, 2)
    code = await issue(client, shop, 30_000)
    assert (await apply(client, shop, cart, code)).status_code == 201
    placed = await checkout(client, shop, cart)
    assert placed.status_code == 201, placed.text
    order, payment = placed.json()["order"], placed.json()["payment"]
    assert (order["status"], order["credit"]["amount"], order["paid"]["amount"]) == ("paid", 2 * PRICE, 0)
    assert (payment["status"], payment["amount"]["amount"], payment["intent_id"]) == ("not_required", 0, None)
    assert fake.calls == []
    assert await balance(client, shop, code) == (30_000 - 2 * PRICE, 0)
    assert await kinds(client, shop, code) == [
        ("issue", 30_000, 0),
        ("hold", -2 * PRICE, 2 * PRICE),
        ("redeem", 0, -2 * PRICE),
    ]
    assert await levels(client, shop, shop.sku) == {"market-street": (1, 0)}
    again = await checkout(client, shop, cart)  # a retried checkout answers the same order and spends nothing more
    assert again.json()["order"]["id"] == order["id"]
    assert await balance(client, shop, code) == (30_000 - 2 * PRICE, 0)
    refunded = await return_all(client, shop, order)  # a credit-paid order refunds onto its credit, at once
    assert (refunded["status"], refunded["to_credit"]["amount"], refunded["store_credit"]) == (
        "completed",
        2 * PRICE,
        None,
    )
    assert fake.calls == []
    assert await balance(client, shop, code) == (30_000, 0)


async def test_split_tender_charges_the_card_for_the_rest_and_an_expiry_gives_the_credit_back(
    client: Client, make_brand: MakeBrand, fake: FakeGateway
) -> None:
    shop = await open_shop(client, make_brand, shop_units=3)
    cart = await cart_with(client, shop, shop.sku, 1)
    code = await issue(client, shop, 4_000)
    await apply(client, shop, cart, code)
    placed = await checkout(client, shop, cart)
    assert placed.status_code == 201, placed.text
    order_id, payment = placed.json()["order"]["id"], placed.json()["payment"]
    assert payment["amount"]["amount"] == PRICE - 4_000
    assert fake.calls == [("create_payment_intent", f"order-{order_id}-intent")]
    assert await balance(client, shop, code) == (0, 4_000)  # held, not spent
    order = await Order.get(id=order_id)
    await reconcile(fake, now=order.hold_expires_at + timedelta(seconds=1))
    assert (await Order.get(id=order_id)).status == "cancelled"
    assert await balance(client, shop, code) == (4_000, 0)
    assert [k for k, _, _ in await kinds(client, shop, code)] == ["issue", "hold", "release"]


async def test_a_credit_spent_elsewhere_after_it_was_applied_pays_what_it_has_left(
    client: Client, make_brand: MakeBrand, fake: FakeGateway
) -> None:
    shop = await open_shop(client, make_brand, shop_units=3)
    code = await issue(client, shop, PRICE + 2_000)
    first, second = await cart_with(client, shop, shop.sku, 1), await cart_with(client, shop, shop.sku, 1)
    for cart in (first, second):
        assert (await apply(client, shop, cart, code)).json()["totals"]["due"]["amount"] == 0
    assert (await checkout(client, shop, first)).json()["order"]["status"] == "paid"
    placed = await checkout(client, shop, second)
    assert placed.json()["order"]["credit"]["amount"] == 2_000
    assert placed.json()["payment"]["amount"]["amount"] == PRICE - 2_000
    assert await balance(client, shop, code) == (0, 2_000)


async def test_a_partial_return_splits_between_credit_and_card_and_store_credit_is_the_shoppers_choice(
    client: Client, make_brand: MakeBrand, fake: FakeGateway
) -> None:
    shop = await open_shop(client, make_brand, shop_units=5)
    cart = await cart_with(client, shop, shop.sku, 3)  # 37,500: credit 10,001, card 27,499
    code = await issue(client, shop, 10_001)
    await apply(client, shop, cart, code)
    placed = (await checkout(client, shop, cart)).json()
    fake.succeed(placed["payment"]["intent_id"])
    order = (await confirm(client, shop, cart, None)).json()["order"]
    assert (order["status"], order["paid"]["amount"], order["credit"]["amount"]) == ("paid", 3 * PRICE - 10_001, 10_001)
    line = order["lines"][0]
    refunds = []
    for refund_to in ("original", "store_credit", "original"):
        body = {
            "lines": [{"line": line["id"], "quantity": 1, "reason": "changed_mind", "condition": "resaleable"}],
            "refund_to": refund_to,
        }
        response = await client.post(
            f"/v1/orders/{order['id']}/returns", json=body, headers=auth(shop.brand.secret_key)
        )
        assert response.status_code == 201, response.text
        refunds.append(response.json())
    assert [r["refund"]["amount"] for r in refunds] == [PRICE] * 3
    credit_parts = [
        r["to_credit"]["amount"] - (r["store_credit"]["amount"]["amount"] if r["store_credit"] else 0) for r in refunds
    ]
    assert sum(credit_parts) == 10_001  # every unit back: the credit gets back exactly what it paid
    assert all(abs(part - 10_001 / 3) < 1 for part in credit_parts)  # each return in proportion
    chosen = refunds[1]["store_credit"]
    assert chosen["code"] and chosen["amount"]["amount"] == PRICE - credit_parts[1]
    assert await balance(client, shop, chosen["code"]) == (chosen["amount"]["amount"], 0)
    assert await balance(client, shop, code) == (10_001, 0)
    card_refunds = [c for c in fake.calls if c[0] == "create_refund"]
    assert len(card_refunds) == 2  # the store-credit return sent nothing back to the card
    final = await client.get(f"/v1/orders/{order['id']}", headers=auth(shop.brand.secret_key))
    assert final.json()["refunded"]["amount"] == 3 * PRICE


async def test_split_tender_through_localstripe(shop_client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(shop_client, make_brand, shop_units=2)
    cart = await cart_with(shop_client, shop, shop.sku, 1)
    code = await issue(shop_client, shop, 2_500)
    await apply(shop_client, shop, cart, code)
    placed = await checkout(shop_client, shop, cart)
    assert placed.json()["payment"]["amount"]["amount"] == PRICE - 2_500
    paid = await confirm(shop_client, shop, cart)
    assert paid.status_code == 200, paid.text
    order = paid.json()["order"]
    assert (order["status"], order["paid"]["amount"], order["credit"]["amount"]) == ("paid", PRICE - 2_500, 2_500)
    assert await balance(shop_client, shop, code) == (0, 0)
    refunded = await return_all(shop_client, shop, order)
    assert refunded["status"] == "completed" and refunded["refund_id"]
    assert refunded["to_credit"]["amount"] == 2_500
    assert await balance(shop_client, shop, code) == (2_500, 0)

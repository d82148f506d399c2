"""Checkout orchestration and the payment state machine against the in-memory FakeGateway: no Stripe server.

One fake (one in-memory Stripe account) serves the whole module: its ids are deterministic
(``pi_fake_0001``, ``evt_fake_0001``) and the orders and webhook events they are stored against
live in the session's shared database, where both are unique; a fresh fake per test would reuse
them. Each test starts with an empty ``fake.calls`` so it can assert exactly what reached the provider.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from storefront.clock import utcnow
from storefront.orders.models import Order
from storefront.orders.payment import apply_signal
from storefront.orders.reconciliation import reconcile
from storefront.payments.fake import FakeGateway
from storefront.payments.gateway import PaymentIntentView
from tests.checkout.conftest import cart_with, checkout, confirm, fake_payments, levels
from tests.commerce import Shop, open_shop
from tests.conftest import MakeBrand
from tests.fulfilment.test_quote_http import assert_problem

Client = httpx.AsyncClient
WEBHOOK_SECRET = "whsec_fake_checkout_tests"


module_fake, fake_app, fake, client = fake_payments("fake", WEBHOOK_SECRET)


async def placed(client: Client, make_brand: MakeBrand, units: int, quantity: int = 1) -> tuple[Shop, str, str, str]:
    """A shop with ``units`` at Market Street and a checked-out cart: (shop, cart, order id, intent id)."""
    shop = await open_shop(client, make_brand, shop_units=units)
    cart = await cart_with(client, shop, shop.sku, quantity)
    response = await checkout(client, shop, cart)
    assert response.status_code == 201, response.text
    body = response.json()
    return shop, cart, body["order"]["id"], body["payment"]["intent_id"]


async def deliver(client: Client, fake: FakeGateway, body: bytes) -> str:
    response = await client.post("/v1/webhooks/stripe", content=body, headers={"Stripe-Signature": fake.sign(body)})
    assert response.status_code == 200, response.text
    return response.json()["outcome"]  # type: ignore[no-any-return]


async def test_checkout_creates_one_intent_keyed_by_the_order(
    client: Client, make_brand: MakeBrand, fake: FakeGateway
) -> None:
    shop = await open_shop(client, make_brand, shop_units=3)
    cart = await cart_with(client, shop, shop.sku, 2)
    first = await checkout(client, shop, cart)
    assert first.status_code == 201, first.text
    order_id, payment = first.json()["order"]["id"], first.json()["payment"]
    assert payment["intent_id"].startswith("pi_fake_")
    assert payment["client_secret"] == f"{payment['intent_id']}_secret"
    assert payment["amount"] == {"amount": 25_000, "currency": "GBP"}
    again = await checkout(client, shop, cart)
    assert again.status_code == 201, again.text
    assert (again.json()["order"]["id"], again.json()["payment"]["intent_id"]) == (order_id, payment["intent_id"])
    assert fake.calls == [("create_payment_intent", f"order-{order_id}-intent")]
    assert await levels(client, shop, shop.sku) == {"market-street": (3, 2)}  # held once


async def test_an_outage_at_checkout_keeps_the_hold_and_a_retry_finishes(
    client: Client, make_brand: MakeBrand, fake: FakeGateway
) -> None:
    shop = await open_shop(client, make_brand, shop_units=1)
    cart = await cart_with(client, shop, shop.sku, 1)
    fake.fail_next()
    assert_problem(await checkout(client, shop, cart), 503, "payments_unavailable")
    order = await Order.get(cart_id=cart)
    assert (order.status, order.payment_intent) == ("pending_payment", None)
    assert await levels(client, shop, shop.sku) == {"market-street": (1, 1)}
    retried = await checkout(client, shop, cart)
    assert retried.status_code == 201, retried.text
    assert retried.json()["order"]["id"] == str(order.id)
    intent = retried.json()["payment"]["intent_id"]
    assert (await Order.get(id=order.id)).payment_intent == intent
    assert fake.calls == [("create_payment_intent", f"order-{order.id}-intent")] * 2  # the same key, one intent
    assert await levels(client, shop, shop.sku) == {"market-street": (1, 1)}


async def test_the_browser_returns_after_paying(client: Client, make_brand: MakeBrand, fake: FakeGateway) -> None:
    shop, cart, order_id, intent = await placed(client, make_brand, units=3, quantity=2)
    fake.succeed(intent)
    response = await confirm(client, shop, cart, None)
    assert response.status_code == 200, response.text
    order = response.json()["order"]
    assert (order["status"], order["paid"]["amount"]) == ("paid", 25_000)
    assert response.json()["payment"]["status"] == "succeeded"
    assert await levels(client, shop, shop.sku) == {"market-street": (1, 0)}
    assert fake.calls == [("create_payment_intent", f"order-{order_id}-intent"), ("retrieve_payment_intent", None)]


async def test_a_signed_webhook_pays_once_and_its_replay_changes_nothing(
    client: Client, make_brand: MakeBrand, fake: FakeGateway
) -> None:
    shop, _, order_id, intent = await placed(client, make_brand, units=3)
    fake.succeed(intent)
    body = fake.event_for(intent, "payment_intent.succeeded")
    assert [await deliver(client, fake, body) for _ in range(2)] == ["commit_holds", "replay"]
    assert (await Order.get(id=order_id)).status == "paid"
    assert await levels(client, shop, shop.sku) == {"market-street": (2, 0)}
    unsigned = await client.post("/v1/webhooks/stripe", content=body, headers={"Stripe-Signature": "v1=forged"})
    assert_problem(unsigned, 400, "webhook_signature_invalid")


async def test_an_expired_hold_is_cancelled_at_the_provider_before_stock_is_released(
    client: Client, make_brand: MakeBrand, fake: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, _, order_id, intent = await placed(client, make_brand, units=2, quantity=2)
    seen: list[dict[str, tuple[int, int]]] = []  # Market Street's stock when the provider is asked to cancel
    real_cancel = fake.cancel_payment_intent

    async def cancel(intent_id: str, *, idempotency_key: str) -> PaymentIntentView:
        if intent_id == intent:
            seen.append(await levels(client, shop, shop.sku))
        return await real_cancel(intent_id, idempotency_key=idempotency_key)

    monkeypatch.setattr(fake, "cancel_payment_intent", cancel)
    report = await reconcile(fake, now=utcnow() + timedelta(hours=1))
    assert report.cancelled >= 1
    assert ("cancel_payment_intent", f"order-{order_id}-cancel") in fake.calls
    assert seen == [{"market-street": (2, 2)}]  # still held when the provider cancelled
    order = await Order.get(id=order_id)
    assert (order.status, order.cancel_reason) == ("cancelled", "payment_canceled")
    assert (await fake.retrieve_payment_intent(intent)).status == "canceled"
    assert await levels(client, shop, shop.sku) == {"market-street": (2, 0)}  # back on sale


async def test_a_payment_landing_after_cancellation_is_refunded(
    client: Client, make_brand: MakeBrand, fake: FakeGateway
) -> None:
    shop, _, order_id, intent = await placed(client, make_brand, units=1)
    await apply_signal(uuid.UUID(order_id), "expired", source="test", gateway=None, now=utcnow())  # intent untouched
    fake.succeed(intent)
    assert await deliver(client, fake, fake.event_for(intent, "payment_intent.succeeded")) == "refund_late_payment"
    assert fake.calls[-1] == ("create_refund", f"order-{order_id}-late-refund")
    order = await Order.get(id=order_id)
    assert (order.status, order.paid_minor, order.refunded_minor) == ("cancelled", 12_500, 12_500)
    assert await levels(client, shop, shop.sku) == {"market-street": (1, 0)}
    assert await deliver(client, fake, fake.event_for(intent, "charge.refunded")) == "already recorded"


async def test_a_decline_is_recorded_once_and_the_shopper_may_retry(
    client: Client, make_brand: MakeBrand, fake: FakeGateway
) -> None:
    shop, cart, order_id, _ = await placed(client, make_brand, units=1)
    declined = (await confirm(client, shop, cart, "pm_card_chargeCustomerFail")).json()["order"]
    assert (declined["status"], declined["payment_failures"]) == ("pending_payment", 1)
    assert declined["last_payment_error"].startswith("card_declined")
    again = (await confirm(client, shop, cart, None)).json()["order"]  # the same decline heard again counts once
    assert (again["status"], again["payment_failures"]) == ("pending_payment", 1)
    assert await levels(client, shop, shop.sku) == {"market-street": (1, 1)}
    paid = (await confirm(client, shop, cart, "pm_card_visa")).json()["order"]  # localstripe cannot do this retry
    assert (paid["status"], paid["payment_failures"]) == ("paid", 1)
    assert [key for method, key in fake.calls if method == "confirm_payment_intent"] == [
        f"order-{order_id}-confirm-0",
        f"order-{order_id}-confirm-1",
    ]
    assert await levels(client, shop, shop.sku) == {"market-street": (0, 0)}

"""Signed payment news is bounded by the order it names: malformed events are a 400, refunds never exceed paid.

The app runs on the in-memory FakeGateway (one per module: its ids are unique in the shared
database), and each event is signed with it, so what is tested is the webhook route as Stripe
reaches it: ``POST /v1/webhooks/stripe`` with a body and a ``Stripe-Signature``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest
import pytest_asyncio
from litestar import Litestar

from components.plugin import ComponentsPlugin
from storefront.app import create_app
from storefront.orders.models import Order, OrderEvent
from storefront.payments.fake import FakeGateway
from storefront.settings import Secret, Settings
from tests.checkout.conftest import cart_with, checkout
from tests.commerce import open_shop
from tests.conftest import MakeBrand
from tests.fulfilment.test_quote_http import assert_problem
from tests.payments.test_webhook_shapes import MALFORMED
from tests.stripe_server import event_body

Client = httpx.AsyncClient
WEBHOOK_SECRET = "whsec_fake_webhook_bounds"


@pytest.fixture(scope="module")
def fake() -> FakeGateway:
    return FakeGateway(webhook_secret=WEBHOOK_SECRET, namespace="bounds")


@pytest.fixture(scope="module")
def fake_app(database: Settings, fake: FakeGateway) -> Litestar:
    settings = msgspec.structs.replace(
        database,
        stripe_secret_key=Secret("sk_test_fake_gateway"),
        stripe_publishable_key="pk_test_fake_gateway",
        stripe_webhook_secret=Secret(WEBHOOK_SECRET),
    )
    return create_app(settings, plugins=[ComponentsPlugin()], manage_database=False, gateway=fake)


@pytest_asyncio.fixture
async def client(fake_app: Litestar) -> AsyncIterator[Client]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake_app), base_url="http://testserver") as http:
        yield http


async def post(client: Client, fake: FakeGateway, body: bytes) -> httpx.Response:
    return await client.post("/v1/webhooks/stripe", content=body, headers={"Stripe-Signature": fake.sign(body)})


async def placed(client: Client, make_brand: MakeBrand) -> tuple[str, str]:
    """A checked-out order of one 12,500 bag, not yet paid: (order id, intent id)."""
    shop = await open_shop(client, make_brand, shop_units=2)
    cart = await cart_with(client, shop, shop.sku, 1)
    response = await checkout(client, shop, cart)
    assert response.status_code == 201, response.text
    return response.json()["order"]["id"], response.json()["payment"]["intent_id"]


def refund_of(intent: str, amount_refunded: int, *, currency: str = "gbp", event_id: str | None = None) -> bytes:
    """A ``charge.refunded`` as Stripe sends one after a refund in its dashboard."""
    obj: dict[str, Any] = {"id": "ch_" + intent, "object": "charge", "payment_intent": intent, "currency": currency}
    obj |= {"amount": 12_500, "amount_refunded": amount_refunded}
    return event_body("charge.refunded", obj, event_id=event_id)


async def test_every_signed_malformed_event_is_a_400_problem(client: Client, fake: FakeGateway) -> None:
    for name, body in MALFORMED.items():
        response = await post(client, fake, body)
        assert response.status_code == 400, (name, response.text)
        assert_problem(response, 400, "webhook_event_invalid")


async def test_a_trillion_refunded_is_refused_and_changes_nothing(
    client: Client, fake: FakeGateway, make_brand: MakeBrand, caplog: pytest.LogCaptureFixture
) -> None:
    order_id, intent = await placed(client, make_brand)
    fake.succeed(intent)
    paid = await post(client, fake, fake.event_for(intent, "payment_intent.succeeded"))
    assert paid.json()["outcome"] == "commit_holds"

    obj = {"id": "ch_big", "object": "charge", "payment_intent": intent, "currency": "gbp", "amount_refunded": 10**12}
    with caplog.at_level(logging.WARNING, logger="stallkit.payments"):
        response = await post(client, fake, event_body("charge.refunded", obj))
    problem = assert_problem(response, 400, "webhook_event_invalid")
    assert "12500" in problem["detail"]
    assert len([r for r in caplog.records if r.name == "stallkit.payments"]) == 1
    order = await Order.get(id=order_id)
    assert (order.paid_minor, order.refunded_minor) == (12_500, 0)

    foreign = assert_problem(
        await post(client, fake, refund_of(intent, 500, currency="eur")), 400, "webhook_event_invalid"
    )
    assert "EUR" in foreign["detail"] and "GBP" in foreign["detail"]
    assert (await Order.get(id=order_id)).refunded_minor == 0

    whole = await post(client, fake, refund_of(intent, 12_500))
    assert whole.status_code == 200, whole.text
    assert whole.json()["outcome"] == "refund recorded"
    assert (await Order.get(id=order_id)).refunded_minor == 12_500
    events = await OrderEvent.filter(order_id=order_id, detail__contains="at Stripe").values_list("detail", flat=True)
    assert events == ["refunded 12500 at Stripe"]


async def test_a_refund_heard_before_its_payment_lands_when_stripe_retries(
    client: Client, fake: FakeGateway, make_brand: MakeBrand
) -> None:
    order_id, intent = await placed(client, make_brand)
    early = refund_of(intent, 2_000, event_id="evt_bounds_early_refund")
    assert_problem(await post(client, fake, early), 400, "webhook_event_invalid")  # nothing paid yet
    assert (await Order.get(id=order_id)).refunded_minor == 0

    fake.succeed(intent)
    await post(client, fake, fake.event_for(intent, "payment_intent.succeeded"))
    retried = await post(client, fake, early)  # Stripe retries the same delivery
    assert retried.status_code == 200, retried.text
    assert retried.json()["outcome"] == "refund recorded"
    order = await Order.get(id=order_id)
    assert (order.status, order.paid_minor, order.refunded_minor) == ("paid", 12_500, 2_000)
    assert (await post(client, fake, early)).json()["outcome"] == "replay"


async def test_a_payment_for_another_amount_is_flagged_not_paid(
    client: Client, fake: FakeGateway, make_brand: MakeBrand
) -> None:
    """Within int64 and well-formed, but not what the order is due: the state machine flags it."""
    order_id, intent = await placed(client, make_brand)
    fake.succeed(intent)
    body = json.loads(fake.event_for(intent, "payment_intent.succeeded"))
    body["data"]["object"] |= {"amount": 99_999_999, "amount_received": 99_999_999}
    response = await post(client, fake, json.dumps(body).encode())
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "flag_amount"
    order = await Order.get(id=order_id)
    assert (order.status, order.paid_minor) == ("pending_payment", 0)

"""Signed webhooks are read by shape: both adapters refuse the same malformed events the same way.

Pure (no Stripe server): the Stripe adapter checks signatures with the SDK and needs no network
for it, so each body is signed for each adapter and must give the same answer: a
``WebhookEventInvalid`` (400 problem) for a shape we cannot trust, never another exception.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storefront.api.problems import problem_for
from storefront.errors import MalformedRequest
from storefront.money import Money
from storefront.payments.events import INT64_MAX
from storefront.payments.fake import FakeGateway
from storefront.payments.gateway import PaymentGateway, PaymentNews, WebhookEventInvalid
from storefront.payments.stripe_gateway import StripeGateway
from storefront.settings import Secret, Settings
from tests.stripe_server import STRIPE_TEST_KEY, event_body, sign_webhook

SECRET = "whsec_shapes"

Deliver = Callable[[bytes], PaymentNews]


@pytest_asyncio.fixture(params=["fake", "stripe"])
async def deliver(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Deliver]:
    """Sign a body for one adapter, parse it and read its news: what the webhook route does."""
    if request.param == "fake":
        fake = FakeGateway(webhook_secret=SECRET)
        yield lambda body: fake.news_of(fake.parse_webhook(body, fake.sign(body)))
        return
    stripe = StripeGateway(
        msgspec.structs.replace(
            settings, stripe_secret_key=Secret(STRIPE_TEST_KEY), stripe_webhook_secret=Secret(SECRET)
        )
    )
    port: PaymentGateway = stripe
    yield lambda body: port.news_of(port.parse_webhook(body, sign_webhook(body, SECRET)))
    await stripe.close()


def intent(**fields: Any) -> dict[str, Any]:
    base = {"id": "pi_1", "object": "payment_intent", "amount": 2500, "currency": "gbp", "status": "succeeded"}
    return {k: v for k, v in (base | fields).items() if v is not ...}


def charge(**fields: Any) -> dict[str, Any]:
    base = {"id": "ch_1", "object": "charge", "payment_intent": "pi_1", "amount": 2500, "currency": "gbp"}
    return {k: v for k, v in (base | {"amount_refunded": 500} | fields).items() if v is not ...}


def envelope(**fields: Any) -> bytes:
    event = {"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "created": 1, "data": {}}
    event["data"] = {"object": intent()}
    return json.dumps({k: v for k, v in (event | fields).items() if v is not ...}).encode()


MALFORMED: dict[str, bytes] = {
    "an array": b"[]",
    "an array of events": json.dumps([json.loads(envelope())]).encode(),
    "a string": b'"evt_1"',
    "not JSON": b"{not json",
    "no data": envelope(data=...),
    "no data.object": envelope(data={}),
    "data.object an array": envelope(data={"object": []}),
    "no event id": envelope(id=...),
    "an event id with a newline": envelope(id="evt_1\n"),
    "an event id too long for its column": envelope(id="evt_" + "a" * 100),
    "a numeric event id": envelope(id=1),
    "a string created": envelope(created="1"),
    "a type too long for its column": envelope(type="payment_intent." + "x" * 60),
    "an object id that is not a string": envelope(data={"object": intent(id=7)}),
    "an intent without an amount": event_body("payment_intent.succeeded", intent(amount=...)),
    "an intent without a currency": event_body("payment_intent.succeeded", intent(currency=...)),
    "an intent without a status": event_body("payment_intent.succeeded", intent(status=...)),
    "a string amount": event_body("payment_intent.succeeded", intent(amount="2500")),
    "a float amount": event_body("payment_intent.succeeded", intent(amount=25.0)),
    "a boolean amount": event_body("payment_intent.succeeded", intent(amount=True)),
    "a negative amount": event_body("payment_intent.succeeded", intent(amount=-1)),
    "an amount past int64": event_body("payment_intent.succeeded", intent(amount=INT64_MAX + 1)),
    "an amount past int64 in our units": event_body(
        "payment_intent.succeeded", intent(amount=INT64_MAX // 10, currency="mga")
    ),
    "more received than charged": event_body("payment_intent.succeeded", intent(amount_received=2501)),
    "a currency that is no code": event_body("payment_intent.succeeded", intent(currency="pounds")),
    "non-string metadata": event_body("payment_intent.succeeded", intent(metadata={"order_id": 7})),
    "a charge id for an intent": event_body("payment_intent.succeeded", intent(latest_charge=["ch_1"])),
    "a refund without amount_refunded": event_body("charge.refunded", charge(amount_refunded=...)),
    "a refund without a currency": event_body("charge.refunded", charge(currency=...)),
    "a string refund": event_body("charge.refunded", charge(amount_refunded="500")),
    "a negative refund": event_body("charge.refunded", charge(amount_refunded=-500)),
    "a refund past int64": event_body("charge.refunded", charge(amount_refunded=10**30)),
    "a refund larger than its charge": event_body("charge.refunded", charge(amount_refunded=10**12)),
    "an intent id too long for its column": event_body("charge.refunded", charge(payment_intent="pi_" + "x" * 100)),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_signed_malformed_event_is_invalid_never_another_error(deliver: Deliver, body: bytes) -> None:
    with pytest.raises(WebhookEventInvalid) as caught:
        deliver(body)
    problem = problem_for(caught.value)
    assert (problem.status, problem.code) == (400, "webhook_event_invalid")
    assert isinstance(caught.value, MalformedRequest)


def test_a_refusal_is_logged_as_one_line(deliver: Deliver, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="stallkit.payments"), pytest.raises(WebhookEventInvalid):
        deliver(event_body("charge.refunded", charge(amount_refunded="500"), event_id="evt_logged"))
    lines = [r.getMessage() for r in caplog.records if r.name == "stallkit.payments"]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert "evt_logged" in lines[0] and "amount_refunded" in lines[0]


def test_well_formed_events_still_read(deliver: Deliver) -> None:
    paid = deliver(
        event_body(
            "payment_intent.succeeded",
            intent(latest_charge={"id": "ch_9", "object": "charge"}, metadata={"order_id": "o"}, customer=None),
        )
    )
    assert paid.intent is not None
    assert (paid.intent.amount, paid.intent.amount_received, paid.intent.currency) == (2500, 2500, "GBP")
    assert (paid.intent.latest_charge, paid.intent.metadata) == ("ch_9", {"order_id": "o"})

    refunded = deliver(event_body("charge.refunded", charge()))
    assert (refunded.refunded_intent, refunded.refunded) == ("pi_1", Money(amount=500, currency="GBP"))
    assert deliver(event_body("charge.refunded", charge(payment_intent=None))).refunded is None  # not a charge of ours
    other = deliver(event_body("customer.created", {"id": "cus_1", "anything": ["goes", 1, None]}))
    assert (other.intent, other.refunded) == (None, None)  # ignored types keep only the envelope check


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)
FIELDS = [
    "id",
    "amount",
    "currency",
    "status",
    "amount_received",
    "latest_charge",
    "metadata",
    "amount_refunded",
    "payment_intent",
    "last_payment_error",
    "customer",
    "payment_method",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    type=st.sampled_from(["payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded"]),
    base=st.sampled_from([intent(), charge()]),
    changes=st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=4),
)
def test_any_signed_object_is_read_or_refused_as_invalid(
    deliver: Deliver, type: str, base: dict[str, Any], changes: dict[str, Any]
) -> None:
    """Whatever a signed event's object holds, the answer is news or a 400: nothing else escapes."""
    try:
        news = deliver(event_body(type, base | changes))
    except WebhookEventInvalid:
        return
    amounts = [news.refunded.amount] if news.refunded else []
    if news.intent is not None:
        amounts += [news.intent.amount, news.intent.amount_received]
        assert news.intent.amount_received <= news.intent.amount
    assert all(0 <= amount <= INT64_MAX for amount in amounts)

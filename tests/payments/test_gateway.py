"""The Stripe gateway against the real SDK: localstripe for behaviour, a scripted server for failures.

localstripe answers like Stripe for the happy paths, declines, cancels, refunds and signed
webhooks. What it cannot be made to do (fail with 5xx, rate-limit, refuse a key, report the
idempotency key it was sent) comes from ``scripted_stripe``, a loopback server that answers
each request from a list and records what it got.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import msgspec
import pytest
import pytest_asyncio

from storefront.api.problems import problem_for
from storefront.errors import InvalidInput, MalformedRequest, PaymentDeclined, PaymentsUnavailable
from storefront.money import Money
from storefront.payments.stripe_gateway import (
    PaymentIntentNotFound,
    PaymentIntentView,
    StripeGateway,
    WebhookSignatureInvalid,
)
from storefront.settings import Secret, Settings
from tests.factories import gbp
from tests.stripe_server import STRIPE_TEST_KEY, WebhookReceiver, event_body, sign_webhook


@pytest_asyncio.fixture
async def gateway(stripe_settings: Settings) -> AsyncIterator[StripeGateway]:
    gw = StripeGateway(stripe_settings)
    yield gw
    await gw.close()


_keys = iter(range(10**9))


def key(label: str) -> str:
    """A fresh idempotency key (localstripe keeps state for the whole session)."""
    return f"test-{label}-{time.time_ns()}-{next(_keys)}"


async def paid_intent(gateway: StripeGateway) -> PaymentIntentView:
    intent = await gateway.create_payment_intent(amount=gbp(2500), order_id="ord_paid", idempotency_key=key("create"))
    return await gateway.confirm_payment_intent(
        intent.id, payment_method="pm_card_visa", idempotency_key=key("confirm")
    )


# --- PaymentIntents against localstripe -----------------------------------------------------------


async def test_create_confirm_retrieve(gateway: StripeGateway) -> None:
    created = await gateway.create_payment_intent(
        amount=gbp(2500), order_id="ord_1", idempotency_key=key("create"), metadata={"order_number": "SK-1001"}
    )
    assert created.id.startswith("pi_")
    assert created.status == "requires_payment_method"
    assert (created.amount, created.currency, created.amount_received) == (2500, "GBP", 0)
    assert created.client_secret and created.client_secret.startswith(created.id)
    assert created.metadata == {"order_id": "ord_1", "order_number": "SK-1001"}
    assert created.latest_charge is None and created.last_error is None

    paid = await gateway.confirm_payment_intent(created.id, payment_method="pm_card_visa", idempotency_key=key("c"))
    assert paid.status == "succeeded"
    assert (paid.amount, paid.amount_received, paid.currency) == (2500, 2500, "GBP")
    assert paid.latest_charge and paid.latest_charge.startswith("ch_")  # an id, though localstripe expands it
    assert paid.last_error is None

    again = await gateway.retrieve_payment_intent(created.id)
    assert again == paid


async def test_order_id_wins_over_caller_metadata(gateway: StripeGateway) -> None:
    intent = await gateway.create_payment_intent(
        amount=gbp(100), order_id="ord_real", idempotency_key=key("c"), metadata={"order_id": "ord_fake"}
    )
    assert intent.metadata["order_id"] == "ord_real"


async def test_confirming_a_paid_intent_again_changes_nothing(gateway: StripeGateway) -> None:
    paid = await paid_intent(gateway)
    again = await gateway.confirm_payment_intent(paid.id, payment_method="pm_card_visa", idempotency_key=key("c"))
    assert again == paid


async def test_a_declined_card_is_a_status_not_an_exception(gateway: StripeGateway) -> None:
    intent = await gateway.create_payment_intent(amount=gbp(1999), order_id="ord_d", idempotency_key=key("create"))
    declined = await gateway.confirm_payment_intent(
        intent.id, payment_method="pm_card_chargeCustomerFail", idempotency_key=key("confirm")
    )
    assert declined.status == "requires_payment_method"
    assert declined.last_error is not None and declined.last_error.startswith("card_declined")
    assert declined.amount_received == 0
    assert await gateway.retrieve_payment_intent(intent.id) == declined


async def test_zero_and_two_decimal_currencies_round_trip(gateway: StripeGateway) -> None:
    yen = await gateway.create_payment_intent(
        amount=Money(amount=1500, currency="JPY"), order_id="ord_jpy", idempotency_key=key("jpy")
    )
    assert (yen.amount, yen.currency) == (1500, "JPY")
    krona = await gateway.create_payment_intent(
        amount=Money(amount=5, currency="ISK"), order_id="ord_isk", idempotency_key=key("isk")
    )
    assert (krona.amount, krona.currency) == (5, "ISK")  # sent as 500: Stripe counts ISK in hundredths


async def test_an_amount_stripe_cannot_take_is_invalid_input(gateway: StripeGateway) -> None:
    with pytest.raises(InvalidInput, match="whole units of HUF"):
        await gateway.create_payment_intent(
            amount=Money(amount=150_050, currency="HUF"), order_id="ord_huf", idempotency_key=key("huf")
        )


async def test_localstripe_ignores_idempotency_keys(gateway: StripeGateway) -> None:
    """Documents the test server, not the gateway: real Stripe returns the first intent for a repeated key.

    The gateway does send the key (see ``test_every_write_carries_its_idempotency_key``). If
    this starts failing, localstripe learnt idempotency: assert equal ids instead.
    """
    same = key("same")
    first = await gateway.create_payment_intent(amount=gbp(700), order_id="ord_i", idempotency_key=same)
    second = await gateway.create_payment_intent(amount=gbp(700), order_id="ord_i", idempotency_key=same)
    assert first.id != second.id


async def test_retrieving_an_unknown_intent(gateway: StripeGateway) -> None:
    with pytest.raises(PaymentIntentNotFound) as caught:
        await gateway.retrieve_payment_intent("pi_doesnotexist0000")
    assert isinstance(caught.value, PaymentsUnavailable)
    assert problem_for(caught.value).status == 503


# --- cancel ---------------------------------------------------------------------------------------


async def test_cancel_then_cancel_again(gateway: StripeGateway) -> None:
    intent = await gateway.create_payment_intent(amount=gbp(1200), order_id="ord_c", idempotency_key=key("create"))
    canceled = await gateway.cancel_payment_intent(intent.id, idempotency_key=key("cancel"))
    assert canceled.status == "canceled"
    again = await gateway.cancel_payment_intent(intent.id, idempotency_key=key("cancel"))
    assert again.status == "canceled"


async def test_cancelling_a_paid_intent_reports_it_paid(gateway: StripeGateway) -> None:
    """The payment won the race with the hold: the caller learns it from the returned view."""
    paid = await paid_intent(gateway)
    after = await gateway.cancel_payment_intent(paid.id, idempotency_key=key("cancel"))
    assert after.status == "succeeded" and after.amount_received == 2500


async def test_cancel_after_a_decline(gateway: StripeGateway) -> None:
    intent = await gateway.create_payment_intent(amount=gbp(800), order_id="ord_cd", idempotency_key=key("create"))
    await gateway.confirm_payment_intent(
        intent.id, payment_method="pm_card_chargeCustomerFail", idempotency_key=key("confirm")
    )
    assert (await gateway.cancel_payment_intent(intent.id, idempotency_key=key("cancel"))).status == "canceled"


# --- refunds --------------------------------------------------------------------------------------


async def test_partial_refund(gateway: StripeGateway) -> None:
    paid = await paid_intent(gateway)
    refund = await gateway.create_refund(payment_intent=paid.id, amount=gbp(500), idempotency_key=key("refund"))
    assert refund.id.startswith("re_")
    assert (refund.status, refund.amount, refund.currency, refund.payment_intent) == ("succeeded", 500, "GBP", paid.id)


async def test_a_refund_in_another_currency_is_refused_before_stripe(gateway: StripeGateway) -> None:
    paid = await paid_intent(gateway)
    with pytest.raises(InvalidInput, match="refund is in EUR"):
        await gateway.create_refund(
            payment_intent=paid.id, amount=Money(amount=500, currency="EUR"), idempotency_key=key("r")
        )


async def test_refunding_an_unpaid_intent_is_refused_by_stripe(gateway: StripeGateway) -> None:
    intent = await gateway.create_payment_intent(amount=gbp(900), order_id="ord_r", idempotency_key=key("create"))
    await gateway.confirm_payment_intent(
        intent.id, payment_method="pm_card_chargeCustomerFail", idempotency_key=key("confirm")
    )
    with pytest.raises(PaymentsUnavailable, match="Cannot refund a failed payment"):
        await gateway.create_refund(payment_intent=intent.id, amount=gbp(900), idempotency_key=key("refund"))


# --- webhooks -------------------------------------------------------------------------------------


async def test_localstripe_webhook_verifies_and_parses(
    gateway: StripeGateway, stripe_webhooks: WebhookReceiver
) -> None:
    paid = await paid_intent(gateway)
    delivery = await stripe_webhooks.wait_for("payment_intent.succeeded", paid.id, timeout=10)
    assert delivery.signature and delivery.signature.startswith("t=")

    event = gateway.parse_webhook(delivery.body, delivery.signature)
    assert event.id == delivery.event_id and event.id.startswith("evt_")
    assert (event.type, event.object_id) == ("payment_intent.succeeded", paid.id)
    assert event.object["status"] == "succeeded"
    assert event.object["metadata"]["order_id"] == "ord_paid"
    assert isinstance(event.object["metadata"], dict)  # plain data, not SDK objects
    assert abs(event.created - time.time()) < 60


async def test_a_declined_payment_sends_payment_failed(
    gateway: StripeGateway, stripe_webhooks: WebhookReceiver
) -> None:
    intent = await gateway.create_payment_intent(amount=gbp(1999), order_id="ord_wf", idempotency_key=key("create"))
    await gateway.confirm_payment_intent(
        intent.id, payment_method="pm_card_chargeCustomerFail", idempotency_key=key("confirm")
    )
    delivery = await stripe_webhooks.wait_for("payment_intent.payment_failed", intent.id, timeout=10)
    event = gateway.parse_webhook(delivery.body, delivery.signature)
    assert event.object["last_payment_error"]["code"] == "card_declined"


async def test_tampered_and_unsigned_webhooks_are_refused(
    gateway: StripeGateway, stripe_webhooks: WebhookReceiver, stripe_settings: Settings
) -> None:
    paid = await paid_intent(gateway)
    delivery = await stripe_webhooks.wait_for("payment_intent.succeeded", paid.id, timeout=10)

    tampered = delivery.body.replace(b'"succeeded"', b'"canceled"', 1)
    assert tampered != delivery.body
    with pytest.raises(WebhookSignatureInvalid):
        gateway.parse_webhook(tampered, delivery.signature)
    for missing in (None, ""):
        with pytest.raises(WebhookSignatureInvalid, match="missing"):
            gateway.parse_webhook(delivery.body, missing)
    with pytest.raises(WebhookSignatureInvalid):
        gateway.parse_webhook(delivery.body, "garbage")

    other = StripeGateway(msgspec.structs.replace(stripe_settings, stripe_webhook_secret=Secret("whsec_other")))
    with pytest.raises(WebhookSignatureInvalid):
        other.parse_webhook(delivery.body, delivery.signature)

    problem = problem_for(WebhookSignatureInvalid("x"))
    assert (problem.status, problem.code) == (400, "webhook_signature_invalid")


async def test_hand_signed_events(gateway: StripeGateway, stripe_settings: Settings) -> None:
    """Events localstripe never sends (refunds) are signed by the tests with the same secret."""
    secret = stripe_settings.stripe_webhook_secret.reveal()
    body = event_body("charge.refunded", {"id": "ch_123", "object": "charge", "amount_refunded": 500})
    event = gateway.parse_webhook(body, sign_webhook(body, secret))
    assert (event.type, event.object_id, event.object["amount_refunded"]) == ("charge.refunded", "ch_123", 500)

    stale = sign_webhook(body, secret, timestamp=int(time.time()) - 3600)
    with pytest.raises(WebhookSignatureInvalid):
        gateway.parse_webhook(body, stale)

    not_json = b"{not json"
    with pytest.raises(MalformedRequest) as caught:
        gateway.parse_webhook(not_json, sign_webhook(not_json, secret))
    assert not isinstance(caught.value, WebhookSignatureInvalid)

    no_object = json.dumps({"id": "evt_1", "object": "event", "type": "x", "created": 1, "data": {}}).encode()
    with pytest.raises(MalformedRequest):
        gateway.parse_webhook(no_object, sign_webhook(no_object, secret))


async def test_without_a_webhook_secret_every_delivery_is_refused(stripe_settings: Settings) -> None:
    gw = StripeGateway(msgspec.structs.replace(stripe_settings, stripe_webhook_secret=Secret("")))
    body = event_body("charge.refunded", {"id": "ch_1"})
    with pytest.raises(PaymentsUnavailable, match="webhook secret"):
        gw.parse_webhook(body, sign_webhook(body, ""))


# --- payments off, Stripe down --------------------------------------------------------------------


async def test_a_gateway_without_a_key_refuses_everything(settings: Settings) -> None:
    gw = StripeGateway(msgspec.structs.replace(settings, stripe_secret_key=Secret("")))
    assert not gw.enabled
    calls = [
        gw.create_payment_intent(amount=gbp(100), order_id="o", idempotency_key="k"),
        gw.retrieve_payment_intent("pi_1"),
        gw.confirm_payment_intent("pi_1", payment_method="pm_card_visa", idempotency_key="k"),
        gw.cancel_payment_intent("pi_1", idempotency_key="k"),
        gw.create_refund(payment_intent="pi_1", amount=gbp(100), idempotency_key="k"),
    ]
    for call in calls:
        with pytest.raises(PaymentsUnavailable, match="payments are not configured"):
            await call
    with pytest.raises(PaymentsUnavailable, match="payments are not configured"):
        gw.parse_webhook(b"{}", "t=1,v1=00")
    await gw.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_stripe_unreachable_is_payments_unavailable_quickly(stripe_settings: Settings) -> None:
    gw = StripeGateway(msgspec.structs.replace(stripe_settings, stripe_api_base=f"http://127.0.0.1:{_closed_port()}"))
    started = time.monotonic()
    with pytest.raises(PaymentsUnavailable, match="cannot reach Stripe") as caught:
        await gw.create_payment_intent(amount=gbp(100), order_id="o", idempotency_key=key("down"))
    assert time.monotonic() - started < 1.0
    assert STRIPE_TEST_KEY not in str(caught.value)
    assert problem_for(caught.value).status == 503
    await gw.close()


async def test_close_is_safe_and_the_gateway_reopens(gateway: StripeGateway) -> None:
    await gateway.close()
    await gateway.close()
    intent = await gateway.create_payment_intent(amount=gbp(300), order_id="ord_o", idempotency_key=key("reopen"))
    assert intent.status == "requires_payment_method"


# --- a scripted Stripe: what it was sent, and how failures map ------------------------------------


@dataclass
class Scripted:
    """A loopback Stripe that answers from ``replies`` (status, JSON) in order and records requests."""

    base: str = ""
    replies: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str], dict[str, list[str]]]] = field(default_factory=list)


def _intent_json(**fields: Any) -> dict[str, Any]:
    intent: dict[str, Any] = {
        "id": "pi_scripted",
        "object": "payment_intent",
        "amount": 2500,
        "amount_received": 0,
        "currency": "gbp",
        "status": "requires_payment_method",
        "client_secret": "pi_scripted_secret_x",
        "latest_charge": None,
        "last_payment_error": None,
        "metadata": {},
        "payment_method": None,
    }
    return intent | fields


@pytest.fixture
def scripted_stripe() -> Iterator[Scripted]:
    scripted = Scripted()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            scripted.requests.append((self.command, self.path, dict(self.headers.items()), form))
            status, body = scripted.replies.pop(0) if scripted.replies else (500, {"error": {"message": "no reply"}})
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.send_header("Request-Id", "req_scripted")
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    scripted.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield scripted
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest_asyncio.fixture
async def scripted_gateway(scripted_stripe: Scripted, settings: Settings) -> AsyncIterator[StripeGateway]:
    """Needs no localstripe, so these run (and guard the error mapping) wherever the suite does."""
    configured = msgspec.structs.replace(
        settings, stripe_secret_key=Secret(STRIPE_TEST_KEY), stripe_api_base=scripted_stripe.base
    )
    gw = StripeGateway(configured)
    yield gw
    await gw.close()


async def test_every_write_carries_its_idempotency_key(
    scripted_stripe: Scripted, scripted_gateway: StripeGateway
) -> None:
    scripted_stripe.replies += [
        (200, _intent_json()),  # create
        (200, _intent_json()),  # confirm: retrieve
        (200, _intent_json(payment_method="pm_card_visa", status="requires_confirmation")),  # attach
        (200, _intent_json(status="succeeded", amount_received=2500, latest_charge="ch_1")),  # confirm
        (200, _intent_json(status="canceled")),  # cancel
        (200, _intent_json(status="succeeded", amount_received=2500)),  # refund: retrieve
        (200, {"id": "re_1", "object": "refund", "amount": 500, "currency": "gbp", "status": "succeeded"}),
    ]
    gw = scripted_gateway
    await gw.create_payment_intent(amount=gbp(2500), order_id="ord_k", idempotency_key="order-1-intent")
    paid = await gw.confirm_payment_intent("pi_scripted", payment_method="pm_card_visa", idempotency_key="order-1-c0")
    await gw.cancel_payment_intent("pi_scripted", idempotency_key="order-1-cancel")
    refund = await gw.create_refund(payment_intent="pi_scripted", amount=gbp(500), idempotency_key="return-1-refund")

    sent = [
        (method, path.split("?")[0], headers.get("Idempotency-Key"))
        for method, path, headers, _ in scripted_stripe.requests
    ]
    assert sent == [
        ("POST", "/v1/payment_intents", "order-1-intent"),
        ("GET", "/v1/payment_intents/pi_scripted", None),
        ("POST", "/v1/payment_intents/pi_scripted", "order-1-c0:attach"),
        ("POST", "/v1/payment_intents/pi_scripted/confirm", "order-1-c0:confirm"),
        ("POST", "/v1/payment_intents/pi_scripted/cancel", "order-1-cancel"),
        ("GET", "/v1/payment_intents/pi_scripted", None),
        ("POST", "/v1/refunds", "return-1-refund"),
    ]
    _, _, headers, form = scripted_stripe.requests[0]
    assert headers["Authorization"] == f"Bearer {STRIPE_TEST_KEY}"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form == {
        "amount": ["2500"],
        "currency": ["gbp"],
        "payment_method_types[0]": ["card"],
        "metadata[order_id]": ["ord_k"],
    }
    assert scripted_stripe.requests[2][3] == {"payment_method": ["pm_card_visa"]}
    assert scripted_stripe.requests[6][3] == {"payment_intent": ["pi_scripted"], "amount": ["500"]}
    assert paid.status == "succeeded" and paid.latest_charge == "ch_1"
    assert (refund.id, refund.amount, refund.currency, refund.payment_intent) == ("re_1", 500, "GBP", None)


async def test_isk_is_sent_in_hundredths(scripted_stripe: Scripted, scripted_gateway: StripeGateway) -> None:
    scripted_stripe.replies.append((200, _intent_json(amount=500, currency="isk")))
    intent = await scripted_gateway.create_payment_intent(
        amount=Money(amount=5, currency="ISK"), order_id="o", idempotency_key="k"
    )
    assert scripted_stripe.requests[0][3]["amount"] == ["500"]
    assert (intent.amount, intent.currency) == (5, "ISK")


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (500, {"type": "api_error", "message": "boom"}, "Stripe failed to create payment intent \\(HTTP 500\\)"),
        (503, {"type": "api_error", "message": "down"}, "HTTP 503"),
        (429, {"type": "invalid_request_error", "message": "slow down", "code": "rate_limit"}, "rate limiting"),
        (
            401,
            {"type": "invalid_request_error", "message": f"Invalid API Key provided: {STRIPE_TEST_KEY}"},
            "refused our API key",
        ),
        (403, {"type": "invalid_request_error", "message": "restricted key"}, "refused our API key"),
        (
            400,
            {"type": "invalid_request_error", "message": "Received unknown parameter: foo", "param": "foo"},
            "Stripe refused to create payment intent: Received unknown parameter: foo",
        ),
        (
            400,
            {"type": "idempotency_error", "message": "Keys for idempotent requests can only be used with the same"},
            "Keys for idempotent requests",
        ),
    ],
)
async def test_stripe_failures_are_payments_unavailable(
    scripted_stripe: Scripted, scripted_gateway: StripeGateway, status: int, error: dict[str, str], expected: str
) -> None:
    scripted_stripe.replies.append((status, {"error": error}))
    with pytest.raises(PaymentsUnavailable, match=expected) as caught:
        await scripted_gateway.create_payment_intent(amount=gbp(100), order_id="o", idempotency_key="k")
    assert STRIPE_TEST_KEY not in caught.value.detail
    assert not isinstance(caught.value, PaymentIntentNotFound)
    assert len(scripted_stripe.requests) == 1  # no retries: callers retry with the same key


async def test_a_decline_while_creating_is_payment_declined(
    scripted_stripe: Scripted, scripted_gateway: StripeGateway
) -> None:
    scripted_stripe.replies.append(
        (402, {"error": {"type": "card_error", "code": "card_declined", "message": "Your card was declined."}})
    )
    with pytest.raises(PaymentDeclined, match="Your card was declined") as caught:
        await scripted_gateway.create_payment_intent(amount=gbp(100), order_id="o", idempotency_key="k")
    assert problem_for(caught.value).status == 402


async def test_real_stripe_decline_fields(scripted_stripe: Scripted, scripted_gateway: StripeGateway) -> None:
    """Real Stripe adds a decline_code, and amount_received is always present."""
    error = {
        "code": "card_declined",
        "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds.",
    }
    scripted_stripe.replies.append((200, _intent_json(last_payment_error=error)))
    intent = await scripted_gateway.retrieve_payment_intent("pi_scripted")
    assert intent.last_error == "insufficient_funds: Your card has insufficient funds."


async def test_cancel_refused_while_still_cancelable_is_unavailable(
    scripted_stripe: Scripted, scripted_gateway: StripeGateway
) -> None:
    scripted_stripe.replies += [
        (400, {"error": {"type": "invalid_request_error", "message": "odd", "code": "parameter_unknown"}}),
        (200, _intent_json(status="requires_payment_method")),
    ]
    with pytest.raises(PaymentsUnavailable, match="Stripe refused to cancel payment intent: odd"):
        await scripted_gateway.cancel_payment_intent("pi_scripted", idempotency_key="k")

"""One contract for the payment port, run against both implementations.

``port`` is the in-memory :class:`FakeGateway` (pure, no fixtures) and the real
:class:`StripeGateway` against localstripe (through ``stripe_settings``: skipped without
localstripe, a failure under ``CI=true``), so code tested with the fake meets the same
behaviour in production. What only the fake can do (outages, call records, its webhook
signing) is tested after the contract, on the fake alone.
"""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import AsyncIterator
from itertools import count

import msgspec
import pytest
import pytest_asyncio

from storefront.errors import InvalidInput, MalformedRequest, PaymentDeclined, PaymentsUnavailable
from storefront.money import Money
from storefront.payments.fake import FakeGateway
from storefront.payments.gateway import (
    PaymentGateway,
    PaymentIntentNotFound,
    PaymentIntentView,
    RefundView,
    WebhookSignatureInvalid,
)
from storefront.payments.stripe_gateway import StripeGateway
from storefront.settings import Secret, Settings
from tests.factories import gbp
from tests.stripe_server import STRIPE_TEST_KEY, sign_webhook

_keys = count()


def key(label: str) -> str:
    """A fresh idempotency key (localstripe keeps its objects for the whole session)."""
    return f"contract-{label}-{time.time_ns()}-{next(_keys)}"


@pytest.fixture(params=["fake", "stripe"])
def implementation(request: pytest.FixtureRequest) -> PaymentGateway:
    """Asks for ``stripe_settings`` only for the Stripe run, so the fake's run never needs localstripe."""
    if request.param == "fake":
        return FakeGateway()
    return StripeGateway(request.getfixturevalue("stripe_settings"))


@pytest_asyncio.fixture
async def port(implementation: PaymentGateway) -> AsyncIterator[PaymentGateway]:
    yield implementation
    await implementation.close()


async def paid_intent(port: PaymentGateway, amount: int = 2500) -> PaymentIntentView:
    intent = await port.create_payment_intent(amount=gbp(amount), order_id="ord_paid", idempotency_key=key("create"))
    return await port.confirm_payment_intent(intent.id, payment_method="pm_card_visa", idempotency_key=key("confirm"))


# --- the contract: both implementations -----------------------------------------------------------


def test_both_implementations_satisfy_the_port(settings: Settings) -> None:
    """The annotated assignments are the structural check (the type checker verifies them, no isinstance);
    at run time the members' signatures are compared with the Protocol's too."""
    fake: PaymentGateway = FakeGateway()
    stripe: PaymentGateway = StripeGateway(settings)
    members = [name for name in vars(PaymentGateway) if not name.startswith("_")]
    assert "create_payment_intent" in members and "news_of" in members
    for implementation in (fake, stripe):
        for name in members:
            wanted, got = getattr(PaymentGateway, name), getattr(type(implementation), name)
            if isinstance(wanted, property):
                assert isinstance(got, property), (type(implementation).__name__, name)
                continue
            assert inspect.signature(got) == inspect.signature(wanted), (type(implementation).__name__, name)
            assert inspect.iscoroutinefunction(got) == inspect.iscoroutinefunction(wanted), name


async def test_create_then_confirm_with_a_card_that_pays(port: PaymentGateway) -> None:
    assert port.enabled
    created = await port.create_payment_intent(
        amount=gbp(2500), order_id="ord_1", idempotency_key=key("create"), metadata={"order_number": "SK-1001"}
    )
    assert created.id.startswith("pi_") and created.status == "requires_payment_method"
    assert (created.amount, created.currency, created.amount_received) == (2500, "GBP", 0)
    assert created.client_secret and created.client_secret.startswith(created.id)
    assert created.metadata == {"order_id": "ord_1", "order_number": "SK-1001"}
    assert created.latest_charge is None and created.last_error is None

    paid = await port.confirm_payment_intent(created.id, payment_method="pm_card_visa", idempotency_key=key("c"))
    assert paid.status == "succeeded"
    assert (paid.amount, paid.amount_received, paid.currency) == (2500, 2500, "GBP")
    assert paid.latest_charge and paid.latest_charge.startswith("ch_")
    assert paid.last_error is None
    assert await port.retrieve_payment_intent(created.id) == paid

    again = await port.confirm_payment_intent(paid.id, payment_method="pm_card_visa", idempotency_key=key("c"))
    assert again == paid  # past confirming: returned as it is, nothing charged twice


async def test_a_decline_on_confirm_is_a_status_not_an_exception(port: PaymentGateway) -> None:
    intent = await port.create_payment_intent(amount=gbp(1999), order_id="ord_d", idempotency_key=key("create"))
    declined = await port.confirm_payment_intent(
        intent.id, payment_method="pm_card_chargeCustomerFail", idempotency_key=key("confirm")
    )
    assert declined.status == "requires_payment_method"
    assert declined.last_error is not None and declined.last_error.startswith("card_declined: ")
    assert declined.amount_received == 0
    assert declined.latest_charge and declined.latest_charge.startswith("ch_")
    assert await port.retrieve_payment_intent(intent.id) == declined


async def test_cancel_an_unpaid_intent(port: PaymentGateway) -> None:
    intent = await port.create_payment_intent(amount=gbp(1200), order_id="ord_c", idempotency_key=key("create"))
    canceled = await port.cancel_payment_intent(intent.id, idempotency_key=key("cancel"))
    assert (canceled.id, canceled.status, canceled.amount_received) == (intent.id, "canceled", 0)
    assert (await port.cancel_payment_intent(intent.id, idempotency_key=key("cancel"))).status == "canceled"
    assert await port.retrieve_payment_intent(intent.id) == canceled


async def test_cancelling_a_succeeded_intent_returns_it_succeeded(port: PaymentGateway) -> None:
    """The payment won the race with the hold: the caller learns it from the returned view."""
    paid = await paid_intent(port)
    after = await port.cancel_payment_intent(paid.id, idempotency_key=key("cancel"))
    assert (after.status, after.amount_received) == ("succeeded", 2500)
    assert after == paid


async def test_a_partial_then_a_full_refund(port: PaymentGateway) -> None:
    paid = await paid_intent(port)
    part = await port.create_refund(payment_intent=paid.id, amount=gbp(500), idempotency_key=key("refund"))
    assert part.id.startswith("re_")
    assert (part.status, part.amount, part.currency, part.payment_intent) == ("succeeded", 500, "GBP", paid.id)
    rest = await port.create_refund(payment_intent=paid.id, amount=gbp(2000), idempotency_key=key("refund"))
    assert rest.id != part.id
    assert (rest.status, rest.amount, rest.currency, rest.payment_intent) == ("succeeded", 2000, "GBP", paid.id)


async def test_a_refund_in_another_currency_is_invalid_input(port: PaymentGateway) -> None:
    paid = await paid_intent(port)
    with pytest.raises(InvalidInput, match=r"refund is in EUR but payment \S+ was in GBP"):
        await port.create_refund(
            payment_intent=paid.id, amount=Money(amount=500, currency="EUR"), idempotency_key=key("r")
        )


async def test_amounts_are_in_our_minor_units(port: PaymentGateway) -> None:
    krona = await port.create_payment_intent(
        amount=Money(amount=5, currency="ISK"), order_id="ord_isk", idempotency_key=key("isk")
    )
    assert (krona.amount, krona.currency) == (5, "ISK")  # Stripe counts ISK in hundredths
    with pytest.raises(InvalidInput, match="whole units of HUF"):
        await port.create_payment_intent(
            amount=Money(amount=150_050, currency="HUF"), order_id="ord_huf", idempotency_key=key("huf")
        )


async def test_an_unknown_intent_is_payment_intent_not_found(port: PaymentGateway) -> None:
    unknown = "pi_doesnotexist0000"
    calls = [
        port.retrieve_payment_intent(unknown),
        port.confirm_payment_intent(unknown, payment_method="pm_card_visa", idempotency_key=key("c")),
        port.cancel_payment_intent(unknown, idempotency_key=key("x")),
        port.create_refund(payment_intent=unknown, amount=gbp(100), idempotency_key=key("r")),
    ]
    for call in calls:
        with pytest.raises(PaymentIntentNotFound):
            await call


async def test_the_same_key_twice_creates_one_intent() -> None:
    """Fake only: localstripe ignores idempotency keys (test_gateway.py documents it, and the scripted
    server there proves the adapter sends them), so the real adapter cannot show this here."""
    port: PaymentGateway = FakeGateway()
    same = key("same")
    first = await port.create_payment_intent(amount=gbp(700), order_id="ord_i", idempotency_key=same)
    second = await port.create_payment_intent(amount=gbp(700), order_id="ord_i", idempotency_key=same)
    assert second.id == first.id


# --- the fake alone --------------------------------------------------------------------------------


async def test_ids_are_counters_and_runs_repeat_exactly() -> None:
    async def run(fake: FakeGateway) -> tuple[str, PaymentIntentView, PaymentIntentView, RefundView]:
        customer = await fake.create_customer(email="a@example.com", order_id="o", idempotency_key="cus")
        intent = await fake.create_payment_intent(amount=gbp(900), order_id="o", idempotency_key="pi")
        paid = await fake.confirm_payment_intent(intent.id, payment_method="pm_card_visa", idempotency_key="c")
        refund = await fake.create_refund(payment_intent=paid.id, amount=gbp(100), idempotency_key="re")
        return customer, intent, paid, refund

    customer, intent, paid, refund = await run(FakeGateway())
    assert (customer, intent.id, intent.client_secret) == ("cus_fake_0001", "pi_fake_0001", "pi_fake_0001_secret")
    assert (paid.latest_charge, paid.payment_method, refund.id) == ("ch_fake_0001", "pm_card_visa", "re_fake_0001")
    assert await run(FakeGateway()) == (customer, intent, paid, refund)


async def test_fail_next_stages_an_outage_and_the_retry_does_the_work_once() -> None:
    fake = FakeGateway()
    fake.fail_next(2)
    for _ in range(2):
        with pytest.raises(PaymentsUnavailable, match="cannot reach Stripe"):
            await fake.create_payment_intent(amount=gbp(100), order_id="o", idempotency_key="order-1-intent")
    intent = await fake.create_payment_intent(amount=gbp(100), order_id="o", idempotency_key="order-1-intent")
    assert intent.id == "pi_fake_0001"  # the failed calls made nothing and remembered nothing
    assert await fake.create_payment_intent(amount=gbp(100), order_id="o", idempotency_key="order-1-intent") == intent
    assert fake.calls == [("create_payment_intent", "order-1-intent")] * 4

    fake.fail_next()
    with pytest.raises(PaymentsUnavailable):
        await fake.retrieve_payment_intent(intent.id)
    assert await fake.retrieve_payment_intent(intent.id) == intent


async def test_calls_record_every_provider_call_in_order() -> None:
    fake = FakeGateway()
    intent = await fake.create_payment_intent(amount=gbp(2500), order_id="o", idempotency_key="k-create")
    await fake.confirm_payment_intent(intent.id, payment_method="pm_card_visa", idempotency_key="k-confirm")
    await fake.retrieve_payment_intent(intent.id)
    await fake.cancel_payment_intent(intent.id, idempotency_key="k-cancel")
    await fake.create_refund(payment_intent=intent.id, amount=gbp(500), idempotency_key="k-refund")
    customer = await fake.create_customer(email="a@example.com", order_id="o", idempotency_key="k-customer")
    await fake.charge_saved_card(
        customer=customer, payment_method="pm_card_visa", amount=gbp(900), order_id="o", idempotency_key="k-balance"
    )
    other = await fake.create_payment_intent(amount=gbp(100), order_id="o2", idempotency_key="k-other")
    fake.succeed(other.id)  # the browser, not us: not a call
    body = fake.event_for(other.id, "payment_intent.succeeded")
    fake.news_of(fake.parse_webhook(body, fake.sign(body)))  # webhooks arrive; they are not calls either
    assert fake.calls == [
        ("create_payment_intent", "k-create"),
        ("confirm_payment_intent", "k-confirm"),
        ("retrieve_payment_intent", None),
        ("cancel_payment_intent", "k-cancel"),
        ("create_refund", "k-refund"),
        ("create_customer", "k-customer"),
        ("charge_saved_card", "k-balance"),
        ("create_payment_intent", "k-other"),
    ]


async def test_a_disabled_fake_refuses_everything() -> None:
    fake = FakeGateway(enabled=False)
    assert not fake.enabled
    calls = [
        fake.create_payment_intent(amount=gbp(100), order_id="o", idempotency_key="k"),
        fake.create_customer(email="a@example.com", order_id="o", idempotency_key="k"),
        fake.charge_saved_card(
            customer="cus_1", payment_method="pm_card_visa", amount=gbp(1), order_id="o", idempotency_key="k"
        ),
        fake.retrieve_payment_intent("pi_1"),
        fake.confirm_payment_intent("pi_1", payment_method="pm_card_visa", idempotency_key="k"),
        fake.cancel_payment_intent("pi_1", idempotency_key="k"),
        fake.create_refund(payment_intent="pi_1", amount=gbp(100), idempotency_key="k"),
    ]
    for call in calls:
        with pytest.raises(PaymentsUnavailable, match="payments are not configured"):
            await call
    with pytest.raises(PaymentsUnavailable, match="payments are not configured"):
        fake.parse_webhook(b"{}", fake.sign(b"{}"))
    await fake.close()


async def test_idempotency_keys_are_honoured_per_method() -> None:
    fake = FakeGateway()
    intent = await fake.create_payment_intent(amount=gbp(2500), order_id="o", idempotency_key="k")
    with pytest.raises(PaymentsUnavailable, match="'k' was first used for a different create_payment_intent"):
        await fake.create_payment_intent(amount=gbp(2600), order_id="o", idempotency_key="k")
    assert await fake.create_customer(email="a@example.com", order_id="o", idempotency_key="k") == "cus_fake_0001"

    declined = await fake.confirm_payment_intent(
        intent.id, payment_method="pm_card_chargeCustomerFail", idempotency_key="c"
    )
    again = await fake.confirm_payment_intent(
        intent.id, payment_method="pm_card_chargeCustomerFail", idempotency_key="c"
    )
    assert again == declined and declined.latest_charge == "ch_fake_0001"  # no second attempt
    with pytest.raises(PaymentsUnavailable):
        await fake.confirm_payment_intent(intent.id, payment_method="pm_card_visa", idempotency_key="c")

    await fake.confirm_payment_intent(intent.id, payment_method="pm_card_visa", idempotency_key="c2")
    refund = await fake.create_refund(payment_intent=intent.id, amount=gbp(2000), idempotency_key="r")
    assert await fake.create_refund(payment_intent=intent.id, amount=gbp(2000), idempotency_key="r") == refund
    rest = await fake.create_refund(payment_intent=intent.id, amount=gbp(500), idempotency_key="r2")
    assert rest.id == "re_fake_0002"  # the repeat refunded nothing, so the rest still fits


async def test_declines_in_detail() -> None:
    fake = FakeGateway()
    intent = await fake.create_payment_intent(amount=gbp(800), order_id="o", idempotency_key="k")
    first = await fake.confirm_payment_intent(
        intent.id, payment_method="pm_card_chargeCustomerFail", idempotency_key="1"
    )
    second = await fake.confirm_payment_intent(
        intent.id, payment_method="pm_card_chargeCustomerFail", idempotency_key="2"
    )
    assert first.last_error == second.last_error == "card_declined: Your card was declined."
    assert (first.latest_charge, second.latest_charge) == ("ch_fake_0001", "ch_fake_0002")
    assert second.payment_method is None  # a declined card is detached, as at Stripe
    with pytest.raises(InvalidInput, match="no payment method 'pm_typo'"):
        await fake.confirm_payment_intent(intent.id, payment_method="pm_typo", idempotency_key="3")
    # Another card after a decline pays. Fake only: localstripe derives the status from the failed
    # charge, so it answers a second confirm with 400 where Stripe charges the new card.
    paid = await fake.confirm_payment_intent(intent.id, payment_method="pm_card_visa", idempotency_key="4")
    assert (paid.status, paid.amount_received, paid.last_error, paid.latest_charge) == (
        "succeeded",
        800,
        None,
        "ch_fake_0003",
    )


async def test_charging_a_saved_card() -> None:
    fake = FakeGateway()
    customer = await fake.create_customer(email="a@example.com", order_id="ord_1", idempotency_key="cus")
    balance = await fake.charge_saved_card(
        customer=customer, payment_method="pm_card_visa", amount=gbp(4000), order_id="ord_1", idempotency_key="bal"
    )
    assert (balance.status, balance.amount_received, balance.customer) == ("succeeded", 4000, customer)
    assert balance.metadata == {"order_id": "ord_1", "kind": "balance"}

    for _ in range(2):  # the decline is kept against its key: the retry is declined without a new attempt
        with pytest.raises(PaymentDeclined, match="Your card was declined"):
            await fake.charge_saved_card(
                customer=customer,
                payment_method="pm_card_chargeCustomerFail",
                amount=gbp(4000),
                order_id="ord_2",
                idempotency_key="bal-2",
            )
    with pytest.raises(PaymentsUnavailable, match="No such customer"):
        await fake.charge_saved_card(
            customer="cus_nobody", payment_method="pm_card_visa", amount=gbp(1), order_id="o", idempotency_key="x"
        )


async def test_refunds_beyond_what_is_left_are_refused() -> None:
    """Stripe refuses these with a 400, which the Stripe adapter reports as PaymentsUnavailable: so does the fake."""
    fake = FakeGateway()
    paid = await paid_intent(fake)
    await fake.create_refund(payment_intent=paid.id, amount=gbp(2000), idempotency_key="r1")
    with pytest.raises(PaymentsUnavailable, match="more than the 500 left"):
        await fake.create_refund(payment_intent=paid.id, amount=gbp(600), idempotency_key="r2")
    # A refused refund is not remembered against its key.
    assert (await fake.create_refund(payment_intent=paid.id, amount=gbp(500), idempotency_key="r2")).amount == 500
    with pytest.raises(PaymentsUnavailable, match="more than the 0 left"):
        await fake.create_refund(payment_intent=paid.id, amount=gbp(1), idempotency_key="r3")

    unpaid = await fake.create_payment_intent(amount=gbp(900), order_id="o", idempotency_key="u")
    with pytest.raises(PaymentsUnavailable):
        await fake.create_refund(payment_intent=unpaid.id, amount=gbp(900), idempotency_key="r4")


async def test_succeed_pays_as_the_browser_would() -> None:
    fake = FakeGateway()
    intent = await fake.create_payment_intent(amount=gbp(1500), order_id="o", idempotency_key="k")
    paid = fake.succeed(intent.id)
    assert (paid.status, paid.amount_received, paid.payment_method) == ("succeeded", 1500, "pm_card_visa")
    assert fake.succeed(intent.id) == paid
    assert await fake.retrieve_payment_intent(intent.id) == paid
    assert await fake.cancel_payment_intent(intent.id, idempotency_key="x") == paid  # the payment won the race

    other = await fake.create_payment_intent(amount=gbp(1500), order_id="o2", idempotency_key="k2")
    await fake.cancel_payment_intent(other.id, idempotency_key="x2")
    with pytest.raises(ValueError, match="canceled payment intent cannot be paid"):
        fake.succeed(other.id)
    with pytest.raises(PaymentIntentNotFound):
        fake.succeed("pi_nope")


# --- the fake's webhooks ---------------------------------------------------------------------------


async def test_signed_webhooks_verify_and_parse() -> None:
    fake = FakeGateway()
    paid = await paid_intent(fake)
    body = fake.event_for(paid.id, "payment_intent.succeeded")
    event = fake.parse_webhook(body, fake.sign(body))
    assert (event.id, event.type, event.object_id) == ("evt_fake_0001", "payment_intent.succeeded", paid.id)
    assert event.object["status"] == "succeeded" and event.object["currency"] == "gbp"
    assert event.object["metadata"] == {"order_id": "ord_paid"}
    assert event.created == json.loads(body)["created"]


async def test_tampered_unsigned_and_foreign_webhooks_are_refused() -> None:
    fake = FakeGateway(webhook_secret="whsec_ours")
    paid = await paid_intent(fake)
    body = fake.event_for(paid.id, "payment_intent.succeeded")
    signature = fake.sign(body)

    tampered = body.replace(b'"succeeded"', b'"canceled"', 1)
    assert tampered != body
    with pytest.raises(WebhookSignatureInvalid, match="does not match"):
        fake.parse_webhook(tampered, signature)
    for missing in (None, ""):
        with pytest.raises(WebhookSignatureInvalid, match="missing"):
            fake.parse_webhook(body, missing)
    for wrong in ("garbage", "v1=ünïcode", FakeGateway(webhook_secret="whsec_theirs").sign(body)):
        with pytest.raises(WebhookSignatureInvalid):
            fake.parse_webhook(body, wrong)

    with pytest.raises(PaymentsUnavailable, match="webhook secret"):
        FakeGateway(webhook_secret="").parse_webhook(body, signature)


def test_a_verified_body_that_is_not_an_event_is_malformed() -> None:
    fake = FakeGateway()
    no_object = json.dumps({"id": "evt_1", "object": "event", "type": "x", "created": 1, "data": {}}).encode()
    for body in (b"{not json", no_object, b"[]"):
        with pytest.raises(MalformedRequest) as caught:
            fake.parse_webhook(body, fake.sign(body))
        assert not isinstance(caught.value, WebhookSignatureInvalid)


async def test_news_of_payment_intent_events() -> None:
    fake = FakeGateway()
    paid = await paid_intent(fake)
    body = fake.event_for(paid.id, "payment_intent.succeeded")
    news = fake.news_of(fake.parse_webhook(body, fake.sign(body)))
    assert (news.event_type, news.object_id, news.intent) == ("payment_intent.succeeded", paid.id, paid)
    assert news.refunded is None and news.refunded_intent is None

    intent = await fake.create_payment_intent(amount=gbp(900), order_id="o", idempotency_key="k")
    declined = await fake.confirm_payment_intent(
        intent.id, payment_method="pm_card_chargeCustomerFail", idempotency_key="c"
    )
    body = fake.event_for(intent.id, "payment_intent.payment_failed")
    assert fake.news_of(fake.parse_webhook(body, fake.sign(body))).intent == declined


async def test_news_of_a_refunded_charge() -> None:
    fake = FakeGateway()
    paid = await paid_intent(fake)
    await fake.create_refund(payment_intent=paid.id, amount=gbp(500), idempotency_key="r")
    body = fake.event_for(paid.id, "charge.refunded")
    news = fake.news_of(fake.parse_webhook(body, fake.sign(body)))
    assert (news.object_id, news.refunded_intent, news.refunded) == (paid.latest_charge, paid.id, gbp(500))
    assert news.intent is None

    body = fake.event_for(paid.id, "customer.created")  # any other event tells an order nothing
    other = fake.news_of(fake.parse_webhook(body, fake.sign(body)))
    assert (other.intent, other.refunded, other.refunded_intent) == (None, None, None)


async def test_the_fakes_events_read_as_the_stripe_adapter_reads_them(settings: Settings) -> None:
    """The same body, signed for each, gives the same event and the same news (no server needed)."""
    secret = "whsec_contract"
    stripe = StripeGateway(
        msgspec.structs.replace(
            settings, stripe_secret_key=Secret(STRIPE_TEST_KEY), stripe_webhook_secret=Secret(secret)
        )
    )
    fake = FakeGateway(webhook_secret=secret)
    krona = await fake.create_payment_intent(
        amount=Money(amount=1500, currency="ISK"), order_id="o", idempotency_key="i"
    )
    await fake.confirm_payment_intent(krona.id, payment_method="pm_card_visa", idempotency_key="c")
    await fake.create_refund(payment_intent=krona.id, amount=Money(amount=200, currency="ISK"), idempotency_key="r")
    unpaid = await fake.create_payment_intent(amount=gbp(900), order_id="o", idempotency_key="u")
    await fake.confirm_payment_intent(unpaid.id, payment_method="pm_card_chargeCustomerFail", idempotency_key="d")
    await fake.cancel_payment_intent(unpaid.id, idempotency_key="x")
    try:
        for intent_id, type in [
            (krona.id, "payment_intent.succeeded"),
            (krona.id, "charge.refunded"),
            (unpaid.id, "payment_intent.payment_failed"),
            (unpaid.id, "payment_intent.canceled"),
        ]:
            body = fake.event_for(intent_id, type)
            ours, theirs = (
                fake.parse_webhook(body, fake.sign(body)),
                stripe.parse_webhook(body, sign_webhook(body, secret)),
            )
            assert ours == theirs
            assert fake.news_of(ours) == stripe.news_of(theirs)
            news = fake.news_of(ours)
            if type == "charge.refunded":
                assert (news.refunded_intent, news.refunded) == (krona.id, Money(amount=200, currency="ISK"))
            else:  # the intent survives the trip through Stripe's units and shape unchanged
                assert news.intent == await fake.retrieve_payment_intent(intent_id)
    finally:
        await stripe.close()

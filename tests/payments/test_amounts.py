"""Stripe's amounts for our Money: the currency quirks in storefront.money, without a server."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.money import Money, exponent, from_stripe_amount, stripe_exponent, to_stripe_amount


@pytest.mark.parametrize(
    ("money", "stripe_amount"),
    [
        (Money(amount=12_500, currency="GBP"), 12_500),  # two-decimal everywhere
        (Money(amount=1_500, currency="JPY"), 1_500),  # zero-decimal everywhere
        (Money(amount=5, currency="ISK"), 500),  # zero-decimal here, hundredths at Stripe
        (Money(amount=150_000, currency="HUF"), 150_000),  # whole forints only
        (Money(amount=30_000, currency="TWD"), 30_000),
        (Money(amount=5_120, currency="KWD"), 5_120),  # three-decimal, last digit 0
        (Money(amount=200_000, currency="MGA"), 2_000),  # two-decimal in ISO, zero-decimal at Stripe
    ],
)
def test_to_and_from_stripe(money: Money, stripe_amount: int) -> None:
    assert to_stripe_amount(money) == stripe_amount
    assert from_stripe_amount(stripe_amount, money.currency.lower()) == money


@pytest.mark.parametrize(
    ("money", "message"),
    [
        (Money(amount=150_050, currency="HUF"), "whole units of HUF"),
        (Money(amount=150_050, currency="TWD"), "whole units of TWD"),
        (Money(amount=5_125, currency="KWD"), "multiples of 10"),
        (Money(amount=200_050, currency="MGA"), "whole units of MGA"),
    ],
)
def test_amounts_stripe_would_refuse_are_never_rounded(money: Money, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_stripe_amount(money)


def test_a_legacy_fractional_krona_from_stripe_rounds_by_the_one_rule() -> None:
    assert from_stripe_amount(550, "isk") == Money(amount=6, currency="ISK")  # half to even
    assert from_stripe_amount(450, "isk") == Money(amount=4, currency="ISK")


@given(st.sampled_from(["GBP", "EUR", "USD", "JPY", "KRW", "ISK", "CLP", "BHD", "KWD", "MGA", "PYG"]), st.data())
def test_round_trip(currency: str, data: st.DataObject) -> None:
    step = 10 ** max(0, exponent(currency) - stripe_exponent(currency))
    if stripe_exponent(currency) == 3:
        step = 10
    money = Money(amount=data.draw(st.integers(0, 10**9)) * step, currency=currency)
    assert from_stripe_amount(to_stripe_amount(money), currency) == money


def test_a_webhooks_intent_is_read_in_our_minor_units() -> None:
    """A webhook's intent goes through the same conversion as an API answer (ISK: hundredths at Stripe)."""
    from storefront.payments.stripe_gateway import WebhookEvent, intent_from_event

    obj = {"id": "pi_1", "object": "payment_intent", "amount": 50_000, "currency": "isk", "status": "succeeded"}
    event = WebhookEvent(id="evt_1", type="payment_intent.succeeded", object_id="pi_1", object=obj, created=1)
    intent = intent_from_event(event)
    assert (intent.amount, intent.amount_received, intent.currency) == (500, 500, "ISK")

"""The words a shopper reads when no promise can be made: pure, no fixtures."""

from __future__ import annotations

from storefront.fulfilment import messages
from storefront.fulfilment.promise import Reason


def test_every_engine_reason_has_words_and_none_is_a_code() -> None:
    assert set(messages.REASON_TEXT) == set(Reason.__args__)  # type: ignore[attr-defined]
    for reason in [*Reason.__args__, messages.MALFORMED_REASON]:  # type: ignore[attr-defined]
        text = messages.reason_text(reason, "E2 7RG")
        assert text[0].isupper() and text.endswith(".") and "_" not in text, (reason, text)


def test_a_malformed_and_an_unserved_postcode_read_differently() -> None:
    assert messages.reason_text(messages.MALFORMED_REASON, "E2 7R") == "Enter a full UK postcode, like E2 7RG."
    assert messages.reason_text("postcode_not_served", "sw1a1aa") == "We don't deliver to SW1A 1AA by courier yet."
    assert messages.reason_text("postcode_not_served") == "Our couriers don't deliver to that postcode yet."
    assert messages.reason_text("a_reason_from_the_future") == messages.FALLBACK_TEXT


def test_a_refusal_names_what_can_be_had_instead() -> None:
    refusal = "We don't deliver to SW1A 1AA by courier yet."
    assert messages.with_alternatives(refusal, []) == refusal
    assert messages.with_alternatives(refusal, ["collect it at Market Street"]) == (
        "We don't deliver to SW1A 1AA by courier yet; you can collect it at Market Street instead."
    )
    assert messages.with_alternatives(refusal, ["collect it at 2 shops", "have it made for you at Workroom"]) == (
        "We don't deliver to SW1A 1AA by courier yet; you can collect it at 2 shops or have it made for you at "
        "Workroom instead."
    )

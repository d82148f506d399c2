"""What a shopper reads when no promise can be made: the engine's reasons and a bad postcode, in words.

One home for these words. The quote's field errors (which the cart service passes on, and the
buy box shows beside the postcode) and the ``fulfilment-promise`` component both read them, so a
shopper never sees a reason code, and a postcode that cannot be one ("E2 7R") never reads like a
good one we don't serve ("SW1A 1AA"). Pure: no I/O, English like every component's words.
"""

from __future__ import annotations

from collections.abc import Sequence

from storefront.fulfilment.rules import display_postcode

MALFORMED_POSTCODE = "Enter a full UK postcode, like E2 7RG."
MALFORMED_REASON = "postcode_invalid"  # not an engine reason: the engine is never asked about such a postcode

# What the engine's reasons (storefront.fulfilment.promise.Reason) mean to a shopper.
REASON_TEXT: dict[str, str] = {
    "no_pickup_point": "None of our shops offers collection yet.",
    "no_pickup_stock": "No shop has this in stock to collect.",
    "pickup_closed": "The shops holding this can't have it ready in the next two weeks.",
    "postcode_required": "Enter your postcode to see when a courier can bring it.",
    "postcode_not_served": "Our couriers don't deliver to that postcode yet.",
    "no_courier_stock": "This is out of stock for delivery.",
    "no_delivery_window": "There is no delivery slot in the next two weeks.",
    "not_made_to_order": "This piece isn't made to order.",
    "no_microfactory": "This piece can't be made to order right now.",
    "no_capacity": "Our workroom is fully booked for the next two months.",
}
FALLBACK_TEXT = "We can't promise this one online right now."


def reason_text(reason: str, postcode: str | None = None) -> str:
    """The reason as a sentence; an unserved postcode is named, so the shopper sees what we read."""
    if reason == MALFORMED_REASON:
        return MALFORMED_POSTCODE
    if reason == "postcode_not_served" and postcode:
        return f"We don't deliver to {display_postcode(postcode)} by courier yet."
    return REASON_TEXT.get(reason, FALLBACK_TEXT)


def with_alternatives(text: str, alternatives: Sequence[str]) -> str:
    """``text`` and what can be had instead: "..., by courier yet; you can collect it at Market Street instead."

    ``alternatives`` are phrases that follow "you can" ("collect it at Market Street", "have it
    made for you at Workroom"); with none, ``text`` is left as it is.
    """
    if not alternatives:
        return text
    *rest, last = alternatives
    choices = f"{', '.join(rest)} or {last}" if rest else last
    return f"{text.rstrip('.')}; you can {choices} instead."

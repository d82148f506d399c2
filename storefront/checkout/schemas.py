"""The checkout API: who is buying, and the payment the browser must complete."""

from __future__ import annotations

from typing import Annotated

import msgspec

from storefront.ids import END, Line
from storefront.money import Money
from storefront.orders import OrderOut

# Not an address parser (the receipt's delivery is the real test), but one line with no space,
# no control character and no second @ in either part.
_EMAIL_PART = r"[^@\s\x00-\x1f\x7f-\x9f]+"
Email = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=254,
        pattern=f"^{_EMAIL_PART}@{_EMAIL_PART}\\.{_EMAIL_PART}" + END,
        description="for the receipt",
    ),
]


class CheckoutIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    email: Email
    name: Annotated[Line, msgspec.Meta(max_length=200)] = ""


class ConfirmIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The browser is back from confirming; the server asks Stripe what happened (it never trusts the browser).

    ``payment_method`` confirms server-side with a test payment method, and is honoured only
    when the Stripe API base is a test server on this machine (the offline demo and the tests).
    """

    payment_method: Annotated[str, msgspec.Meta(pattern=r"^pm_[A-Za-z0-9_]{1,64}" + END)] | None = None


class PaymentOut(msgspec.Struct, frozen=True, kw_only=True):
    intent_id: str | None
    client_secret: str | None
    publishable_key: str
    status: str  # Stripe's intent status, or "not_required" when nothing is due
    amount: Money
    test_mode: bool  # the Stripe API is a local test server: confirm with a test payment method


class CheckoutOut(msgspec.Struct, frozen=True, kw_only=True):
    order: OrderOut
    payment: PaymentOut | None

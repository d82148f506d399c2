"""The checkout API: who is buying, and the payment the browser must complete."""

from __future__ import annotations

from typing import Annotated

import msgspec

from storefront.ids import END, Email, Line
from storefront.money import Money
from storefront.orders import OrderOut

# Loose on purpose: people write numbers with spaces, dots, dashes and brackets. The rules
# (:mod:`storefront.checkout.contact`) read the digits and store them as E.164 (``+447700900123``).
Phone = Annotated[
    Line,
    msgspec.Meta(min_length=6, max_length=24, description="for the courier; stored as E.164, e.g. +447700900123"),
]
Country = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z]{2}" + END, description="ISO 3166-1 alpha-2, e.g. GB")]


class AddressIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where a courier or a made-to-order piece goes; the postcode must be one the line's courier zone serves."""

    name: Annotated[Line, msgspec.Meta(min_length=1, max_length=200, description="who receives it")]
    line1: Annotated[Line, msgspec.Meta(min_length=1, max_length=200)]
    line2: Annotated[Line, msgspec.Meta(max_length=200)] = ""
    city: Annotated[Line, msgspec.Meta(min_length=1, max_length=100)]
    postcode: Annotated[Line, msgspec.Meta(min_length=2, max_length=10)]
    country: Country


class CheckoutIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Who is buying, and what each way of getting the bag needs.

    Shipped fulfilments (courier, made-to-order) need ``address`` and ``phone``; pickups need
    ``collector`` (who will come for it; the buyer's ``name`` when left out). One address serves
    every shipped part of the order; a field no part of this bag needs is ignored, so a form can
    always send the same fields.
    """

    email: Email
    name: Annotated[Line, msgspec.Meta(max_length=200)] = ""
    address: AddressIn | None = None
    phone: Phone | None = None
    collector: (
        Annotated[Line, msgspec.Meta(max_length=200, description="who collects a pickup; default: name")] | None
    ) = None


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
    # The shopper's own order page (JSON; a capability URL: keep it private), and its token alone
    # for a page of the brand's own; None on a server without a signing secret.
    status_url: str | None = None
    status_token: str | None = None

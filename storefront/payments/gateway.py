"""The payment port: what checkout and orders need from a payment provider, and nothing of any provider.

Checkout, orders and the reconciler are written against :class:`PaymentGateway` (a Protocol) and
the plain, frozen views below, in our units (upper-case ISO codes, our minor units). Two
implementations exist: :class:`~storefront.payments.stripe_gateway.StripeGateway`, the only
module that imports ``stripe``, and :class:`~storefront.payments.fake.FakeGateway`, a
deterministic in-memory provider for pure tests and offline tools. The app injects one into
handlers through Litestar's dependency injection (``gateway``); nothing fetches it from state.

The contract every implementation keeps:

- Every call that changes something carries an idempotency key derived from our own ids; the
  same key twice answers the first result and never charges or refunds twice.
- A declined card while creating an intent or charging a saved card raises
  :class:`~storefront.errors.PaymentDeclined`; a decline while *confirming* is not an error (the
  intent comes back ``requires_payment_method`` with ``last_error`` set).
- A provider that cannot be reached, or refuses us, raises
  :class:`~storefront.errors.PaymentsUnavailable`; nothing here is ever called inside a database
  transaction.
- Webhooks: :meth:`PaymentGateway.parse_webhook` verifies and reads a delivery,
  :meth:`PaymentGateway.news_of` turns it into :class:`PaymentNews` for ``orders`` to apply. A
  signature proves who sent a body, not that it is sane: both read it through
  :mod:`storefront.payments.events`, which refuses any shape or amount we could not trust with
  :class:`WebhookEventInvalid` (400), never an exception a client would see as a 500.
"""

from __future__ import annotations

from typing import Any, Protocol

import msgspec

from storefront.errors import FieldError, InvalidInput, MalformedRequest, PaymentsUnavailable
from storefront.money import Money


class WebhookSignatureInvalid(MalformedRequest):
    """A webhook body whose ``Stripe-Signature`` is missing, malformed, stale or made with another secret."""

    code = "webhook_signature_invalid"
    title = "Webhook signature invalid"


class WebhookEventInvalid(MalformedRequest):
    """A signed webhook we cannot read or cannot believe (see :mod:`storefront.payments.events`).

    Not an event, a shape we rely on broken, or an amount or currency the order it names could
    not hold. A 400 like a bad signature: Stripe retries it, so news that only arrived out of
    order (a refund before its payment) is applied on a later delivery.
    """

    code = "webhook_event_invalid"
    title = "Webhook event invalid"


class PaymentIntentNotFound(PaymentsUnavailable):
    """Stripe has no such PaymentIntent (wrong account or key mode, or an id we never had).

    Still a 503 ``payments_unavailable`` to a client: an order pointing at a missing intent is a
    configuration problem on our side, and the reconciler can tell it apart by its class.
    """


def unknown_payment_method(payment_method: str) -> InvalidInput:
    """What every implementation raises when a confirm names a payment method the provider lacks.

    A 422 naming it, never a 503: the caller sent it (the confirm request's body, the only place a
    payment method comes from), and nothing is wrong with payments.
    """
    return InvalidInput(
        f"Stripe has no payment method {payment_method!r}",
        errors=[FieldError("body.payment_method", "no such payment method")],
    )


class ShippingAddress(msgspec.Struct, frozen=True, kw_only=True):
    line1: str
    line2: str = ""
    city: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2


class Shipping(msgspec.Struct, frozen=True, kw_only=True):
    """Where the goods go, as the provider records it on a payment: its fraud checks and the
    Dashboard read it, and a dispute over a delivered parcel is won with it."""

    name: str
    phone: str  # E.164
    address: ShippingAddress


class PaymentIntentView(msgspec.Struct, frozen=True, kw_only=True):
    """A PaymentIntent as the order state machine needs it.

    ``status`` is Stripe's (``requires_payment_method``, ``requires_confirmation``,
    ``requires_action``, ``processing``, ``requires_capture``, ``succeeded``, ``canceled``).
    ``last_error`` is ``"<code>: <message>"`` of Stripe's ``last_payment_error`` (a decline),
    else None.
    """

    id: str
    status: str
    amount: int
    currency: str
    amount_received: int
    client_secret: str | None
    latest_charge: str | None
    metadata: dict[str, str]
    last_error: str | None
    payment_method: str | None = None  # the card that paid, to charge a balance to later
    customer: str | None = None
    shipping: Shipping | None = None


class RefundView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    status: str
    amount: int
    currency: str
    payment_intent: str | None


class WebhookEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A verified webhook: the event's id (for deduplication), type, and its ``data.object`` as plain data."""

    id: str
    type: str
    object_id: str
    object: dict[str, Any]
    created: int


class PaymentNews(msgspec.Struct, frozen=True, kw_only=True):
    """What a verified webhook tells us, in our terms: a PaymentIntent's new state, or a refund total.

    ``intent`` is set for ``payment_intent.*`` events (a snapshot taken when the event happened,
    so its status says what happened); ``refunded`` and ``refunded_intent`` for a charge whose
    refunds changed (possibly made in the provider's dashboard). Anything else carries neither.
    """

    event_id: str
    event_type: str
    object_id: str
    intent: PaymentIntentView | None = None
    refunded_intent: str | None = None
    refunded: Money | None = None


class PaymentGateway(Protocol):
    """A payment provider as checkout and orders use it (see the module docstring for the contract)."""

    @property
    def enabled(self) -> bool: ...

    async def close(self) -> None: ...

    async def create_payment_intent(
        self,
        *,
        amount: Money,
        order_id: str,
        idempotency_key: str,
        metadata: dict[str, str] | None = None,
        customer: str | None = None,
        save_card: bool = False,
        shipping: Shipping | None = None,
    ) -> PaymentIntentView: ...

    async def create_customer(self, *, email: str, order_id: str, idempotency_key: str) -> str: ...

    async def charge_saved_card(
        self, *, customer: str, payment_method: str, amount: Money, order_id: str, idempotency_key: str
    ) -> PaymentIntentView: ...

    async def retrieve_payment_intent(self, intent_id: str) -> PaymentIntentView: ...

    async def confirm_payment_intent(
        self, intent_id: str, *, payment_method: str, idempotency_key: str
    ) -> PaymentIntentView: ...

    async def cancel_payment_intent(self, intent_id: str, *, idempotency_key: str) -> PaymentIntentView: ...

    async def create_refund(self, *, payment_intent: str, amount: Money, idempotency_key: str) -> RefundView: ...

    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent: ...

    def news_of(self, event: WebhookEvent) -> PaymentNews: ...

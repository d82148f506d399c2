"""A deterministic, in-memory payment provider: the port's second implementation, for pure tests and offline tools.

localstripe needs a subprocess and real HTTP, and cannot stage an outage. :class:`FakeGateway`
keeps the same contract (``tests/payments/test_port_contract.py`` runs one suite against both)
with no network, clock or randomness, so tests can assert exact ids (``pi_fake_0001``, ``ch_``,
``re_``, ``cus_``, ``evt_``). Cards are Stripe's test ones: ``pm_card_visa`` and ``pm_card_mastercard``
pay, ``pm_card_chargeCustomerFail`` is declined; any other is refused as an unknown one at Stripe.

Where it parts from the Stripe adapter, on purpose: ``client_secret`` is ``<id>_secret``;
``save_card`` is ignored (any card here can be charged again, as in localstripe). A key reused
with other parameters, and a refund over what is left, are ``PaymentsUnavailable`` as the adapter
reports Stripe's 400 for both (our bug, not the shopper's, so a 503); :meth:`FakeGateway.fail_next` fails a call before
it "reaches" the provider, so nothing is remembered against its key and a retry does the work once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any, TypeVar, cast

import msgspec

from storefront.errors import InvalidInput, PaymentDeclined, PaymentsUnavailable
from storefront.money import Money, to_stripe_amount
from storefront.payments import events
from storefront.payments.gateway import (
    PaymentIntentNotFound,
    PaymentIntentView,
    PaymentNews,
    RefundView,
    Shipping,
    WebhookEvent,
    WebhookSignatureInvalid,
    unknown_payment_method,
)

T = TypeVar("T")

PAYING_CARDS = frozenset({"pm_card_visa", "pm_card_mastercard"})
DECLINED_CARDS = frozenset({"pm_card_chargeCustomerFail"})
DECLINE = "card_declined: Your card was declined."
_CONFIRMABLE = frozenset({"requires_payment_method", "requires_confirmation"})
_CANCELABLE = _CONFIRMABLE | {"requires_action", "requires_capture"}
_EPOCH = 1_700_000_000  # events' ``created``: a fixed clock that ticks one second per event


class FakeGateway:
    """One in-memory Stripe account. ``enabled=False`` acts like the adapter with no key: every call refuses.

    ``calls`` lists each provider call as ``(method, idempotency_key)`` (``None`` for reads),
    failed ones included, so a test can assert what was retried with which key.
    """

    def __init__(
        self,
        *,
        enabled: bool = True,
        webhook_secret: str = "whsec_fake",  # noqa: S107 (a test secret)
        namespace: str = "fake",
    ) -> None:
        """``namespace`` goes into every id (``pi_<namespace>_0001``): fakes sharing one database need their own."""
        self._enabled, self._secret, self._failures, self._namespace = enabled, webhook_secret, 0, namespace
        self.calls: list[tuple[str, str | None]] = []
        self._counters: dict[str, int] = {}
        self._intents: dict[str, PaymentIntentView] = {}
        self._refunded: dict[str, int] = {}  # intent id -> minor units refunded so far
        self._customers: set[str] = set()
        self._done: dict[tuple[str, str], tuple[tuple[object, ...], object]] = {}  # (method, key) -> (params, result)

    @property
    def enabled(self) -> bool:
        return self._enabled

    async def close(self) -> None:
        """Nothing to release; here so the app's lifespan treats every gateway alike."""

    # --- helpers for tests -------------------------------------------------------------------

    def fail_next(self, n: int = 1) -> None:
        """Make the next ``n`` provider calls raise ``PaymentsUnavailable``, as when Stripe is unreachable."""
        self._failures += n

    def succeed(self, intent_id: str, *, payment_method: str = "pm_card_visa") -> PaymentIntentView:
        """Pay an intent as the shopper's browser would with Stripe.js (not a provider call: not in ``calls``)."""
        intent = self._intent(intent_id)
        if intent.status == "succeeded":
            return intent
        if intent.status not in _CONFIRMABLE:
            raise ValueError(f"a {intent.status} payment intent cannot be paid")
        return self._pay(intent, payment_method)

    def sign(self, payload: bytes) -> str:
        """The signature :meth:`parse_webhook` accepts: an HMAC-SHA256 of the body keyed with the webhook secret."""
        return "v1=" + hmac.new(self._secret.encode(), payload, hashlib.sha256).hexdigest()

    def event_for(self, intent_id: str, type: str) -> bytes:
        """A Stripe-shaped webhook body about an intent as it stands now; sign it with :meth:`sign`.

        ``charge.refunded`` carries the latest charge and the intent's refunded total; any other
        type carries the intent itself, in Stripe's units and lower-case currency.
        """
        intent = self._intent(intent_id)
        obj = _stripe_intent(intent)
        if type == "charge.refunded":
            refunded = Money(amount=self._refunded[intent_id], currency=intent.currency)
            received = Money(amount=intent.amount_received, currency=intent.currency)
            obj = {"id": intent.latest_charge or "", "object": "charge", "payment_intent": intent.id}
            obj |= {"amount": to_stripe_amount(received), "amount_refunded": to_stripe_amount(refunded)}
            obj["currency"] = intent.currency.lower()
        event_id = self._next_id("evt")
        created = _EPOCH + self._counters["evt"]
        return msgspec.json.encode(
            {"id": event_id, "object": "event", "created": created, "type": type, "data": {"object": obj}}
        )

    # --- the port ----------------------------------------------------------------------------

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
    ) -> PaymentIntentView:
        self._enter("create_payment_intent", idempotency_key, amount=amount, customer=customer)
        meta = {**(metadata or {}), "order_id": order_id}
        params = (amount, tuple(sorted(meta.items())), customer, save_card, shipping)
        return self._once(
            "create_payment_intent", idempotency_key, params, lambda: self._new(amount, meta, customer, shipping)
        )

    async def create_customer(self, *, email: str, order_id: str, idempotency_key: str) -> str:
        self._enter("create_customer", idempotency_key)
        return self._once("create_customer", idempotency_key, (email, order_id), self._new_customer)

    async def charge_saved_card(
        self, *, customer: str, payment_method: str, amount: Money, order_id: str, idempotency_key: str
    ) -> PaymentIntentView:
        """Charge a kept card off session; a declining card raises ``PaymentDeclined`` (and so does its retry)."""
        self._enter("charge_saved_card", idempotency_key, amount=amount, customer=customer, card=payment_method)

        def charge() -> PaymentIntentView:
            if payment_method in DECLINED_CARDS:
                raise PaymentDeclined(DECLINE.partition(": ")[2])
            return self._pay(self._new(amount, {"order_id": order_id, "kind": "balance"}, customer), payment_method)

        return self._once("charge_saved_card", idempotency_key, (customer, payment_method, amount, order_id), charge)

    async def retrieve_payment_intent(self, intent_id: str) -> PaymentIntentView:
        self._enter("retrieve_payment_intent", None)
        return self._intent(intent_id)

    async def confirm_payment_intent(
        self, intent_id: str, *, payment_method: str, idempotency_key: str
    ) -> PaymentIntentView:
        """A decline is a status (a new charge each attempt), not an error; an intent past confirming is as it was."""
        self._enter("confirm_payment_intent", idempotency_key)
        intent = self._intent(intent_id)
        if intent.status not in _CONFIRMABLE:
            return intent
        if payment_method not in PAYING_CARDS | DECLINED_CARDS:
            raise unknown_payment_method(payment_method)

        def attempt() -> PaymentIntentView:
            if payment_method not in DECLINED_CARDS:
                return self._pay(intent, payment_method)
            charge = self._next_id("ch")
            return self._store(
                msgspec.structs.replace(intent, latest_charge=charge, last_error=DECLINE, payment_method=None)
            )

        return self._once("confirm_payment_intent", idempotency_key, (intent_id, payment_method), attempt)

    async def cancel_payment_intent(self, intent_id: str, *, idempotency_key: str) -> PaymentIntentView:
        """Cancel an unpaid intent; one that succeeded (or is canceled, or processing) is returned as it stands."""
        self._enter("cancel_payment_intent", idempotency_key)
        intent = self._intent(intent_id)
        if intent.status not in _CANCELABLE:
            return intent
        cancel = lambda: self._store(msgspec.structs.replace(intent, status="canceled"))  # noqa: E731
        return self._once("cancel_payment_intent", idempotency_key, (intent_id,), cancel)

    async def create_refund(self, *, payment_intent: str, amount: Money, idempotency_key: str) -> RefundView:
        """Refund part or all of what was received: more than is left is a 503, another currency a 422, as at Stripe."""
        self._enter("create_refund", idempotency_key)
        intent = self._intent(payment_intent)
        if intent.currency != amount.currency:
            raise InvalidInput(f"refund is in {amount.currency} but payment {payment_intent} was in {intent.currency}")
        _check_amount(amount)

        def refund() -> RefundView:
            left = intent.amount_received - self._refunded[payment_intent]
            if not 0 < amount.amount <= left:
                raise PaymentsUnavailable(
                    f"a refund of {amount.amount} is more than the {left} left of {payment_intent}"
                )
            self._refunded[payment_intent] += amount.amount
            refund_id = self._next_id("re")
            return RefundView(
                id=refund_id, status="succeeded", payment_intent=payment_intent, **msgspec.to_builtins(amount)
            )

        return self._once("create_refund", idempotency_key, (payment_intent, amount), refund)

    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        """Verify a body signed by :meth:`sign`, then read it with :mod:`.events`, as the Stripe adapter does."""
        if not self._enabled:
            raise PaymentsUnavailable("payments are not configured")
        if not self._secret:
            raise PaymentsUnavailable("the Stripe webhook secret is not configured")
        if not signature:
            raise WebhookSignatureInvalid("missing Stripe-Signature header")
        if not hmac.compare_digest(self.sign(payload).encode(), signature.encode()):
            raise WebhookSignatureInvalid("the Stripe-Signature header does not match this body")
        return events.read_event(payload)

    def news_of(self, event: WebhookEvent) -> PaymentNews:
        """What a verified event tells an order: read by :mod:`.events`, as the Stripe adapter reads it."""
        return events.news_of(event)

    # --- state ---------------------------------------------------------------------------------

    def _enter(
        self, method: str, key: str | None, *, amount: Money | None = None, customer: str | None = None, card: str = ""
    ) -> None:
        """Record a provider call; refuse it if payments are off, an outage is staged, or Stripe would refuse it."""
        self.calls.append((method, key))
        if not self._enabled:
            raise PaymentsUnavailable("payments are not configured")
        if self._failures:
            self._failures -= 1
            raise PaymentsUnavailable(f"cannot reach Stripe to {method.replace('_', ' ')}; try again shortly")
        if amount is not None:
            _check_amount(amount)
        if customer is not None and customer not in self._customers:
            raise PaymentsUnavailable(f"Stripe refused the request: No such customer: '{customer}'")
        if card:
            _check_card(card)

    def _once(self, method: str, key: str, params: tuple[object, ...], run: Callable[[], T]) -> T:
        """Run ``run`` once per (method, key): a repeat answers the first result (a decline included)."""
        done = self._done.get((method, key))
        if done is None:
            try:
                result: object = run()
            except PaymentDeclined as declined:  # Stripe keeps a decline against its key, unlike a refusal
                result = declined
            done = self._done[(method, key)] = (params, result)
        elif done[0] != params:
            raise PaymentsUnavailable(f"idempotency key {key!r} was first used for a different {method} request")
        if isinstance(done[1], PaymentDeclined):
            raise PaymentDeclined(done[1].detail)
        return cast(T, done[1])

    def _next_id(self, prefix: str) -> str:
        self._counters[prefix] = self._counters.get(prefix, 0) + 1
        return f"{prefix}_{self._namespace}_{self._counters[prefix]:04d}"

    def _intent(self, intent_id: str) -> PaymentIntentView:
        if intent_id not in self._intents:
            raise PaymentIntentNotFound(f"Stripe has no payment intent {intent_id}")
        return self._intents[intent_id]

    def _store(self, intent: PaymentIntentView) -> PaymentIntentView:
        self._intents[intent.id] = intent
        return intent

    def _new(
        self, amount: Money, metadata: dict[str, str], customer: str | None, shipping: Shipping | None = None
    ) -> PaymentIntentView:
        intent_id = self._next_id("pi")
        self._refunded[intent_id] = 0
        return self._store(
            PaymentIntentView(
                id=intent_id,
                status="requires_payment_method",
                amount=amount.amount,
                currency=amount.currency,
                amount_received=0,
                client_secret=f"{intent_id}_secret",
                latest_charge=None,
                metadata=metadata,
                last_error=None,
                customer=customer,
                shipping=shipping,
            )
        )

    def _new_customer(self) -> str:
        customer = self._next_id("cus")
        self._customers.add(customer)
        return customer

    def _pay(self, intent: PaymentIntentView, card: str) -> PaymentIntentView:
        charge = self._next_id("ch")
        paid = msgspec.structs.replace(intent, status="succeeded", latest_charge=charge, last_error=None)
        return self._store(msgspec.structs.replace(paid, amount_received=intent.amount, payment_method=card))


def _check_amount(amount: Money) -> None:
    """Refuse what Stripe cannot take exactly (a fraction of a forint) as the adapter does: ``InvalidInput``."""
    try:
        to_stripe_amount(amount)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def _check_card(card: str) -> None:
    if card not in PAYING_CARDS | DECLINED_CARDS:
        raise PaymentsUnavailable(f"Stripe refused the request: No such PaymentMethod: '{card}'")


def _stripe_intent(intent: PaymentIntentView) -> dict[str, Any]:
    """An intent as Stripe sends it in a webhook: Stripe's units, lower-case currency, ``last_payment_error``."""
    code, _, message = (intent.last_error or "").partition(": ")

    def units(minor: int) -> int:
        return to_stripe_amount(Money(amount=minor, currency=intent.currency))

    plain: dict[str, Any] = msgspec.to_builtins(intent)
    del plain["last_error"]
    return plain | {
        "object": "payment_intent",
        "amount": units(intent.amount),
        "amount_received": units(intent.amount_received),
        "currency": intent.currency.lower(),
        "last_payment_error": {"type": "card_error", "code": code, "message": message} if intent.last_error else None,
    }

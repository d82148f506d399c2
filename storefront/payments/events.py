"""Stripe's webhook events as we read them: each shape we rely on is a Struct, checked whole.

A valid signature says Stripe sent the body, not that the body is sane: a signed event can
still be an array, miss its amount, carry ``"2500"`` for 2500 or claim a refund of a trillion
(a bug, a replayed test event, a leaked endpoint secret). So both adapters verify the
signature their own way and then read the body here, once: the envelope when it is parsed,
the ``data.object`` when its news is read, for the event types ``orders`` acts on. An event
that does not fit raises :class:`WebhookEventInvalid`, a 400 problem (Stripe retries it, and
the delivery shows as failed in its dashboard), logged as one line; it never reaches an order
half-read. Amounts are integers, non-negative and within int64 both in Stripe's units and in
ours; ids fit the columns they are stored in.

Other event types keep only the envelope check: we ignore them, so their objects' shapes are
not ours to police.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, TypeVar

import msgspec

from storefront.money import Money, from_stripe_amount
from storefront.payments.gateway import PaymentIntentView, PaymentNews, WebhookEvent, WebhookEventInvalid

log = logging.getLogger("stallkit.payments")
T = TypeVar("T")

INT64_MAX = 2**63 - 1
# The intent in these events is a snapshot taken when the event happened, so its status says
# what happened; it is read exactly as an intent fetched from the API would be.
PAYMENT_INTENT_EVENTS = frozenset(
    {"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled"}
)

# ``\Z``, not ``$``: Python's ``$`` also matches before a final newline.
StripeId = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,100}\Z")]  # fits every column holding one
StripeAmount = Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]
StripeCurrency = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z]{3}\Z")]
Text = Annotated[str, msgspec.Meta(max_length=1000)]


class _Data(msgspec.Struct, frozen=True):
    object: dict[str, Any]


class _Envelope(msgspec.Struct, frozen=True):
    id: StripeId
    type: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9_.]{1,60}\Z")]
    created: StripeAmount
    data: _Data


class _Expanded(msgspec.Struct, frozen=True):
    """A field Stripe may send as an id or, expanded, as the object (the local test server expands charges)."""

    id: StripeId


Ref = StripeId | _Expanded | None


class _PaymentError(msgspec.Struct, frozen=True):
    type: Text | None = None
    code: Text | None = None
    decline_code: Text | None = None
    message: Text | None = None


class _Intent(msgspec.Struct, frozen=True):
    id: StripeId
    status: Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,40}\Z")]
    amount: StripeAmount
    currency: StripeCurrency
    amount_received: StripeAmount | None = None
    client_secret: Text | None = None
    latest_charge: Ref = None
    payment_method: Ref = None
    customer: Ref = None
    metadata: dict[Text, Text] | None = None
    last_payment_error: _PaymentError | None = None


class _Charge(msgspec.Struct, frozen=True):
    id: StripeId
    currency: StripeCurrency
    amount_refunded: StripeAmount
    amount: StripeAmount | None = None
    payment_intent: Ref = None


def read_event(payload: bytes) -> WebhookEvent:
    """The envelope of a verified body: its id, type, creation time and ``data.object``."""
    try:
        envelope = msgspec.json.decode(payload, type=_Envelope)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:  # a ValidationError is a DecodeError
        why = _why(exc, "")
        raise _invalid("?", "?", f"the webhook body is not a Stripe event: {why}") from None
    obj = envelope.data.object
    object_id = obj.get("id", "")
    if not isinstance(object_id, str) or len(object_id) > 100:
        raise _invalid(envelope.id, envelope.type, "the event's data.object.id is not an id")
    return WebhookEvent(id=envelope.id, type=envelope.type, object_id=object_id, object=obj, created=envelope.created)


def news_of(event: WebhookEvent) -> PaymentNews:
    """What a verified event tells an order: a PaymentIntent's new state, or a charge's refunded total."""
    news = PaymentNews(event_id=event.id, event_type=event.type, object_id=event.object_id)
    if event.type in PAYMENT_INTENT_EVENTS:
        return msgspec.structs.replace(news, intent=intent_of(event))
    if event.type == "charge.refunded":
        charge = _convert(event, _Charge)
        if charge.amount is not None and charge.amount_refunded > charge.amount:
            raise _invalid(event.id, event.type, f"refunded {charge.amount_refunded} of a charge of {charge.amount}")
        intent_id = _id_of(charge.payment_intent)
        if intent_id is None:
            return news  # not a charge of ours: we only ever charge through PaymentIntents
        refunded = _ours(event, charge.amount_refunded, charge.currency)
        return msgspec.structs.replace(news, refunded_intent=intent_id, refunded=refunded)
    return news


def intent_of(event: WebhookEvent) -> PaymentIntentView:
    """The PaymentIntent a ``payment_intent.*`` event carries, in our units, as an API answer is read."""
    intent = _convert(event, _Intent)
    received = intent.amount_received
    if received is None:
        # Real Stripe always sends amount_received; the local test server never does. A
        # succeeded intent (automatic capture) has received its whole amount.
        received = intent.amount if intent.status == "succeeded" else 0
    if received > intent.amount:
        raise _invalid(event.id, event.type, f"received {received} on an intent of {intent.amount}")
    charged = _ours(event, intent.amount, intent.currency)
    return PaymentIntentView(
        id=intent.id,
        status=intent.status,
        amount=charged.amount,
        currency=charged.currency,
        amount_received=_ours(event, received, intent.currency).amount,
        client_secret=intent.client_secret,
        latest_charge=_id_of(intent.latest_charge),
        metadata=dict(intent.metadata or {}),
        last_error=_last_error(intent.last_payment_error),
        payment_method=_id_of(intent.payment_method),
        customer=_id_of(intent.customer),
    )


def refuse_news(news: PaymentNews, why: str) -> WebhookEventInvalid:
    """The error for news its order cannot hold (a refund beyond what was paid), logged as every refusal is."""
    return _invalid(news.event_id, news.event_type, why)


def _convert(event: WebhookEvent, shape: type[T]) -> T:
    try:
        return msgspec.convert(event.object, shape)
    except msgspec.ValidationError as exc:
        raise _invalid(event.id, event.type, _why(exc, "data.object.")) from None


def _ours(event: WebhookEvent, amount: int, currency: str) -> Money:
    money = from_stripe_amount(amount, currency)
    if money.amount > INT64_MAX:
        raise _invalid(event.id, event.type, f"{amount} {currency} is out of range")
    return money


def _id_of(ref: str | _Expanded | None) -> str | None:
    return ref.id if isinstance(ref, _Expanded) else ref


def _last_error(error: _PaymentError | None) -> str | None:
    """``"<code>: <message>"`` of a decline (its decline code first), as the adapters report an API answer's."""
    if error is None or error == _PaymentError():
        return None
    code, message = error.decline_code or error.code, error.message
    if code and message:
        return f"{code}: {message}"
    return str(code or message or "payment failed")


def _why(exc: Exception, prefix: str) -> str:
    """msgspec's reason with its ``$`` (the document's root) spelt as a path a reader knows; never a body's value."""
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8"
    root = prefix.rstrip(".") or "body"
    return str(exc).replace("`$`", f"`{root}`").replace("`$.", f"`{prefix}").replace("`$[", f"`{root}[")


def _invalid(event_id: str, event_type: str, why: str) -> WebhookEventInvalid:
    log.warning("refused signed Stripe event %s (%s): %s", event_id[:100], event_type[:60], why)
    return WebhookEventInvalid(why)

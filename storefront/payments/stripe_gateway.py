"""The Stripe gateway: the only module in Stallkit that imports ``stripe``.

It implements the payment port (:class:`~storefront.payments.gateway.PaymentGateway`); everything
else sees the port's plain, frozen views (``PaymentIntentView``, ``RefundView``, ``WebhookEvent``)
in our units: upper-case ISO codes and amounts in our minor units (Stripe's currency quirks live in
:func:`storefront.money.to_stripe_amount` and :func:`~storefront.money.from_stripe_amount`).

Failures arrive as the domain's errors, never as SDK exceptions:

- Stripe unreachable, rate limited, failing (5xx) or refusing our key, and any request Stripe
  finds invalid (that is our bug, not the shopper's): :class:`~storefront.errors.PaymentsUnavailable`
  (503). The message never holds a key.
- A card declined while creating an intent: :class:`~storefront.errors.PaymentDeclined` (402).
  A decline while *confirming* is not an error: the intent comes back ``requires_payment_method``
  with ``last_error`` set, and the order's state machine decides.
- A webhook whose signature does not verify: :class:`WebhookSignatureInvalid` (400); one that
  verifies but is not an event we can read or believe: ``WebhookEventInvalid`` (400).

Every call that changes something at Stripe carries an idempotency key that callers derive from
our own ids, so a retry after a timeout can never charge or refund twice. The SDK does not retry
by itself (``max_network_retries=0``): the caller's state machine and the reconciler do, with
the same keys.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import httpx
import stripe

from storefront.errors import InvalidInput, PaymentDeclined, PaymentsUnavailable
from storefront.money import Money, from_stripe_amount, to_stripe_amount
from storefront.payments import events
from storefront.payments.gateway import (
    PaymentIntentNotFound,
    PaymentIntentView,
    PaymentNews,
    RefundView,
    Shipping,
    ShippingAddress,
    WebhookEvent,
    WebhookSignatureInvalid,
    unknown_payment_method,
)
from storefront.settings import Secret, Settings

if TYPE_CHECKING:
    from stripe.params import CustomerCreateParams, PaymentIntentCreateParams, RefundCreateParams
    from stripe.params._payment_intent_create_params import (
        PaymentIntentCreateParamsShipping,
        PaymentIntentCreateParamsShippingAddress,
    )

log = logging.getLogger("stallkit.payments")
# The SDK and httpx log every request at INFO: noise in a shop's logs (and the SDK's include
# request paths). Failures are logged here, once, without secrets.
for _noisy in ("stripe", "httpx"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

T = TypeVar("T")

# One Stripe call may take this long before the shopper sees 503 rather than a hung checkout; a
# refused or unroutable connection gives up sooner.
TIMEOUT = httpx.Timeout(20.0, connect=5.0)

# Statuses from which a PaymentIntent can still be confirmed or cancelled. Outside them, a
# confirm or cancel has nothing to do and the gateway reports the intent as it stands.
_CONFIRMABLE = frozenset({"requires_payment_method", "requires_confirmation"})
_CANCELABLE = frozenset({"requires_payment_method", "requires_confirmation", "requires_action", "requires_capture"})


class _HTTPXClient(stripe.HTTPXClient):
    """The SDK's httpx client, sending form bodies as ``content=`` rather than ``data=``.

    stripe 16 hands httpx the encoded form as ``data=<str>``, which httpx 0.28 deprecates with a
    DeprecationWarning on every request. Passing the same bytes as ``content`` sends an
    identical request (the SDK sets ``Content-Type`` itself) and keeps logs, and test runs that
    treat warnings as errors, clean.
    """

    def _get_request_args_kwargs(
        self, method: str, url: str, headers: Any, post_data: Any
    ) -> list[Any]:  # the SDK's own (untyped) shape: [args, kwargs]
        args, kwargs = super()._get_request_args_kwargs(method, url, headers, post_data)
        if isinstance(kwargs.get("data"), str | bytes):
            kwargs["content"] = kwargs.pop("data")
        return [args, kwargs]


class StripeGateway:
    """PaymentIntents, refunds and webhooks for one Stripe account (one set of settings).

    The HTTP client is made on first use and closed by :meth:`close` (the app's lifespan). With
    payments off (no secret key) every method raises ``PaymentsUnavailable`` before any I/O.
    """

    def __init__(self, settings: Settings, *, local_shipping: bool = False) -> None:
        """``local_shipping``: a local test server that takes a PaymentIntent's ``shipping`` (plain
        localstripe refuses the parameter, so by default it is sent only to Stripe itself)."""
        self._settings = settings
        self._local_shipping = local_shipping
        self._http: _HTTPXClient | None = None
        self._client: stripe.StripeClient | None = None

    @property
    def enabled(self) -> bool:
        return self._settings.payments_enabled

    def _stripe(self) -> stripe.StripeClient:
        if not self._settings.payments_enabled:
            raise PaymentsUnavailable("payments are not configured")
        if self._client is None:
            self._http = _HTTPXClient(timeout=TIMEOUT)
            base = self._settings.stripe_api_base.rstrip("/")
            self._client = stripe.StripeClient(
                _reveal(self._settings.stripe_secret_key),
                base_addresses={"api": base} if base else {},
                max_network_retries=0,
                http_client=self._http,
            )
        return self._client

    async def close(self) -> None:
        """Close the pooled connections (they leak sockets otherwise); the gateway may be used again after."""
        http, self._http, self._client = self._http, None, None
        if http is not None:
            await http.close_async()  # type: ignore[no-untyped-call]  # the SDK leaves close_async unannotated

    # --- PaymentIntents ----------------------------------------------------------------------

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
        """A new card PaymentIntent for an order; the browser confirms it with the client secret.

        ``shipping`` (courier and made-to-order orders) goes on the intent, where Stripe's fraud
        checks and a dispute's evidence read it.

        ``payment_method_types=["card"]`` rather than automatic payment methods: delayed methods
        (bank debits) would leave orders ``processing`` for days past their stock holds, and the
        local test server refuses the automatic option anyway. ``order_id`` lands in the intent's
        metadata so a webhook or the Dashboard leads back to the order.
        """
        client = self._stripe()
        params: PaymentIntentCreateParams = {
            "amount": _stripe_amount(amount),
            "currency": amount.currency.lower(),
            # stripe 16's TypedDict lists only allowed_payment_method_types; the request is unchanged
            "payment_method_types": ["card"],  # type: ignore[typeddict-unknown-key]
            "metadata": {**(metadata or {}), "order_id": order_id},
        }
        if customer is not None:
            params["customer"] = customer
        if shipping is not None and (self._local_shipping or not self._settings.stripe_is_local):
            params["shipping"] = shipping_params(shipping)
        if save_card and not self._settings.stripe_is_local:
            # Keep the card for a balance charged later, off session (a made-to-order deposit).
            # The local test server rejects the parameter; it lets any card be charged again anyway.
            params["setup_future_usage"] = "off_session"
        intent = await self._call(
            "create payment intent",
            lambda: client.v1.payment_intents.create_async(params, {"idempotency_key": idempotency_key}),
            declined_raises=True,
        )
        return _intent_view(intent)

    async def create_customer(self, *, email: str, order_id: str, idempotency_key: str) -> str:
        """A Stripe customer to keep a card on, for a balance charged when a made-to-order piece ships."""
        client = self._stripe()
        params: CustomerCreateParams = {"email": email, "metadata": {"order_id": order_id}}
        customer = await self._call(
            "create customer",
            lambda: client.v1.customers.create_async(params, {"idempotency_key": idempotency_key}),
        )
        return str(customer.id)

    async def charge_saved_card(
        self, *, customer: str, payment_method: str, amount: Money, order_id: str, idempotency_key: str
    ) -> PaymentIntentView:
        """Charge a kept card with the shopper away (a deposit's balance); a decline raises ``PaymentDeclined``."""
        client = self._stripe()
        params: PaymentIntentCreateParams = {
            "amount": _stripe_amount(amount),
            "currency": amount.currency.lower(),
            "customer": customer,
            "payment_method": payment_method,
            # stripe 16's TypedDict lists only allowed_payment_method_types; the request is unchanged
            "payment_method_types": ["card"],  # type: ignore[typeddict-unknown-key]
            "confirm": True,
            "off_session": True,
            "metadata": {"order_id": order_id, "kind": "balance"},
        }
        intent = await self._call(
            "charge saved card",
            lambda: client.v1.payment_intents.create_async(params, {"idempotency_key": idempotency_key}),
            declined_raises=True,
        )
        return _intent_view(intent)

    async def retrieve_payment_intent(self, intent_id: str) -> PaymentIntentView:
        """The intent as Stripe has it now (reads need no idempotency key).

        Raises :class:`PaymentIntentNotFound` when Stripe has no such intent.
        """
        client = self._stripe()
        intent = await self._call(
            "retrieve payment intent", lambda: client.v1.payment_intents.retrieve_async(intent_id), intent_id=intent_id
        )
        return _intent_view(intent)

    async def confirm_payment_intent(
        self, intent_id: str, *, payment_method: str, idempotency_key: str
    ) -> PaymentIntentView:
        """Confirm an intent server-side with ``payment_method`` (a test card such as ``pm_card_visa``).

        Only the offline demo and tests confirm on the server; real shoppers confirm in the browser
        with Stripe.js. A declined card is not an exception: the intent comes back
        ``requires_payment_method`` with ``last_error`` set. An intent that is past confirming
        (succeeded, processing, canceled, awaiting capture or 3-D Secure) is returned as it is, so
        a repeated confirm is harmless.

        The payment method is attached with an update and then confirmed, two calls where real
        Stripe also takes one, because the local test server cannot confirm with a
        ``payment_method`` parameter. Each call has its own key derived from ``idempotency_key``.
        """
        client = self._stripe()
        current = await self._call(
            "retrieve payment intent", lambda: client.v1.payment_intents.retrieve_async(intent_id), intent_id=intent_id
        )
        if current.status not in _CONFIRMABLE:
            return _intent_view(current)
        if _id_of(_field(current, "payment_method")) != payment_method:
            await self._call(
                "attach payment method",
                lambda: client.v1.payment_intents.update_async(
                    intent_id,
                    {"payment_method": payment_method},
                    {"idempotency_key": f"{idempotency_key}:attach"},
                ),
                intent_id=intent_id,
                payment_method=payment_method,
            )
        try:
            intent = await self._call(
                "confirm payment intent",
                lambda: client.v1.payment_intents.confirm_async(
                    intent_id, None, {"idempotency_key": f"{idempotency_key}:confirm"}
                ),
                intent_id=intent_id,
                payment_method=payment_method,
                declined_raises=True,
            )
        except PaymentDeclined:
            # The decline is recorded on the intent (last_payment_error); report the intent.
            return await self.retrieve_payment_intent(intent_id)
        return _intent_view(intent)

    async def cancel_payment_intent(self, intent_id: str, *, idempotency_key: str) -> PaymentIntentView:
        """Cancel an unpaid intent (its order's hold ran out).

        If it can no longer be cancelled, because it is already canceled or it succeeded (the
        payment won the race with the hold), or it is processing, the intent is returned as it
        stands so the state machine can pay, keep waiting or refund, instead of an error.
        """
        client = self._stripe()
        try:
            intent = await self._call(
                "cancel payment intent",
                lambda: client.v1.payment_intents.cancel_async(intent_id, None, {"idempotency_key": idempotency_key}),
                intent_id=intent_id,
                refused_raises=True,
            )
        except _Refused as refused:
            current = await self.retrieve_payment_intent(intent_id)
            if current.status in _CANCELABLE:
                raise refused.error from refused
            return current
        return _intent_view(intent)

    # --- refunds -----------------------------------------------------------------------------

    async def create_refund(self, *, payment_intent: str, amount: Money, idempotency_key: str) -> RefundView:
        """Refund ``amount`` (all or part) of a PaymentIntent's payment.

        The intent is read first so a refund in the wrong currency is refused here
        (``InvalidInput``) rather than sent as a number Stripe would read in the charge's currency.
        """
        client = self._stripe()
        intent = await self.retrieve_payment_intent(payment_intent)
        if intent.currency != amount.currency:
            raise InvalidInput(f"refund is in {amount.currency} but payment {payment_intent} was in {intent.currency}")
        params: RefundCreateParams = {"payment_intent": payment_intent, "amount": _stripe_amount(amount)}
        refund = await self._call(
            "create refund",
            lambda: client.v1.refunds.create_async(params, {"idempotency_key": idempotency_key}),
            intent_id=payment_intent,
        )
        money = from_stripe_amount(refund.amount, refund.currency)
        return RefundView(
            id=refund.id,
            status=refund.status or "",
            amount=money.amount,
            currency=money.currency,
            payment_intent=_id_of(_field(refund, "payment_intent")),
        )

    # --- webhooks ----------------------------------------------------------------------------

    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        """Verify a webhook's ``Stripe-Signature`` against our endpoint secret and read the event.

        Only a verified body is read: anything else raises :class:`WebhookSignatureInvalid`
        (400, so Stripe shows the delivery as failed). A verified body that is not a Stripe event
        raises :class:`WebhookEventInvalid` (400). With no webhook secret configured every
        delivery is refused with ``PaymentsUnavailable`` (503): Stripe retries, and nothing
        unverified gets in. The SDK checks the signature and its age (``DEFAULT_TOLERANCE``);
        the body is read by :mod:`.events`, as the fake reads it, not by the SDK, whose event
        objects accept any shape.
        """
        self._stripe()
        secret = _reveal(self._settings.stripe_webhook_secret)
        if not secret:
            raise PaymentsUnavailable("the Stripe webhook secret is not configured")
        if not signature:
            raise WebhookSignatureInvalid("missing Stripe-Signature header")
        try:
            stripe.WebhookSignature.verify_header(payload, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
        except stripe.SignatureVerificationError:
            raise WebhookSignatureInvalid("the Stripe-Signature header does not match this body") from None
        except UnicodeDecodeError:  # the SDK decodes the body before it hashes it
            raise WebhookSignatureInvalid("the webhook body is not UTF-8, so no signature can match it") from None
        return events.read_event(payload)

    def news_of(self, event: WebhookEvent) -> PaymentNews:
        """What a verified event tells an order: an intent's state, or a charge's refunded total."""
        return events.news_of(event)

    # --- error mapping -----------------------------------------------------------------------

    async def _call(
        self,
        what: str,
        call: Callable[[], Awaitable[T]],
        *,
        intent_id: str | None = None,
        payment_method: str | None = None,
        declined_raises: bool = False,
        refused_raises: bool = False,
    ) -> T:
        """Run one SDK call and translate its exceptions into the domain's (see the module docstring).

        ``payment_method``: the call uses this payment method on an intent just read, so a missing
        resource is the payment method (Stripe: 400 ``resource_missing`` on ``payment_method``;
        the local test server: 404 on confirm), the caller's bad input, not a missing intent.
        ``declined_raises``: a card error becomes ``PaymentDeclined`` (else it is unexpected).
        ``refused_raises``: an invalid-request refusal is raised as :class:`_Refused` for the caller
        to inspect before it becomes ``PaymentsUnavailable``.
        """
        try:
            return await call()
        except stripe.CardError as exc:
            if declined_raises:
                raise PaymentDeclined(_decline_message(exc)) from None
            _fail(what, exc)
        except stripe.InvalidRequestError as exc:
            if payment_method is not None and (exc.code == "resource_missing" or exc.http_status == 404):
                raise unknown_payment_method(payment_method) from None
            if intent_id is not None and (exc.code == "resource_missing" or exc.http_status == 404):
                log.warning("Stripe has no payment intent %s (%s)", intent_id, what)
                raise PaymentIntentNotFound(f"Stripe has no payment intent {intent_id}") from None
            if refused_raises:
                raise _Refused(_unavailable(what, exc)) from None
            _fail(what, exc)
        except stripe.StripeError as exc:
            _fail(what, exc)


class _Refused(Exception):
    """Stripe refused a request as invalid; ``error`` is the ``PaymentsUnavailable`` it becomes."""

    def __init__(self, error: PaymentsUnavailable) -> None:
        super().__init__(error.detail)
        self.error = error


def _fail(what: str, exc: stripe.StripeError) -> NoReturn:
    raise _unavailable(what, exc) from None


def _unavailable(what: str, exc: stripe.StripeError) -> PaymentsUnavailable:
    """The 503 for an SDK error, logged with Stripe's request id; the message never carries a key."""
    status = exc.http_status
    log.warning(
        "Stripe %s failed: %s (http %s, code %s, request %s)",
        what,
        type(exc).__name__,
        status,
        exc.code,
        exc.request_id,
    )
    if isinstance(exc, stripe.APIConnectionError):
        return PaymentsUnavailable(f"cannot reach Stripe to {what}; try again shortly")
    if isinstance(exc, stripe.RateLimitError):
        return PaymentsUnavailable(f"Stripe is rate limiting us ({what}); try again shortly")
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        # Stripe's message quotes part of the key: never pass it on.
        return PaymentsUnavailable("Stripe refused our API key; check STALLKIT_STRIPE_SECRET_KEY")
    if isinstance(exc, stripe.InvalidRequestError | stripe.IdempotencyError):
        return PaymentsUnavailable(f"Stripe refused to {what}: {exc.user_message or 'invalid request'}")
    return PaymentsUnavailable(f"Stripe failed to {what} (HTTP {status or 'error'}); try again shortly")


def _decline_message(exc: stripe.CardError) -> str:
    return exc.user_message or "the card was declined"


def _stripe_amount(amount: Money) -> int:
    try:
        return to_stripe_amount(amount)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def _reveal(value: str) -> str:
    """The real value of a setting: ``str()`` of a :class:`Secret` is a mask, never the key."""
    return value.reveal() if isinstance(value, Secret) else value


def _field(obj: Any, name: str) -> Any:
    """``obj[name]`` or None: Stripe objects are not dicts in SDK 16 (no ``.get``), and omit unset fields."""
    try:
        return obj[name]
    except (KeyError, AttributeError, TypeError):
        return None


def _id_of(value: Any) -> str | None:
    """An id from a field that is an id, or an expanded object (the local test server expands charges)."""
    if value is None or isinstance(value, str):
        return value
    return cast("str | None", _field(value, "id"))


def _last_error(intent: Any) -> str | None:
    error = _field(intent, "last_payment_error")
    if not error:
        return None
    code = _field(error, "decline_code") or _field(error, "code")
    message = _field(error, "message")
    if code and message:
        return f"{code}: {message}"
    return str(code or message or "payment failed")


def intent_from_event(event: WebhookEvent) -> PaymentIntentView:
    """The PaymentIntent a ``payment_intent.*`` webhook carries, read and checked by :mod:`.events`."""
    return events.intent_of(event)


def shipping_params(shipping: Shipping) -> PaymentIntentCreateParamsShipping:
    """Stripe's ``shipping`` for an intent; an empty second line is left out, as Stripe stores it."""
    address: PaymentIntentCreateParamsShippingAddress = {
        "line1": shipping.address.line1,
        "city": shipping.address.city,
        "postal_code": shipping.address.postal_code,
        "country": shipping.address.country,
    }
    if shipping.address.line2:
        address["line2"] = shipping.address.line2
    return {"name": shipping.name, "phone": shipping.phone, "address": address}


def _shipping_of(intent: Any) -> Shipping | None:
    shipping = _field(intent, "shipping")
    address = _field(shipping, "address") if shipping is not None else None
    if address is None:
        return None
    return Shipping(
        name=str(_field(shipping, "name") or ""),
        phone=str(_field(shipping, "phone") or ""),
        address=ShippingAddress(
            line1=str(_field(address, "line1") or ""),
            line2=str(_field(address, "line2") or ""),
            city=str(_field(address, "city") or ""),
            postal_code=str(_field(address, "postal_code") or ""),
            country=str(_field(address, "country") or ""),
        ),
    )


def _intent_view(intent: Any) -> PaymentIntentView:
    """An SDK PaymentIntent, or an event's plain ``data.object``, as the order state machine reads it."""
    amount, currency, status = _field(intent, "amount"), _field(intent, "currency"), _field(intent, "status")
    charged = from_stripe_amount(amount, currency)
    received_raw = _field(intent, "amount_received")
    if received_raw is None:
        # Real Stripe always sends amount_received; the local test server never does. A
        # succeeded intent (automatic capture) has received its whole amount.
        received_raw = amount if status == "succeeded" else 0
    received = from_stripe_amount(received_raw, currency)
    return PaymentIntentView(
        id=_field(intent, "id"),
        status=status,
        amount=charged.amount,
        currency=charged.currency,
        amount_received=received.amount,
        client_secret=_field(intent, "client_secret"),
        latest_charge=_id_of(_field(intent, "latest_charge")),
        metadata=_metadata(_field(intent, "metadata")),
        last_error=_last_error(intent),
        payment_method=_id_of(_field(intent, "payment_method")),
        customer=_id_of(_field(intent, "customer")),
        shipping=_shipping_of(intent),
    )


def _metadata(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    items = value.to_dict() if hasattr(value, "to_dict") else dict(value)
    return {str(k): str(v) for k, v in items.items()}

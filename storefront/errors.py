"""The domain's error hierarchy, with stable snake_case codes.

Services raise these and know nothing of HTTP; ``storefront.api.problems`` maps them to RFC 9457
problem details, and the back office to pages. ``code`` and ``title`` are class attributes a
subclass inherits unless it sets its own, and the HTTP status is that of the branch the class falls
under in :data:`STATUS_BY_ERROR` (400 under none), one table for both. The whole tree, every domain error wherever it is
defined: class, ``code``, status, and for classes defined outside this module the domain
package that raises them (in brackets)::

    StallkitError                   (error)                     400               the root; not raised bare
    ├── NotFound                    (not_found)                 404               a missing or other tenant's object
    ├── MalformedRequest            (malformed_request)         400               not JSON, or a body missing
    │   ├── WebhookSignatureInvalid (webhook_signature_invalid) 400 [payments]    bad or no Stripe-Signature
    │   └── WebhookEventInvalid     (webhook_event_invalid)     400 [payments]    signed, but not believable
    ├── InvalidInput                (invalid_input)             422               well-formed but unacceptable input
    │   ├── QuoteUnavailable        (invalid_input)             422 [fulfilment]  no delivery promise; see below
    │   ├── CurrencyMismatchError   (currency_mismatch)         422 [cart]        not the cart's currency
    │   ├── EmptyCart               (cart_empty)                422 [checkout]    checking out an empty cart
    │   └── InvalidCreditCode       (credit_code_invalid)       422 [credits]     not a code, or a typo in it
    ├── Conflict                    (conflict)                  409               clashes with current state
    │   ├── DuplicateHandle         (duplicate_handle)          409               a handle or SKU already in use
    │   ├── IdempotencyKeyReused    (idempotency_key_reused)    409               same key, different request
    │   ├── IdempotencyInProgress   (idempotency_in_progress)   409               same key, first still running
    │   ├── CartClosed              (cart_checked_out)          409 [cart]        checked out already
    │   ├── NoCapacity              (no_capacity)               409 [fulfilment]  no production day to book
    │   ├── CreditInsufficient      (credit_insufficient)       409 [credits]     less credit left than asked for
    │   ├── CreditNotOffline        (credit_not_offline)        409 [credits]     minted before codes could go offline
    │   ├── StallCodeTaken          (credit_code_taken)         409 [credits]     a stall's code is another credit's
    │   ├── CreditSpent             (credit_spent)              409 [cart]        a code applied with nothing left on it
    │   ├── HoldExpired             (reservation_expired)       409 [checkout]    the stock hold ran out
    │   ├── NotCheckedOut           (not_checked_out)           409 [checkout]    paying for an unchecked-out cart
    │   ├── TooManyUnpaidCheckouts  (unpaid_checkouts_limit)    409 [checkout]    a shopper's cap of unpaid holds
    │   ├── IllegalTransition       (illegal_transition)        409 [orders]      not the next fulfilment step
    │   ├── AlreadyReceived         (return_already_received)   409 [orders]      received already
    │   └── NotReturnable           (order_not_returnable)      409 [orders]      nothing to return
    ├── Unauthenticated             (unauthenticated)           401               no or unknown key
    │   ├── SignInRefused           (sign_in_refused)           401 [backoffice]  wrong staff email or password
    │   └── SignInFirst             (sign_in_required)          401 [backoffice]  a back-office page with no session
    ├── PermissionDenied            (permission_denied)         403               the key may not do this
    │   ├── AccountLocked           (account_locked)            403 [backoffice]  too many wrong passwords in a row
    │   └── CsrfRefused             (csrf_refused)              403 [backoffice]  a form without its token, or posted
    ├── InsufficientStock           (out_of_stock)              409               not enough stock to hold or move
    ├── PaymentDeclined             (payment_declined)          402               the card issuer said no
    ├── PaymentsUnavailable         (payments_unavailable)      503               payments off or provider down
    │   └── PaymentIntentNotFound   (payments_unavailable)      503 [payments]    Stripe has no such intent
    └── ActionFailed                (error)                     400 [components]  an action no form field can fix

Three classes share their parent's code on purpose, so a client sees the parent's problem:
``PaymentIntentNotFound`` (a configuration problem on our side; only the reconciler tells it
apart, by class), ``ActionFailed`` (a component action's generic failure, shown as an error
fragment) and ``QuoteUnavailable``, whose class code is only a default: each instance's
``code`` is the promise engine's reason, one of::

    QuoteUnavailable reasons: no_pickup_point, no_pickup_stock, pickup_closed, postcode_required,
        postcode_not_served, no_courier_stock, no_delivery_window, not_made_to_order,
        no_microfactory, no_capacity

(``no_capacity`` is also ``NoCapacity``'s code: 422 when a quote finds no day, 409 when a
checkout cannot book one.) ``tests/test_error_tree.py`` checks this tree against the classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class FieldError:
    """One bad field: where (a dotted path such as ``variants[0].price``) and why."""

    __slots__ = ("field", "message")

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message


def raise_field_errors(errors: list[FieldError]) -> None:
    """Raise one :class:`InvalidInput` listing every bad field, so a client fixes them all at once."""
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


class StallkitError(Exception):
    code: ClassVar[str] = "error"
    title: ClassVar[str] = "Request failed"

    def __init__(
        self, detail: str, *, errors: list[FieldError] | None = None, extensions: Mapping[str, int | str] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        # RFC 9457 extension members beside detail and errors: figures a client acts on without parsing the sentence.
        self.extensions = dict(extensions or {})


class NotFound(StallkitError):
    code = "not_found"
    title = "Not found"


class MalformedRequest(StallkitError):
    code = "malformed_request"
    title = "Malformed request"


class InvalidInput(StallkitError):
    code = "invalid_input"
    title = "Invalid input"


class Conflict(StallkitError):
    code = "conflict"
    title = "Conflict"


class DuplicateHandle(Conflict):
    code = "duplicate_handle"
    title = "Handle already in use"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    title = "Idempotency key reused with a different request"


class IdempotencyInProgress(Conflict):
    code = "idempotency_in_progress"
    title = "A request with this idempotency key is still in progress"


class Unauthenticated(StallkitError):
    code = "unauthenticated"
    title = "Authentication required"


class PermissionDenied(StallkitError):
    code = "permission_denied"
    title = "Permission denied"


class InsufficientStock(StallkitError):
    code = "out_of_stock"
    title = "Not enough stock"


class PaymentDeclined(StallkitError):
    code = "payment_declined"
    title = "Payment declined"


class PaymentsUnavailable(StallkitError):
    code = "payments_unavailable"
    title = "Payments unavailable"


STATUS_BY_ERROR: tuple[tuple[type[StallkitError], int], ...] = (
    (NotFound, 404),
    (MalformedRequest, 400),
    (InvalidInput, 422),
    (Conflict, 409),
    (Unauthenticated, 401),
    (PermissionDenied, 403),
    (InsufficientStock, 409),
    (PaymentDeclined, 402),
    (PaymentsUnavailable, 503),
)


def status_of(exc: StallkitError) -> int:
    """The HTTP status of a domain error: its branch's in :data:`STATUS_BY_ERROR`, else 400."""
    return next((status for cls, status in STATUS_BY_ERROR if isinstance(exc, cls)), 400)

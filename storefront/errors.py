"""The domain's error hierarchy, with stable snake_case codes.

Services raise these; they know nothing of HTTP. ``storefront.api.problems`` maps them, once,
to RFC 9457 problem details. The tree::

    StallkitError                       (code: error)
    ├── NotFound                        (not_found)            a missing or other tenant's object
    ├── MalformedRequest                (malformed_request)    not JSON, or no body where one is needed
    ├── InvalidInput                    (invalid_input)        well-formed but unacceptable input
    ├── Conflict                        (conflict)             clashes with current state
    │   ├── DuplicateHandle             (duplicate_handle)
    │   ├── IdempotencyKeyReused        (idempotency_key_reused)
    │   └── IdempotencyInProgress       (idempotency_in_progress)
    ├── Unauthenticated                 (unauthenticated)      no or unknown key
    ├── PermissionDenied                (permission_denied)    the key may not do this
    ├── InsufficientStock               (out_of_stock)
    ├── PaymentDeclined                 (payment_declined)     the card issuer said no (402)
    └── PaymentsUnavailable             (payments_unavailable) payments off or the provider unreachable (503)

Later domains add their own leaves (``credit_insufficient`` ...) under these branches.
"""

from __future__ import annotations

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

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


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

"""What the till app refuses, as storefront domain errors (so one mapping turns them into problems).

Like the store's errors (:mod:`popup.store.errors`) they subclass ``storefront.errors``, so the
storefront's problem mapping (``storefront.api.problems``) gives each its status and stable code
without knowing the till exists. The detail is the sentence staff read on the till's screen:
what to change, in their words, never a field path alone.
"""

from __future__ import annotations

from storefront.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unauthenticated


class SaleRefused(InvalidInput):
    """A sale the till will not complete as entered (:class:`popup.till.rules.TillRefusal`)."""

    code = "till_sale_refused"
    title = "The sale cannot be completed"


class CreditCodeInvalid(InvalidInput):
    """Typed text that cannot be a credit code: the storefront's code, so a client sees one problem."""

    code = "credit_code_invalid"
    title = "Not a credit code"


class VoidRefused(Conflict):
    """A void the till will not record: voided already, or not the stall's day any more."""

    code = "till_void_refused"
    title = "The sale cannot be voided"


class SaleNotFound(NotFound):
    code = "till_sale_not_found"
    title = "No such sale at this till"


class TillLocked(Unauthenticated):
    """No unlocked staff session: unlock the till with the staff PIN first."""

    code = "till_locked"
    title = "The till is locked"


class PinWrong(Unauthenticated):
    code = "till_pin_wrong"
    title = "Wrong PIN"


class CsrfRefused(PermissionDenied):
    """A state-changing request without this session's token, or from another site."""

    code = "till_csrf_refused"
    title = "Request refused"


class TillSetupError(Exception):
    """``popup open`` cannot start the till as asked; the message is one line for the operator."""

"""The till's pages post forms; its scripts post JSON: both become the same strict Struct here.

A form has flat fields (``qty.BAG-1``, ``count.BAG-1``, amounts typed as ``20.50``), so each
action's form is read into the Struct a JSON client sends and then checked by the same
:func:`popup.till.inputs.convert`, so a page meets exactly the limits a script does. The answer is
chosen the same way for every action: JSON (201) for a JSON client, the result fragment for an
htmx swap, the whole page for a plain form post. A page's form carries the idempotency key it was
rendered with, so a double tap or a resubmitted page answers the first action.
"""

from __future__ import annotations

import secrets
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response
from litestar.datastructures import FormMultiDict

from popup.till.context import TillContext
from popup.till.http import is_htmx, wants_json
from popup.till.inputs import KEY_PATTERN, convert, idempotency_key
from popup.till.pages import page_context
from popup.till.sessions import Session
from popup.till.templating import Pages, parse_amount
from storefront.decoding import decode_json_body
from storefront.errors import FieldError, InvalidInput

T = TypeVar("T")
KEY_FIELD = "idempotency_key"
MAX_FIELD = 500


def is_json_body(request: Request[Any, Any, Any]) -> bool:
    return request.content_type[0] == "application/json"


async def json_body(request: Request[Any, Any, Any], shape: type[T]) -> T:
    return decode_json_body(await request.body(), shape)


def text(form: FormMultiDict, name: str) -> str:
    """A form field's text, stripped; too long a field is refused rather than cut."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    if len(value) > MAX_FIELD:
        raise InvalidInput(f"{name}: too long", errors=[FieldError(name, "too long")])
    return value.strip()


def whole(form: FormMultiDict, name: str, what: str, *, low: int = 0, high: int = 1_000_000) -> int | None:
    """A whole number typed on a page (``None`` when empty): ASCII digits only, within bounds."""
    value = text(form, name)
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        raise InvalidInput(f"{what}: type a whole number from {low} to {high}", errors=[FieldError(name, "a number")])
    return int(value)


def amount(form: FormMultiDict, name: str, till: TillContext, what: str) -> int | None:
    return parse_amount(text(form, name), till.currency, what)


def prefixed(form: FormMultiDict, prefix: str) -> dict[str, str]:
    """Fields named ``prefix + key`` (``qty.BAG-1``), by key, in the form's order, empty ones left out."""
    found: dict[str, str] = {}
    for name in form:
        if name.startswith(prefix) and (value := text(form, name)):
            found[name[len(prefix) :]] = value
    return found


def strict(values: dict[str, Any], shape: type[T]) -> T:
    """A form's values as the JSON Struct, with a JSON client's limits."""
    return convert(msgspec.to_builtins(values), shape)


def form_key(request: Request[Any, Any, Any], form: FormMultiDict | None) -> str | None:
    """The Idempotency-Key header, else the key the page's form was rendered with."""
    header = idempotency_key(request)
    if header is not None or form is None:
        return header
    value = text(form, KEY_FIELD)
    return value if KEY_PATTERN.fullmatch(value) else None


def new_key() -> str:
    return secrets.token_urlsafe(16)


def answer(
    request: Request[Any, Any, Any],
    till: TillContext,
    session: Session,
    pages: Pages,
    *,
    out: msgspec.Struct,
    fragment: str,
    page: str,
    **context: Any,
) -> Response[Any]:
    """201 with ``out`` for JSON; the result ``fragment`` for htmx; ``page`` (which includes it) for a plain post."""
    if wants_json(request):
        return Response(out, status_code=201)
    if is_htmx(request):
        return pages.response(fragment, headers={"HX-Trigger": "sale-recorded"}, till=till, session=session, **context)
    return pages.response(page, **page_context(till, session, done=True, **context))

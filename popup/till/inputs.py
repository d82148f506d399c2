"""Reading an action's input the way it came: a JSON body (scripts) or a form (the till's pages).

One route serves both, so a form is turned into the same strict Struct a JSON client sends, and
refused with the same words. Only the Struct's own fields are read from a form (a page's form
also carries its CSRF token and buttons); empty fields count as not given.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from litestar import Request

from popup.till.errors import SaleRefused
from storefront.decoding import convert as convert
from storefront.decoding import decode_json_body
from storefront.errors import FieldError, InvalidInput

T = TypeVar("T")
# The storefront's rule for Idempotency-Key: 1 to 255 visible ASCII characters.
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")


async def body_of(request: Request[Any, Any, Any], shape: type[T]) -> T:
    if request.content_type[0] == "application/json":
        return decode_json_body(await request.body(), shape)
    form = await request.form()
    fields = getattr(shape, "__struct_fields__", ())
    given = {}
    for name in fields:
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            given[name] = value
    return convert(given, shape)


def idempotency_key(request: Request[Any, Any, Any]) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidInput(
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
            errors=[FieldError("header.idempotency-key", "1 to 255 visible ASCII characters")],
        )
    return key


def quantity(text: str | None) -> int:
    """A quantity typed on a page: 1 when empty."""
    if text is None or not text.strip():
        return 1
    if not text.strip().isascii() or not text.strip().isdigit() or not 1 <= int(text) <= 10_000:
        raise SaleRefused("a quantity is a whole number from 1 to 10000")
    return int(text)

"""Strict request input, checked before any handler runs: the body, and control characters in the URL.

Litestar converts bodies to their Struct loosely (``strict=False``), which turns
``"amount": "125.00"`` into 125 minor units: a price a hundred times too low, silently. This
``before_request`` hook decodes the body strictly into the handler's declared body type
first, so a wrong type is a 422 naming the field and the handler never runs. Handlers keep
declaring ``data: JSONBody[T]``, so OpenAPI still documents the body.

Handlers that read a form themselves (the components' actions) get it parsed here too:
Litestar caches the parsed form for the handler, and a multipart field that is not UTF-8
text, which its parser raises on, is a 400 here instead of a 500 in whichever handler reads it.

No query or path parameter of ours holds a control character, and PostgreSQL cannot hold a
NUL at all (a filter ``?material=%00`` failed the query with a 500): a URL with one, percent
encoded or not, is a 422 naming the parameter, whatever the route declares.
"""

from __future__ import annotations

import re
import weakref
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request
from litestar.enums import RequestEncodingType

from storefront.decoding import decode_json_body
from storefront.errors import FieldError, MalformedRequest, raise_field_errors

_NO_BODY = object()
# By the handler object, weakly: keyed by id(), a handler of a collected app could hand its id,
# and its body type, to another app's handler (tests build many apps).
_body_types: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORMS = frozenset({RequestEncodingType.MULTI_PART, RequestEncodingType.URL_ENCODED})
# C0, DEL and C1 (U+0080-U+009F, C2 80-C2 9F in UTF-8), percent-encoded or raw: a quick look at the bytes.
_CONTROL_IN_URL = re.compile(rb"%(?:[01][0-9a-f]|7f|c2%[89][0-9a-f])|[\x00-\x1f\x7f]", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NO_CONTROL = "control characters are not allowed"


def _body_type(request: Request[Any, Any, Any]) -> Any:
    """The handler's JSON body type (``data: JSONBody[T]``), looked up once per handler."""
    handler = request.route_handler
    found = _body_types.get(handler)
    if found is None:
        data = handler.parsed_fn_signature.parameters.get("data")
        kwarg = data.kwarg_definition if data is not None else None
        is_json = getattr(kwarg, "media_type", None) == RequestEncodingType.JSON
        found = data.annotation if data is not None and is_json else _NO_BODY
        _body_types[handler] = found
    return found


def _refuse_control_characters_in_url(request: Request[Any, Any, Any]) -> None:
    """Every request passes here, so the common case costs two C-level scans and no regex."""
    path: str = request.scope["path"]  # ASGI gives it percent-decoded
    query: bytes = request.scope.get("query_string", b"")
    path_ok = path.isascii() and path.isprintable()
    if path_ok and b"%" not in query:  # servers refuse raw control bytes in a request line
        return
    errors = [] if path_ok or not _CONTROL.search(path) else [FieldError("path", _NO_CONTROL)]
    if _CONTROL_IN_URL.search(query):
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace")
        errors += [FieldError(f"query.{name}", _NO_CONTROL) for name, value in pairs if _CONTROL.search(name + value)]
    raise_field_errors(errors)


async def strict_json_body(request: Request[Any, Any, Any]) -> None:
    _refuse_control_characters_in_url(request)
    body_type = _body_type(request)
    if body_type is not _NO_BODY:
        decode_json_body(await request.body(), body_type)
    elif request.method in _WRITES and request.content_type[0] in _FORMS:
        try:
            await request.form()
        except UnicodeDecodeError:
            raise MalformedRequest("the form is not UTF-8 text", errors=[FieldError("body", "invalid UTF-8")]) from None

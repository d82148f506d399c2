"""Strict JSON request bodies.

Litestar converts bodies to their Struct loosely (``strict=False``), which turns
``"amount": "125.00"`` into 125 minor units: a price a hundred times too low, silently. This
``before_request`` hook decodes the body strictly into the handler's declared body type
first, so a wrong type is a 422 naming the field and the handler never runs. Handlers keep
declaring ``data: JSONBody[T]``, so OpenAPI still documents the body.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType

from storefront.errors import FieldError, InvalidInput, MalformedRequest

_LOCATION = re.compile(r" - at (?P<key>`key` in )?`\$(?P<path>[^`]*)`$")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
_NO_BODY = object()
_body_types: dict[int, Any] = {}


def _body_type(request: Request[Any, Any, Any]) -> Any:
    """The handler's JSON body type (``data: JSONBody[T]``), looked up once per handler."""
    handler = request.route_handler
    found = _body_types.get(id(handler))
    if found is None:
        data = handler.parsed_fn_signature.parameters.get("data")
        kwarg = data.kwarg_definition if data is not None else None
        is_json = getattr(kwarg, "media_type", None) == RequestEncodingType.JSON
        found = data.annotation if data is not None and is_json else _NO_BODY
        _body_types[id(handler)] = found
    return found


def split_location(message: str) -> tuple[str, str]:
    """msgspec's message and the path it names: ``Expected `int` - at `$.a[0].b``` -> (``Expected `int```, ``.a[0].b``).

    An unknown field's name is appended to its parent's path; a bad dict key keeps the dict's path.
    """
    path = ""
    match = _LOCATION.search(message)
    if match:
        message, path = message[: match.start()], match.group("path")
    unknown = _UNKNOWN_FIELD.search(message)
    if unknown:
        path = f"{path}.{unknown.group(1)}"
    return message, path


def field_error(exc: msgspec.ValidationError) -> FieldError:
    """A msgspec validation error as a field error on ``body.<path>``."""
    message, path = split_location(str(exc))
    return FieldError("body" + path, message)


async def strict_json_body(request: Request[Any, Any, Any]) -> None:
    body_type = _body_type(request)
    if body_type is _NO_BODY:
        return
    raw = await request.body()
    if not raw.strip():
        raise MalformedRequest("this request needs a JSON object body", errors=[FieldError("body", "missing")])
    try:
        msgspec.json.decode(raw, type=body_type)
    except msgspec.ValidationError as exc:
        error = field_error(exc)
        raise InvalidInput(f"{error.field}: {error.message}", errors=[error]) from None
    except msgspec.DecodeError as exc:
        raise MalformedRequest(
            f"the body is not valid JSON: {exc}", errors=[FieldError("body", "invalid JSON")]
        ) from None

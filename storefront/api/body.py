"""Strict JSON request bodies.

Litestar converts bodies to their Struct loosely (``strict=False``), which turns
``"amount": "125.00"`` into 125 minor units: a price a hundred times too low, silently. This
``before_request`` hook decodes the body strictly into the handler's declared body type
first, so a wrong type is a 422 naming the field and the handler never runs. Handlers keep
declaring ``data: JSONBody[T]``, so OpenAPI still documents the body.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.enums import RequestEncodingType

from storefront.decoding import decode_json_body

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


async def strict_json_body(request: Request[Any, Any, Any]) -> None:
    body_type = _body_type(request)
    if body_type is not _NO_BODY:
        decode_json_body(await request.body(), body_type)

"""Strict JSON decoding into msgspec types, with errors a client can act on.

Used wherever the app decodes a body itself: the strict-body hook in front of every handler
(:mod:`storefront.api.body`) and the analytics beacon, which must accept ``text/plain``.
Bytes that are not JSON, or not UTF-8 text, are :class:`MalformedRequest` (400); JSON that
breaks the schema is :class:`InvalidInput` (422) naming the field, e.g.
``body.variants[0].price.amount``.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

from storefront.errors import FieldError, InvalidInput, MalformedRequest
from storefront.ids import LINE_PATTERN, MULTILINE_PATTERN

T = TypeVar("T")

_LOCATION = re.compile(r" - at (?P<key>`key` in )?`\$(?P<path>[^`]*)`$")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
# msgspec names the regex a string missed; for the two text shapes, say what it means instead.
_READABLE = {
    f"Expected `str` matching regex {LINE_PATTERN!r}": "Expected one line of text, without control characters",
    f"Expected `str` matching regex {MULTILINE_PATTERN!r}": (
        "Expected text without control characters (tabs and line breaks are fine)"
    ),
}


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
    return _READABLE.get(message, message), path


def decode_json_body(raw: bytes, body_type: type[T] | Any) -> T:
    """``raw`` decoded strictly (no string becomes a number) into ``body_type``."""
    if not raw.strip():
        raise MalformedRequest("this request needs a JSON object body", errors=[FieldError("body", "missing")])
    try:
        return msgspec.json.decode(raw, type=body_type)
    except msgspec.ValidationError as exc:
        message, path = split_location(str(exc))
        raise InvalidInput(f"body{path}: {message}", errors=[FieldError("body" + path, message)]) from None
    except msgspec.DecodeError as exc:
        raise MalformedRequest(
            f"the body is not valid JSON: {exc}", errors=[FieldError("body", "invalid JSON")]
        ) from None
    except UnicodeDecodeError as exc:  # msgspec checks UTF-8 only as it builds a str, and raises this itself
        raise MalformedRequest(
            f"the body is not UTF-8 text ({exc.reason})",
            errors=[FieldError("body", "invalid UTF-8")],
        ) from None
    except RecursionError:  # an ignored field's value is skipped recursively: [[[[...]]]] a million deep
        raise MalformedRequest(
            "the body is nested too deeply", errors=[FieldError("body", "nested too deeply")]
        ) from None


def convert(values: dict[str, Any], shape: type[T]) -> T:
    """A form's fields (already text, or builtins) as a strict Struct, refused with the field's name in words."""
    try:
        return msgspec.convert(values, shape)
    except msgspec.ValidationError as exc:
        message, path = split_location(str(exc))
        field = path.lstrip(".") or "form"
        raise InvalidInput(f"{field}: {message}", errors=[FieldError(field, message)]) from None

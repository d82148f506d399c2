"""The one mapping from errors to RFC 9457 problem details.

Every error an API client can see passes through :func:`problem_response`: domain errors by
their stable code, Litestar's own HTTP errors (validation, 404 route, 405, 413) by status, and
anything unexpected as a bare 500 that never shows a stack trace to the client.

The log tells the two apart. An expected problem (any ``storefront.errors`` error, a 503
``payments_unavailable`` included, and Litestar's 4xx) is one line: the request was answered as
designed, and a traceback would make a shop without payments look like it was crashing. Only
an unexpected exception, a bug, is logged with its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from storefront import errors
from storefront.decoding import split_location

log = logging.getLogger("stallkit.api")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://stallkit.dev/problems/"

_CODE_BY_STATUS = {
    400: ("bad_request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    402: ("payment_declined", "Payment declined"),
    403: ("permission_denied", "Permission denied"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    406: ("not_acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    413: ("body_too_large", "Request body too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    422: ("invalid_input", "Invalid input"),
    429: ("rate_limited", "Too many requests"),
    503: ("service_unavailable", "Service unavailable"),
}


class FieldProblem(msgspec.Struct, frozen=True, kw_only=True):
    field: str
    message: str


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """RFC 9457 problem details, plus ``code`` (stable, snake_case) and ``errors`` (one per bad field)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    errors: list[FieldProblem] = []


_ENCODER = msgspec.json.Encoder()


def build_problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    field_errors: list[FieldProblem] | None = None,
    instance: str | None = None,
) -> Problem:
    return Problem(
        type=TYPE_BASE + code,
        title=title,
        status=status,
        detail=detail,
        code=code,
        instance=instance,
        errors=field_errors or [],
    )


def encode_problem(problem: Problem, extensions: Mapping[str, int | str] | None = None) -> bytes:
    """The problem's JSON, with any extension members (RFC 9457 section 3.2) at its top level."""
    if not extensions:
        return _ENCODER.encode(problem)
    return _ENCODER.encode({**msgspec.to_builtins(problem), **extensions})


def problem_for(exc: Exception, path: str | None = None) -> Problem:
    """The problem details describing ``exc``."""
    if isinstance(exc, errors.StallkitError):
        status = errors.status_of(exc)
        fields = [FieldProblem(field=e.field, message=e.message) for e in exc.errors]
        return build_problem(status, exc.code, exc.title, exc.detail, fields, path)
    if isinstance(exc, ValidationException):
        fields = _validation_fields(exc)
        detail = "; ".join(f"{f.field}: {f.message}" for f in fields) or _clean(exc.detail)
        return build_problem(422 if fields else 400, "invalid_input", "Invalid input", detail, fields, path)
    if isinstance(exc, HTTPException):
        status = exc.status_code
        code, title = _CODE_BY_STATUS.get(status, ("http_error", "Request failed"))
        if status >= 500:
            return build_problem(
                status, "server_error", "Server error", "The server could not complete the request.", instance=path
            )
        return build_problem(status, code, title, _clean(exc.detail) or title, instance=path)
    return build_problem(
        500, "server_error", "Server error", "The server could not complete the request.", instance=path
    )


def problem_response(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """Litestar exception handler: every error becomes ``application/problem+json``."""
    problem = problem_for(exc, request.url.path)
    _log(request, exc, problem)
    headers = {}
    if problem.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="stallkit"'
    if isinstance(exc, HTTPException) and exc.headers:
        headers.update(exc.headers)
    extensions = exc.extensions if isinstance(exc, errors.StallkitError) else None
    return Response(
        content=encode_problem(problem, extensions),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def is_expected(exc: Exception) -> bool:
    """A problem the API answers by design, as opposed to a bug."""
    return isinstance(exc, errors.StallkitError) or (isinstance(exc, HTTPException) and exc.status_code < 500)


def _log(request: Request[Any, Any, Any], exc: Exception, problem: Problem) -> None:
    if not is_expected(exc):
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return
    log.log(
        logging.WARNING if problem.status >= 500 else logging.INFO,
        "%d %s on %s %s (%s): %s",
        problem.status,
        problem.code,
        request.method,
        request.url.path,
        type(exc).__name__,
        " ".join(problem.detail.split()),  # one line, whatever the detail quotes
    )


def _validation_fields(exc: ValidationException) -> list[FieldProblem]:
    """Each bad query, path or header parameter from Litestar's ``extra``, as ``query.limit`` and so on.

    Bodies are validated before Litestar sees them (:mod:`storefront.api.body`); what reaches
    here is parameters, where Litestar gives ``source`` (a ParamType enum) and ``key``.
    """
    out: list[FieldProblem] = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if not isinstance(item, dict):
            continue
        message, path = split_location(str(item.get("message", "invalid value")))
        source = getattr(item.get("source"), "value", item.get("source")) or "body"
        key = item.get("key")
        if source == "body":
            field = f"body.{key}" if key and key != "data" else "body" + path
        else:
            field = f"{source}.{key}" if key else str(source)
        out.append(FieldProblem(field=field, message=message))
    return out


def _clean(detail: str) -> str:
    return detail.strip().splitlines()[0] if detail else ""


__all__ = [
    "HTTP_500_INTERNAL_SERVER_ERROR",
    "PROBLEM_JSON",
    "FieldProblem",
    "Problem",
    "build_problem",
    "encode_problem",
    "is_expected",
    "problem_for",
    "problem_response",
]

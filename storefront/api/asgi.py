"""Small helpers for the API's ASGI middleware (auth, CORS, idempotency), which answer before Litestar does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast
from urllib.parse import parse_qsl

from litestar.types import HTTPResponseBodyEvent, Scope, Send

from storefront.api.problems import PROBLEM_JSON, FieldProblem, build_problem, encode_problem
from storefront.errors import FieldError


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header (``name`` in lower case, as ASGI gives it)."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def query_publishable_key(scope: Scope) -> str | None:
    """The publishable key in ``?key=``; a secret key never belongs in a browser's URL, so it is ignored."""
    query = scope.get("query_string", b"")
    if not query:
        return None
    for name, value in parse_qsl(query.decode("latin-1")):
        if name == "key" and value.startswith("pk_"):
            return value
    return None


async def send_problem(
    send: Send,
    status: int,
    code: str,
    title: str,
    detail: str,
    path: str,
    *,
    errors: Sequence[FieldError] = (),
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    """Answer with RFC 9457 problem details, exactly as the app's exception handler would."""
    fields = [FieldProblem(field=e.field, message=e.message) for e in errors]
    body = encode_problem(build_problem(status, code, title, detail, fields, path))
    response_headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    if status == 401:
        response_headers.append((b"www-authenticate", b'Bearer realm="stallkit"'))
    response_headers.extend(headers)
    await send({"type": "http.response.start", "status": status, "headers": response_headers})
    # more_body is optional in ASGI (default False); litestar's TypedDict requires it
    await send(cast("HTTPResponseBodyEvent", {"type": "http.response.body", "body": body}))

"""Small HTTP facts every till route shares: who is asking (a JSON client, a page, an htmx swap)."""

from __future__ import annotations

from typing import Any

from litestar import Request

PUBLIC = "public"  # a handler's opt flag: reachable without an unlocked session (the unlock page, static files)


def wants_json(request: Request[Any, Any, Any]) -> bool:
    """A JSON client (DESIGN 9.2: ``Accept: application/json``, or a JSON body and no HTML asked for),
    not a page or an htmx swap."""
    if "hx-request" in request.headers:
        return False
    accept = request.headers.get("accept", "")
    if "text/html" in accept:
        return False
    return "application/json" in accept or request.headers.get("content-type", "").startswith("application/json")


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"

"""The back office's HTML: one Jinja2 environment, autoescaped, strict, and the headers every page carries.

Pages are never cached (they show a signed-in person's shop), never framed (no clickjacking of a
form), and post only to this origin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request, Response
from litestar.response import Redirect

from storefront.errors import StallkitError, Unauthenticated, status_of

TEMPLATES = Path(__file__).parent / "templates"
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}

_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def page(template: str, *, status: int = 200, headers: dict[str, str] | None = None, **context: Any) -> Response[str]:
    body = _ENV.get_template(template).render(**context)
    return Response(body, status_code=status, media_type="text/html", headers={**HEADERS, **(headers or {})})


def back_link(path: str) -> str:
    """Where a refused form's page sends a person back to: the page the form was on."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 3 and parts[:2] == ["admin", "events"]:
        return f"/admin/events/{parts[2]}"
    return "/admin/events" if parts[:2] == ["admin", "events"] else "/admin"


def error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A refusal as a page in words with its status (never a trace); no session means sign in first."""
    if isinstance(exc, Unauthenticated) and request.method == "GET":
        return Redirect("/admin/sign-in", status_code=303)
    if not isinstance(exc, StallkitError):
        raise exc
    return page(
        "problem.html", status=status_of(exc), title=exc.title, detail=exc.detail,
        errors=[(e.field, e.message) for e in exc.errors], back=back_link(request.url.path),
    )  # fmt: skip

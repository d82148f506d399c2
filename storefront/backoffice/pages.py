"""The back office's HTML: one Jinja2 environment, autoescaped, strict, and the headers every page carries.

Pages are never cached (they show a signed-in person's shop), never framed (no clickjacking of a
form), and post only to this origin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Response

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

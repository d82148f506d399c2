"""What an action answers: a component's fragment, or an error fragment for what no field can fix.

Every answer is one shopper's form coming back, so no browser or CDN keeps it. What the
shopper can fix on the form is no error here: the component's fragment shows it, answered
200 (htmx 2 swaps no 4xx). Only an :class:`ActionFailed` or another service error (an unknown
product, a post that did not come from our form) is answered by :func:`error_answer` with its 4xx.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response
from markupsafe import escape

from components.actions.forms import sentence
from components.context import LoadContext
from components.registry import all_components
from components.rendering import render_html
from storefront.api.problems import problem_for
from storefront.errors import StallkitError

HTML = "text/html"
NO_STORE = "no-store"


class ActionFailed(StallkitError):
    """Nothing on the form can fix this: answered as an error fragment with the error's status."""


def fragment(request: Request[Any, Any, Any], ctx: LoadContext, name: str, props: msgspec.Struct) -> str:
    return render_html(request.app.state.renderer, all_components()[name], props, ctx.brand)


def answer(html: str, *, status: int = 200, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(
        content=html.encode(),
        status_code=status,
        media_type=HTML,
        headers={"Cache-Control": NO_STORE, **(headers or {})},
    )


def error_answer(name: str, exc: StallkitError) -> Response[bytes]:
    """``exc`` in words inside the component's root, with the status its problem document would have."""
    status = problem_for(exc).status
    html = (
        f'<div class="sk-root" data-sk-component="{escape(name)}">'
        f'<p class="sk-embed-error" role="alert">{escape(sentence(exc.detail))}</p></div>'
    )
    return answer(html, status=status)

"""A form posted without script: back to the brand's page with 303, or the form again with its errors.

htmx sends ``HX-Request: true`` and swaps the fragment an action answers into the page. A
browser with no script follows the form's ``action`` instead, and a bare fragment on this API's
origin is no page to land on. So a plain post that names the page it came from (``return_to``
in the action's query, written there by :meth:`components.context.Links.action`) is answered:

- when the action went through (:func:`went_through`): **303 See Other** to that page with what
  it needs to render next in its query (the cart, the variant and way chosen, ``view=checkout``),
  so the brand's server renders the components in that state (Post/Redirect/Get: a reload
  repeats nothing);
- when the shopper has something to correct: the component re-rendered with each error next to
  its field and the input kept, as a small page of ours with a link back. Its form posts here
  again and carries ``return_to``, so once corrected the shopper is back on the brand's page.
  Errors and typed details never travel in a URL (an address or an email would end in the
  brand's logs and the browser's history), and no state is kept between the two requests.

The page must be on one of the brand's allowed origins; anything else is refused with a 4xx in
words, never followed, so this is no open redirect. A post that names no page (an API client, a
fragment the page did not render on its server) gets the fragment as before. The ``Referer`` is
not used instead: across origins a browser sends only its origin, so it cannot say which page to
go back to, and a redirect to the brand's home page would lose the shopper's place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from litestar import Request, Response
from markupsafe import escape

from components.actions.answers import NO_STORE, ActionFailed, answer
from components.context import page_url, with_query
from storefront.tenancy.principals import principal_from

THEN = "stallkit_then"  # request state: what the page needs next, set once the action went through
_THEME = re.compile(r"\bsk-theme-([a-z0-9-]{1,64})\b")


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def went_through(request: Request[Any, Any, Any], **state: str | None) -> None:
    """Say the action succeeded, and what the page shows next (a None value drops that name from its query)."""
    request.state[THEN] = state


def back_to(request: Request[Any, Any, Any]) -> str | None:
    """The brand's page a plain post came from, or None when it names none.

    Raises :class:`ActionFailed` for a page that is not on one of the brand's allowed origins.
    """
    named = request.query_params.get("return_to")
    if named is None:
        return None
    page = page_url(named, principal_from(request.scope))
    if not page:
        raise ActionFailed("This form can only send you back to a page of the shop it belongs to.")
    return page


def redirect(page: str, state: Mapping[str, str | None]) -> Response[bytes]:
    return Response(
        content=b"",
        status_code=303,
        headers={"Location": with_query(page, state), "Cache-Control": NO_STORE},
        media_type="text/html",
    )


def correction_page(request: Request[Any, Any, Any], fragment: Response[bytes], page: str) -> Response[bytes]:
    """The component's fragment as a page of ours, with the brand's theme and a way back; status kept."""
    body = fragment.content.decode() if isinstance(fragment.content, bytes) else ""
    theme = _THEME.search(body)
    base = request.app.state.settings.public_base_url
    stylesheet = f'<link rel="stylesheet" href="{escape(base)}/static/themes/{theme.group(1)}.css">' if theme else ""
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Please check this form</title>{stylesheet}</head>"
        f'<body><main style="max-width:40rem;margin:2rem auto;padding:0 1rem">{body}'
        f'<p><a href="{escape(page)}">Back to the shop</a></p></main></body></html>'
    )
    return answer(html, status=fragment.status_code or 200)

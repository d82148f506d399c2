"""The till's Litestar app: ``create_app(till, pin)`` over an opened :class:`TillContext`.

Every route needs an unlocked staff session except the unlock page itself and the static files;
every state-changing request also needs the session's CSRF token (see
:mod:`popup.till.sessions`) and, when the browser names one, a same-origin ``Origin``. The gate
that checks all three runs before any handler, then the storefront's strict-body hook decodes
the body strictly, so a wrong type is a 422 naming the field before a handler runs.

Errors go through the storefront's one mapping to RFC 9457 problem details for JSON clients
(``Accept: application/json``); pages get the same words as an HTML message instead (htmx swaps
4xx answers into the page's message area: see ``htmx-config`` in the base template), and a
locked till's page redirects to the unlock page.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from litestar import Litestar, Request, Response
from litestar.datastructures import State
from litestar.di import Provide
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from popup.till import actions_api, cart, pages, sales
from popup.till.context import TillContext
from popup.till.errors import CsrfRefused, TillLocked
from popup.till.http import PUBLIC, is_htmx, wants_json
from popup.till.pin import PinHash, Throttle
from popup.till.sessions import COOKIE, CSRF_FIELD, CSRF_HEADER, Session, Sessions
from popup.till.templating import Pages
from storefront.api.body import strict_json_body
from storefront.api.problems import problem_for, problem_response
from storefront.errors import FieldError, MalformedRequest

STATIC = Path(__file__).parent / "static"
# htmx, vendored once for the whole project beside the components. The till serves that file by
# path, as data: popup imports nothing from components (import-linter forbids it), and a second
# copy of the same pinned file would drift.
HTMX = Path(__file__).parents[2] / "components" / "static" / "vendor" / "htmx-2.0.11.min.js"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def route_handlers() -> list[ControllerRouterHandler]:
    """Every route of the till, in one list.

    Each action module (selling and voiding here; returns, exchanges, trade-in intake, stock
    counts and cash-up beside them) exports its Router, Controller or handlers, which take the
    ``till`` (:class:`TillContext`) and ``session`` (:class:`Session`) dependencies, and is listed
    here once.
    """
    return [
        *pages.HANDLERS,
        *cart.HANDLERS,
        *sales.HANDLERS,
        *actions_api.HANDLERS,
        create_static_files_router(path="/static", directories=[STATIC], opt={PUBLIC: True}, include_in_schema=False),
    ]


def create_app(
    till: TillContext,
    pin: PinHash,
    *,
    sessions: Sessions | None = None,
    throttle: Throttle | None = None,
    extra_handlers: Sequence[ControllerRouterHandler] = (),
    allowed_hosts: Sequence[str] = (),
) -> Litestar:
    """The till over ``till``; ``extra_handlers`` lets a test mount a route of its own beside the till's.

    ``allowed_hosts`` (``host:port`` values): the only Host headers answered. Served on loopback,
    the till answers only to its loopback names, so a web page cannot reach it by rebinding its own
    domain's DNS to 127.0.0.1; on the stall's network (``--host 0.0.0.0``) any name is allowed.
    """
    page_renderer = Pages(till.pack.brand.locale)
    return Litestar(
        route_handlers=[*route_handlers(), *extra_handlers],
        dependencies={
            "till": Provide(lambda: till, use_cache=True, sync_to_thread=False),
            "session": Provide(_session, sync_to_thread=False),
            "pages": Provide(lambda: page_renderer, use_cache=True, sync_to_thread=False),
        },
        before_request=_gate,
        exception_handlers={Exception: _problem},
        state=State(
            {
                "till": till,
                "pin": pin,
                "sessions": sessions or Sessions(),
                "throttle": throttle or Throttle(),
                "pages": page_renderer,
                "htmx": HTMX,
            }
        ),
        allowed_hosts=list(allowed_hosts) or None,
        request_max_body_size=256 * 1024,
        openapi_config=None,
        debug=False,
    )


def _session(request: Request[Any, Any, Any]) -> Session:
    session = request.scope["state"].get("till_session")
    if not isinstance(session, Session):  # only a public handler could get here, and none asks for it
        raise TillLocked("unlock the till with the staff PIN first")
    return session


async def _gate(request: Request[Any, Any, Any]) -> None:
    if request.method not in _SAFE:
        _same_origin(request)
    if not request.route_handler.opt.get(PUBLIC):
        state = request.app.state
        session = state["sessions"].get(request.cookies.get(COOKIE), state["till"].now())
        if session is None:
            raise TillLocked("unlock the till with the staff PIN first")
        request.scope["state"]["till_session"] = session
        if request.method not in _SAFE:
            await _csrf(request, session)
    await strict_json_body(request)


def _same_origin(request: Request[Any, Any, Any]) -> None:
    """A browser names the page a write came from; it must be this till (another site cannot post here)."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    if origin == "null" or urlsplit(origin).netloc != request.headers.get("host", ""):
        raise CsrfRefused("this request came from another site: use the till's own pages")


async def _csrf(request: Request[Any, Any, Any], session: Session) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.content_type[0] in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            value = (await request.form()).get(CSRF_FIELD)
        except UnicodeDecodeError:
            raise MalformedRequest("the form is not UTF-8 text", errors=[FieldError("body", "invalid UTF-8")]) from None
        sent = value if isinstance(value, str) else None
    if not session.csrf_matches(sent):
        raise CsrfRefused("this page is out of date: reload it and try again")


def _problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    response = problem_response(request, exc)  # logged once, whoever reads the answer
    if wants_json(request):
        return response
    if isinstance(exc, TillLocked):
        return (
            Response("", status_code=401, headers={"HX-Redirect": "/unlock"})
            if is_htmx(request)
            else Redirect("/unlock")
        )
    problem = problem_for(exc, request.url.path)
    headers = {name: value for name, value in response.headers.items() if name.lower() == "retry-after"}
    pages_: Pages = request.app.state["pages"]
    if is_htmx(request):
        headers |= {"HX-Retarget": "#message", "HX-Reswap": "innerHTML"}
        return pages_.response("_message.html", status_code=problem.status, headers=headers, problem=problem)
    return pages_.response(
        "error.html", status_code=problem.status, headers=headers, problem=problem, till=request.app.state["till"]
    )

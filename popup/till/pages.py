"""The till's screen and its always-visible parts: unlock and lock, the product grid, the status bar.

Each route answers a page, the htmx fragment the page includes, or JSON for ``Accept:
application/json``, from one view (:mod:`popup.till.views`), so the three never disagree.
"""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException, TooManyRequestsException
from litestar.params import FromPath, QueryParameter
from litestar.response import File, Redirect

from popup.store import TillStatus
from popup.till import views
from popup.till.context import TillContext
from popup.till.deps import PagesDep, SessionDep, TillDep
from popup.till.errors import PinWrong
from popup.till.http import PUBLIC, is_htmx, wants_json
from popup.till.inputs import body_of
from popup.till.pin import PinHash, Throttle
from popup.till.schemas import ProductOut, UnlockIn, UnlockOut
from popup.till.sessions import COOKIE, Session, Sessions

SearchQuery = Annotated[str, QueryParameter(max_length=100)]


def page_context(till: TillContext, session: Session, **extra: Any) -> dict[str, Any]:
    """What the base template needs on every page: the event, who is selling, the status bar."""
    return {"till": till, "session": session, "status": views.status(till), **extra}


@get("/", sync_to_thread=False)
def home(till: TillDep, session: SessionDep, pages: PagesDep, q: SearchQuery = "") -> Response[str]:
    context = page_context(till, session, products=views.products(till, q), q=q)
    return pages.response("till.html", **(context | views.cart_context(till, session)))


@get("/unlock", opt={PUBLIC: True}, sync_to_thread=False)
def unlock_page(request: Request[Any, Any, Any], till: TillDep, pages: PagesDep) -> Response[Any]:
    sessions: Sessions = request.app.state["sessions"]
    if sessions.get(request.cookies.get(COOKIE), till.now()) is not None:
        return Redirect("/")
    return pages.response("unlock.html", till=till)


@post("/unlock", opt={PUBLIC: True}, status_code=200)
async def unlock(request: Request[Any, Any, Any], till: TillDep) -> Response[Any]:
    """Staff PIN and name in; a session cookie out. Five wrong PINs in a row pause unlocking for 30 s."""
    throttle: Throttle = request.app.state["throttle"]
    pin: PinHash = request.app.state["pin"]
    now = till.now()
    wait = throttle.wait_left(now)
    if wait:
        raise TooManyRequestsException(
            detail=f"too many wrong PINs: try again in {math.ceil(wait)} seconds",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    data = await body_of(request, UnlockIn)
    if not pin.matches(data.pin):
        throttle.failed(now)
        raise PinWrong("wrong PIN: try again")
    throttle.passed()
    session = request.app.state["sessions"].open(data.staff, now)
    cookie = Cookie(key=COOKIE, value=session.token, httponly=True, samesite="strict", path="/")
    if wants_json(request):
        return Response(UnlockOut(staff=session.staff, csrf_token=session.csrf_token), cookies=[cookie])
    if is_htmx(request):
        return Response("", headers={"HX-Redirect": "/"}, cookies=[cookie])
    return Redirect("/", cookies=[cookie], status_code=303)


@post("/lock", status_code=200, sync_to_thread=False)
def lock(request: Request[Any, Any, Any], session: SessionDep) -> Response[Any]:
    request.app.state["sessions"].close(session.token)
    gone = Cookie(key=COOKIE, value="", max_age=0, httponly=True, samesite="strict", path="/")
    if wants_json(request):
        return Response(None, status_code=204, cookies=[gone])
    if is_htmx(request):
        return Response("", headers={"HX-Redirect": "/unlock"}, cookies=[gone])
    return Redirect("/unlock", cookies=[gone], status_code=303)


@get("/products", sync_to_thread=False)
def products(
    request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep, q: SearchQuery = ""
) -> Response[Any]:
    found = views.products(till, q)
    if wants_json(request):
        return Response(found)
    if is_htmx(request):
        return pages.response("_grid.html", till=till, products=found, session=session)
    return Redirect(f"/?{urlencode({'q': q})}" if q else "/")


@get("/status", sync_to_thread=False)
def status(request: Request[Any, Any, Any], till: TillDep, pages: PagesDep) -> Response[Any]:
    current: TillStatus = views.status(till)
    if wants_json(request):
        return Response(current)
    return pages.response("_status.html", status=current, till=till)


IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@get("/images/{name:str}", sync_to_thread=False)
def image(name: FromPath[str], till: TillDep) -> File:
    path = till.images.path_of(name)
    if path is None:
        raise NotFoundException("no such image at this till")
    # Fetched from the network while online: served as an image and nothing more (a script in an SVG never runs).
    headers = {"Cache-Control": "max-age=3600", "Content-Security-Policy": IMAGE_POLICY}
    return File(path, content_disposition_type="inline", headers=headers)


@get("/vendor/htmx-2.0.11.min.js", opt={PUBLIC: True}, sync_to_thread=False)
def htmx(request: Request[Any, Any, Any]) -> File:
    return File(
        request.app.state["htmx"],
        media_type="text/javascript",
        content_disposition_type="inline",
        headers={"Cache-Control": "max-age=86400"},
    )


HANDLERS = [home, unlock_page, unlock, lock, products, status, image, htmx]
__all__ = ["HANDLERS", "ProductOut", "page_context"]

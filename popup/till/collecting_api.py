"""Collecting online reservations at the till: ``GET /collect`` (what waits, and the code form) and
``POST /collections`` (``{code}``: one journal entry handing the order over, with an ``Idempotency-Key``)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from popup.till import collecting
from popup.till.action_forms import answer, form_key, is_json_body, json_body, new_key, strict, text
from popup.till.action_schemas import CollectIn
from popup.till.context import Idempotency
from popup.till.deps import PagesDep, SessionDep, TillDep
from popup.till.http import wants_json
from popup.till.pages import page_context


@get("/collect", sync_to_thread=False)
def collect_page(request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep) -> Response[Any]:
    """The reservations waiting here (names, numbers, what to hand over) and the pickup code form."""
    waiting = collecting.waiting(till)
    if wants_json(request):
        return Response(waiting)
    return pages.response(
        "collect_page.html", **page_context(till, session, waiting=waiting, key=new_key(), done=False)
    )


@post("/collections", status_code=201)
async def collect(
    request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep
) -> Response[Any]:
    """The shopper's pickup code: the order it names is handed over, once."""
    form = None if is_json_body(request) else await request.form()
    data = await json_body(request, CollectIn) if form is None else strict({"code": text(form, "code")}, CollectIn)
    key = Idempotency.of("collections", form_key(request, form), data)
    recorded = collecting.collect(till, data, session.staff, key)
    out = collecting.collect_answer(till, recorded)
    return answer(
        request, till, session, pages, out=out, fragment="collect_done.html", page="collect_page.html",
        result=out, waiting=[], key=new_key(),
    )  # fmt: skip


HANDLERS = [collect_page, collect]

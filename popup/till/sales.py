"""Sales as resources: ``POST /sales`` (JSON, DESIGN 9.2), ``GET /sales/{id}`` (JSON or the printable
receipt), ``POST /sales/{id}/void``, and the day's recent sales.

``POST /sales`` and the void take an ``Idempotency-Key``: the key and the entry it recorded are
written in the action's own transaction, so a retried request answers the first sale, never a
second, even across a till restart.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect

from popup.till import selling, state
from popup.till.context import Idempotency
from popup.till.deps import PagesDep, SessionDep, TillDep
from popup.till.http import is_htmx, wants_json
from popup.till.inputs import body_of, idempotency_key
from popup.till.pages import page_context
from popup.till.schemas import SaleIn, SaleOut, SaleView, VoidIn, VoidOut

RECENT = 50


@post("/sales", status_code=201, sync_to_thread=False)
def create_sale(
    request: Request[Any, Any, Any], till: TillDep, session: SessionDep, data: JSONBody[SaleIn]
) -> Response[SaleOut]:
    """A complete sale in one request: lines at the pack's prices, tenders, an optional staff discount."""
    recorded = selling.sell(till, data, session.staff, Idempotency.of("sales", idempotency_key(request), data))
    return Response(selling.answer(till, recorded), status_code=201)


@get("/sales", sync_to_thread=False)
def recent(request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep) -> Response[Any]:
    rows = till.store.read(lambda conn: state.recent_sales(conn, RECENT))
    if wants_json(request):
        return Response(
            [{"id": r.entry_id, "number": r.number, "occurred_at": r.occurred_at, "total": r.total,
              "voided_by": r.voided_by} for r in rows]
        )  # fmt: skip
    return pages.response("sales.html", **page_context(till, session, sales=rows))


@get("/sales/{sale_id:uuid}", sync_to_thread=False)
def show_sale(
    request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep, sale_id: FromPath[uuid.UUID]
) -> Response[Any]:
    view = selling.view(till, sale_id)
    if wants_json(request):
        return Response(view)
    today = till.local_day(view.occurred_at) == till.local_day(till.now())
    return pages.response("receipt.html", **page_context(till, session, view=view, voidable=today))


@post("/sales/{sale_id:uuid}/void", status_code=201)
async def void_sale(
    request: Request[Any, Any, Any], till: TillDep, session: SessionDep, sale_id: FromPath[uuid.UUID]
) -> Response[Any]:
    """Undo a sale of the stall's day, with a reason: its stock and credit go back."""
    data = await body_of(request, VoidIn)
    recorded = selling.void(
        till,
        sale_id,
        data.reason,
        session.staff,
        Idempotency.of("void", idempotency_key(request), [str(sale_id), data]),
    )
    if wants_json(request):
        sale = selling.view(till, sale_id)
        out = VoidOut(id=recorded.entry.id, seq=recorded.entry.seq, sale=sale_id, number=sale.sale.number)
        return Response(out, status_code=201)
    if is_htmx(request):
        return Response("", status_code=200, headers={"HX-Redirect": f"/sales/{sale_id}"})
    return Redirect(f"/sales/{sale_id}", status_code=303)


HANDLERS = [create_sale, recent, show_sale, void_sale]
__all__ = ["HANDLERS", "SaleView"]

"""Stock counts and cash-up at the till: their pages (and JSON reads of what the till expects),
``POST /stock-counts`` and ``POST /cash-ups``, each one journal entry with its state change and an
``Idempotency-Key`` (header, or the key the page rendered into its form).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict

from popup.till import counts
from popup.till.action_errors import CountRefused
from popup.till.action_forms import amount, answer, form_key, is_json_body, json_body, new_key, prefixed, strict, text
from popup.till.action_forms import whole as whole_number
from popup.till.action_schemas import CashUpIn, StockCountIn
from popup.till.context import Idempotency, TillContext
from popup.till.deps import PagesDep, SessionDep, TillDep
from popup.till.http import wants_json
from popup.till.pages import page_context
from storefront.errors import FieldError, InvalidInput


@get("/stock-count", sync_to_thread=False)
def count_page(request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep) -> Response[Any]:
    """Every SKU of the pack with what the till's stock says: the count sheet."""
    rows = counts.expected_stock(till)
    if wants_json(request):
        return Response(rows)
    return pages.response("count_page.html", **page_context(till, session, rows=rows, key=new_key(), done=False))


@post("/stock-counts", status_code=201)
async def count_stock(
    request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep
) -> Response[Any]:
    """What staff counted per SKU; the till's stock becomes the counted figure."""
    form = None if is_json_body(request) else await request.form()
    data = await json_body(request, StockCountIn) if form is None else _count_form(form)
    recorded = counts.count_stock(
        till, data, session.staff, Idempotency.of("stock_counts", form_key(request, form), data)
    )
    out = counts.count_answer(recorded)
    return answer(
        request, till, session, pages, out=out, fragment="count_done.html", page="count_page.html",
        result=out, rows=[], key=new_key(),
    )  # fmt: skip


@get("/cash-up", sync_to_thread=False)
def cash_up_page(request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep) -> Response[Any]:
    """The drawer's movements since the last cash-up, before anything is counted."""
    figures = counts.figures(till)
    if wants_json(request):
        return Response(figures)
    return pages.response(
        "cash_up_page.html", **page_context(till, session, figures=figures, key=new_key(), done=False)
    )


@post("/cash-ups", status_code=201)
async def cash_up(
    request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep
) -> Response[Any]:
    """The float and the counted drawer against what the till expects; the difference is recorded."""
    form = None if is_json_body(request) else await request.form()
    data = await json_body(request, CashUpIn) if form is None else _cash_up_form(till, form)
    recorded = counts.cash_up(till, data, session.staff, Idempotency.of("cash_ups", form_key(request, form), data))
    out = counts.cash_up_answer(till, recorded)
    return answer(
        request, till, session, pages, out=out, fragment="cash_up_done.html", page="cash_up_page.html",
        result=out, figures=None, key=new_key(),
    )  # fmt: skip


def _count_form(form: FormMultiDict) -> StockCountIn:
    lines = [
        {"sku": sku, "counted": whole_number(form, f"count.{sku}", f"{sku} counted")}
        for sku in prefixed(form, "count.")
    ]
    if not lines:
        raise CountRefused("type what you counted for at least one product")
    return strict({"lines": lines, "note": text(form, "note")}, StockCountIn)


def _cash_up_form(till: TillContext, form: FormMultiDict) -> CashUpIn:
    opening = amount(form, "opening_float", till, "opening float")
    counted = amount(form, "counted", till, "cash counted")
    if opening is None or counted is None:
        missing = [name for name, value in (("opening_float", opening), ("counted", counted)) if value is None]
        raise InvalidInput(
            "type the opening float and the cash counted in the drawer (0 if none)",
            errors=[FieldError(name, "type an amount such as 20 or 20.50") for name in missing],
        )
    return strict({"opening_float": opening, "counted": counted, "note": text(form, "note")}, CashUpIn)


HANDLERS = [count_page, count_stock, cash_up_page, cash_up]

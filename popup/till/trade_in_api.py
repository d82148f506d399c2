"""Trade-in intake at the till: the intake page, ``POST /trade-ins/quote`` (the quote, line by line, nothing
recorded) and ``POST /trade-ins`` (confirmed: the ``trade_in`` entry and its credit, shown once with its slip).

The quote form and the confirmation carry the same fields, so what staff confirm is what was
quoted; the confirmation also carries the quoted amount, and a quote that no longer gives it is
refused rather than issued. An ``Idempotency-Key`` (header, or the key the quote rendered into the
confirm form) makes a retried confirmation answer the first credit, never a second one.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict

from popup.till import issued_credits, trade_in
from popup.till.action_forms import answer, form_key, is_json_body, json_body, new_key, strict, text
from popup.till.action_schemas import QuoteOut, TradeInIn, TradeInOut
from popup.till.context import Idempotency, TillContext
from popup.till.deps import PagesDep, SessionDep, TillDep
from popup.till.http import is_htmx, wants_json
from popup.till.pages import page_context
from storefront.credits import valuation

FIELDS = ("category", "size_class", "material", "grade", "description")


def _choices(till: TillContext) -> dict[str, Any]:
    rules = till.pack.valuation
    categories = sorted(
        {*(rules.base_values if rules else {}), *(p.category for p in till.pack.products if p.category)}
    )
    return {
        "rules": rules,
        "categories": categories,
        "materials": sorted(rules.materials) if rules else [],
        "sizes": valuation.SIZE_CLASSES,
        "grades": valuation.GRADE_NAMES,
    }


@get("/trade-ins", sync_to_thread=False)
def trade_in_page(till: TillDep, session: SessionDep, pages: PagesDep) -> Response[str]:
    return pages.response(
        "trade_in_page.html", **page_context(till, session, quote=None, item=None, done=False, **_choices(till))
    )


@post("/trade-ins/quote", status_code=200)
async def quote(request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep) -> Response[Any]:
    """The pack's rules applied to the bag, each step a line; nothing is recorded until staff confirm."""
    form = None if is_json_body(request) else await request.form()
    data = await json_body(request, TradeInIn) if form is None else _form(form)
    offered: QuoteOut = trade_in.quote(till, data)
    if wants_json(request):
        return Response(offered)
    context: dict[str, Any] = {"quote": offered, "item": data, "key": new_key()}
    if is_htmx(request):
        return pages.response("trade_in_quote.html", till=till, session=session, **context)
    return pages.response("trade_in_page.html", **page_context(till, session, done=False, **context, **_choices(till)))


@post("/trade-ins", status_code=201)
async def take_in(
    request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep
) -> Response[Any]:
    """Confirmed: the credit is issued offline (the device's mark as its prefix) and shown once."""
    form = None if is_json_body(request) else await request.form()
    data = await json_body(request, TradeInIn) if form is None else _form(form)
    recorded = trade_in.take_in(till, data, session.staff, Idempotency.of("trade_ins", form_key(request, form), data))
    out: TradeInOut = trade_in.answer(till, data, recorded)
    return answer(
        request, till, session, pages, out=out, fragment="trade_in_done.html", page="trade_in_page.html",
        result=out, qr=issued_credits.qr(out.credit), quote=None, item=None, **_choices(till),
    )  # fmt: skip


def _form(form: FormMultiDict) -> TradeInIn:
    values: dict[str, Any] = {name: text(form, name) for name in FIELDS}
    values["material"] = " ".join(values["material"].lower().split())
    values["own_brand"] = text(form, "own_brand") in ("1", "on", "true", "yes")
    values["spend_on_new"] = text(form, "spend_on_new") in ("1", "on", "true", "yes")
    quoted = text(form, "quoted")
    values["quoted"] = int(quoted) if quoted.isascii() and quoted.isdigit() else (quoted or None)
    return strict(values, TradeInIn)


HANDLERS = [trade_in_page, quote, take_in]

"""Returns and exchanges at the till: ``POST /returns``, ``POST /exchanges`` (JSON or the return page's form),
``GET /returns/sale`` (what a sale can still give back) and the return page.

Each POST records one journal entry with its state change (:mod:`popup.till.returns`) and takes an
``Idempotency-Key`` (header, or the key the page rendered into its form), so a retry answers the
first return instead of refunding twice. A credit code the refund issued is in that one answer
(and its slip), nowhere else.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromQuery

from popup.till import issued_credits, returns, views
from popup.till.action_errors import ReturnRefused
from popup.till.action_forms import answer, form_key, is_json_body, json_body, new_key, prefixed, strict, text, whole
from popup.till.action_schemas import ExchangeIn, ExchangeOut, ReturnableSale, ReturnIn, ReturnOut
from popup.till.cart import PayForm, _tenders
from popup.till.context import Idempotency, TillContext
from popup.till.deps import PagesDep, SessionDep, TillDep
from popup.till.http import is_htmx, wants_json
from popup.till.pages import page_context
from popup.till.schemas import TenderIn

Receipt = FromQuery[Annotated[str, msgspec.Meta(max_length=40)] | None]
SaleId = FromQuery[uuid.UUID | None]
PAY_FIELDS = ("cash", "card_amount", "card_reference", "credit_code", "credit_amount")


def _receipt(typed: str | None) -> str | None:
    return typed.strip().upper() or None if typed is not None else None


@get("/returns", sync_to_thread=False)
def return_page(till: TillDep, session: SessionDep, pages: PagesDep, receipt: Receipt = None) -> Response[str]:
    """The return page: find a sale by its receipt number, then choose what comes back."""
    number = _receipt(receipt)
    found = returns.returnable(till, None, number) if number else None
    return pages.response(
        "return_page.html", **page_context(till, session, found=found, receipt=number or "", key=new_key(), done=False)
    )


@get("/returns/sale", sync_to_thread=False)
def returnable_sale(
    request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep, receipt: Receipt = None,
    sale: SaleId = None,
) -> Response[Any]:  # fmt: skip
    """What a sale (by ``receipt`` or ``sale`` id) can still give back, line by line."""
    found: ReturnableSale = returns.returnable(till, sale, _receipt(receipt))
    if wants_json(request):
        return Response(found)
    if is_htmx(request):
        return pages.response("return_sale.html", till=till, session=session, found=found, key=new_key())
    return pages.response(
        "return_page.html", **page_context(till, session, found=found, receipt=found.number, key=new_key(), done=False)
    )


@post("/returns", status_code=201)
async def create_return(
    request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep
) -> Response[Any]:
    """Lines of a sale come back (restocked or set aside), refunded in its tenders or as a new credit."""
    form = None if is_json_body(request) else await request.form()
    data = await json_body(request, ReturnIn) if form is None else _return_form(form)
    key = form_key(request, form)
    recorded = returns.take_back(till, data, session.staff, Idempotency.of("returns", key, data))
    out: ReturnOut = returns.return_answer(till, recorded)
    return answer(
        request, till, session, pages, out=out, fragment="return_done.html", page="return_page.html",
        result=out, exchanged=None, qr=_qr(out.credit), found=None, receipt="", key=new_key(),
    )  # fmt: skip


@post("/exchanges", status_code=201)
async def create_exchange(
    request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep
) -> Response[Any]:
    """A return paying towards a new sale, as one entry: the difference paid by tenders or given back."""
    form = None if is_json_body(request) else await request.form()
    data = await json_body(request, ExchangeIn) if form is None else _exchange_form(till, form)
    key = form_key(request, form)
    recorded = returns.exchange(till, data, session.staff, Idempotency.of("exchanges", key, data))
    out: ExchangeOut = returns.exchange_answer(till, recorded)
    return answer(
        request, till, session, pages, out=out, fragment="return_done.html", page="return_page.html",
        result=None, exchanged=out, qr=_qr(out.credit), found=None, receipt="", key=new_key(),
    )  # fmt: skip


def _qr(credit: Any) -> str | None:
    return None if credit is None else issued_credits.qr(credit)


# --- the return page's form -----------------------------------------------------------------------


def _returned_lines(form: FormMultiDict) -> list[dict[str, Any]]:
    lines = []
    for sku in prefixed(form, "qty."):
        quantity = whole(form, f"qty.{sku}", f"{sku} quantity", high=10_000)
        if quantity:
            lines.append({"sku": sku, "quantity": quantity, "restock": not text(form, f"aside.{sku}")})
    if not lines:
        raise ReturnRefused("choose at least one item to take back: type how many of it come back")
    return lines


def _sale_and_reason(form: FormMultiDict) -> dict[str, Any]:
    return {
        "sale": text(form, "sale") or None,
        "receipt": _receipt(text(form, "receipt")) if not text(form, "sale") else None,
        "refund": text(form, "refund") or "tenders",
        "card_reference": text(form, "card_reference") or None,
        "reason": text(form, "reason"),
    }


def _return_form(form: FormMultiDict) -> ReturnIn:
    return strict({**_sale_and_reason(form), "lines": _returned_lines(form)}, ReturnIn)


def _new_items(till: TillContext, typed: str) -> list[dict[str, Any]]:
    """The exchange's new items, one a line as a scanner types them: ``SKU`` or ``SKU 2`` (or ``SKU x2``)."""
    items: dict[str, int] = {}
    for raw in typed.splitlines():
        words = raw.split()
        if not words:
            continue
        sku = views.find_sku(till, words[0])
        if sku is None:
            raise ReturnRefused(f"{words[0]} is not in this event's pack")
        count = words[1].lstrip("xX") if len(words) > 1 else "1"
        if len(words) > 2 or not count.isascii() or not count.isdigit() or not 1 <= int(count) <= 10_000:
            raise ReturnRefused(f"{raw.strip()}: write one item a line, as SKU or SKU 2")
        items[sku] = items.get(sku, 0) + int(count)
    if not items:
        raise ReturnRefused("scan or type the new items, one a line")
    return [{"sku": sku, "quantity": quantity} for sku, quantity in items.items()]


def _exchange_form(till: TillContext, form: FormMultiDict) -> ExchangeIn:
    base = _sale_and_reason(form)
    returned = _returned_lines(form)
    lines = _new_items(till, text(form, "new_items"))
    due = returns.due_on_exchange(till, strict(base | {"returned": returned, "lines": lines}, ExchangeIn))
    tenders: list[TenderIn] = []
    if due > 0:
        pay = PayForm(**{name: text(form, name) for name in PAY_FIELDS})
        tenders = _tenders(till, pay, due)
    return strict(base | {"returned": returned, "lines": lines, "tenders": tenders}, ExchangeIn)


HANDLERS = [return_page, returnable_sale, create_return, create_exchange]

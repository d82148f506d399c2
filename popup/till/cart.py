"""The cart on the till's screen: scan or tap products in, a staff discount, then pay.

A cart lives in the staff session (memory) until it is paid: it is not a sale, and nothing is
journalled for it. Paying builds the same :class:`SaleIn` a JSON client posts to ``/sales`` and
goes through :func:`popup.till.selling.sell`, so the screen shows "Paid" only after the sale's
commit. The pay form carries an idempotency key made when the cart was shown, so a double tap
(or a retry after a dropped answer) shows the same sale instead of ringing it up twice.

Every form here posts without JavaScript too (``action``/``method``; the answer redirects back to
the till), and with htmx swaps only the cart.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.response import Redirect

from popup.till import selling, views
from popup.till.context import Idempotency, TillContext
from popup.till.deps import PagesDep, SessionDep, TillDep
from popup.till.errors import SaleRefused
from popup.till.http import is_htmx
from popup.till.inputs import KEY_PATTERN, convert, quantity
from popup.till.schemas import DiscountIn, LineIn, SaleIn, TenderIn
from popup.till.templating import Pages, parse_amount
from storefront.ids import Line

Field = Annotated[Line, msgspec.Meta(max_length=200)]


class AddForm(msgspec.Struct, frozen=True, kw_only=True):
    sku: Field
    quantity: Field = ""


class RemoveForm(msgspec.Struct, frozen=True, kw_only=True):
    sku: Field
    all: Field = ""


class DiscountForm(msgspec.Struct, frozen=True, kw_only=True):
    amount: Field = ""
    reason: Field = ""


class PayForm(msgspec.Struct, frozen=True, kw_only=True):
    cash: Field = ""
    card_amount: Field = ""
    card_reference: Field = ""
    credit_code: Field = ""
    credit_amount: Field = ""
    email: Field = ""
    idempotency_key: Field = ""


async def _form(request: Request[Any, Any, Any], shape: type[Any]) -> Any:
    form = await request.form()
    given = {name: form.get(name) for name in shape.__struct_fields__ if isinstance(form.get(name), str)}
    return convert(given, shape)


def cart_response(
    request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep
) -> Response[Any]:
    if not is_htmx(request):
        return Redirect("/", status_code=303)
    return pages.response("_cart.html", **views.cart_context(till, session))


@get("/cart", sync_to_thread=False)
def show(request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep) -> Response[Any]:
    return cart_response(request, till, session, pages)


@post("/cart/add", status_code=200)
async def add(request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep) -> Response[Any]:
    """A tap on a product or a scanned SKU (a scanner types it and Enter)."""
    form: AddForm = await _form(request, AddForm)
    sku = views.find_sku(till, form.sku)
    if sku is None:
        raise SaleRefused(f"{form.sku.strip() or 'that'} is not in this event's pack")
    session.cart.add(sku, quantity(form.quantity))
    return cart_response(request, till, session, pages)


@post("/cart/remove", status_code=200)
async def remove(request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep) -> Response[Any]:
    form: RemoveForm = await _form(request, RemoveForm)
    session.cart.add(form.sku, -(session.cart.lines.get(form.sku, 0) if form.all else 1))
    return cart_response(request, till, session, pages)


@post("/cart/clear", status_code=200, sync_to_thread=False)
def clear(request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep) -> Response[Any]:
    session.cart.clear()
    return cart_response(request, till, session, pages)


@post("/cart/discount", status_code=200)
async def discount(
    request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep
) -> Response[Any]:
    """One staff discount on the whole sale, always with a reason (it is journalled with who gave it)."""
    form: DiscountForm = await _form(request, DiscountForm)
    amount = parse_amount(form.amount, till.currency, "discount") or 0
    if amount and not form.reason.strip():
        raise SaleRefused("give a reason for the discount")
    session.cart.discount = amount
    session.cart.discount_reason = form.reason.strip() if amount else ""
    return cart_response(request, till, session, pages)


@post("/cart/pay", status_code=200)
async def pay(request: Request[Any, Any, Any], till: TillDep, session: SessionDep, pages: PagesDep) -> Response[Any]:
    form: PayForm = await _form(request, PayForm)
    key = form.idempotency_key if KEY_PATTERN.fullmatch(form.idempotency_key) else None
    if key is not None and session.last_paid is not None and session.last_paid[0] == key:
        return _paid(request, till, pages, session.last_paid[1])
    current = views.cart(till, session.cart)
    if current.empty:
        raise SaleRefused("add at least one product to the sale")
    data = SaleIn(
        lines=[LineIn(sku=line.sku, quantity=line.quantity) for line in current.lines],
        tenders=_tenders(till, form, current.total),
        discount=DiscountIn(amount=current.discount, reason=current.discount_reason) if current.discount else None,
        email=form.email.strip() or None,
    )
    data = convert(msgspec.to_builtins(data), SaleIn)  # the limits a JSON client meets (email shape, lengths)
    recorded = selling.sell(till, data, session.staff, Idempotency.of("sales", key, data))
    session.cart.clear()
    if key is not None:
        session.last_paid = (key, recorded.entry.id)
    return _paid(request, till, pages, recorded.entry.id)


def _paid(request: Request[Any, Any, Any], till: TillContext, pages: Pages, sale_id: uuid.UUID) -> Response[Any]:
    """ "Paid", the change to hand back and the receipt: shown only for a sale already on disk."""
    if not is_htmx(request):
        return Redirect(f"/sales/{sale_id}", status_code=303)
    view = selling.view(till, sale_id)
    return pages.response(
        "_paid.html",
        headers={"HX-Trigger": "sale-recorded"},  # the status bar refreshes its pending count
        view=view,
        warnings=selling.stock_warnings(till, view.sale),
        till=till,
    )


def _tenders(till: TillContext, form: PayForm, total: int) -> list[TenderIn]:
    """The pay form's fields as tenders, in the order the rules want: credit, then card, then cash (change)."""
    currency = till.currency
    cash = parse_amount(form.cash, currency, "cash")
    card = parse_amount(form.card_amount, currency, "card amount")
    due = total
    tenders: list[TenderIn] = []
    if form.credit_code.strip():
        given = parse_amount(form.credit_amount, currency, "credit amount")
        amount = given if given is not None else min(due, selling.credit_available(till, form.credit_code))
        if amount <= 0:
            raise SaleRefused("this credit code cannot pay anything at the stall (unknown here, or nothing left)")
        tenders.append(TenderIn(kind="credit", amount=amount, code=form.credit_code.strip()))
        due -= min(amount, due)
    if card is not None or form.card_reference.strip():
        amount = card if card is not None else max(due - (cash or 0), 0)
        if amount <= 0:
            raise SaleRefused("nothing is left to pay by card")
        tenders.append(TenderIn(kind="card_terminal", amount=amount, reference=form.card_reference.strip() or None))
        due -= min(amount, due)
    if cash is not None:
        if cash <= 0:
            raise SaleRefused("type the cash handed over")
        tenders.append(TenderIn(kind="cash", amount=cash))
    if not tenders:
        raise SaleRefused("enter how the shopper pays: the cash handed over, the card's reference, or a credit code")
    return tenders


HANDLERS = [show, add, remove, clear, discount, pay]

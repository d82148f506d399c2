"""The back office's orders: find them (status, method, day, number or email), read one (lines,
fulfilments against their promise, address, payments, KPIs), move a fulfilment to its next step,
and print its packing or pickup slip. Each page calls the orders domain's own services.

A step is one button per fulfilment: its method's next step only (``states.FLOWS``), so staff
cannot skip one; a made-to-order piece with a deposit charges its balance as it ships, through the
same service the API uses. Owners and staff use these pages; stall accounts do not.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, cast, get_args
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.params import PathParameter
from litestar.response import Redirect

from storefront.backoffice import access
from storefront.backoffice.pages import error_page, page
from storefront.backoffice.rules import Role
from storefront.errors import FieldError, InvalidInput, StallkitError
from storefront.money import display
from storefront.orders import OrderOut, StepIn, listing, service, states
from storefront.tenancy import service as tenancy

Id = Annotated[uuid.UUID, PathParameter()]
EDITORS: tuple[Role, ...] = ("owner", "staff")
STATUSES: tuple[str, ...] = get_args(states.OrderStatus)  # every status an order can be in
METHODS = ("pickup", "courier", "made_to_order", "stall")
STEP_WORDS = {
    "ready_for_pickup": "Ready for pickup",
    "in_production": "Start production",
    "out_for_delivery": "Out for delivery",
    "fulfilled": "Handed over",
}


def next_steps(order: OrderOut) -> dict[uuid.UUID, str]:
    """Each fulfilment's one next step, where it has one."""
    out: dict[uuid.UUID, str] = {}
    for part in order.fulfilments:
        flow = states.FLOWS.get(part.method, ())
        if order.status != "cancelled" and part.status in flow and flow.index(part.status) + 1 < len(flow):
            out[part.id] = flow[flow.index(part.status) + 1]
    return out


def _day(text: str, field: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{field}: a date such as 2026-12-07", errors=[FieldError(field, "a date")]) from None


class OrderPages(Controller):
    path = "/admin/orders"
    include_in_schema = False
    exception_handlers = {StallkitError: error_page}

    @get("/")
    async def orders(self, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        brand = await tenancy.read_brand(who.account.brand_id)
        tz = ZoneInfo(brand.timezone)
        q = request.query_params
        status, method = q.get("status") or None, q.get("method") or None
        if status is not None and status not in STATUSES:
            raise InvalidInput("status: not an order status", errors=[FieldError("status", "unknown")])
        if method is not None and method not in METHODS:
            raise InvalidInput("method: not a fulfilment method", errors=[FieldError("method", "unknown")])
        start, end = _day(q.get("from", ""), "from"), _day(q.get("to", ""), "to")
        wanted = listing.OrderFilter(
            status=status, method=method,
            placed_from=datetime.combine(start, time(0), tzinfo=tz) if start else None,
            placed_to=datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz) if end else None,
            search=q.get("q", "")[:100],
        )  # fmt: skip
        found = await listing.find_orders(who.account.brand_id, wanted)
        return page(
            "orders.html", who=who, orders=found, statuses=STATUSES, methods=METHODS, wanted=wanted,
            day_from=start.isoformat() if start else "", day_to=end.isoformat() if end else "",
            limit=listing.LIMIT, money=lambda m: display(m, brand.locale),
        )  # fmt: skip

    @get("/{order_id:uuid}")
    async def order(self, request: Request[Any, Any, Any], order_id: Id) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        found = await service.get_order(who.account.brand_id, order_id)
        brand = await tenancy.read_brand(who.account.brand_id)
        return page(
            "order.html", who=who, order=found, steps=next_steps(found), step_words=STEP_WORDS,
            money=lambda m: display(m, brand.locale),
        )  # fmt: skip

    @post("/{order_id:uuid}/fulfilments/{fulfilment_id:uuid}/step", status_code=303)
    async def step(self, request: Request[Any, Any, Any], order_id: Id, fulfilment_id: Id) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        fields = await access.posted(request, who)
        target = fields.get("status", "")
        if target not in STEP_WORDS:
            raise InvalidInput("status: not a fulfilment step", errors=[FieldError("status", "unknown step")])
        gateway = request.app.state.get("payments")
        await service.advance_fulfilment(
            who.account.brand_id, order_id, fulfilment_id, StepIn(status=cast("states.FulfilmentStep", target)),
            gateway=gateway,
        )  # fmt: skip
        return Redirect(f"/admin/orders/{order_id}", status_code=303)

    @get("/{order_id:uuid}/slip")
    async def slip(self, request: Request[Any, Any, Any], order_id: Id) -> Response[Any]:
        """The packing slip (or, for a pickup, the pickup slip with its code) to print and put in the bag."""
        who = await access.staff(request, EDITORS)
        found = await service.get_order(who.account.brand_id, order_id)
        return page("order_slip.html", who=who, order=found, brand_name=who.brand_name)


__all__ = ["OrderPages"]

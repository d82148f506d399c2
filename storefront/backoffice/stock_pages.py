"""The back office's stock: levels by location, the movement ledger (newest first) with filters, and the
three things staff do to it by hand (receive, adjust, transfer), each a ledger movement with a reason.

Each form acts once by its own key, and calls the inventory domain's own services. Owners and
staff use these pages; stall accounts do not (a stall's stock moves by its event).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect

from storefront.backoffice import access, forms
from storefront.backoffice.pages import error_page, page
from storefront.backoffice.rules import Role
from storefront.decoding import convert
from storefront.errors import FieldError, InvalidInput, StallkitError
from storefront.inventory import Location, MovementIn
from storefront.inventory import service as inventory

EDITORS: tuple[Role, ...] = ("owner", "staff")
SHOWN = 100


def _units(text: str) -> int:
    return forms.signed_number(text, "quantity", digits=7, words="a whole number of units", short="a whole number")


class StockPages(Controller):
    path = "/admin/stock"
    include_in_schema = False
    exception_handlers = {StallkitError: error_page}

    @get("/")
    async def stock(self, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        brand_id = who.account.brand_id
        sku = request.query_params.get("sku", "").strip()[:64] or None
        place = request.query_params.get("location", "").strip()[:80] or None
        levels = await inventory.list_levels(brand_id, sku=sku, location=place, cursor=None, limit=SHOWN)
        moves = await inventory.latest_movements(brand_id, sku=sku, location=place, limit=SHOWN)
        places = await Location.filter(brand_id=brand_id).order_by("handle").values_list("handle", "name", "kind")
        return page(
            "stock.html", who=who, levels=levels.data, moves=moves, places=places, sku=sku or "", place=place or "",
            key=forms.new_key(), transfer_key=forms.new_key(), shown=SHOWN,
        )  # fmt: skip

    @post("/movements", status_code=303)
    async def record(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """Receive or adjust: one movement at one place."""
        who = await access.staff(request, EDITORS)
        fields = await access.posted(request, who)
        kind = fields.get("kind", "")
        quantity = _units(fields.get("quantity", ""))
        if kind == "adjust" and not fields.get("reason", "").strip():
            raise InvalidInput("reason: say why the count changes", errors=[FieldError("reason", "required")])
        data = convert(
            {"sku": fields.get("sku", "").strip(), "location": fields.get("location", "").strip(), "kind": kind,
             "quantity": quantity, "reason": fields.get("reason", "").strip()},
            MovementIn,
        )  # fmt: skip
        await forms.once(
            who.account.brand_id, fields.get(access.KEY_FIELD, ""),
            lambda: inventory.record_movement(who.account.brand_id, data),
        )  # fmt: skip
        return Redirect(f"/admin/stock?sku={data.sku}", status_code=303)

    @post("/transfers", status_code=303)
    async def transfer(self, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        fields = await access.posted(request, who)
        sku = fields.get("sku", "").strip()[:64]
        quantity = _units(fields.get("quantity", ""))
        await forms.once(
            who.account.brand_id, fields.get(access.KEY_FIELD, ""),
            lambda: inventory.transfer_stock(
                who.account.brand_id, sku, fields.get("from_location", "").strip()[:80],
                fields.get("to_location", "").strip()[:80], quantity, fields.get("reason", "")[:200],
            ),
        )  # fmt: skip
        return Redirect(f"/admin/stock?sku={sku}", status_code=303)


__all__ = ["StockPages"]

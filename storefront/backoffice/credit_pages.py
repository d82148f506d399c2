"""The back office's trade-ins and credits: the inspection queue and its steps, and a code's balance,
ledger and adjustments. Each page calls the credits domain's own services.

A credit code is a bearer instrument, so a code typed here travels only in a form's body (never
in a URL, where logs and history would keep it), and the one an accepted trade-in issues is shown
once, on its printable slip. Owners and staff use these pages; stall accounts do not.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, cast

from litestar import Controller, Request, Response, get, post
from litestar.params import PathParameter
from litestar.response import Redirect

from storefront.backoffice import access, forms
from storefront.backoffice.pages import error_page, page
from storefront.backoffice.rules import Role
from storefront.backoffice.sessions import SignedIn
from storefront.clock import utcnow
from storefront.credits import codes, service, slip, trade_in_photos, trade_in_states, trade_ins, valuation
from storefront.credits import figures as credit_figures
from storefront.errors import FieldError, InvalidInput, StallkitError
from storefront.money import Money, display
from storefront.storage import media_storage
from storefront.tenancy import service as tenancy

Id = Annotated[uuid.UUID, PathParameter()]
EDITORS: tuple[Role, ...] = ("owner", "staff")
ADJUSTMENT = "a whole number of minor units (pence), signed: -500 takes 5.00 off"
QUEUE = ("received", "inspected", "quoted", "accepted", "rejected", "returned", "listed")


def actor(who: SignedIn) -> str:
    return f"staff:{who.account.id}"


async def _money(who: SignedIn) -> Any:
    brand = await tenancy.read_brand(who.account.brand_id)
    return lambda m: display(Money(amount=m.amount, currency=m.currency), brand.locale)


def _grade(text: str) -> valuation.Grade:
    if text not in valuation.GRADES:
        raise InvalidInput("condition: one of A, B, C, D", errors=[FieldError("condition", "one of A, B, C, D")])
    return text


class TradeInPages(Controller):
    path = "/admin/trade-ins"
    include_in_schema = False
    exception_handlers = {StallkitError: error_page}

    @get("/")
    async def queue(self, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        status = request.query_params.get("status", "received")
        if status not in trade_in_states.STATUSES:
            raise InvalidInput("status: one of " + ", ".join(QUEUE), errors=[FieldError("query.status", "unknown")])
        listed = await trade_ins.list_trade_ins(
            who.account.brand_id, status=cast("trade_in_states.Status", status), cursor=None, limit=100
        )
        return page("trade_ins.html", who=who, rows=listed.data, chosen=status, statuses=QUEUE, money=await _money(who))

    @get("/{trade_in_id:uuid}")
    async def detail(self, request: Request[Any, Any, Any], trade_in_id: Id) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        return await self._page(who, trade_in_id)

    async def _page(self, who: SignedIn, trade_in_id: uuid.UUID, **extra: Any) -> Response[Any]:
        item = await trade_ins.get_trade_in(who.account.brand_id, trade_in_id)
        return page(
            "trade_in.html", who=who, item=item, grades=valuation.GRADES, grade_names=valuation.GRADE_NAMES,
            money=await _money(who), key=forms.new_key(), **extra,
        )  # fmt: skip

    @post("/{trade_in_id:uuid}/{step:str}", status_code=303)
    async def step(
        self, request: Request[Any, Any, Any], trade_in_id: Id, step: Annotated[str, PathParameter(max_length=20)]
    ) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        fields = await access.posted(request, who)
        brand_id, now, by = who.account.brand_id, utcnow(), actor(who)
        if step == "receive":
            await trade_ins.receive(brand_id, trade_in_id, actor=by, now=now)
        elif step == "inspect":
            notes = fields.get("notes", "").strip()[:500]
            await trade_ins.inspect(
                brand_id, trade_in_id, _grade(fields.get("condition", "")), notes, actor=by, now=now
            )
        elif step == "reject":
            reason = fields.get("reason", "").strip()[:500]
            if not reason:
                raise InvalidInput("reason: say why the bag is not taken", errors=[FieldError("reason", "required")])
            await trade_ins.reject(brand_id, trade_in_id, reason, actor=by, now=now)
        elif step == "return":
            await trade_ins.return_bag(brand_id, trade_in_id, actor=by, now=now)
        elif step == "accept":
            key = codes.settings_key(access.settings_of(request))
            accepted = await trade_ins.accept(brand_id, trade_in_id, actor=by, now=now, code_key=key)
            code = accepted.credit.code
            if code is None:  # this form was sent before: the code was shown on its slip then, never again
                return Redirect(f"/admin/trade-ins/{trade_in_id}", status_code=303)
            printed = await slip.credit_slip(brand_id, code, key, now)  # the code, once: print it for the shopper
            return Response(printed, status_code=201, media_type="text/html", headers={"Cache-Control": "no-store"})
        else:
            raise InvalidInput(f"no step {step!r}", errors=[FieldError("path.step", "unknown step")])
        return Redirect(f"/admin/trade-ins/{trade_in_id}", status_code=303)

    @get("/{trade_in_id:uuid}/photos/{photo_id:uuid}")
    async def photo(self, request: Request[Any, Any, Any], trade_in_id: Id, photo_id: Id) -> Response[bytes]:
        who = await access.staff(request, EDITORS)
        storage = media_storage(access.settings_of(request))
        data, content_type = await trade_in_photos.photo_bytes(
            who.account.brand_id, trade_in_id, photo_id, storage=storage
        )
        return Response(
            content=data, media_type=content_type,
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"},
        )  # fmt: skip


class CreditPages(Controller):
    path = "/admin/credits"
    include_in_schema = False
    exception_handlers = {StallkitError: error_page}

    @get("/")
    async def look_up_form(self, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        return await self._page(who, None, b"")

    async def _page(self, who: SignedIn, code: str | None, key: bytes, **extra: Any) -> Response[Any]:
        brand_id, now = who.account.brand_id, utcnow()
        money = await _money(who)
        credit = entries = None
        if code is not None:
            credit = await service.look_up(brand_id, code, key, now)
            entries = (await service.list_entries(brand_id, code, key, cursor=None, limit=200)).data
        totals = await credit_figures.figures(brand_id, now)
        brand = await tenancy.read_brand(brand_id)
        return page(
            "credits.html", who=who, code=code, credit=credit, entries=entries, key=forms.new_key(),
            outstanding=display(Money(amount=totals.outstanding, currency=brand.currency), brand.locale),
            money=money, **extra,
        )  # fmt: skip

    @post("/look-up", status_code=200)
    async def look_up(self, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        fields = await access.posted(request, who)
        key = codes.settings_key(access.settings_of(request))
        return await self._page(who, fields.get("code", "").strip()[:60], key)

    @post("/adjust", status_code=200)
    async def adjust(self, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        fields = await access.posted(request, who)
        key = codes.settings_key(access.settings_of(request))
        code = fields.get("code", "").strip()[:60]
        credit = await service.credit_by_code(who.account.brand_id, code, key, field="code")
        delta = forms.signed_number(fields.get("amount", ""), "amount", digits=12, words=ADJUSTMENT, short=ADJUSTMENT)
        reason = fields.get("reason", "").strip()[:200]
        await service.adjust(
            who.account.brand_id, credit.id, delta, key=forms.checked_key(fields.get(access.KEY_FIELD, "")),
            reason=reason, actor=actor(who), now=utcnow(),
        )  # fmt: skip
        return await self._page(who, code, key, notice="Adjusted.")

    @post("/slip", status_code=200)
    async def print_slip(self, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await access.staff(request, EDITORS)
        fields = await access.posted(request, who)
        key = codes.settings_key(access.settings_of(request))
        html = await slip.credit_slip(who.account.brand_id, fields.get("code", "").strip()[:60], key, utcnow())
        return Response(html, media_type="text/html", headers={"Cache-Control": "no-store"})


__all__ = ["CreditPages", "TradeInPages"]

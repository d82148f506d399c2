"""``order-status``: the shopper's own order page, the one the confirmation links to.

``?order=<id>&token=<token>`` (the checkout's link). Shoppers have no accounts, so the token is
the key to this one order (:mod:`storefront.orders.status`): a wrong one is a 404 like a missing
order. Embedded with neither (a brand's "your order" page reached without the link), it says
where the link is instead of failing.

For each part of the order: where it stands against its promise (in the place's own time), the
pickup code with its QR for the counter, the delivery address, and each piece's journey from
material to the shopper's hands: the product's provenance, then the order's own steps. Never
cached: it is one shopper's order (``cacheable=False``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec

from components import loaders
from components.component import Component
from components.context import LoadContext
from components.fulfilment_promise import clock_time, on_day
from components.materials import country_name
from components.provenance import STAGE_LABELS, ProvenanceStep
from storefront.clock import utcnow
from storefront.errors import FieldError, NotFound
from storefront.money import Money
from storefront.orders import OrderStatusOut, status
from storefront.orders.schemas import AddressOut, FulfilmentStatusOut
from storefront.qr import qr_svg
from storefront.tenancy.schemas import BrandOut

_STAGE_ORDER = {stage: i for i, stage in enumerate(STAGE_LABELS)}

# What each status means to the shopper, by method where the words differ.
STATUS_WORDS: dict[str, str] = {
    "pending_payment": "Awaiting payment",
    "paid": "Confirmed",
    "in_production": "Being made",
    "ready_for_pickup": "Ready to collect",
    "out_for_delivery": "Out for delivery",
    "cancelled": "Cancelled",
}
DONE_WORDS = {"pickup": "Collected", "courier": "Delivered", "made_to_order": "Delivered"}


class TrackingStep(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    at: datetime
    when: str  # in the fulfilling place's time: "today, 14:05"


class Piece(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    quantity: int
    provenance: list[ProvenanceStep]


class FulfilmentCard(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    method: str
    heading: str  # "Collect at Market Street", "Courier delivery", "Made to order"
    status: str
    status_text: str
    promise_text: str  # "Promised by 18:00 tomorrow"
    verdict: str | None  # "On time", "Later than promised": words, never colour alone
    pickup_code: str | None
    qr_svg: str | None  # inline SVG of the pickup code
    address_lines: list[str]
    collector: str | None
    pieces: list[Piece]
    tracking: list[TrackingStep]


class OrderStatusProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str | None  # the page's product, if any
    found: bool  # False: no order link was given
    id: str
    number: str
    status_text: str
    placed_text: str
    total: Money | None
    fulfilments: list[FulfilmentCard]
    locale: str


def status_words(method: str, value: str) -> str:
    if value == "fulfilled":
        return DONE_WORDS.get(method, "Done")
    return STATUS_WORDS.get(value, value.replace("_", " ").capitalize())


def address_lines(address: AddressOut | None, locale: str) -> list[str]:
    if address is None:
        return []
    lines = [address.name, address.line1, address.line2, address.city, address.postcode]
    return [line for line in lines if line] + [country_name(address.country, locale)]


def _when(at: datetime, now: datetime, tz: ZoneInfo, locale: str) -> str:
    return f"{on_day(at, now, tz, locale)}, {clock_time(at, tz, locale)}"


def _card(f: FulfilmentStatusOut, now: datetime, locale: str, location_names: Mapping[str, str]) -> FulfilmentCard:
    tz = ZoneInfo(f.timezone)
    place = location_names.get(f.location, f.location)
    heading = {"pickup": f"Collect at {place}", "courier": "Courier delivery"}.get(f.method, "Made to order")
    latest = f"{clock_time(f.promised_latest, tz, locale)} {on_day(f.promised_latest, now, tz, locale)}"
    verdict = None
    if f.on_time is not None:
        verdict = "On time" if f.on_time else "Later than promised"
    elif f.late:
        verdict = "Running late: later than promised"
    code = f.pickup_code if f.status not in ("fulfilled", "cancelled") else None
    return FulfilmentCard(
        id=str(f.id),
        method=f.method,
        heading=heading,
        status=f.status,
        status_text=status_words(f.method, f.status),
        promise_text=f"Promised by {latest}",
        verdict=verdict,
        pickup_code=code,
        qr_svg=qr_svg(code, label=f"Pickup code {' '.join(code)}") if code else None,
        address_lines=address_lines(f.address, locale),
        collector=f.collector if f.method == "pickup" else None,
        pieces=[
            Piece(
                title=p.title,
                quantity=p.quantity,
                provenance=[
                    ProvenanceStep(
                        stage=s.stage,
                        label=STAGE_LABELS.get(s.stage, s.stage.capitalize()),
                        place=s.place,
                        country_code=s.country,
                        country=country_name(s.country, locale),
                        maker=s.maker,
                        occurred_on=s.occurred_on,
                    )
                    for s in sorted(p.provenance, key=lambda s: _STAGE_ORDER.get(s.stage, len(_STAGE_ORDER)))
                ],
            )
            for p in f.pieces
        ],
        tracking=[
            TrackingStep(label=status_words(f.method, t.status), at=t.at, when=_when(t.at, now, tz, locale))
            for t in f.tracking
        ],
    )


NO_LINK_TEXT = "Open the link in your order confirmation to follow your order here."


def no_link(brand: BrandOut, product: str | None = None) -> OrderStatusProps:
    return OrderStatusProps(
        product=product,
        found=False,
        id="none",
        number="",
        status_text=NO_LINK_TEXT,
        placed_text="",
        total=None,
        fulfilments=[],
        locale=brand.locale,
    )


def build(
    order: OrderStatusOut,
    brand: BrandOut,
    now: datetime,
    location_names: Mapping[str, str] | None = None,
    *,
    product: str | None = None,
) -> OrderStatusProps:
    names = location_names or {}
    first_tz = ZoneInfo(order.fulfilments[0].timezone) if order.fulfilments else ZoneInfo("UTC")
    return OrderStatusProps(
        product=product,
        found=True,
        id=str(order.id),
        number=order.number,
        status_text=status_words("", order.status) if order.status != "fulfilled" else "Complete",
        placed_text=f"Placed {_when(order.placed_at, now, first_tz, brand.locale)}",
        total=order.total,
        fulfilments=[_card(f, now, brand.locale, names) for f in order.fulfilments],
        locale=brand.locale,
    )


def _order_id(value: str | None) -> uuid.UUID:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        raise NotFound("no such order", errors=[FieldError("query.order", "no such order")]) from None


async def load(ctx: LoadContext) -> OrderStatusProps:
    order_param, token = ctx.param("order"), ctx.param("token")
    if order_param is None and token is None:
        return no_link(ctx.brand, ctx.product_handle)
    now = utcnow()
    order = await status.find_by_token(ctx.principal.brand_id, _order_id(order_param), token)
    names = await loaders.location_names(ctx)
    return build(await status.order_status(order, now), ctx.brand, now, names, product=ctx.product_handle)


COMPONENT = Component(
    name="order-status",
    title="Order status",
    props_type=OrderStatusProps,
    load=load,
    needs_product=False,
    interactive=False,
    cacheable=False,
)

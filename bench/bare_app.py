"""The baseline: a bare Litestar app with one msgspec JSON GET endpoint.

It returns a struct shaped and sized like a storefront product summary, with no middleware,
dependencies or database, so "req/s vs bare" says how much of the framework's ceiling the
real endpoints keep on the same machine, server and load.

Serve with ``uvicorn bench.bare_app:app`` from the repository root.
"""

from __future__ import annotations

import uuid

import msgspec
from litestar import Litestar, get


class Money(msgspec.Struct, frozen=True, kw_only=True):
    amount: int
    currency: str


class Image(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    alt: str


class ProductSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    handle: str
    title: str
    category: str
    size_class: str
    image: Image | None
    price_from: Money
    in_stock: bool
    materials: list[str]


SUMMARY = ProductSummary(
    id=uuid.UUID("01933b5e-7c2a-7d4e-9f10-2b3c4d5e6f70"),
    handle="mini-backpack-15",
    title="Mini Backpack 15",
    category="mini-backpack",
    size_class="mini",
    image=Image(url="/static/demo/images/mini-backpack.svg", alt="A mini backpack"),
    price_from=Money(amount=12_500, currency="GBP"),
    in_stock=True,
    materials=["Calfskin leather", "Recycled PET lining"],
)


@get("/products/{handle:str}")
async def product_summary(handle: str) -> ProductSummary:
    """Echo the handle so the response depends on the request, as a real lookup would."""
    return msgspec.structs.replace(SUMMARY, handle=handle)


app = Litestar(route_handlers=[product_summary], debug=False)

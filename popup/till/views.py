"""What the till's pages show, read once per request: products with their stock, the cart, the status.

Built from the pack (in memory) and the store's few rows by key, never from a scan of the journal:
``store.status`` counts unsynced entries, the only aggregate, and it is what the stall most needs
to see.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections import Counter
from dataclasses import dataclass
from typing import Any

from popup.store import TillStatus
from popup.till import collecting, state
from popup.till.context import TillContext
from popup.till.schemas import ProductOut
from popup.till.sessions import Cart, Session

MAX_RESULTS = 60


def image_url(till: TillContext, urls: list[str]) -> str | None:
    for url in urls:
        cached = till.images.file_for(url)
        if cached is not None:
            return f"/images/{cached}"
    return None


def products(till: TillContext, query: str = "") -> list[ProductOut]:
    """Products whose SKU or title holds ``query`` (all of them for none), in the pack's order."""
    needle = query.strip().casefold()
    found = [
        product
        for product in till.products.values()
        if not needle or needle in product.sku.casefold() or needle in product.title.casefold()
    ][:MAX_RESULTS]

    def read(conn: sqlite3.Connection) -> tuple[dict[str, int], Counter[str]]:
        return state.stock_levels(conn, till.allocation, [p.sku for p in found]), collecting.reserved_units(till, conn)

    levels, reserved = till.store.read(read)
    return [
        ProductOut(
            sku=product.sku,
            title=product.title,
            price=product.price,
            currency=product.currency,
            stock=levels[product.sku] - reserved[product.sku],
            reserved=reserved[product.sku],
            image=image_url(till, [image.url for image in product.images]),
        )
        for product in found
    ]


def find_sku(till: TillContext, typed: str) -> str | None:
    """The SKU a scanner or a person typed: exact, else the one SKU that matches ignoring case."""
    text = typed.strip()
    if text in till.products:
        return text
    folded = [sku for sku in till.products if sku.casefold() == text.casefold()]
    return folded[0] if len(folded) == 1 else None


@dataclass(frozen=True)
class CartLine:
    sku: str
    title: str
    quantity: int
    unit_price: int
    amount: int
    stock: int  # before this sale


@dataclass(frozen=True)
class CartView:
    currency: str
    lines: list[CartLine]
    subtotal: int
    discount: int
    discount_reason: str
    total: int

    @property
    def empty(self) -> bool:
        return not self.lines


def cart(till: TillContext, current: Cart) -> CartView:
    skus = [sku for sku in current.lines if sku in till.products]
    levels = till.store.read(lambda conn: state.stock_levels(conn, till.allocation, skus))
    lines = []
    for sku in skus:
        product = till.products[sku]
        quantity = current.lines[sku]
        lines.append(CartLine(sku, product.title, quantity, product.price, quantity * product.price, levels[sku]))
    subtotal = sum(line.amount for line in lines)
    discount = min(current.discount, subtotal)
    return CartView(
        currency=till.currency,
        lines=lines,
        subtotal=subtotal,
        discount=discount,
        discount_reason=current.discount_reason,
        total=subtotal - discount,
    )


def cart_context(till: TillContext, session: Session) -> dict[str, Any]:
    """The cart fragment's context; ``pay_key`` is the pay form's idempotency key, new each time it is shown."""
    return {"cart": cart(till, session.cart), "session": session, "pay_key": secrets.token_urlsafe(16)}


def status(till: TillContext) -> TillStatus:
    return till.store.status(till.now())

"""An accepted trade-in listed as refurbished stock: the catalogue and stock writes are re-commerce's, the step ours.

:func:`storefront.credits.recommerce.list_refurbished` makes the variant and receives its one unit,
idempotently (the variant remembers its trade-in); then the trade-in steps to ``listed`` with the
SKU. A retry after either half finds the listing made and records the step once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

import msgspec

from storefront.credits import recommerce, trade_ins
from storefront.credits.recommerce import RefurbishedOut, RefurbishIn, TradeInSource
from storefront.credits.trade_in_schemas import TradeInOut
from storefront.credits.valuation import Grade


class ListedTradeIn(msgspec.Struct, frozen=True, kw_only=True):
    trade_in: TradeInOut
    listing: RefurbishedOut


async def list_trade_in(
    brand_id: uuid.UUID, trade_in_id: uuid.UUID, data: RefurbishIn, *, actor: str, now: datetime
) -> ListedTradeIn:
    """Put an accepted bag back on sale under ``data.sku``; 409 naming the status unless it is accepted."""
    row = await trade_ins.trade_in_for_listing(brand_id, trade_in_id)
    source = TradeInSource(
        trade_in_id=row.id,
        grade=cast("Grade", row.grade),
        category=row.category,
        size_class=row.size_class,
        material=row.material,
        description=row.description,
        own_brand=row.own_brand,
        product=row.product_handle,
        received_at=row.received_at or row.created_at,
        accepted_at=row.accepted_at or row.updated_at,
        place="",
    )
    listing = await recommerce.list_refurbished(brand_id, source, data, now=now, actor=actor)
    trade_in = await trade_ins.record_listing(brand_id, trade_in_id, listing.sku, actor=actor, now=now)
    return ListedTradeIn(trade_in=trade_in, listing=listing)

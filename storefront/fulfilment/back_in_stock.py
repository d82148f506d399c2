"""Back-in-stock requests: a shopper asks to be told when a sold-out variant can be had again.

One request per brand, variant and email (:func:`rules.normalise_email`): asking twice, from the
buy box's form or the API, keeps the one row and answers it again. No mail server exists here:
when the variant can be had again the request is marked ``due`` (the pure rule
:func:`rules.restock_status`), and the brand's mailer reads the due requests with its secret key
(``GET /v1/back-in-stock?status=due``) and writes to the shoppers itself.

When "due" is decided: the stock ledger (``inventory``) sits below this domain and knows nothing
of requests, so nothing here hooks into a stock movement. Instead :func:`refresh` compares every
waiting request with the variant's stock as it is now, and every read of the list runs it first,
so the mailer never reads a stale list; ``due_at`` is the first read that found the variant back.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from tortoise.exceptions import IntegrityError

from storefront.catalog import Variant
from storefront.errors import FieldError, NotFound
from storefront.fulfilment import rules
from storefront.fulfilment.models import BackInStockRequest
from storefront.fulfilment.rules import RestockStatus
from storefront.fulfilment.schemas import BackInStockIn, BackInStockOut
from storefront.inventory import READER
from storefront.pagination import Page, page_of, page_query


def _out(request: BackInStockRequest, sku: str) -> BackInStockOut:
    return BackInStockOut(
        id=request.id,
        variant=sku,
        email=request.email,
        status=request.status,  # type: ignore[arg-type]  # written only from RestockStatus values
        created_at=request.created_at,
        due_at=request.due_at,
    )


async def _statuses(brand_id: uuid.UUID, variants: dict[uuid.UUID, bool]) -> dict[uuid.UUID, RestockStatus]:
    """What the rule says for each variant (id -> its product is made to order), from stock as it is now."""
    if not variants:
        return {}
    factory = await READER.has_microfactory(brand_id)
    stock = await READER.by_variant(list(variants), {v: mto and factory for v, mto in variants.items()})
    return {v: rules.restock_status(available=s.available, made_to_order=s.made_to_order) for v, s in stock.items()}


async def ask(brand_id: uuid.UUID, data: BackInStockIn, now: datetime) -> tuple[BackInStockOut, bool]:
    """The request for ``data`` (made if new), and whether it was new. 404 for a SKU the brand lacks."""
    variant = await Variant.get_or_none(brand_id=brand_id, sku=data.variant).prefetch_related("product")
    if variant is None:
        raise NotFound(f"no variant with SKU {data.variant!r}", errors=[FieldError("body.variant", "no such SKU")])
    email = rules.normalise_email(data.email)
    existing = await BackInStockRequest.get_or_none(brand_id=brand_id, variant_id=variant.id, email=email)
    if existing is not None:
        return _out(existing, variant.sku), False
    status = (await _statuses(brand_id, {variant.id: variant.product.made_to_order}))[variant.id]
    try:
        request = await BackInStockRequest.create(
            brand_id=brand_id,
            variant_id=variant.id,
            email=email,
            status=status,
            due_at=now if status == "due" else None,
        )
    except IntegrityError:  # the same shopper's other tab got there first: theirs is this one
        request = await BackInStockRequest.get(brand_id=brand_id, variant_id=variant.id, email=email)
        return _out(request, variant.sku), False
    return _out(request, variant.sku), True


async def refresh(brand_id: uuid.UUID, now: datetime) -> int:
    """Mark due the brand's waiting requests whose variant can be had again; how many were marked."""
    rows = await BackInStockRequest.filter(brand_id=brand_id, status="waiting").values_list(
        "variant_id", "variant__product__made_to_order"
    )
    variants: dict[uuid.UUID, bool] = {row[0]: bool(row[1]) for row in rows}
    back = [v for v, status in (await _statuses(brand_id, variants)).items() if status == "due"]
    if not back:
        return 0
    return await BackInStockRequest.filter(brand_id=brand_id, status="waiting", variant_id__in=back).update(
        status="due", due_at=now
    )


async def list_requests(
    brand_id: uuid.UUID, now: datetime, *, status: RestockStatus | None, cursor: str | None, limit: int
) -> Page[BackInStockOut]:
    """The brand's requests, oldest first (``status`` to filter), brought up to date with stock first."""
    await refresh(brand_id, now)
    query = BackInStockRequest.filter(brand_id=brand_id)
    if status is not None:
        query = query.filter(status=status)
    requests = await page_query(query, cursor, limit).prefetch_related("variant")
    return page_of([_out(r, r.variant.sku) for r in requests], [r.id for r in requests], limit)

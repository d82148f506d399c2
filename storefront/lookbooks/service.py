"""Lookbook persistence: looks whose items point at products and, optionally, one variant.

Every write runs in one transaction and bumps the brand's ``catalog_version``. Reads are
cached per catalogue version, which product and price changes bump too, so a cached look
never shows a stale price or a deleted product.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storefront.cache import VersionedCache, cached
from storefront.catalog import Product, Variant
from storefront.errors import DuplicateHandle, FieldError, NotFound, raise_field_errors
from storefront.ids import slugify
from storefront.lookbooks.models import Look, Lookbook, LookItem
from storefront.lookbooks.schemas import (
    Hotspot,
    LookbookIn,
    LookbookOut,
    LookbookPatch,
    LookbookSummary,
    LookIn,
    LookItemOut,
    LookOut,
    Occasion,
)
from storefront.money import Money
from storefront.pagination import Page, page_of, page_query
from storefront.tenancy import bump_catalog_version

# (product id, variant id or None) for each item, keyed by (look index, item index).
ItemRefs = dict[tuple[int, int], tuple[uuid.UUID, uuid.UUID | None]]


# --- writes -----------------------------------------------------------------------------------


async def _item_refs(brand_id: uuid.UUID, looks: list[LookIn]) -> ItemRefs:
    """Resolve every item's product handle and SKU in two queries, reporting each bad one by path.

    A SKU must belong to the item's own product: a look styling "the tan one" of another bag
    would link the hotspot to the wrong product page.
    """
    handles = {item.product for look in looks for item in look.items}
    skus = {item.variant for look in looks for item in look.items if item.variant is not None}
    products: dict[str, uuid.UUID] = dict(
        await Product.filter(brand_id=brand_id, handle__in=handles).values_list("handle", "id")
    )
    variants: dict[str, tuple[uuid.UUID, uuid.UUID]] = (
        {
            sku: (variant_id, product_id)
            for variant_id, sku, product_id in await Variant.filter(brand_id=brand_id, sku__in=skus).values_list(
                "id", "sku", "product_id"
            )
        }
        if skus
        else {}
    )
    errors: list[FieldError] = []
    refs: ItemRefs = {}
    for i, look in enumerate(looks):
        for j, item in enumerate(look.items):
            prefix = f"body.looks[{i}].items[{j}]"
            product_id = products.get(item.product)
            if product_id is None:
                errors.append(FieldError(f"{prefix}.product", f"no product with handle {item.product!r}"))
                continue
            variant_id = None
            if item.variant is not None:
                found = variants.get(item.variant)
                if found is None or found[1] != product_id:
                    errors.append(
                        FieldError(
                            f"{prefix}.variant", f"{item.variant!r} is not a variant of product {item.product!r}"
                        )
                    )
                    continue
                variant_id = found[0]
            refs[(i, j)] = (product_id, variant_id)
    raise_field_errors(errors)
    return refs


async def _replace_looks(lookbook: Lookbook, looks: list[LookIn], refs: ItemRefs) -> None:
    await Look.filter(lookbook_id=lookbook.id).delete()
    items: list[LookItem] = []
    for i, look_in in enumerate(looks):
        look = await Look.create(
            lookbook=lookbook,
            title=look_in.title,
            occasion=look_in.occasion,
            image=look_in.image,
            position=i,
            bundle_discount_bp=look_in.bundle_discount_bp,
        )
        for j, item in enumerate(look_in.items):
            product_id, variant_id = refs[(i, j)]
            items.append(
                LookItem(
                    look=look,
                    product_id=product_id,
                    variant_id=variant_id,
                    hotspot_x=item.hotspot.x,
                    hotspot_y=item.hotspot.y,
                    note=item.note,
                    position=j,
                )
            )
    await LookItem.bulk_create(items)


async def _lookbook_for_write(brand_id: uuid.UUID, handle: str) -> Lookbook:
    lookbook = await Lookbook.get_or_none(brand_id=brand_id, handle=handle)
    if lookbook is None:
        raise NotFound(f"no lookbook with handle {handle!r}")
    return lookbook


async def create_lookbook(brand_id: uuid.UUID, data: LookbookIn) -> LookbookOut:
    handle = data.handle or slugify(data.title)
    try:
        async with in_transaction():
            refs = await _item_refs(brand_id, data.looks)
            lookbook = await Lookbook.create(
                brand_id=brand_id, handle=handle, title=data.title, description=data.description
            )
            await _replace_looks(lookbook, data.looks, refs)
            await bump_catalog_version(brand_id)
    except IntegrityError:
        raise DuplicateHandle(f"a lookbook with handle {handle!r} already exists") from None
    return await get_lookbook(brand_id, handle)


async def update_lookbook(brand_id: uuid.UUID, handle: str, patch: LookbookPatch) -> LookbookOut:
    async with in_transaction():
        lookbook = await _lookbook_for_write(brand_id, handle)
        changes: dict[str, Any] = {}
        for name in ("title", "description"):
            value = getattr(patch, name)
            if value is not None:
                changes[name] = value
        if changes:
            await Lookbook.filter(id=lookbook.id).update(**changes)
        if patch.looks is not None:
            await _replace_looks(lookbook, patch.looks, await _item_refs(brand_id, patch.looks))
        await bump_catalog_version(brand_id)
    return await get_lookbook(brand_id, handle)


async def delete_lookbook(brand_id: uuid.UUID, handle: str) -> None:
    async with in_transaction():
        lookbook = await _lookbook_for_write(brand_id, handle)
        await lookbook.delete()
        await bump_catalog_version(brand_id)


# --- reads ------------------------------------------------------------------------------------


async def get_lookbook(
    brand_id: uuid.UUID, handle: str, *, version: int | None = None, cache: VersionedCache[LookbookOut] | None = None
) -> LookbookOut:
    """One lookbook with its looks and priced items; cached per catalogue version."""
    return await cached(cache, ("lookbook", brand_id, handle), version, lambda: _load_lookbook(brand_id, handle))


async def _load_lookbook(brand_id: uuid.UUID, handle: str) -> LookbookOut:
    lookbook = await Lookbook.get_or_none(brand_id=brand_id, handle=handle)
    if lookbook is None:
        raise NotFound(f"no lookbook with handle {handle!r}")
    return await _lookbook_out(lookbook)


async def _lookbook_out(lookbook: Lookbook) -> LookbookOut:
    """Assemble in four queries, however many looks and items, instead of one per item."""
    brand_id = lookbook.brand_id
    looks = await Look.filter(lookbook_id=lookbook.id).order_by("position")
    rows = (
        await LookItem.filter(look_id__in=[look.id for look in looks])
        .order_by("position")
        .values_list("look_id", "product_id", "variant_id", "hotspot_x", "hotspot_y", "note")
    )
    product_ids = {row[1] for row in rows}
    products: dict[uuid.UUID, tuple[str, str]] = {
        pid: (handle, title)
        for pid, handle, title in await Product.filter(brand_id=brand_id, id__in=product_ids).values_list(
            "id", "handle", "title"
        )
    }
    prices: dict[uuid.UUID, tuple[str, Money]] = {}
    cheapest: dict[uuid.UUID, Money] = {}
    variant_rows = (
        await Variant.filter(brand_id=brand_id, product_id__in=product_ids)
        .order_by("position")
        .values_list("id", "sku", "product_id", "price_minor", "currency")
    )
    for variant_id, sku, product_id, amount, currency in variant_rows:
        price = Money(amount=amount, currency=currency)
        prices[variant_id] = (sku, price)
        if product_id not in cheapest or amount < cheapest[product_id].amount:
            cheapest[product_id] = price
    items_by_look: dict[uuid.UUID, list[LookItemOut]] = {look.id: [] for look in looks}
    for look_id, product_id, variant_id, x, y, note in rows:
        if product_id not in products or product_id not in cheapest:
            continue  # deleted between the reads; its cascade removes the item too
        handle, title = products[product_id]
        sku, price = prices[variant_id] if variant_id in prices else (None, cheapest[product_id])
        items_by_look[look_id].append(
            LookItemOut(
                product=handle, product_title=title, variant=sku, price=price, hotspot=Hotspot(x=x, y=y), note=note
            )
        )
    return LookbookOut(
        id=lookbook.id,
        handle=lookbook.handle,
        title=lookbook.title,
        description=lookbook.description,
        looks=[
            LookOut(
                id=look.id,
                title=look.title,
                occasion=cast("Occasion", look.occasion),
                image=look.image,
                bundle_discount_bp=look.bundle_discount_bp,
                items=items_by_look[look.id],
            )
            for look in looks
        ],
        created_at=lookbook.created_at,
    )


async def list_lookbooks(
    brand_id: uuid.UUID,
    *,
    cursor: str | None,
    limit: int,
    version: int | None = None,
    cache: VersionedCache[Page[LookbookSummary]] | None = None,
) -> Page[LookbookSummary]:
    """A page of lookbook summaries in creation order; cached per catalogue version."""
    key = ("lookbooks", brand_id, cursor, limit)
    return await cached(cache, key, version, lambda: _load_lookbook_page(brand_id, cursor, limit))


async def _load_lookbook_page(brand_id: uuid.UUID, cursor: str | None, limit: int) -> Page[LookbookSummary]:
    query = Lookbook.filter(brand_id=brand_id)
    lookbooks = await page_query(query, cursor, limit)
    rows = (
        await Look.filter(lookbook_id__in=[lb.id for lb in lookbooks])
        .order_by("position")
        .values_list("lookbook_id", "image")
    )
    counts: dict[uuid.UUID, int] = {}
    covers: dict[uuid.UUID, str] = {}
    for lookbook_id, image in rows:
        counts[lookbook_id] = counts.get(lookbook_id, 0) + 1
        covers.setdefault(lookbook_id, image)
    summaries = [
        LookbookSummary(
            id=lb.id,
            handle=lb.handle,
            title=lb.title,
            description=lb.description,
            look_count=counts.get(lb.id, 0),
            cover_image=covers.get(lb.id) or None,
        )
        for lb in lookbooks
    ]
    return page_of(summaries, [lb.id for lb in lookbooks], limit)

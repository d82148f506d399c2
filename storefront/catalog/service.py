"""Catalogue rules and persistence: products, variants, disclosures.

Every write runs in one transaction and bumps the brand's ``catalog_version`` so cached reads
(see :mod:`storefront.cache`) are invalidated everywhere on the next request.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any, cast

import msgspec
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storefront.cache import VersionedCache, cached
from storefront.catalog import pairing, rules
from storefront.catalog.models import MaterialDisclosure, Product, ProvenanceStep, Repairability, Variant
from storefront.catalog.schemas import (
    Dimensions,
    Image,
    MaterialIn,
    MaterialOut,
    PriceIn,
    ProductFilters,
    ProductIn,
    ProductOut,
    ProductPatch,
    ProductSummary,
    ProvenanceIn,
    ProvenanceOut,
    RepairabilityIn,
    RepairabilityOut,
    VariantIn,
    VariantOut,
    VariantPatch,
)
from storefront.catalog.stock import StockReader
from storefront.errors import DuplicateHandle, FieldError, InvalidInput, NotFound, raise_field_errors
from storefront.ids import slugify
from storefront.money import Money
from storefront.pagination import Page, page_of, page_query
from storefront.tenancy import brand_currency, bump_catalog_version

# --- validation -------------------------------------------------------------------------------


def _check_price(price: PriceIn | None, currency: str, field: str, errors: list[FieldError]) -> None:
    if price is not None and price.currency != currency:
        errors.append(FieldError(field, f"currency must be the brand's currency {currency}"))


def _check_variant(variant: VariantIn | VariantPatch, currency: str, prefix: str, errors: list[FieldError]) -> None:
    _check_price(variant.price, currency, f"{prefix}price.currency", errors)
    _check_price(variant.compare_at_price, currency, f"{prefix}compare_at_price.currency", errors)
    if (
        variant.price is not None
        and variant.compare_at_price is not None
        and variant.compare_at_price.amount <= variant.price.amount
    ):
        errors.append(FieldError(f"{prefix}compare_at_price.amount", "must be higher than the price"))
    if isinstance(variant, VariantIn) and variant.condition == "new" and variant.condition_note:
        errors.append(FieldError(f"{prefix}condition_note", "a new bag has no repairs to describe"))


def _check_provenance(provenance: list[ProvenanceIn] | None, skus: Collection[str], errors: list[FieldError]) -> None:
    """A step kept for one variant must name one of the product's variants, or no bag would show it."""
    for i, step in enumerate(provenance or []):
        if step.sku is not None and step.sku not in skus:
            errors.append(FieldError(f"body.provenance[{i}].sku", f"no variant {step.sku!r} on this product"))


def _check_materials(materials: list[MaterialIn] | None, errors: list[FieldError]) -> None:
    if materials:
        total = sum(m.share_pct for m in materials)
        if total != 100:
            errors.append(FieldError("body.materials", f"shares must add up to 100 (they add up to {total})"))


# --- writes -----------------------------------------------------------------------------------


async def create_product(
    brand_id: uuid.UUID, data: ProductIn, *, stock: StockReader, refurbished_from: uuid.UUID | None = None
) -> ProductOut:
    """``refurbished_from``: the product is one traded-in piece (one variant), listed from that trade-in."""
    currency = await brand_currency(brand_id)
    errors: list[FieldError] = []
    for i, variant in enumerate(data.variants):
        _check_variant(variant, currency, f"body.variants[{i}].", errors)
    skus = [v.sku for v in data.variants]
    if len(set(skus)) != len(skus):
        errors.append(FieldError("body.variants", "SKUs must be unique"))
    _check_materials(data.materials, errors)
    _check_provenance(data.provenance, skus, errors)
    raise_field_errors(errors)
    if refurbished_from is not None and len(data.variants) != 1:
        raise ValueError("a refurbished piece is listed as a product of one variant")
    handle = data.handle or slugify(data.title)
    try:
        async with in_transaction():
            product = await Product.create(
                brand_id=brand_id,
                handle=handle,
                title=data.title,
                story=data.story,
                category=data.category,
                length_mm=data.dimensions.length_mm,
                width_mm=data.dimensions.width_mm,
                height_mm=data.dimensions.height_mm,
                size_class=rules.size_class(**msgspec.structs.asdict(data.dimensions)),
                images=msgspec.to_builtins(data.images),
                made_to_order=data.made_to_order,
            )
            for position, variant in enumerate(data.variants):
                await _create_variant(brand_id, product, variant, currency, position, refurbished_from)
            await _replace_disclosures(
                product,
                data.materials,
                data.provenance,
                data.repairability,
                replace_repairability=data.repairability is not None,
            )
            await bump_catalog_version(brand_id)
    except IntegrityError as exc:
        raise _integrity_to_conflict(exc, handle) from None
    return await get_product(brand_id, handle, stock=stock)


def _integrity_to_conflict(exc: IntegrityError, handle: str) -> DuplicateHandle:
    text = str(exc).lower()
    if "refurbished_from" in text:
        return _already_listed()
    if "sku" in text:
        return DuplicateHandle(
            "a variant with one of these SKUs already exists for this brand",
            errors=[FieldError("body.variants", "a SKU taken by another variant")],
        )
    return DuplicateHandle(
        f"a product with handle {handle!r} already exists", errors=[FieldError("body.handle", "taken")]
    )


def _already_listed() -> DuplicateHandle:
    return DuplicateHandle("this trade-in is listed already", errors=[FieldError("refurbished_from", "listed already")])


async def _create_variant(
    brand_id: uuid.UUID,
    product: Product,
    variant: VariantIn,
    currency: str,
    position: int,
    refurbished_from: uuid.UUID | None = None,
) -> Variant:
    return await Variant.create(
        brand_id=brand_id,
        product=product,
        sku=variant.sku,
        title=variant.title,
        options=dict(variant.options),
        price_minor=variant.price.amount,
        currency=currency,
        compare_at_minor=variant.compare_at_price.amount if variant.compare_at_price else None,
        weight_g=variant.weight_g,
        images=msgspec.to_builtins(variant.images),
        swatch=variant.swatch,
        condition=variant.condition,
        condition_note=variant.condition_note,
        refurbished_from=refurbished_from,
        position=position,
    )


async def _replace_disclosures(
    product: Product,
    materials: list[MaterialIn] | None,
    provenance: list[ProvenanceIn] | None,
    repairability: RepairabilityIn | None,
    *,
    replace_repairability: bool,
) -> None:
    if materials is not None:
        await MaterialDisclosure.filter(product=product).delete()
        await MaterialDisclosure.bulk_create(
            [
                MaterialDisclosure(
                    product=product,
                    position=i,
                    material=m.material,
                    grade=m.grade,
                    share_pct=m.share_pct,
                    origin=m.origin,
                    country=m.country,
                    certifications=list(m.certifications),
                )
                for i, m in enumerate(materials)
            ]
        )
    if provenance is not None:
        await ProvenanceStep.filter(product=product).delete()
        await ProvenanceStep.bulk_create(
            [
                ProvenanceStep(
                    product=product,
                    position=i,
                    stage=p.stage,
                    place=p.place,
                    country=p.country,
                    maker=p.maker,
                    occurred_on=p.occurred_on,
                    sku=p.sku,
                    note=p.note,
                )
                for i, p in enumerate(provenance)
            ]
        )
    if replace_repairability and repairability is not None:
        await Repairability.filter(product=product).delete()
        await Repairability.create(product=product, **msgspec.structs.asdict(repairability))


async def _product_for_write(brand_id: uuid.UUID, handle: str) -> Product:
    product = await Product.get_or_none(brand_id=brand_id, handle=handle)
    if product is None:
        raise NotFound(f"no product with handle {handle!r}")
    return product


async def update_product(brand_id: uuid.UUID, handle: str, patch: ProductPatch, *, stock: StockReader) -> ProductOut:
    errors: list[FieldError] = []
    _check_materials(patch.materials, errors)
    raise_field_errors(errors)
    async with in_transaction():
        product = await _product_for_write(brand_id, handle)
        if patch.provenance is not None:
            skus = await Variant.filter(product_id=product.id).values_list("sku", flat=True)
            _check_provenance(patch.provenance, {cast("str", sku) for sku in skus}, errors)
            raise_field_errors(errors)
        changes: dict[str, Any] = {}
        for name in ("title", "story", "category", "made_to_order"):
            value = getattr(patch, name)
            if value is not None:
                changes[name] = value
        if patch.images is not None:
            changes["images"] = msgspec.to_builtins(patch.images)
        if patch.dimensions is not None:
            dims = msgspec.structs.asdict(patch.dimensions)
            changes.update(dims, size_class=rules.size_class(**dims))
        if changes:
            await Product.filter(id=product.id).update(**changes)
        await _replace_disclosures(
            product,
            patch.materials,
            patch.provenance,
            patch.repairability,
            replace_repairability=patch.repairability is not None,
        )
        await bump_catalog_version(brand_id)
    return await get_product(brand_id, handle, stock=stock)


async def delete_product(brand_id: uuid.UUID, handle: str) -> None:
    async with in_transaction():
        product = await _product_for_write(brand_id, handle)
        await product.delete()
        await bump_catalog_version(brand_id)


async def add_variant(
    brand_id: uuid.UUID,
    handle: str,
    data: VariantIn,
    *,
    stock: StockReader,
    refurbished_from: uuid.UUID | None = None,
    provenance: Sequence[ProvenanceIn] = (),
) -> ProductOut:
    """``refurbished_from``: the variant is a traded-in piece; ``provenance``: steps of that piece alone,
    appended to the product's (each is kept for ``data.sku``)."""
    currency = await brand_currency(brand_id)
    errors: list[FieldError] = []
    _check_variant(data, currency, "body.", errors)
    raise_field_errors(errors)
    try:
        async with in_transaction():
            product = await _product_for_write(brand_id, handle)
            position = await Variant.filter(product=product).count()
            await _create_variant(brand_id, product, data, currency, position, refurbished_from)
            first = await ProvenanceStep.filter(product=product).count()
            for i, step in enumerate(provenance):
                await ProvenanceStep.create(
                    product=product,
                    position=first + i,
                    **msgspec.structs.asdict(msgspec.structs.replace(step, sku=data.sku)),
                )
            await bump_catalog_version(brand_id)
    except IntegrityError as exc:
        if "refurbished_from" in str(exc).lower():
            raise _already_listed() from None
        raise DuplicateHandle(
            f"a variant with SKU {data.sku!r} already exists for this brand",
            errors=[FieldError("body.sku", "taken by another variant")],
        ) from None
    return await get_product(brand_id, handle, stock=stock)


async def _variant_for_write(brand_id: uuid.UUID, handle: str, sku: str) -> Variant:
    variant = await Variant.get_or_none(brand_id=brand_id, sku=sku, product__handle=handle)
    if variant is None:
        raise NotFound(f"no variant {sku!r} on product {handle!r}")
    return variant


async def update_variant(
    brand_id: uuid.UUID, handle: str, sku: str, patch: VariantPatch, *, stock: StockReader
) -> ProductOut:
    currency = await brand_currency(brand_id)
    async with in_transaction():
        variant = await _variant_for_write(brand_id, handle, sku)
        errors: list[FieldError] = []
        _check_variant(patch, currency, "body.", errors)
        price = patch.price.amount if patch.price else variant.price_minor
        compare = (
            None
            if patch.clear_compare_at_price
            else (patch.compare_at_price.amount if patch.compare_at_price else variant.compare_at_minor)
        )
        if compare is not None and compare <= price:
            errors.append(FieldError("body.compare_at_price.amount", "must be higher than the price"))
        raise_field_errors(errors)
        changes: dict[str, Any] = {"price_minor": price, "compare_at_minor": compare}
        for name in ("title", "options", "weight_g", "swatch"):
            value = getattr(patch, name)
            if value is not None:
                changes[name] = value
        condition = patch.condition or variant.condition
        note = patch.condition_note
        if note is None:
            note = "" if condition == "new" else variant.condition_note
        if condition == "new" and note:
            raise_field_errors([FieldError("body.condition_note", "a new bag has no repairs to describe")])
        changes.update(condition=condition, condition_note=note)
        if patch.images is not None:
            changes["images"] = msgspec.to_builtins(patch.images)
        await Variant.filter(id=variant.id).update(**changes)
        await bump_catalog_version(brand_id)
    return await get_product(brand_id, handle, stock=stock)


async def delete_variant(brand_id: uuid.UUID, handle: str, sku: str, *, stock: StockReader) -> ProductOut:
    async with in_transaction():
        variant = await _variant_for_write(brand_id, handle, sku)
        if await Variant.filter(product_id=variant.product_id).count() == 1:
            raise InvalidInput(
                "a product keeps at least one variant; delete the product instead",
                errors=[FieldError("path.sku", "last variant of the product")],
            )
        await variant.delete()
        await ProvenanceStep.filter(product_id=variant.product_id, sku=sku).delete()  # that piece's own story
        await bump_catalog_version(brand_id)
    return await get_product(brand_id, handle, stock=stock)


# --- reads ------------------------------------------------------------------------------------


async def refurbished_piece(brand_id: uuid.UUID, trade_in_id: uuid.UUID) -> tuple[str, str, str] | None:
    """The product handle, SKU and condition of the variant listed from a trade-in, if it is listed."""
    rows = await Variant.filter(brand_id=brand_id, refurbished_from=trade_in_id).values_list(
        "product__handle", "sku", "condition"
    )
    return cast("tuple[str, str, str]", tuple(rows[0])) if rows else None


def _repairability_out(row: Repairability | None) -> RepairabilityOut | None:
    if row is None:
        return None
    breakdown = {name: getattr(row, name) for name in rules.REPAIR_WEIGHTS}
    return RepairabilityOut(
        score=str(rules.repairability_score(breakdown)),
        breakdown=breakdown,
        weights=dict(rules.REPAIR_WEIGHTS),
        replaceable_parts=list(row.replaceable_parts),
        repair_guide_url=row.repair_guide_url,
        service_partner=row.service_partner,
    )


async def existing_handles(brand_id: uuid.UUID, handles: Collection[str]) -> set[str]:
    """Which of ``handles`` name one of the brand's products: one look-up on the (brand, handle) key.

    For analytics, which sits beside the catalogue and must not count events for made-up products.
    """
    if not handles:
        return set()
    found = await Product.filter(brand_id=brand_id, handle__in=list(handles)).values_list("handle", flat=True)
    return {cast("str", handle) for handle in found}


async def get_product(
    brand_id: uuid.UUID,
    handle: str,
    *,
    stock: StockReader,
    version: int | None = None,
    cache: VersionedCache[ProductOut] | None = None,
) -> ProductOut:
    """One product with everything the product page discloses, stock as ``stock`` reads it; cached per version."""
    return await cached(cache, (brand_id, handle), version, lambda: _load_product(brand_id, handle, stock))


async def _load_product(brand_id: uuid.UUID, handle: str, stock: StockReader) -> ProductOut:
    product = await Product.get_or_none(brand_id=brand_id, handle=handle).prefetch_related(
        "variants", "materials", "provenance", "repairability"
    )
    if product is None:
        raise NotFound(f"no product with handle {handle!r}")
    return await _product_out(product, stock)


async def _product_out(product: Product, reader: StockReader) -> ProductOut:
    variants = sorted(product.variants, key=lambda v: v.position)
    mto = product.made_to_order and await reader.has_microfactory(product.brand_id)
    stock = await reader.by_variant([v.id for v in variants], {v.id: mto for v in variants})
    variant_out = [
        VariantOut(
            id=v.id,
            sku=v.sku,
            title=v.title,
            options=dict(v.options),
            price=Money(amount=v.price_minor, currency=v.currency),
            compare_at_price=Money(amount=v.compare_at_minor, currency=v.currency) if v.compare_at_minor else None,
            weight_g=v.weight_g,
            images=[msgspec.convert(i, Image) for i in v.images],
            swatch=v.swatch,
            condition=v.condition,
            condition_note=v.condition_note,
            refurbished=v.refurbished_from is not None,
            stock=stock[v.id],
        )
        for v in variants
    ]
    repair = product.repairability
    cheapest = min(variant_out, key=lambda v: v.price.amount)
    return ProductOut(
        id=product.id,
        handle=product.handle,
        title=product.title,
        story=product.story,
        category=product.category,
        dimensions=Dimensions(length_mm=product.length_mm, width_mm=product.width_mm, height_mm=product.height_mm),
        size_class=cast("rules.SizeClass", product.size_class),  # stored as derived by rules.size_class
        images=[msgspec.convert(i, Image) for i in product.images],
        made_to_order=product.made_to_order,
        price_from=cheapest.price,
        in_stock=any(v.stock.available > 0 or v.stock.made_to_order for v in variant_out),
        variants=variant_out,
        materials=[
            MaterialOut(
                material=m.material,
                grade=m.grade,
                share_pct=m.share_pct,
                origin=m.origin,
                country=m.country,
                certifications=list(m.certifications),
            )
            for m in sorted(product.materials, key=lambda m: m.position)
        ],
        provenance=[
            ProvenanceOut(
                stage=p.stage,
                place=p.place,
                country=p.country,
                maker=p.maker,
                occurred_on=p.occurred_on,
                sku=p.sku,
                note=p.note,
            )
            for p in sorted(product.provenance, key=lambda p: p.position)
        ],
        repairability=_repairability_out(repair if isinstance(repair, Repairability) else None),
        updated_at=product.updated_at,
    )


async def list_products(
    brand_id: uuid.UUID,
    filters: ProductFilters,
    *,
    cursor: str | None,
    limit: int,
    stock: StockReader,
    version: int | None = None,
    cache: VersionedCache[Page[ProductSummary]] | None = None,
) -> Page[ProductSummary]:
    """A page of product summaries in creation order, filtered; cached per catalogue version."""
    key = ("list", brand_id, filters, cursor, limit)
    return await cached(cache, key, version, lambda: _load_page(brand_id, filters, cursor, limit, stock))


async def _load_page(
    brand_id: uuid.UUID, filters: ProductFilters, cursor: str | None, limit: int, stock: StockReader
) -> Page[ProductSummary]:
    query = Product.filter(brand_id=brand_id)
    if filters.category:
        query = query.filter(category=filters.category)
    if filters.size_class:
        query = query.filter(size_class=filters.size_class)
    if filters.material:
        matching = MaterialDisclosure.filter(material__icontains=filters.material).values_list("product_id", flat=True)
        query = query.filter(id__in=await matching)
    if filters.in_stock is not None:
        in_stock_ids = set(await _in_stock_product_ids(stock, brand_id))
        query = query.filter(id__in=in_stock_ids) if filters.in_stock else query.exclude(id__in=in_stock_ids)
    products = await page_query(query, cursor, limit).prefetch_related("variants", "materials")
    summaries = await _summaries(brand_id, products, stock)
    return page_of(summaries, [p.id for p in products], limit)


async def _summaries(brand_id: uuid.UUID, products: list[Product], stock: StockReader) -> list[ProductSummary]:
    """Summaries of products fetched with their variants and materials; stock asked for these products only."""
    in_stock = set(await _in_stock_product_ids(stock, brand_id, [p.id for p in products]))
    return [
        ProductSummary(
            id=p.id,
            handle=p.handle,
            title=p.title,
            category=p.category,
            size_class=cast("rules.SizeClass", p.size_class),
            image=msgspec.convert(p.images[0], Image) if p.images else None,
            price_from=min(
                (Money(amount=v.price_minor, currency=v.currency) for v in p.variants), key=lambda m: m.amount
            ),
            in_stock=p.id in in_stock,
            materials=[m.material for m in sorted(p.materials, key=lambda m: m.position)],
        )
        for p in products
    ]


async def pair_candidates(brand_id: uuid.UUID, product: ProductOut, *, stock: StockReader) -> list[ProductSummary]:
    """What "pairs well with" may suggest beside ``product``: a bounded pool near its price (see :mod:`.pairing`)."""
    ids = await pairing.candidate_ids(
        brand_id, product_id=product.id, price_minor=product.price_from.amount, currency=product.price_from.currency
    )
    # By primary key, the brand checked on the rows: given `brand_id = ?` too, PostgreSQL may scan
    # the brand's whole index for these few ids (it did on a lightly analysed table).
    products = await Product.filter(id__in=ids).order_by("id").prefetch_related("variants", "materials")
    return await _summaries(brand_id, [p for p in products if p.brand_id == brand_id], stock)


async def _in_stock_product_ids(
    stock: StockReader, brand_id: uuid.UUID, product_ids: list[uuid.UUID] | None = None
) -> list[uuid.UUID]:
    """Products with sellable units at a shop or warehouse, or made to order where a microfactory exists."""
    ids = await stock.products_with_units(brand_id, product_ids)
    if await stock.has_microfactory(brand_id):
        mto = Product.filter(brand_id=brand_id, made_to_order=True)
        if product_ids is not None:
            mto = mto.filter(id__in=product_ids)
        ids.update(cast("list[uuid.UUID]", await mto.values_list("id", flat=True)))
    return list(ids)

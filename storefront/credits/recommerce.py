"""Re-commerce: an accepted trade-in back on sale as a refurbished piece, with its own unit of stock.

A traded-in bag is one piece: it is listed as a variant of its own (on the product it is a piece of,
or on a new product) carrying its condition and the repairs done, a provenance of its second life
(traded in, repaired) kept for that variant alone, and exactly one unit received through the stock
ledger. The catalogue and inventory services do the writes, inside one transaction here, so a
listing is whole or absent.

The variant remembers its trade-in (``refurbished_from``, unique), which is what makes listing
idempotent: a retry, or two staff pressing "list" at once, answers the variant already made and
never receives a second unit. The loser of a race fails on a unique key (the SKU, the product
handle or the trade-in itself), rolls back, and then finds the winner's listing.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from tortoise.transactions import in_transaction

from storefront.catalog import (
    Dimensions,
    LongText,
    MaterialIn,
    Name,
    PriceIn,
    ProductIn,
    ProductOut,
    ProvenanceIn,
    RepairabilityIn,
    Text,
    VariantIn,
)
from storefront.catalog import service as catalog
from storefront.credits.valuation import GRADE_NAMES, Category, Grade
from storefront.errors import Conflict, DuplicateHandle, FieldError, NotFound, StallkitError, raise_field_errors
from storefront.ids import Handle, Line, Sku
from storefront.inventory import READER, MovementIn
from storefront.inventory import service as inventory
from storefront.tenancy import brand_currency

Repair = Annotated[Line, msgspec.Meta(min_length=1, max_length=80, description="one repair, in words")]
NOTE_MAX = 200  # the variant's condition note and the repair step's note


class TradeInSource(msgspec.Struct, frozen=True, kw_only=True):
    """What the trade-in says about the bag; built by the trade-in's own code from its row."""

    trade_in_id: uuid.UUID
    grade: Grade
    category: str
    size_class: str
    material: str
    description: str
    own_brand: bool
    product: str | None  # the handle of this brand's product the bag is a piece of
    received_at: datetime
    accepted_at: datetime
    place: str  # where it was traded in, in words


class NewProductIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A product of its own for the piece; dimensions default to the original product's."""

    handle: Handle | None = None
    title: Name
    story: LongText = ""
    category: Category
    dimensions: Dimensions | None = None


class RefurbishIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Staff list an accepted trade-in: on one of the brand's products (``product``) or a new one."""

    product: Annotated[Handle | None, msgspec.Meta(description="add the piece to this product as a variant")] = None
    new_product: NewProductIn | None = None
    sku: Sku
    title: Annotated[
        Name | None, msgspec.Meta(description='default: "Refurbished, like new" and so on ("Pre-owned" for D)')
    ] = None
    price: PriceIn
    location: Annotated[Handle, msgspec.Meta(description="where the piece is kept: its unit is received there")]
    condition: Annotated[Grade | None, msgspec.Meta(description="default: the trade-in's grade")] = None
    repairs: Annotated[list[Repair], msgspec.Meta(max_length=10)] = []
    repaired_by: Annotated[Text, msgspec.Meta(description="who did the repairs; required with repairs")] = ""


class RefurbishedOut(msgspec.Struct, frozen=True, kw_only=True):
    trade_in_id: uuid.UUID
    product: Annotated[str, msgspec.Meta(description="the product's handle")]
    sku: str
    condition: Annotated[str, msgspec.Meta(description="A like new, B light wear, C visible wear, D needs repair")]
    location: Annotated[str, msgspec.Meta(description="the location's handle")]
    on_hand: int


def _problems(data: RefurbishIn, currency: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if (data.product is None) == (data.new_product is None):
        errors.append(FieldError("body.product", "give product (a handle) or new_product, one of them"))
    if data.price.currency != currency:
        errors.append(FieldError("body.price.currency", f"currency must be the brand's currency {currency}"))
    if data.repairs and not data.repaired_by:
        errors.append(FieldError("body.repaired_by", "say who did the repairs"))
    if len(_repairs_note(data.repairs)) > NOTE_MAX:
        errors.append(FieldError("body.repairs", f"at most {NOTE_MAX} characters together"))
    return errors


def _repairs_note(repairs: list[str]) -> str:
    return ", ".join(repairs)


def provenance_of(source: TradeInSource, data: RefurbishIn, repair_place: str, *, now: datetime) -> list[ProvenanceIn]:
    """The piece's second life: "traded in at <place> on <date>", then "repaired by <who>: <repairs>"."""
    steps = [
        ProvenanceIn(
            stage="trade_in",
            place=(source.place or repair_place)[:200],
            occurred_on=source.received_at.date(),
            sku=data.sku,
        )
    ]
    if data.repairs:
        steps.append(
            ProvenanceIn(
                stage="repair",
                place=repair_place,
                maker=data.repaired_by,
                occurred_on=now.date(),
                sku=data.sku,
                note=_repairs_note(data.repairs),
            )
        )
    return steps


async def list_refurbished(
    brand_id: uuid.UUID, source: TradeInSource, data: RefurbishIn, *, now: datetime, actor: str
) -> RefurbishedOut:
    """List an accepted trade-in as a refurbished variant with one unit at ``data.location``; idempotent."""
    listed = await _listed(brand_id, source.trade_in_id, data.sku)
    if listed is not None:
        return listed
    raise_field_errors(_problems(data, await brand_currency(brand_id)))
    try:
        async with in_transaction():
            location_name = await _location(brand_id, data.location)
            await _create(brand_id, source, data, location_name, now=now)
            level = await inventory.record_movement(
                brand_id,
                MovementIn(
                    sku=data.sku,
                    location=data.location,
                    kind="receive",
                    quantity=1,
                    reason=f"refurbished trade-in {source.trade_in_id}, listed by {actor}"[:200],
                ),
            )
    except DuplicateHandle as exc:
        # Lost a race to the same trade-in (its listing is there now), or the SKU or handle is someone else's.
        listed = await _listed(brand_id, source.trade_in_id, data.sku)
        if listed is not None:
            return listed
        raise _renamed(exc) from None
    return RefurbishedOut(
        trade_in_id=source.trade_in_id,
        product=level.product,
        sku=data.sku,
        condition=data.condition or source.grade,
        location=level.location,
        on_hand=level.on_hand,
    )


async def _create(
    brand_id: uuid.UUID, source: TradeInSource, data: RefurbishIn, location_name: str, *, now: datetime
) -> None:
    condition = data.condition or source.grade
    variant = VariantIn(
        sku=data.sku,
        title=data.title or f"{'Pre-owned' if condition == 'D' else 'Refurbished'}, {GRADE_NAMES[condition]}",
        price=data.price,
        condition=condition,
        condition_note=_repairs_note(data.repairs),
    )
    steps = provenance_of(source, data, location_name, now=now)
    if data.product is not None:
        try:
            await catalog.add_variant(
                brand_id, data.product, variant, stock=READER, refurbished_from=source.trade_in_id, provenance=steps
            )
        except NotFound:
            raise NotFound(
                f"no product with handle {data.product!r}", errors=[FieldError("body.product", "no such product")]
            ) from None
        return
    new = data.new_product
    if new is None:  # _problems asked for one of product and new_product
        raise_field_errors([FieldError("body.product", "give product (a handle) or new_product, one of them")])
        return
    original = await _original(brand_id, source)
    dimensions = new.dimensions or (original.dimensions if original else None)
    if dimensions is None:
        raise_field_errors(
            [FieldError("body.new_product.dimensions", "required when the trade-in names no product of ours")]
        )
        return
    await catalog.create_product(
        brand_id,
        ProductIn(
            handle=new.handle,
            title=new.title,
            story=new.story or source.description,
            category=new.category,
            dimensions=dimensions,
            variants=[variant],
            materials=_materials(source, original),
            provenance=[*_making(original), *steps],
            repairability=_repairability(original),
        ),
        stock=READER,
        refurbished_from=source.trade_in_id,
    )


async def _original(brand_id: uuid.UUID, source: TradeInSource) -> ProductOut | None:
    """The product the bag is a piece of, when the trade-in names one that is still in the catalogue."""
    if not source.own_brand or source.product is None:
        return None
    try:
        return await catalog.get_product(brand_id, source.product, stock=READER)
    except NotFound:
        return None


def _materials(source: TradeInSource, original: ProductOut | None) -> list[MaterialIn]:
    """The original's disclosure, copied; with none, the material the trade-in was declared as, whole."""
    if original is not None and original.materials:
        return [msgspec.convert(msgspec.to_builtins(m), MaterialIn) for m in original.materials]
    return [MaterialIn(material=source.material, share_pct=100)]


def _making(original: ProductOut | None) -> list[ProvenanceIn]:
    """The original's making (every variant's steps, not another piece's own)."""
    if original is None:
        return []
    return [msgspec.convert(msgspec.to_builtins(p), ProvenanceIn) for p in original.provenance if p.sku is None][:15]


def _repairability(original: ProductOut | None) -> RepairabilityIn | None:
    repair = original.repairability if original is not None else None
    if repair is None:
        return None
    return RepairabilityIn(
        **repair.breakdown,
        replaceable_parts=list(repair.replaceable_parts),
        repair_guide_url=repair.repair_guide_url,
        service_partner=repair.service_partner,
    )


async def _location(brand_id: uuid.UUID, handle: str) -> str:
    """The location's name (where the repair step says the piece was made good); a 404 naming the field."""
    try:
        return (await inventory.get_location(brand_id, handle)).name
    except NotFound:
        raise NotFound(
            f"no location with handle {handle!r}", errors=[FieldError("body.location", "no such location")]
        ) from None


def _renamed(exc: DuplicateHandle) -> StallkitError:
    """The catalogue's field names as this request spells them."""
    names = {"body.variants": "body.sku", "body.handle": "body.new_product.handle"}
    errors = [FieldError(names.get(e.field, e.field), e.message) for e in exc.errors] or [
        FieldError("body.sku", "taken by another variant")
    ]
    return DuplicateHandle(exc.detail, errors=errors)


async def _listed(brand_id: uuid.UUID, trade_in_id: uuid.UUID, sku: str) -> RefurbishedOut | None:
    """The listing made for this trade-in, as it stands; a 409 when asked again under another SKU."""
    piece = await catalog.refurbished_piece(brand_id, trade_in_id)
    if piece is None:
        return None
    product, listed_sku, condition = piece
    if listed_sku != sku:
        raise Conflict(
            f"this trade-in is listed already, as {listed_sku}",
            errors=[FieldError("body.sku", f"listed already as {listed_sku}")],
        )
    received = await inventory.list_movements(brand_id, sku=listed_sku, location=None, cursor=None, limit=1)
    location = received.data[0].location if received.data else ""
    on_hand = 0
    if location:
        levels = await inventory.list_levels(brand_id, sku=listed_sku, location=location, cursor=None, limit=1)
        on_hand = levels.data[0].on_hand if levels.data else 0
    return RefurbishedOut(
        trade_in_id=trade_in_id,
        product=product,
        sku=listed_sku,
        condition=condition,
        location=location,
        on_hand=on_hand,
    )

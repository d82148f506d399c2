"""Re-commerce: an accepted trade-in listed as a refurbished variant with exactly one unit, idempotently."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
import pytest

from storefront.catalog import Dimensions, MaterialIn, PriceIn, Variant
from storefront.catalog import service as catalog
from storefront.credits import RefurbishedOut, RefurbishIn, TradeInSource, list_refurbished
from storefront.credits.recommerce import NewProductIn
from storefront.credits.valuation import Grade
from storefront.errors import Conflict, DuplicateHandle, InvalidInput, NotFound, StallkitError
from storefront.inventory import READER
from storefront.inventory import service as inventory
from storefront.tenancy.schemas import CreatedBrand
from tests.commerce import post
from tests.conftest import MakeBrand, auth
from tests.factories import product_body

Client = httpx.AsyncClient
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
STAFF = "key:staff"


async def _brand(client: Client, make_brand: MakeBrand) -> tuple[CreatedBrand, dict[str, Any]]:
    """A brand with a workshop and the product traded-in bags are pieces of."""
    brand = await make_brand()
    await post(
        client,
        brand,
        "/v1/locations",
        {"handle": "workshop", "name": "Hackney Workshop", "kind": "warehouse", "timezone": "Europe/London"},
    )
    product = await post(client, brand, "/v1/products", product_body(title=f"Mina Backpack {uuid.uuid4().hex[:6]}"))
    return brand, product


def _source(product: str | None = None, *, grade: Grade = "B", own_brand: bool = True) -> TradeInSource:
    return TradeInSource(
        trade_in_id=uuid.uuid4(),
        grade=grade,
        category="mini-backpack",
        size_class="mini",
        material="calfskin",
        description="Well loved, strap frayed.",
        own_brand=own_brand,
        product=product,
        received_at=NOW - timedelta(days=3),
        accepted_at=NOW - timedelta(days=1),
        place="Market Street shop",
    )


def _request(**fields: Any) -> RefurbishIn:
    defaults: dict[str, Any] = {
        "sku": f"RF-{uuid.uuid4().hex[:8]}",
        "price": PriceIn(amount=7_500, currency="GBP"),
        "location": "workshop",
        "repairs": ["new strap", "edges repainted"],
        "repaired_by": "Ana Reyes",
    }
    return RefurbishIn(**(defaults | fields))


async def _movements(brand: CreatedBrand, sku: str) -> list[tuple[str, int, str, str]]:
    page = await inventory.list_movements(brand.brand.id, sku=sku, location=None, cursor=None, limit=50)
    return [(m.kind, m.on_hand_delta, m.location, m.reason) for m in page.data]


async def test_a_trade_in_becomes_a_refurbished_variant_of_its_product(client: Client, make_brand: MakeBrand) -> None:
    brand, product = await _brand(client, make_brand)
    source = _source(product["handle"], grade="B")
    data = _request(product=product["handle"])

    listed = await list_refurbished(brand.brand.id, source, data, now=NOW, actor=STAFF)

    assert listed == RefurbishedOut(
        trade_in_id=source.trade_in_id,
        product=product["handle"],
        sku=data.sku,
        condition="B",
        location="workshop",
        on_hand=1,
    )
    read = await catalog.get_product(brand.brand.id, product["handle"], stock=READER)
    piece = next(v for v in read.variants if v.sku == data.sku)
    assert (piece.condition, piece.condition_note, piece.refurbished) == ("B", "new strap, edges repainted", True)
    assert piece.title == "Refurbished, light wear"
    assert piece.stock.available == 1
    assert piece.price.amount == 7_500
    assert [v.condition for v in read.variants if v.sku != data.sku] == ["new", "new"]  # the others untouched
    own = [(p.stage, p.place, p.maker, p.occurred_on, p.note) for p in read.provenance if p.sku == data.sku]
    assert own == [
        ("trade_in", "Market Street shop", "", (NOW - timedelta(days=3)).date(), ""),
        ("repair", "Hackney Workshop", "Ana Reyes", NOW.date(), "new strap, edges repainted"),
    ]
    assert [p.stage for p in read.provenance if p.sku is None] == ["material", "assembly"]  # the making, kept
    assert await _movements(brand, data.sku) == [
        ("receive", 1, "workshop", f"refurbished trade-in {source.trade_in_id}, listed by {STAFF}")
    ]


async def test_a_trade_in_becomes_a_product_of_its_own_with_the_originals_disclosures(
    client: Client, make_brand: MakeBrand
) -> None:
    brand, product = await _brand(client, make_brand)
    source = _source(product["handle"], grade="A")
    data = _request(
        new_product=NewProductIn(title="Mina Backpack, Second Life", category="mini-backpack"),
        repairs=[],
        repaired_by="",
        condition=None,
    )

    listed = await list_refurbished(brand.brand.id, source, data, now=NOW, actor=STAFF)

    assert (listed.product, listed.condition, listed.on_hand) == ("mina-backpack-second-life", "A", 1)
    read = await catalog.get_product(brand.brand.id, listed.product, stock=READER)
    assert [(v.sku, v.condition, v.condition_note, v.refurbished) for v in read.variants] == [(data.sku, "A", "", True)]
    copied = [msgspec.convert(msgspec.to_builtins(m), MaterialIn) for m in read.materials]
    assert copied == msgspec.convert(product["materials"], list[MaterialIn])
    assert read.dimensions == msgspec.convert(product["dimensions"], Dimensions)
    assert read.story == "Well loved, strap frayed."  # the trade-in's description, when staff wrote none
    assert read.repairability is not None
    assert read.repairability.service_partner == "The Leather Clinic"
    # The original's making, then this piece's trade-in; no repairs were done, so no repair step.
    assert [(p.stage, p.sku) for p in read.provenance] == [
        ("material", None),
        ("assembly", None),
        ("trade_in", data.sku),
    ]


async def test_another_brands_bag_is_listed_with_the_material_it_was_declared_as(
    client: Client, make_brand: MakeBrand
) -> None:
    brand, _ = await _brand(client, make_brand)
    source = _source(None, grade="D", own_brand=False)
    without_size = _request(new_product=NewProductIn(title="Vintage Satchel", category="satchel"))
    with pytest.raises(InvalidInput) as refused:
        await list_refurbished(brand.brand.id, source, without_size, now=NOW, actor=STAFF)
    assert [e.field for e in refused.value.errors] == ["body.new_product.dimensions"]

    data = _request(
        new_product=NewProductIn(
            title="Vintage Satchel",
            category="satchel",
            dimensions=Dimensions(length_mm=300, width_mm=100, height_mm=250),
        )
    )
    listed = await list_refurbished(brand.brand.id, source, data, now=NOW, actor=STAFF)
    read = await catalog.get_product(brand.brand.id, listed.product, stock=READER)
    assert [(m.material, m.share_pct) for m in read.materials] == [("calfskin", 100)]
    assert (read.size_class, read.variants[0].condition, read.variants[0].title) == (
        "standard",
        "D",
        "Pre-owned, needs repair",
    )


async def test_listing_again_answers_the_same_variant_and_receives_nothing(
    client: Client, make_brand: MakeBrand
) -> None:
    brand, product = await _brand(client, make_brand)
    source = _source(product["handle"])
    data = _request(product=product["handle"])
    first = await list_refurbished(brand.brand.id, source, data, now=NOW, actor=STAFF)
    again = await list_refurbished(brand.brand.id, source, data, now=NOW + timedelta(hours=1), actor="key:other")
    assert again == first
    assert len(await _movements(brand, data.sku)) == 1

    with pytest.raises(Conflict) as other_sku:
        await list_refurbished(brand.brand.id, source, _request(product=product["handle"]), now=NOW, actor=STAFF)
    assert [e.field for e in other_sku.value.errors] == ["body.sku"]


@pytest.mark.parametrize("new_product", [False, True])
async def test_concurrent_listings_make_one_variant_and_one_unit(
    client: Client, make_brand: MakeBrand, new_product: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked = 0
    look_up = catalog.refurbished_piece

    async def counted(brand_id: uuid.UUID, trade_in_id: uuid.UUID) -> tuple[str, str, str] | None:
        nonlocal looked
        looked += 1
        return await look_up(brand_id, trade_in_id)

    monkeypatch.setattr(catalog, "refurbished_piece", counted)
    brand, product = await _brand(client, make_brand)
    source = _source(product["handle"])
    if new_product:
        data = _request(new_product=NewProductIn(title=f"Second Life {uuid.uuid4().hex[:6]}", category="tote"))
    else:
        data = _request(product=product["handle"])

    answers = await asyncio.gather(
        *(list_refurbished(brand.brand.id, source, data, now=NOW, actor=STAFF) for _ in range(4))
    )

    assert all(a == answers[0] for a in answers), answers
    assert answers[0].on_hand == 1
    assert await Variant.filter(refurbished_from=source.trade_in_id).count() == 1
    assert [(kind, delta) for kind, delta, _, _ in await _movements(brand, data.sku)] == [("receive", 1)]
    assert looked > len(answers)  # some lost the race on a unique key and then found the winner's listing


async def _refused(brand: CreatedBrand, source: TradeInSource, data: RefurbishIn) -> tuple[type[Exception], list[str]]:
    with pytest.raises(StallkitError) as caught:
        await list_refurbished(brand.brand.id, source, data, now=NOW, actor=STAFF)
    return type(caught.value), [e.field for e in caught.value.errors]


async def test_bad_listings_are_refused_naming_the_field_and_leave_nothing(
    client: Client, make_brand: MakeBrand
) -> None:
    brand, product = await _brand(client, make_brand)
    handle = product["handle"]
    taken = product["variants"][0]["sku"]
    source = _source(handle)
    cases: list[tuple[RefurbishIn, type[Exception], list[str]]] = [
        (_request(product="no-such-bag"), NotFound, ["body.product"]),
        (_request(product=handle, location="nowhere"), NotFound, ["body.location"]),
        (_request(product=handle, sku=taken), DuplicateHandle, ["body.sku"]),
        (
            _request(new_product=NewProductIn(title="Copy", category="tote"), sku=taken),
            DuplicateHandle,
            ["body.sku"],
        ),
        (
            _request(new_product=NewProductIn(handle=handle, title="Copy", category="tote")),
            DuplicateHandle,
            ["body.new_product.handle"],
        ),
        (_request(product=handle, price=PriceIn(amount=7_500, currency="EUR")), InvalidInput, ["body.price.currency"]),
        (_request(), InvalidInput, ["body.product"]),
        (
            _request(product=handle, new_product=NewProductIn(title="Both", category="tote")),
            InvalidInput,
            ["body.product"],
        ),
        (_request(product=handle, repaired_by=""), InvalidInput, ["body.repaired_by"]),
        (_request(product=handle, repairs=["x" * 80] * 3), InvalidInput, ["body.repairs"]),
    ]
    for data, kind, fields in cases:
        assert await _refused(brand, source, data) == (kind, fields), data
    # Nothing half-made: no variant for the trade-in, no stray product, no unit anywhere.
    assert await Variant.filter(refurbished_from=source.trade_in_id).count() == 0
    assert await Variant.filter(brand_id=brand.brand.id).count() == 2
    levels = await inventory.list_levels(brand.brand.id, sku=None, location=None, cursor=None, limit=50)
    assert levels.data == []


async def test_the_listing_reads_in_the_public_catalogue(client: Client, make_brand: MakeBrand) -> None:
    brand, product = await _brand(client, make_brand)
    source = _source(product["handle"])
    data = _request(product=product["handle"])
    await list_refurbished(brand.brand.id, source, data, now=NOW, actor=STAFF)

    read = await client.get(f"/v1/products/{product['handle']}", headers=auth(brand.publishable_key))
    assert read.status_code == 200
    piece = next(v for v in read.json()["variants"] if v["sku"] == data.sku)
    assert (piece["condition"], piece["refurbished"], piece["stock"]["available"]) == ("B", True, 1)
    assert str(source.trade_in_id) not in read.text  # the trade-in's id is its shopper's capability

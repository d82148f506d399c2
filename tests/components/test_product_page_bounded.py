"""A cold product page (read right after a catalogue write) does the same work at 400 products as at 1,200.

Counting statements is not enough: the page issued 28 at 30 products and at 10,000, while one of
them ("pairs well with" keeping one size class while walking the price index) read every
variant of the brand when a class was missing. So each statement the page sends is replayed and
its work measured: on SQLite the virtual machine's steps (a progress handler on a second
connection), on PostgreSQL the rows each scan node of ``EXPLAIN ANALYZE`` read, filtered ones
included. The grown brand also has lookbooks, which the page must not read.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from typing import Any

import httpx
import msgspec
import pytest
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from components.pairs_well_with import rank
from storefront.catalog import pairing, service
from storefront.catalog.models import Product, Variant
from storefront.catalog.rules import size_class
from storefront.catalog.schemas import ProductFilters, ProductIn, ProductOut, ProductSummary
from storefront.inventory import READER
from storefront.lookbooks import service as lookbooks
from storefront.lookbooks.schemas import LookbookIn
from storefront.settings import Settings
from storefront.tenancy.schemas import CreatedBrand
from tests.conftest import MakeBrand, auth
from tests.factories import product_body
from tests.queries import recorded_queries

pytestmark = pytest.mark.db

PRICE = 15_000  # the measured product's, mid-range
LENGTHS = (150, 300, 400)  # mini, standard, oversized: interleaved through the price range
STEPS = 20_000  # distinct prices, from 5,000 to 24,999: denser as the brand grows
ANALYZED = ("product", "variant", "material_disclosure", "stock_level", "lookbook", "look", "look_item")


async def add_bags(brand_id: uuid.UUID, start: int, count: int, lengths: tuple[int, ...] = LENGTHS) -> None:
    """``count`` products with two GBP variants each, written in bulk (as an import would, not one API call each)."""
    products, variants = [], []
    for i in range(start, start + count):
        length = lengths[i % len(lengths)]
        product = Product(
            id=uuid.uuid4(),
            brand_id=brand_id,
            handle=f"bag-{i:05d}",
            title=f"Bag {i:05d}",
            category="tote",
            length_mm=length,
            width_mm=80,
            height_mm=90,
            size_class=size_class(length, 80, 90),
            images=[{"url": "/static/demo/images/mini-backpack.svg", "alt": f"Bag {i}"}],
        )
        products.append(product)
        price = 5_000 + (i * 7_919) % STEPS  # spread over the range whatever the count
        for position, (colour, delta) in enumerate((("TAN", 0), ("BLK", 1_000))):
            sku = f"BAG-{i:05d}-{colour}"
            variants.append(
                Variant(
                    id=uuid.uuid4(),
                    brand_id=brand_id,
                    product_id=product.id,
                    sku=sku,
                    title=colour.title(),
                    price_minor=price + delta,
                    currency="GBP",
                    position=position,
                )
            )
    await Product.bulk_create(products, batch_size=500)
    await Variant.bulk_create(variants, batch_size=500)


async def create(brand: CreatedBrand, *, title: str, price: int, length_mm: int) -> ProductOut:
    """A product made through the service, ``length_mm`` its longest side (so it decides the size class)."""
    dimensions = {"length_mm": length_mm, "width_mm": 40, "height_mm": 60}
    body = product_body(title=title, price=price, dimensions=dimensions)
    return await service.create_product(brand.brand.id, msgspec.convert(body, ProductIn), stock=READER)


async def add_lookbooks(brand: CreatedBrand, count: int, handles: list[str]) -> None:
    for n in range(count):
        looks = [
            {
                "title": f"Look {n}-{k}",
                "occasion": "casual",
                "image": "/static/demo/images/look-casual.svg",
                "items": [
                    {"product": handles[(n * 12 + k * 3 + j) % len(handles)], "hotspot": {"x": 500, "y": 500}}
                    for j in range(3)
                ],
            }
            for k in range(4)
        ]
        body = msgspec.convert({"title": f"Lookbook {n}", "looks": looks}, LookbookIn)
        await lookbooks.create_lookbook(brand.brand.id, body)


async def analyze(settings: Settings) -> None:
    """On PostgreSQL, what autovacuum does soon after a bulk load: plans come from statistics, not from none."""
    if not settings.is_sqlite:
        await Tortoise.get_connection("default").execute_script(f"ANALYZE {', '.join(ANALYZED)}")


async def cold_page(client: httpx.AsyncClient, brand: CreatedBrand, handle: str) -> list[tuple[str, list[Any]]]:
    """The statements of one product page read right after a write to the product (so no cache can answer)."""
    patched = await client.patch(
        f"/v1/products/{handle}",
        json={"title": f"Noa {uuid.uuid4().hex[:6]}"},
        headers=auth(brand.secret_key, **{"Idempotency-Key": str(uuid.uuid4())}),
    )
    assert patched.status_code == 200, patched.text
    with recorded_queries() as seen:
        page = await client.get("/v1/components/product-page", params={"product": handle, "key": brand.publishable_key})
    assert page.status_code == 200, page.text
    assert "sk-pairs-well-with" in page.text
    return seen


def _sqlite_steps(path: str, statements: list[tuple[str, list[Any]]]) -> int:
    steps = 0

    def step() -> int:
        nonlocal steps
        steps += 1
        return 0

    conn = sqlite3.connect(path)
    try:
        conn.set_progress_handler(step, 1)
        for query, values in statements:
            conn.execute(query, values).fetchall()
    finally:
        conn.close()
    return steps


def _rows_read(plan: dict[str, Any]) -> float:
    """Rows the scan nodes of a plan read, kept or filtered out, over all their loops."""
    own = 0.0
    if "Relation Name" in plan:
        kept = plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
        own = (kept + plan.get("Rows Removed by Index Recheck", 0)) * plan.get("Actual Loops", 1)
    return own + sum(_rows_read(child) for child in plan.get("Plans", []))


async def work(settings: Settings, statements: list[tuple[str, list[Any]]]) -> float:
    """What the page's reads cost the database: SQLite VM steps, or rows PostgreSQL's scans read.

    On PostgreSQL the replay plans with index access only (no sequential or bitmap scans, no
    hash or merge joins): on the test database's small tables, reading a whole table is the
    planner's right choice and would measure the table, not the page; at 10,000 products the
    planner takes these index paths by itself (``EXPLAIN`` on the scale bench's brand).
    """
    reads = [(q, v) for q, v in statements if q.lstrip().upper().startswith("SELECT")]
    if settings.is_sqlite:
        return await asyncio.to_thread(_sqlite_steps, settings.database_url.removeprefix("sqlite://"), reads)
    total = 0.0
    async with in_transaction() as conn:
        for method in ("seqscan", "bitmapscan", "hashjoin", "mergejoin"):
            await conn.execute_script(f"SET LOCAL enable_{method} = off")
        for query, values in reads:
            _, rows = await conn.execute_query("EXPLAIN (ANALYZE, FORMAT JSON) " + query, values)
            plan = rows[0][0]
            total += _rows_read((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    return total


async def whole_catalogue(brand_id: uuid.UUID) -> list[ProductSummary]:
    everything: list[ProductSummary] = []
    cursor = None
    while True:
        page = await service.list_products(brand_id, ProductFilters(), cursor=cursor, limit=100, stock=READER)
        everything += page.data
        if not page.has_more:
            return everything
        cursor = page.next_cursor


async def test_a_cold_product_page_reads_as_much_at_1200_products_as_at_400(
    client: httpx.AsyncClient, make_brand: MakeBrand, database: Settings
) -> None:
    brand = await make_brand()
    noa = await create(brand, title="Noa Tote", price=PRICE, length_mm=300)
    # The only micro bag, priced far above the rest: other classes are walked past, micro is rare.
    pouch = await create(brand, title="Pip Pouch", price=60_000, length_mm=90)
    await add_bags(brand.brand.id, 0, 400)
    await analyze(database)
    small = await cold_page(client, brand, noa.handle)
    small_work = await work(database, small)

    await add_bags(brand.brand.id, 400, 800)
    await add_lookbooks(brand, 25, [f"bag-{i:05d}" for i in range(1_200)])
    await analyze(database)
    large = await cold_page(client, brand, noa.handle)
    large_work = await work(database, large)

    assert len(large) == len(small), [q[:120] for q, _ in large]
    assert not [q for q, _ in large if '"look' in q], "the product page reads no lookbook"
    assert large_work <= 1.25 * small_work, f"work grew from {small_work:,.0f} to {large_work:,.0f}"

    # Bounded, and still the rule's answer: the rare pouch is in the pool, and the suggestions are
    # those the rule picks from the whole catalogue.
    product = await service.get_product(brand.brand.id, noa.handle, stock=READER)
    pool = await service.pair_candidates(brand.brand.id, product, stock=READER)
    assert pouch.handle in {c.handle for c in pool}
    assert len(pool) <= pairing.PER_SIDE * 2 * 4
    everything = await whole_catalogue(brand.brand.id)
    assert len(everything) == 1_202
    assert [c.handle for c in rank(product, pool)] == [c.handle for c in rank(product, everything)]


async def test_a_rare_size_class_priced_far_away_is_still_suggested(make_brand: MakeBrand) -> None:
    """Many standard bags and two micro pouches far above them: beside a bag, the rule wants the pouches."""
    brand = await make_brand()
    await add_bags(brand.brand.id, 0, 300, lengths=(300,))
    noa = await create(brand, title="Noa Tote", price=PRICE, length_mm=300)
    pouches = {(await create(brand, title=f"Pip {n}", price=60_000 + n, length_mm=90)).handle for n in range(2)}
    product = await service.get_product(brand.brand.id, noa.handle, stock=READER)
    with recorded_queries() as seen:
        pool = await service.pair_candidates(brand.brand.id, product, stock=READER)
    suggested = [c.handle for c in rank(product, pool)]
    assert set(suggested[:2]) == pouches, suggested
    assert suggested == [c.handle for c in rank(product, await whole_catalogue(brand.brand.id))]
    # two walks, a look-up of each class they left short (micro, mini, oversized), the pouches' variants,
    # then the pool's summaries (products, variants, materials, stock, microfactory)
    assert len(seen) <= 2 + 3 + 1 + 5, [q[:120] for q, _ in seen]


async def test_a_small_brand_is_walked_to_its_end_in_two_statements(make_brand: MakeBrand) -> None:
    brand = await make_brand()
    await add_bags(brand.brand.id, 0, 40)
    noa = await create(brand, title="Noa Tote", price=PRICE, length_mm=300)
    product = await service.get_product(brand.brand.id, noa.handle, stock=READER)
    with recorded_queries() as seen:
        ids = await pairing.candidate_ids(brand.brand.id, product_id=product.id, price_minor=PRICE, currency="GBP")
    assert len(seen) == 2, [q[:120] for q, _ in seen]
    assert product.id not in ids and len(ids) == len(set(ids)) <= pairing.PER_SIDE * 2 * 4

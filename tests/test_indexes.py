"""Indexes a growing brand needs: every foreign-key column, ``(brand_id, id)`` for each cursor page.

The first tests read the models only (no database): a foreign-key column must lead some index
(its own, a ``unique_together`` or a composite index), or deleting the row it points at and
every lookup by it reads the whole table. The others check on a migrated database that each
model's index exists as declared, and that SQLite's planner pages a brand's orders through an
index instead of sorting the brand (PostgreSQL with a handful of rows may rightly seq-scan,
so there the index's presence is what is checked).
"""

from __future__ import annotations

import importlib
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tortoise import Tortoise
from tortoise.indexes import Index
from tortoise.models import Model

import storefront
from storefront.catalog.models import Product, Variant
from storefront.fulfilment.models import CourierZone, Microfactory, PersonalisationOption, PickupPoint
from storefront.inventory.models import Location, StockLevel, StockMovement
from storefront.inventory.stock import READER
from storefront.lookbooks.models import Lookbook
from storefront.orders.models import Order
from storefront.orders.service import list_orders
from tests.conftest import MakeBrand
from tests.queries import recorded_queries

# Every table the API pages with ``page_query`` (WHERE brand_id = ? [AND ...] ORDER BY id LIMIT n).
PAGED_BY_BRAND: list[type[Model]] = [
    Product,
    Location,
    StockLevel,
    StockMovement,
    Lookbook,
    Order,
    PickupPoint,
    CourierZone,
    Microfactory,
    PersonalisationOption,
]


def storefront_models() -> list[type[Model]]:
    """Every model defined in a ``storefront/<package>/models.py``."""
    found: list[type[Model]] = []
    for path in sorted(Path(storefront.__file__).parent.glob("*/models.py")):
        module = importlib.import_module(f"storefront.{path.parent.name}.models")
        found += [
            obj
            for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, Model) and obj.__module__ == module.__name__
        ]
    return found


def relations(model: type[Model]) -> set[str]:
    return set(model._meta.fk_fields) | set(model._meta.o2o_fields)


def column(model: type[Model], name: str) -> str:
    """The column behind a field name (a relation's is ``<name>_id``, as Tortoise names it) or a column name."""
    field = model._meta.fields_map.get(name)
    if field is None:
        return name
    if name in relations(model):
        return field.source_field or f"{name}_id"
    return field.source_field or name


def model_indexes(model: type[Model]) -> list[tuple[list[str], str | None]]:
    """``Meta.indexes`` as (fields, name): an ``Index``, or an old-style tuple of field names."""
    return [(list(i.fields), i.name) if isinstance(i, Index) else (list(i), None) for i in model._meta.indexes]


def indexed_prefixes(model: type[Model]) -> list[list[str]]:
    """The column lists of every index and unique constraint on the model's table, in order."""
    meta = model._meta
    out = [[column(model, name) for name in group] for group in meta.unique_together]
    out += [[column(model, name) for name in fields] for fields, _ in model_indexes(model)]
    for name, field in meta.fields_map.items():
        if field.pk or field.unique or field.index:
            out.append([column(model, name)])
    return out


def test_models_are_found() -> None:
    names = {model.__name__ for model in storefront_models()}
    assert {"Product", "Variant", "Order", "OrderLine", "StockLevel", "CartLine", "ReturnLine"} <= names


def test_every_foreign_key_column_leads_an_index() -> None:
    missing: list[str] = []
    for model in storefront_models():
        prefixes = indexed_prefixes(model)
        for name in sorted(relations(model)):
            col = column(model, name)
            if not any(cols[0] == col for cols in prefixes):
                table = model._meta.db_table
                missing.append(
                    f"{model.__module__}.{model.__name__}.{name} (column {table}.{col}) has no index: add "
                    f'Index(fields=("{col}",), name="{table}_{col}") to its Meta.indexes, and an AddIndex migration'
                )
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("model", PAGED_BY_BRAND, ids=lambda m: m.__name__)
def test_tables_paged_by_brand_have_a_brand_id_index(model: type[Model]) -> None:
    table = model._meta.db_table
    assert ["brand_id", "id"] in [cols[:2] for cols in indexed_prefixes(model)], (
        f"{model.__name__} is paged by brand in id order but has no (brand_id, id) index: add "
        f'Index(fields=("brand_id", "id"), name="{table}_brand_page") to its Meta.indexes, and an AddIndex migration'
    )


def test_orders_filtered_by_status_page_through_an_index() -> None:
    assert ["brand_id", "status", "id"] in indexed_prefixes(Order)


# --- on the database ----------------------------------------------------------------------------


async def database_indexes(table: str) -> dict[str, list[str]]:
    """Each index on ``table`` (by name) with its columns in order."""
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
        rows = await conn.execute_query_dict(query, [table])
        out: dict[str, list[str]] = {}
        for row in rows:
            info = await conn.execute_query_dict(f'PRAGMA index_info("{row["name"]}")')
            out[row["name"]] = [r["name"] for r in sorted(info, key=lambda r: r["seqno"])]
        return out
    rows = await conn.execute_query_dict(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1", [table]
    )
    return {
        row["indexname"]: [c.strip().strip('"') for c in re.findall(r"\((.*)\)", row["indexdef"])[-1].split(",")]
        for row in rows
    }


@pytest.mark.db
async def test_every_model_index_is_in_the_migrated_database(database: Any) -> None:
    """A Meta index without its migration (or with other columns) fails here, on each backend."""
    wrong: list[str] = []
    for model in storefront_models():
        table = model._meta.db_table
        present = await database_indexes(table)
        for fields, name in model_indexes(model):
            want = [column(model, field) for field in fields]
            if name is None or present.get(name) != want:
                wrong.append(f"{table}: index {name} on {want}, found {present.get(name or '')}: name and migrate it")
    assert not wrong, "\n".join(wrong)


async def sqlite_plan(query: str, values: list[Any]) -> str:
    rows = await Tortoise.get_connection("default").execute_query_dict("EXPLAIN QUERY PLAN " + query, values)
    return "\n".join(row["detail"] for row in rows)


def uses(plan: str, index: str) -> bool:
    """Whether SQLite's plan searches through ``index`` (covering or not)."""
    return re.search(rf"\bUSING (COVERING )?INDEX {index}\b", plan) is not None


async def _orders(brand_id: uuid.UUID, count: int) -> None:
    placed = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    for i in range(count):
        await Order.create(
            brand_id=brand_id, number=f"I-{uuid.uuid4().hex[:12]}", status="paid" if i % 2 else "cancelled",
            currency="GBP", subtotal_minor=0, fulfilment_minor=0, discount_minor=0, total_minor=0,
            hold_expires_at=placed, placed_at=placed,
        )  # fmt: skip


@pytest.mark.db
async def test_a_brands_order_page_reads_an_index_in_id_order(backend: str, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    await _orders(brand.brand.id, 5)
    if backend == "postgres":
        present = await database_indexes("order")
        assert present.get("order_brand_page") == ["brand_id", "id"], present
        assert present.get("order_brand_status_page") == ["brand_id", "status", "id"], present
        return
    literal = 'SELECT "id" FROM "order" WHERE "brand_id" = ? ORDER BY "id" LIMIT 21'
    plan = await sqlite_plan(literal, [str(brand.brand.id)])
    assert "TEMP B-TREE" not in plan and uses(plan, "order_brand_page"), plan
    for status, index in ((None, "order_brand_page"), ("paid", "order_brand_status_page")):
        with recorded_queries() as seen:
            page = await list_orders(brand.brand.id, status=status, cursor=None, limit=2)
        assert page.data
        [(query, values)] = [(q, v) for q, v in seen if 'FROM "order"' in q and "ORDER BY" in q]
        plan = await sqlite_plan(query, values)
        assert "TEMP B-TREE" not in plan and uses(plan, index), (query, plan)
        assert "SCAN" not in plan, (query, plan)


async def _product_with_stock(brand_id: uuid.UUID, location: Location, on_hand: int) -> Product:
    handle = f"i-{uuid.uuid4().hex[:8]}"
    product = await Product.create(
        brand_id=brand_id, handle=handle, title="Bag", category="bag", length_mm=1, width_mm=1, height_mm=1,
        size_class="mini",
    )  # fmt: skip
    variant = await Variant.create(
        brand_id=brand_id, product=product, sku=handle.upper(), title="Tan", price_minor=100, currency="GBP"
    )
    await StockLevel.create(brand_id=brand_id, variant=variant, location=location, on_hand=on_hand)
    return product


@pytest.mark.db
async def test_in_stock_for_given_products_reads_only_their_levels(backend: str, make_brand: MakeBrand) -> None:
    mine, theirs = (await make_brand()).brand.id, (await make_brand()).brand.id
    where = {
        b: await Location.create(brand_id=b, handle="wh", name="WH", kind="warehouse", timezone="UTC")
        for b in (mine, theirs)
    }
    stocked = await _product_with_stock(mine, where[mine], 2)
    empty = await _product_with_stock(mine, where[mine], 0)
    for _ in range(3):  # more of the brand's stock, which a page of two products must not read
        await _product_with_stock(mine, where[mine], 1)
    other = await _product_with_stock(theirs, where[theirs], 5)

    with recorded_queries() as seen:
        found = await READER.products_with_units(mine, [stocked.id, empty.id, other.id])
    assert found == {stocked.id}  # another brand's product is never reported, even when asked for
    assert await READER.products_with_units(mine, []) == set()
    if backend == "sqlite":
        [(query, values)] = [(q, v) for q, v in seen if 'FROM "stock_level"' in q]
        plan = await sqlite_plan(query, values)
        assert "SCAN" not in plan and "stock_level_brand_page" not in plan, (query, plan)
        assert uses(plan, "variant_product_id"), (query, plan)

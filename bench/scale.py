"""Scale benchmark: do the storefront's reads and writes stay flat as a brand's data grows?

    python bench/scale.py [--sizes small,medium,large] [--database-url URL] [--requests 200] [--rounds 2]

For each size it seeds a fresh database (a temporary SQLite file by default; with a
``postgres://`` ``--database-url``, a fresh database created beside the given one and dropped
afterwards, or the given database itself if the role may not create databases) with two
brands of that size, the measured one and another one (so a query that forgets its brand
filter pays for it):

    size     products   orders   analytics events   open carts
    smoke          25       20              1,000           10
    small          30      100             10,000            0
    medium      1,000   10,000            100,000       10,000
    large      10,000   50,000          1,000,000      100,000

Rows go in in bulk, ``execute_many`` over chunks of about 10k rows, with valid foreign keys:
products with two variants, two material disclosures and stock at the shop (a level and the
``receive`` movement that explains it); paid orders (a third of the older ones fulfilled) each
with one fulfilment (pickup or courier), one line and its sold stock hold; analytics events
spread over the last 30 days, skewed towards popular products; open carts with one line. The
brand, its shop, pickup point and courier zone are made through the service layer.

Every size is seeded first and kept. Then, in ``--rounds`` rounds over the sizes in alternating
order (small to large, then large to small: a shared machine's speed drifts, and a ratio taken
between two moments an hour apart measured the drift), it serves ``storefront.asgi:app`` and the
bare baseline (``bench/bare_app.py``) in their own single-worker uvicorn processes on 127.0.0.1
and sends each endpoint ``--requests`` requests with httpx, ``--concurrency`` at a time (one at a
time for the cold reads, each of which follows its own PATCH so it cannot hit a cache another
request filled), and within a time budget per endpoint. A size's figures pool its rounds'
samples. It prints a table per database (p50/p99 per size, and the ratio of the largest size's
p50 to the smallest's) and checks: every ratio <= 1.5, KPIs and the
analytics summary p99 < 100 ms at the largest size, no 5xx at any size. Figures also go to
``bench/results/scale.json``. The exit status is 0 when every check passes, as in the other
benchmarks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: make `bench` importable

from bench._harness import Check, bounded_int, environment, print_checks, request, serving, write_results
from bench.checkout import ALL_DAY, POSTCODE, SHOP, east_zone, percentile
from storefront import db
from storefront.catalog.rules import size_class
from storefront.fulfilment.promise import NEXT_DAY_RULE, PICKUP_RULE
from storefront.fulfilment.schemas import CourierZoneIn, PickupPointIn
from storefront.fulfilment.service import create_courier_zone, create_pickup_point
from storefront.ids import new_id
from storefront.inventory.schemas import LocationIn
from storefront.inventory.service import create_location
from storefront.orders import kpi_counters
from storefront.settings import Settings
from storefront.tenancy.schemas import NewBrand
from storefront.tenancy.service import create_brand

CHUNK = 10_000  # rows per execute_many: bounded memory however large the size
RATIO_TARGET = 1.5
REPORT_P99_TARGET_MS = 100.0
REPORTS = ("GET /v1/orders/kpis", "GET /v1/analytics/summary")
BARE = "bare GET /products/{handle}"
WINDOW = timedelta(days=30)
ZONE = "east"
POSTCODE_NORMALISED = POSTCODE.replace(" ", "")
# Funnel shares of the seeded events, in funnel order.
EVENT_MIX = (
    ("impression", 0.60),
    ("variant_select", 0.15),
    ("fulfilment_select", 0.10),
    ("add_to_cart", 0.08),
    ("checkout_start", 0.04),
    ("purchase", 0.03),
)
METHODS = ("pickup", "courier", "made_to_order")


@dataclass(frozen=True)
class Size:
    name: str
    products: int
    orders: int
    events: int
    carts: int


SIZES = {
    s.name: s
    for s in (
        Size("smoke", 25, 20, 1_000, 10),
        Size("small", 30, 100, 10_000, 0),
        Size("medium", 1_000, 10_000, 100_000, 10_000),
        Size("large", 10_000, 50_000, 1_000_000, 100_000),
    )
}


# --- SQL for two dialects ---------------------------------------------------------------------


@dataclass(frozen=True)
class Dialect:
    """How values and placeholders differ between SQLite (text UUIDs, 0/1) and PostgreSQL (native types)."""

    postgres: bool

    def insert(self, table: str, columns: Sequence[str]) -> str:
        marks = [f"${i}" for i in range(1, len(columns) + 1)] if self.postgres else ["?"] * len(columns)
        names = ", ".join(f'"{c}"' for c in columns)
        # Names are this module's constants and every value is a bound parameter.
        return f'INSERT INTO "{table}" ({names}) VALUES ({", ".join(marks)})'  # noqa: S608

    def id(self, value: uuid.UUID | None) -> uuid.UUID | str | None:
        if value is None:
            return None
        return value if self.postgres else str(value)

    def flag(self, value: bool) -> bool | int:
        return value if self.postgres else int(value)


def js(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


# --- seeding ----------------------------------------------------------------------------------


@dataclass
class TableStats:
    rows: int = 0
    seconds: float = 0.0


@dataclass
class Seeder:
    """Writes rows in chunks through the ORM's connection and keeps rows and seconds per table."""

    conn: Any
    dialect: Dialect
    stats: dict[str, TableStats] = field(default_factory=dict)

    async def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        started = time.perf_counter()
        await self.conn.execute_many(self.dialect.insert(table, columns), rows)
        stats = self.stats.setdefault(table, TableStats())
        stats.rows += len(rows)
        stats.seconds += time.perf_counter() - started


@dataclass(frozen=True)
class VariantRef:
    id: uuid.UUID
    sku: str
    price: int
    title: str  # the product's title, as order lines carry it
    handle: str  # the product's


@dataclass(frozen=True)
class SeededBrand:
    name: str
    publishable_key: str
    secret_key: str
    handles: list[str]
    skus: list[str]
    order_ids: list[uuid.UUID]


PRODUCT_COLUMNS = (
    "id", "brand_id", "handle", "title", "story", "category", "length_mm", "width_mm", "height_mm",
    "size_class", "images", "made_to_order", "created_at", "updated_at",
)  # fmt: skip
VARIANT_COLUMNS = (
    "id", "brand_id", "product_id", "sku", "title", "options", "price_minor", "compare_at_minor",
    "currency", "weight_g", "position",
)  # fmt: skip
MATERIAL_COLUMNS = (
    "id", "product_id", "material", "grade", "share_pct", "origin", "country", "certifications", "position",
)  # fmt: skip
LEVEL_COLUMNS = ("id", "brand_id", "variant_id", "location_id", "on_hand", "reserved", "quarantined", "updated_at")
MOVEMENT_COLUMNS = (
    "id", "brand_id", "variant_id", "location_id", "kind", "on_hand_delta", "reserved_delta",
    "quarantined_delta", "reason", "created_at",
)  # fmt: skip
ORDER_COLUMNS = (
    "id", "brand_id", "cart_id", "exchange_of_id", "number", "status", "email", "name", "currency",
    "subtotal_minor", "fulfilment_minor", "discount_minor", "total_minor", "paid_minor", "refunded_minor",
    "balance_minor", "payment_intent", "stripe_customer", "client_secret", "payment_failures",
    "last_payment_error", "last_failed_charge", "hold_expires_at", "placed_at", "paid_at", "fulfilled_at",
    "cancelled_at", "cancel_reason", "updated_at",
)  # fmt: skip
FULFILMENT_COLUMNS = (
    "id", "order_id", "method", "status", "location", "zone", "postcode", "fee_minor", "balance_minor",
    "balance_intent", "promised_earliest", "promised_latest", "promise_rule", "timezone", "fulfilled_at",
    "updated_at",
)  # fmt: skip
LINE_COLUMNS = (
    "id", "order_id", "fulfilment_id", "variant_id", "sku", "title", "quantity", "unit_price_minor",
    "discount_minor", "total_minor", "personalisation", "returned_quantity",
)  # fmt: skip
HOLD_COLUMNS = ("id", "order_id", "line_id", "variant_id", "location_id", "quantity", "status")
EVENT_COLUMNS = (
    "id", "brand_id", "type", "component", "product", "variant", "method", "occurred_at", "received_at",
)  # fmt: skip
CART_COLUMNS = ("id", "brand_id", "currency", "status", "created_at", "updated_at")
CART_LINE_COLUMNS = (
    "id", "cart_id", "variant_id", "quantity", "method", "location", "postcode", "personalisation",
    "bundle", "bundle_size", "bundle_discount_bp", "look", "created_at",
)  # fmt: skip

CATEGORIES = ("mini-backpack", "tote", "crossbody", "wallet", "belt-bag")
DIMENSIONS = ((180, 90, 120), (380, 140, 320), (240, 70, 160), (110, 20, 90), (260, 80, 140))
MATERIALS = (
    ("Calfskin leather", "full-grain", 85, "Conceria Walpier", "IT", ["LWG Gold"]),
    ("Recycled PET lining", "", 15, "Repreve", "US", ["GRS"]),
)


def chunks(rows: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


async def seed_shop(brand_id: uuid.UUID) -> uuid.UUID:
    """The shop (stock, pickup point, courier hub), through the services as the API would make it."""
    shop = await create_location(
        brand_id,
        msgspec.convert(
            {
                "handle": SHOP,
                "name": "Market Street",
                "kind": "shop",
                "postcode": "E2 7RG",
                "timezone": "Europe/London",
                "opening_hours": ALL_DAY,
            },
            LocationIn,
        ),
    )
    await create_pickup_point(brand_id, msgspec.convert({"location": SHOP, "prep_minutes": 30}, PickupPointIn))
    await create_courier_zone(brand_id, msgspec.convert(east_zone(ZONE), CourierZoneIn))
    return shop.id


async def seed_products(
    seeder: Seeder, brand_id: uuid.UUID, shop_id: uuid.UUID, count: int, now: datetime
) -> list[VariantRef]:
    d = seeder.dialect
    brand, shop = d.id(brand_id), d.id(shop_id)
    variants: list[VariantRef] = []
    step = max(1, CHUNK // 2)  # two variants, materials, levels and movements per product
    for start in range(0, count, step):
        products, rows_v, rows_m, rows_l, rows_mv = [], [], [], [], []
        for i in range(start, min(count, start + step)):
            pid = new_id()
            handle, title = f"bag-{i:05d}", f"Bag {i:05d}"
            created = now - timedelta(days=60) + timedelta(seconds=i)
            length, width, height = DIMENSIONS[i % len(DIMENSIONS)]
            images = js([{"url": "/static/demo/images/mini-backpack.svg", "alt": title}])
            products.append((
                d.id(pid), brand, handle, title, "Cut from a single hide in Florence.", CATEGORIES[i % len(CATEGORIES)],
                length, width, height, size_class(length, width, height), images, d.flag(False), created, created,
            ))  # fmt: skip
            price = 9_500 + 100 * (i % 200)
            for position, (colour, suffix, delta) in enumerate((("tan", "TAN", 0), ("black", "BLK", 1000))):
                vid, sku = new_id(), f"BAG-{i:05d}-{suffix}"
                rows_v.append((
                    d.id(vid), brand, d.id(pid), sku, colour.title(), js({"colour": colour}), price + delta,
                    price + delta + 3000 if position else None, "GBP", 900, position,
                ))  # fmt: skip
                rows_l.append((d.id(new_id()), brand, d.id(vid), shop, 1_000, 0, 0, created))
                rows_mv.append((d.id(new_id()), brand, d.id(vid), shop, "receive", 1_000, 0, 0, "seeded", created))
                variants.append(VariantRef(vid, sku, price + delta, title, handle))
            for position, (material, grade, share, origin, country, certs) in enumerate(MATERIALS):
                rows_m.append((d.id(new_id()), d.id(pid), material, grade, share, origin, country, js(certs), position))
        await seeder.insert("product", PRODUCT_COLUMNS, products)
        await seeder.insert("variant", VARIANT_COLUMNS, rows_v)
        await seeder.insert("material_disclosure", MATERIAL_COLUMNS, rows_m)
        await seeder.insert("stock_level", LEVEL_COLUMNS, rows_l)
        await seeder.insert("stock_movement", MOVEMENT_COLUMNS, rows_mv)
    return variants


async def seed_orders(
    seeder: Seeder,
    brand_id: uuid.UUID,
    shop_id: uuid.UUID,
    variants: list[VariantRef],
    count: int,
    now: datetime,
    rng: random.Random,
) -> list[uuid.UUID]:
    """Paid orders placed over the last 30 days, oldest first (ids are time-ordered, as the list pages them)."""
    d = seeder.dialect
    brand, shop = d.id(brand_id), d.id(shop_id)
    tag = uuid.uuid4().hex[:5].upper()  # order numbers are unique across brands
    order_ids: list[uuid.UUID] = []
    for start in range(0, count, CHUNK):
        orders, fulfilments, lines, holds = [], [], [], []
        for i in range(start, min(count, start + CHUNK)):
            oid, fid, lid = new_id(), new_id(), new_id()
            order_ids.append(oid)
            variant = variants[rng.randrange(len(variants))]
            placed = now - WINDOW * (1 - i / count) + timedelta(microseconds=rng.randrange(1, 999_999))
            courier = i % 3 == 2
            fee = 795 if courier else 0
            earliest = placed + (timedelta(hours=20) if courier else timedelta(minutes=30))
            latest = earliest + (timedelta(hours=3) if courier else timedelta(hours=1))
            done = placed < now - timedelta(days=2) and i % 3 != 1
            fulfilled = (latest - timedelta(minutes=20) if i % 7 else latest + timedelta(hours=2)) if done else None
            status = "fulfilled" if done else "paid"
            total = variant.price + fee
            updated = fulfilled or placed + timedelta(minutes=1)
            orders.append((
                d.id(oid), brand, None, None, f"SB-{tag}{i:07d}", status, f"shopper{i}@example.com", f"Shopper {i}",
                "GBP", variant.price, fee, 0, total, total, 0, 0, f"pi_scale_{oid.hex}", None, None, 0, "", None,
                placed + timedelta(minutes=30), placed, placed + timedelta(minutes=1), fulfilled, None, "", updated,
            ))  # fmt: skip
            fulfilments.append((
                d.id(fid), d.id(oid), "courier" if courier else "pickup", status, SHOP, ZONE if courier else None,
                POSTCODE_NORMALISED if courier else None, fee, 0, None, earliest, latest,
                NEXT_DAY_RULE if courier else PICKUP_RULE, "Europe/London", fulfilled, updated,
            ))  # fmt: skip
            lines.append((
                d.id(lid), d.id(oid), d.id(fid), d.id(variant.id), variant.sku, variant.title, 1, variant.price, 0,
                variant.price, "[]", 0,
            ))  # fmt: skip
            holds.append((d.id(new_id()), d.id(oid), d.id(lid), d.id(variant.id), shop, 1, "sold"))
        await seeder.insert("order", ORDER_COLUMNS, orders)
        await seeder.insert("fulfilment", FULFILMENT_COLUMNS, fulfilments)
        await seeder.insert("order_line", LINE_COLUMNS, lines)
        await seeder.insert("stock_hold", HOLD_COLUMNS, holds)
    return order_ids


def event_rows(
    d: Dialect, brand_id: uuid.UUID, variants: list[VariantRef], count: int, now: datetime, rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    """``count`` product-page events received over the last 30 days, oldest first; popular products get most."""
    brand = d.id(brand_id)
    types = [t for t, _ in EVENT_MIX]
    weights = [w for _, w in EVENT_MIX]
    window_s = WINDOW.total_seconds()
    for k in range(count):
        variant = variants[int(len(variants) * rng.random() ** 3)]  # skewed: a few products are seen most
        kind = rng.choices(types, weights)[0]
        chosen = kind not in ("impression", "variant_select")
        method = METHODS[rng.randrange(3)] if chosen else None
        # In the order they would have arrived: each index on received_at grows at its end, not at random
        # pages (which made SQLite insert 1M events at under 10k rows/s).
        received = now - timedelta(seconds=window_s * (1 - (k + rng.random()) / count))
        yield (
            d.id(new_id()), brand, kind, "product-page", variant.handle,
            variant.sku if kind != "impression" else None, method, received - timedelta(seconds=2), received,
        )  # fmt: skip


async def seed_events(
    seeder: Seeder, brand_id: uuid.UUID, variants: list[VariantRef], count: int, now: datetime, rng: random.Random
) -> None:
    for batch in chunks(event_rows(seeder.dialect, brand_id, variants, count, now, rng)):
        await seeder.insert("analytics_event", EVENT_COLUMNS, batch)


# What the hourly rollups count (``analytics_rollup`` and ``analytics_method_rollup``, where the schema
# has them): reports read them, so bulk-written events are counted into them as their migrations backfill.
_ROLLUP_PERIOD = {
    (True, "hour"): "date_trunc('hour', \"received_at\" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    (False, "hour"): "strftime('%Y-%m-%d %H:00:00+00:00', \"received_at\")",
    (True, "day"): "date_trunc('day', \"received_at\" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    (False, "day"): "strftime('%Y-%m-%d 00:00:00+00:00', \"received_at\")",
    (True, "month"): "date_trunc('month', \"received_at\" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    (False, "month"): "strftime('%Y-%m-01 00:00:00+00:00', \"received_at\")",
}


async def fill_rollups(seeder: Seeder, brand_id: uuid.UUID) -> None:
    """Count the brand's seeded events into each rollup table the schema has (hourly and daily, fine and
    per method only); a schema without one has nothing to fill."""
    d = seeder.dialect
    mark = "$1" if d.postgres else "?"
    hour, day, month = (_ROLLUP_PERIOD[d.postgres, period] for period in ("hour", "day", "month"))

    async def has_table(table: str, column: str = "1") -> bool:
        try:
            await seeder.conn.execute_query(f'SELECT {column} FROM "{table}" LIMIT 1')  # noqa: S608
        except Exception:  # not in this schema: reports read what it has
            return False
        return True

    partitions = {"analytics_rollup": ("day", day), "analytics_daily_rollup": ("month", month)}

    rollups = {  # table: (its key columns, what the seeded events give for them)
        "analytics_rollup": (
            '"brand_id", "hour", "component", "product", "method", "type"',
            f'"brand_id", {hour}, "component", "product", COALESCE("method", \'\'), "type"',
        ),
        "analytics_method_rollup": (
            '"brand_id", "hour", "method", "type"',
            f'"brand_id", {hour}, COALESCE("method", \'\'), "type"',
        ),
        "analytics_daily_rollup": (
            '"brand_id", "day", "component", "product", "method", "type"',
            f'"brand_id", {day}, "component", "product", COALESCE("method", \'\'), "type"',
        ),
        "analytics_method_daily_rollup": (
            '"brand_id", "day", "method", "type"',
            f'"brand_id", {day}, COALESCE("method", \'\'), "type"',
        ),
    }
    for table, (columns, select) in rollups.items():
        if not await has_table(table):
            continue
        started = time.perf_counter()
        groups = ", ".join(str(i + 1) for i in range(columns.count(",") + 1))
        if table in partitions and await has_table(table, f'"{partitions[table][0]}"'):  # partitioned (0018 on)
            column, value = partitions[table]
            columns, select = f'{columns}, "{column}"', f"{select}, {value}"
            groups += f", {groups.count(',') + 2}"
        sql = (
            f'INSERT INTO "{table}" ({columns}, "count") SELECT {select}, COUNT(*) '  # noqa: S608
            f'FROM "analytics_event" WHERE "brand_id" = {mark} GROUP BY {groups}'
        )
        await seeder.conn.execute_query(sql, [d.id(brand_id)])
        # Counted, not taken from the driver: asyncpg's "INSERT 0 n" status reads as 0 rows in Tortoise.
        rows = await seeder.conn.execute_query_dict(
            f'SELECT COUNT(*) AS n FROM "{table}" WHERE "brand_id" = {mark}',  # noqa: S608
            [d.id(brand_id)],
        )
        stats = seeder.stats.setdefault(table, TableStats())
        stats.rows += int(rows[0]["n"])
        stats.seconds += time.perf_counter() - started


async def seed_carts(
    seeder: Seeder, brand_id: uuid.UUID, variants: list[VariantRef], count: int, now: datetime, rng: random.Random
) -> None:
    """Open carts from the last week, each with one pickup line."""
    d = seeder.dialect
    brand = d.id(brand_id)
    for start in range(0, count, CHUNK):
        carts, lines = [], []
        for _ in range(start, min(count, start + CHUNK)):
            cid = uuid.uuid4()  # as the app makes them: random, not time-ordered
            created = now - timedelta(seconds=rng.random() * 7 * 86_400)
            variant = variants[rng.randrange(len(variants))]
            carts.append((d.id(cid), brand, "GBP", "open", created, created))
            lines.append(
                (d.id(new_id()), d.id(cid), d.id(variant.id), 1, "pickup", SHOP, None, "[]", None, 0, 0, None, created)
            )
        await seeder.insert("cart", CART_COLUMNS, carts)
        await seeder.insert("cart_line", CART_LINE_COLUMNS, lines)


async def count_orders(seeder: Seeder, brand_id: uuid.UUID) -> None:
    """Fill the brand's running KPI counters from the bulk-written orders.

    The bench writes orders straight to the tables, behind the counters' back; the rebuild sums
    them once, as the migration that made the counters did for existing orders. PostgreSQL is
    told about the bulk-written tables first: with no statistics yet its planner takes them for
    empty and picks nested loops that ran the recomputation for over 30 minutes at 50,000 orders
    (0.6 s once analysed).
    """
    started = time.perf_counter()
    if seeder.dialect.postgres:
        await seeder.conn.execute_query('ANALYZE "order", "fulfilment", "order_line", "return_line"')
    figures = await kpi_counters.rebuild(brand_id)
    stats = seeder.stats.setdefault("order_kpi_counter", TableStats())
    stats.rows += len(figures)
    stats.seconds += time.perf_counter() - started


async def seed_brand(seeder: Seeder, name: str, size: Size, now: datetime, rng: random.Random) -> SeededBrand:
    created = await create_brand(NewBrand(name=name, handle=f"scale-{uuid.uuid4().hex[:8]}"))
    brand_id = created.brand.id
    shop_id = await seed_shop(brand_id)
    variants = await seed_products(seeder, brand_id, shop_id, size.products, now)
    order_ids = await seed_orders(seeder, brand_id, shop_id, variants, size.orders, now, rng)
    await count_orders(seeder, brand_id)
    await seed_events(seeder, brand_id, variants, size.events, now, rng)
    await fill_rollups(seeder, brand_id)
    await seed_carts(seeder, brand_id, variants, size.carts, now, rng)
    handles = list(dict.fromkeys(v.handle for v in variants))
    return SeededBrand(name, created.publishable_key, created.secret_key, handles, [v.sku for v in variants], order_ids)


@dataclass
class SeedReport:
    seconds: float
    tables: dict[str, TableStats]


async def seed(settings: Settings, size: Size, postgres: bool) -> tuple[SeededBrand, SeedReport]:
    """Migrate, then seed the measured brand and the other brand, both of ``size``."""
    await db.migrate(settings)
    await db.open_database(settings)
    started = time.perf_counter()
    try:
        from tortoise import Tortoise

        seeder = Seeder(Tortoise.get_connection("default"), Dialect(postgres))
        now = datetime.now(UTC)
        rng = random.Random(f"scale-{size.name}")
        measured = await seed_brand(seeder, "Scale Leather", size, now, rng)
        await seed_brand(seeder, "Other Leather", size, now, rng)
        if postgres:  # what autovacuum would do soon after a bulk load; SQLite's app never runs ANALYZE
            await seeder.conn.execute_script("ANALYZE")
    finally:
        await db.close_database()
    return measured, SeedReport(time.perf_counter() - started, seeder.stats)


# --- databases --------------------------------------------------------------------------------


@asynccontextmanager
async def fresh_postgres(url: str, size: str) -> AsyncIterator[tuple[str, str]]:
    """A new database beside ``url``'s for one size, dropped afterwards; ``url`` itself if we may not create one."""
    import asyncpg  # type: ignore[import-untyped]  # Tortoise's PostgreSQL driver, without stubs

    parts = urllib.parse.urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'postgres'}_scale_{size}_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    except asyncpg.PostgresError as exc:
        await admin.close()
        yield url, f"the given database (cannot create a fresh one: {exc}; earlier sizes' brands stay in it)"
        return
    try:
        yield parts._replace(path=f"/{name}").geturl(), f"fresh database {name}, dropped afterwards"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


# --- measuring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    expect: int = 200


@dataclass
class Figure:
    name: str
    samples: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    unexpected: int = 0
    first_error: str = ""

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


class Recorder:
    """Latencies and statuses per endpoint name."""

    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = {}
        self.figures: dict[str, Figure] = {}

    def note(self, name: str, ms: float, status: int, expect: int, body: bytes) -> None:
        self.ms.setdefault(name, []).append(ms)
        figure = self.figures.setdefault(name, Figure(name))
        figure.statuses[status] = figure.statuses.get(status, 0) + 1
        if status != expect:
            figure.unexpected += 1
            if not figure.first_error:
                figure.first_error = f"HTTP {status}: {body[:240]!r}"

    def figure(self, name: str) -> Figure:
        figure = self.figures.setdefault(name, Figure(name))
        values = self.ms.get(name, [])
        if values:
            figure.samples = len(values)
            figure.p50_ms = statistics.median(values)
            figure.p99_ms = percentile(values, 0.99)
            figure.max_ms = max(values)
        return figure


async def timed(client: httpx.AsyncClient, rec: Recorder | None, name: str, call: Call) -> httpx.Response:
    started = time.perf_counter()
    response = await client.request(call.method, call.path, headers=call.headers, json=call.body)
    ms = (time.perf_counter() - started) * 1000
    if rec is not None:
        rec.note(name, ms, response.status_code, call.expect, response.content)
    return response


async def drive(
    step: Callable[[int, Recorder | None], Awaitable[None]],
    *,
    requests: int,
    concurrency: int,
    budget_s: float,
    rec: Recorder,
    warmup: int = 5,
) -> None:
    """Run ``step(i)`` ``requests`` times from ``concurrency`` workers, stopping early when the budget is spent."""
    for i in range(warmup):
        await step(-1 - i, None)
    pending = iter(range(requests))
    deadline = time.monotonic() + budget_s

    async def worker() -> None:
        for i in pending:
            if time.monotonic() > deadline:
                return
            await step(i, rec)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def writing(key: str) -> dict[str, str]:
    return {**bearer(key), "Idempotency-Key": str(uuid.uuid4())}


async def measure(
    store: str, bare: str, brand: SeededBrand, rec: Recorder, *, requests: int, concurrency: int, budget_s: float
) -> None:
    """Every endpoint of the run, in table order, into ``rec`` (which may hold earlier rounds' samples)."""
    rng = random.Random(1)
    pk, sk = brand.publishable_key, brand.secret_key
    limits = httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency + 2)
    async with (
        httpx.AsyncClient(base_url=store, limits=limits, timeout=120.0) as client,
        httpx.AsyncClient(base_url=bare, limits=limits, timeout=120.0) as bare_client,
    ):

        def simple(name: str, target: httpx.AsyncClient, make: Callable[[], Call]) -> Callable[..., Awaitable[None]]:
            async def step(_: int, r: Recorder | None) -> None:
                await timed(target, r, name, make())

            return step

        def handle() -> str:
            return brand.handles[rng.randrange(len(brand.handles))]

        async def cold(i: int, r: Recorder | None) -> None:
            """A PATCH bumps the catalogue version; the next read of each kind cannot come from a cache."""
            chosen = handle()
            for name, call in (
                ("GET /v1/products/{handle} (after write)", Call("GET", f"/v1/products/{chosen}", bearer(pk))),
                (
                    "GET /v1/components/product-page (after write)",
                    Call("GET", f"/v1/components/product-page?product={chosen}&key={pk}"),
                ),
            ):
                patch = Call("PATCH", f"/v1/products/{chosen}", writing(sk), {"title": f"Bag {uuid.uuid4().hex[:6]}"})
                await timed(client, r, "PATCH /v1/products/{handle}", patch)
                await timed(client, r, name, call)

        async def add_to_cart(i: int, r: Recorder | None) -> None:
            cart = await timed(client, r, "POST /v1/carts", Call("POST", "/v1/carts", writing(pk), {}, 201))
            if cart.status_code != 201:
                return
            sku = brand.skus[rng.randrange(len(brand.skus))]
            line = {"sku": sku, "quantity": 1, "fulfilment": {"method": "pickup", "location": SHOP}}
            path = f"/v1/carts/{cart.json()['id']}/lines"
            await timed(client, r, "POST /v1/carts/{id}/lines", Call("POST", path, writing(pk), line, 201))

        plan: list[tuple[Callable[..., Awaitable[None]], int]] = [
            (simple(BARE, bare_client, lambda: Call("GET", f"/products/{handle()}")), concurrency),
            (simple("GET /v1/products?limit=20", client, lambda: Call("GET", "/v1/products?limit=20", bearer(pk))),
             concurrency),
            (cold, 1),  # sequential: a concurrent read could find the cache another one just filled
            (simple("GET /v1/orders?limit=20", client, lambda: Call("GET", "/v1/orders?limit=20", bearer(sk))),
             concurrency),
            (simple("GET /v1/orders/{id}", client,
                    lambda: Call("GET", f"/v1/orders/{rng.choice(brand.order_ids)}", bearer(sk))), concurrency),
            (simple("GET /v1/orders/kpis", client, lambda: Call("GET", "/v1/orders/kpis", bearer(sk))), concurrency),
            (simple("GET /v1/analytics/summary", client, lambda: Call("GET", "/v1/analytics/summary", bearer(sk))),
             concurrency),
            (add_to_cart, concurrency),
        ]  # fmt: skip
        for step, workers in plan:
            await drive(step, requests=requests, concurrency=workers, budget_s=budget_s, rec=rec, warmup=3)


def check_ready(store: str, brand: SeededBrand) -> list[Check]:
    """Before load: the seeded rows read back through the API (so the figures are of real answers)."""
    listed = request("GET", f"{store}/v1/products?limit=20", headers=bearer(brand.publishable_key), timeout_s=120)
    count = len(listed.json().get("data", [])) if listed.status == 200 else 0
    order = request("GET", f"{store}/v1/orders/{brand.order_ids[-1]}", headers=bearer(brand.secret_key), timeout_s=120)
    lines = len(order.json().get("lines", [])) if order.status == 200 else 0
    return [
        Check("product list is 200 with 20 products", listed.status == 200 and count == 20, f"status {listed.status}"),
        Check("a seeded order reads back with its line", order.status == 200 and lines == 1, f"status {order.status}"),
    ]


# --- reporting --------------------------------------------------------------------------------


@dataclass
class SizeRun:
    size: str
    database: str
    seed: SeedReport
    checks: list[Check]
    figures: dict[str, Figure]


def print_seeding(run: SizeRun) -> None:
    total = sum(t.rows for t in run.seed.tables.values())
    print(f"seeded {run.size}: {total:,} rows in {run.seed.seconds:.1f} s (two brands; {run.database})")
    for table, stats in sorted(run.seed.tables.items(), key=lambda kv: -kv[1].rows):
        rate = stats.rows / stats.seconds if stats.seconds else 0.0
        print(f"  {table:<20}{stats.rows:>12,} rows {stats.seconds:>7.2f} s {rate:>10,.0f} rows/s")


def ratio_of(runs: list[SizeRun], name: str) -> float | None:
    first, last = runs[0].figures.get(name), runs[-1].figures.get(name)
    if first is None or last is None or not first.samples or not last.samples or not first.p50_ms:
        return None
    return last.p50_ms / first.p50_ms


def print_table(title: str, runs: list[SizeRun]) -> None:
    names = list(dict.fromkeys(n for run in runs for n in run.figures))
    width = max(len(n) for n in names)
    print(f"\n{title}")
    head = f"{'endpoint':<{width}}"
    for run in runs:
        head += f"  {run.size + ' p50':>12} {'p99':>8} {'n':>4}"
    ratio_head = f"{runs[-1].size}/{runs[0].size} p50"
    print(f"{head}  {ratio_head:>14}  {'5xx':>4}  {'other':>5}")
    for name in names:
        line = f"{name:<{width}}"
        errors = others = 0
        for run in runs:
            f = run.figures.get(name)
            if f is None or not f.samples:
                line += f"  {'-':>12} {'-':>8} {'0':>4}"
                continue
            line += f"  {f.p50_ms:>12.2f} {f.p99_ms:>8.2f} {f.samples:>4}"
            errors += f.server_errors
            others += f.unexpected - f.server_errors
        r = ratio_of(runs, name)
        print(f"{line}  {(f'{r:.2f}x' if r is not None else '-'):>14}  {errors:>4}  {others:>5}")
    print("  (ms; n = samples within the budget; 5xx / other = answers with 5xx / another unexpected status)")


def targets(runs: list[SizeRun]) -> list[Check]:
    goals = []
    names = [n for n in dict.fromkeys(n for run in runs for n in run.figures) if n != BARE]
    span = f"{runs[-1].size}/{runs[0].size}"
    for name in names:
        r = ratio_of(runs, name)
        detail = f"{r:.2f}x" if r is not None else "not measured at both sizes"
        if len(runs) == 1:
            detail += " (one size only: trivially flat)"
        goals.append(Check(f"{name} p50 {span} <= {RATIO_TARGET}x", r is not None and r <= RATIO_TARGET, detail))
    largest = runs[-1]
    for name in REPORTS:
        f = largest.figures.get(name)
        ok = f is not None and f.samples > 0 and f.unexpected == 0 and f.p99_ms < REPORT_P99_TARGET_MS
        detail = f"{f.p99_ms:.1f} ms over {f.samples}" if f and f.samples else "not measured"
        goals.append(Check(f"{name} p99 < {REPORT_P99_TARGET_MS:.0f} ms at {largest.size}", ok, detail))
    for run in runs:
        bad = [f for f in run.figures.values() if f.server_errors]
        first = f"; first: {bad[0].name} {bad[0].first_error}" if bad else ""
        goals.append(Check(f"no 5xx at {run.size}", not bad, f"{sum(f.server_errors for f in bad)} answers{first}"))
        odd = [f for f in run.figures.values() if f.unexpected > f.server_errors]
        first = f"; first: {odd[0].name} {odd[0].first_error}" if odd else ""
        goals.append(Check(f"no other unexpected status at {run.size}", not odd, f"{len(odd)} endpoints{first}"))
    return goals


# --- main -------------------------------------------------------------------------------------


def parse_sizes(text: str) -> list[Size]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in SIZES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"sizes are {', '.join(SIZES)}; got {text!r}")
    return sorted((SIZES[n] for n in dict.fromkeys(names)), key=lambda s: s.orders + s.events)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes", type=parse_sizes, default=parse_sizes("small,medium,large"), help="comma-separated, of: "
        + ", ".join(SIZES) + " (default small,medium,large)",
    )  # fmt: skip
    parser.add_argument("--database-url", help="postgres://... (a fresh database per size beside it) or sqlite://...")
    parser.add_argument("--requests", type=bounded_int(10, 5000), default=200, help="requests per endpoint (200)")
    parser.add_argument("--concurrency", type=bounded_int(1, 32), default=8, help="concurrent requests (default 8)")
    parser.add_argument(
        "--budget", type=bounded_int(5, 600), default=30, help="seconds per endpoint, size and round at most (30)"
    )
    parser.add_argument(
        "--rounds", type=bounded_int(1, 10), default=2, help="interleaved rounds over the sizes (default 2)"
    )
    return parser.parse_args(argv)


# No background jobs while measuring: they would only add noise (and purge what we seeded).
SERVER_ENV = {"STALLKIT_RECONCILE_INTERVAL_S": "0", "STALLKIT_HOUSEKEEPING_INTERVAL_S": "0"}


@dataclass
class Prepared:
    """A seeded database of one size, kept until every round has measured it."""

    size: Size
    settings: Settings
    database: str
    brand: SeededBrand
    run: SizeRun
    recorder: Recorder = field(default_factory=Recorder)


def prepare(args: argparse.Namespace, size: Size, stack: ExitStack) -> Prepared:
    """Seed a fresh database of ``size``; ``stack`` removes it when the benchmark ends."""
    postgres = bool(args.database_url) and args.database_url.startswith(("postgres://", "postgresql://"))
    data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"stallkit-bench-scale-{size.name}-"))
    url = args.database_url
    database = db.redact(url) if url else "fresh temporary SQLite file"
    if postgres:
        runner = stack.enter_context(asyncio.Runner())  # the database is dropped on this loop at the end
        fresh = fresh_postgres(args.database_url, size.name)
        url, database = runner.run(fresh.__aenter__())
        stack.callback(lambda: runner.run(fresh.__aexit__(None, None, None)))
    print(f"\n== {size.name}: {size.products:,} products, {size.orders:,} orders, {size.events:,} events, "
          f"{size.carts:,} carts per brand ==")  # fmt: skip
    env = {**SERVER_ENV, "STALLKIT_DATA_DIR": data_dir, **({"STALLKIT_DATABASE_URL": url} if url else {})}
    settings = Settings.from_env(env)
    brand, report = asyncio.run(seed(settings, size, postgres))
    run = SizeRun(size.name, database, report, [], {})
    print_seeding(run)
    return Prepared(size, settings, database, brand, run)


def measure_round(args: argparse.Namespace, prepared: Prepared, round_no: int) -> None:
    """Serve one size's database and send it every endpoint's requests, adding to its samples."""
    settings = prepared.settings
    server_env = {**SERVER_ENV, "STALLKIT_DATA_DIR": settings.data_dir, "STALLKIT_DATABASE_URL": settings.database_url}
    with (
        serving("bench.bare_app:app", ready_path="/products/ready") as bare,
        serving("storefront.asgi:app", env=server_env, ready_path="/healthz", timeout_s=120) as store,
    ):
        if round_no == 0:
            prepared.run.checks = check_ready(store, prepared.brand)
            print_checks(f"correctness at {prepared.size.name}", prepared.run.checks)
        print(f"round {round_no + 1}, {prepared.size.name}: {args.requests} requests per endpoint, "
              f"{args.concurrency} concurrent ...", end=" ", flush=True)  # fmt: skip
        started = time.perf_counter()
        asyncio.run(
            measure(
                store,
                bare,
                prepared.brand,
                prepared.recorder,
                requests=args.requests,
                concurrency=args.concurrency,
                budget_s=args.budget,
            )
        )
        print(f"{time.perf_counter() - started:.0f} s")
    prepared.run.figures = {name: prepared.recorder.figure(name) for name in prepared.recorder.figures}


def rounds_order(prepared: list[Prepared], rounds: int) -> list[tuple[int, Prepared]]:
    """Sizes in alternating order, small to large then back (ABC CBA ...), so a drift in the machine's
    speed over the run falls on every size alike rather than on the last one measured."""
    return [(r, p) for r in range(rounds) for p in (prepared if r % 2 == 0 else prepared[::-1])]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes: list[Size] = args.sizes
    kind = "postgresql" if args.database_url and args.database_url.startswith("postgres") else "sqlite"
    with ExitStack() as stack:
        prepared = [prepare(args, size, stack) for size in sizes]
        for round_no, one in rounds_order(prepared, args.rounds):
            measure_round(args, one, round_no)
    runs = [p.run for p in prepared]

    print("\nseeding time per size")
    for run in runs:
        rows = sum(t.rows for t in run.seed.tables.values())
        print(f"  {run.size:<8}{rows:>12,} rows {run.seed.seconds:>8.1f} s {rows / run.seed.seconds:>10,.0f} rows/s")
    print_table(
        f"{kind}: uvicorn 1 worker, httpx {args.concurrency} concurrent (cold reads 1 at a time), "
        f"{args.requests} requests per endpoint within {args.budget} s",
        runs,
    )
    checks = [c for run in runs for c in run.checks]
    goals = targets(runs)
    print()
    print_checks("checks and targets", [*checks, *goals])
    path = write_results(
        f"scale-{kind}",
        {
            "benchmark": "scale",
            "environment": environment(),
            "config": {
                "sizes": [asdict(s) for s in sizes],
                "requests": args.requests,
                "concurrency": args.concurrency,
                "budget_s": args.budget,
                "rounds": args.rounds,
                "database": kind,
                "server": "uvicorn, 1 worker",
            },
            "runs": [
                {
                    "size": run.size,
                    "database": run.database,
                    "seed_s": run.seed.seconds,
                    "tables": {t: asdict(s) for t, s in run.seed.tables.items()},
                    "checks": [asdict(c) for c in run.checks],
                    "endpoints": [asdict(f) for f in run.figures.values()],
                }
                for run in runs
            ],
            "targets": [asdict(g) for g in goals],
        },
    )
    print(f"\nresults written to {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0 if all(c.passed for c in [*checks, *goals]) else 1


if __name__ == "__main__":
    raise SystemExit(main())

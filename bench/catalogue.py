"""Catalogue read benchmark: how fast the storefront serves products, against a bare Litestar app.

    python bench/catalogue.py [--duration 5] [--rounds 3] [--database-url URL]

It seeds a brand with ~30 products into a fresh SQLite database in a temporary directory (or
into the database at ``--database-url``), serves ``storefront.asgi:app`` and the bare baseline
(``bench/bare_app.py``) each in their own single-worker uvicorn process on 127.0.0.1, and loads
them with ``wrk`` from a separate process with 32 connections:

1. the bare endpoint (the framework's ceiling on this machine),
2. ``GET /v1/products/{handle}`` with a publishable key,
3. ``GET /v1/products?limit=20`` with a publishable key.

Before any load it checks the answers are right, including that a write is visible on the
next read (the read caches are validated by the brand's catalogue version; a fast stale read
would be worthless). Figures are medians over the rounds; they also go to
``bench/results/catalogue.json``. The exit status is 0 when the checks and targets pass.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: make `bench` importable

from bench._harness import (
    Check,
    ServerKind,
    Summary,
    Target,
    benchmark,
    bounded_int,
    environment,
    print_checks,
    print_table,
    ratio,
    request,
    serving,
    write_results,
)
from storefront import db
from storefront.catalog.schemas import ProductIn
from storefront.catalog.service import create_product
from storefront.inventory.stock import READER as STOCK
from storefront.settings import Settings
from storefront.tenancy.schemas import NewBrand
from storefront.tenancy.service import create_brand

CONNECTIONS = 32
THREADS = 2
PRODUCT_P99_TARGET_MS = 20.0
PRODUCT_RATIO_TARGET = 0.25


@dataclass(frozen=True)
class Seeded:
    """What the load needs to know about the seeded catalogue."""

    publishable_key: str
    secret_key: str
    handle: str


# --- seeding ----------------------------------------------------------------------------------


def product_body(index: int, currency: str = "GBP") -> dict[str, Any]:
    """A realistic product (two variants, materials, provenance, repairability), as the tests build them."""
    handle = f"mini-backpack-{index:02d}"
    price = 12_500 + 100 * index
    return {
        "handle": handle,
        "title": f"Mini Backpack {index:02d}",
        "story": "Cut from a single hide in Florence.",
        "category": "mini-backpack",
        "dimensions": {"length_mm": 180, "width_mm": 90, "height_mm": 120},
        "images": [{"url": "/static/demo/images/mini-backpack.svg", "alt": "A mini backpack"}],
        "variants": [
            {
                "sku": f"MB-{index:02d}-TAN",
                "title": "Tan",
                "options": {"colour": "tan"},
                "price": {"amount": price, "currency": currency},
            },
            {
                "sku": f"MB-{index:02d}-BLK",
                "title": "Black",
                "options": {"colour": "black"},
                "price": {"amount": price + 1000, "currency": currency},
                "compare_at_price": {"amount": price + 3000, "currency": currency},
            },
        ],
        "materials": [
            {
                "material": "Calfskin leather",
                "grade": "full-grain",
                "share_pct": 85,
                "origin": "Conceria Walpier",
                "country": "IT",
                "certifications": ["LWG Gold"],
            },
            {
                "material": "Recycled PET lining",
                "share_pct": 15,
                "origin": "Repreve",
                "country": "US",
                "certifications": ["GRS"],
            },
        ],
        "provenance": [
            {"stage": "material", "place": "Santa Croce sull'Arno", "country": "IT", "maker": "Conceria Walpier"},
            {"stage": "assembly", "place": "London", "country": "GB", "maker": "Hackney studio"},
        ],
        "repairability": {
            "parts_availability": 8,
            "modularity": 7,
            "ease_of_repair": 6,
            "documentation": 9,
            "replaceable_parts": ["strap", "zip puller"],
            "repair_guide_url": "https://example.com/r",
            "service_partner": "The Leather Clinic",
        },
    }


async def seed(settings: Settings, products: int) -> Seeded:
    """Migrate, then create a brand and its products through the service layer (in this process).

    Going through the services rather than raw SQL keeps the rows exactly as the API writes
    them. The brand handle is random so a shared ``--database-url`` can be seeded repeatedly.
    """
    await db.migrate(settings)
    await db.open_database(settings)
    try:
        brand = await create_brand(NewBrand(name="Bench Leather", handle=f"bench-{uuid.uuid4().hex[:8]}"))
        for index in range(products):
            await create_product(brand.brand.id, msgspec.convert(product_body(index), ProductIn), stock=STOCK)
    finally:
        await db.close_database()
    return Seeded(brand.publishable_key, brand.secret_key, handle=f"mini-backpack-{products // 2:02d}")


# --- correctness ------------------------------------------------------------------------------


def check_product_read(store: str, seeded: Seeded) -> Check:
    reply = request("GET", f"{store}/v1/products/{seeded.handle}", headers=_bearer(seeded.publishable_key))
    handle = reply.json().get("handle") if reply.content_type.startswith("application/json") else None
    return Check(
        "product read is 200 JSON with the right handle",
        reply.status == 200 and handle == seeded.handle,
        f"status {reply.status}, {reply.content_type or 'no content-type'}, handle {handle!r}",
    )


def check_product_list(store: str, seeded: Seeded) -> Check:
    reply = request("GET", f"{store}/v1/products?limit=20", headers=_bearer(seeded.publishable_key))
    count = len(reply.json().get("data", [])) if reply.status == 200 else 0
    return Check(
        "product list is 200 with 20 products",
        reply.status == 200 and count == 20,
        f"status {reply.status}, {count} products",
    )


def check_write_visible(store: str, seeded: Seeded) -> Check:
    """A PATCH with the secret key must show in the very next read (no stale cache hit)."""
    url = f"{store}/v1/products/{seeded.handle}"
    request("GET", url, headers=_bearer(seeded.publishable_key))  # make sure the old version is cached
    title = f"Mini Backpack {uuid.uuid4().hex[:6]}"
    headers = {**_bearer(seeded.secret_key), "Idempotency-Key": f"bench-{uuid.uuid4()}"}
    patched = request("PATCH", url, headers=headers, json_body={"title": title})
    read = request("GET", url, headers=_bearer(seeded.publishable_key))
    seen = read.json().get("title") if read.status == 200 else None
    return Check(
        "a write is visible on the next read",
        patched.status == 200 and seen == title,
        f"PATCH {patched.status}, next GET {read.status} title {seen!r} (wrote {title!r})",
    )


def check_bare(bare: str) -> Check:
    reply = request("GET", f"{bare}/products/check")
    handle = reply.json().get("handle") if reply.status == 200 else None
    return Check("bare endpoint is 200 JSON", reply.status == 200 and handle == "check", f"status {reply.status}")


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# --- reporting --------------------------------------------------------------------------------


def evaluate_targets(bare: Summary, product: Summary, summaries: list[Summary]) -> list[Check]:
    """The goals a product page read must meet; error-free load is a precondition for trusting the rest."""
    product_ratio = ratio(product, bare)
    errors = sum(s.errors for s in summaries)
    return [
        Check(
            f"product read p99 < {PRODUCT_P99_TARGET_MS:.0f} ms",
            product.p99_ms < PRODUCT_P99_TARGET_MS,
            f"{product.p99_ms:.2f} ms",
        ),
        Check(
            f"product read >= {PRODUCT_RATIO_TARGET}x bare throughput",
            product_ratio >= PRODUCT_RATIO_TARGET,
            f"{product_ratio:.2f}x ({product.requests_per_s:.0f} vs {bare.requests_per_s:.0f} req/s)",
        ),
        Check("no non-2xx or socket errors under load", errors == 0, f"{errors} errors"),
    ]


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=bounded_int(1, 60), default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--rounds", type=bounded_int(1, 10), default=3, help="runs per endpoint; medians kept")
    parser.add_argument("--database-url", help="seed and serve this database instead of a temporary SQLite file")
    parser.add_argument("--products", type=bounded_int(21, 500), default=30, help="products to seed (default 30)")
    parser.add_argument("--server", choices=["uvicorn", "granian"], default="uvicorn", help="ASGI server")
    return parser.parse_args(argv)


def targets(bare: str, store: str, seeded: Seeded) -> tuple[Target, Target, Target]:
    auth = (f"Authorization: Bearer {seeded.publishable_key}",)
    return (
        Target("bare GET /products/{handle}", f"{bare}/products/{seeded.handle}"),
        Target("GET /v1/products/{handle}", f"{store}/v1/products/{seeded.handle}", auth),
        Target("GET /v1/products?limit=20", f"{store}/v1/products?limit=20", auth),
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server: ServerKind = args.server
    with tempfile.TemporaryDirectory(prefix="stallkit-bench-") as data_dir:
        env = {"STALLKIT_DATA_DIR": data_dir}
        if args.database_url:
            env["STALLKIT_DATABASE_URL"] = args.database_url
        settings = Settings.from_env(env)  # exactly what the server will read from the same variables
        env["STALLKIT_DATABASE_URL"] = settings.database_url
        database = db.redact(settings.database_url) if args.database_url else "sqlite (fresh temporary file)"
        print(f"seeding {args.products} products into {database} ...")
        seeded = asyncio.run(seed(settings, args.products))

        with (
            serving("bench.bare_app:app", ready_path="/products/ready", kind=server) as bare,
            serving("storefront.asgi:app", env=env, ready_path="/healthz", kind=server) as store,
        ):
            checks = [check_bare(bare), check_product_read(store, seeded), check_product_list(store, seeded)]
            checks.append(check_write_visible(store, seeded))
            print_checks("correctness (before load)", checks)
            if not all(c.passed for c in checks):
                print("correctness failed: not measuring")
                return 1
            bare_t, product_t, list_t = targets(bare, store, seeded)
            print(
                f"\nloading with wrk -t{THREADS} -c{CONNECTIONS} -d{args.duration}s, {args.rounds} rounds "
                f"(medians), {server} 1 worker ..."
            )
            summaries = benchmark(
                [bare_t, product_t, list_t], rounds=args.rounds, duration_s=args.duration, connections=CONNECTIONS
            )

    bare_s, product_s, _ = summaries
    print()
    print_table(summaries, bare_s)
    goals = evaluate_targets(bare_s, product_s, summaries)
    print()
    print_checks("targets", goals)
    path = write_results(
        "catalogue",
        {
            "benchmark": "catalogue",
            "environment": environment(),
            "config": {
                "duration_s": args.duration,
                "rounds": args.rounds,
                "connections": CONNECTIONS,
                "threads": THREADS,
                "products": args.products,
                "database": database,
                "server": f"{server}, 1 worker",
            },
            "checks": [asdict(c) for c in checks],
            "endpoints": [{**asdict(s), "vs_bare": ratio(s, bare_s)} for s in summaries],
            "targets": [asdict(g) for g in goals],
        },
    )
    print(f"\nresults written to {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0 if all(g.passed for g in goals) else 1


if __name__ == "__main__":
    raise SystemExit(main())

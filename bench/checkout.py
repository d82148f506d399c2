"""Checkout benchmark: the promise engine, the public quote over HTTP, and whole checkouts paid at localstripe.

    python bench/checkout.py [--seconds 5] [--rounds 3] [--checkouts 200] [--concurrency 8] [--server uvicorn]

Three measurements, one report:

1. The pure promise engine (no server, no database): quotes per second and microseconds per
   quote for pickup, courier and made-to-order, median over the rounds (the functions of
   ``bench/promise.py``). Target: under 50 microseconds per quote.
2. ``GET /v1/fulfilment/quote`` for pickup, courier (with a postcode) and made-to-order, loaded
   with ``wrk`` at 32 connections beside the bare Litestar endpoint (``bench/bare_app.py``) in
   the same interleaved rounds, each app in its own single-worker server process on SQLite.
   Medians of the rounds: req/s, p50, p99 and throughput as a fraction of bare. Target: p99
   under 15 ms.
3. End-to-end checkouts against localstripe (a Stripe-compatible test server, started fresh
   on a free loopback port from its own virtualenv ``.venv-localstripe/``): each checkout
   creates a cart, adds one line (pickup and courier alternately), checks out and confirms
   with the test card ``pm_card_visa``, through the served app, from ``--concurrency``
   concurrent shoppers (httpx, one keep-alive connection each). A few warm-up checkouts of
   another variant come first, so the measured variant's stock moves by exactly the measured
   checkouts. It reports checkouts per second, p50/p99 of a whole checkout and of each step,
   then checks that every order is paid (in the app and at Stripe, for the order's total) and
   that the variant's stock on hand dropped by exactly the number of checkouts, with nothing
   left reserved.

The brand is created through the service layer, then set up to sell through the HTTP API
with its secret key (a shop with stock and a pickup point, a courier zone, a workroom making
to order), as a merchant would. Reconciliation inside the app is off (it would only add noise).
Figures also go to ``bench/results/checkout.json``. The exit status is 0 when every check and
target passes.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

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
from bench.catalogue import product_body
from bench.promise import TARGET_US as QUOTE_US_TARGET
from bench.promise import time_one, warmed_calls
from storefront import db
from storefront.demo import local_stripe
from storefront.settings import Settings
from storefront.tenancy.schemas import NewBrand
from storefront.tenancy.service import create_brand

CONNECTIONS = 32
THREADS = 2
QUOTE_P99_TARGET_MS = 15.0
WARMUP_CHECKOUTS = 16
METHODS = ("pickup", "courier", "made_to_order")
STEPS = ("create cart", "add line", "checkout", "confirm")

ROOT = Path(__file__).resolve().parents[1]
LOCALSTRIPE_PYTHON = ROOT / local_stripe.DEFAULT_PYTHON
LOCALSTRIPE_HOWTO = "python3 -m venv .venv-localstripe && .venv-localstripe/bin/pip install localstripe"
STRIPE_TEST_KEY = "sk_test_stallkit_bench"  # localstripe accepts any sk_test_ key
STRIPE_PUBLISHABLE_KEY = "pk_test_stallkit_bench"
TEST_CARD = "pm_card_visa"

# Open every day, all day, so promises exist whenever the bench runs.
ALL_DAY = {day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
SHOP = "market-street"
WORKROOM = "workroom"
POSTCODE = "E2 8AA"


def east_zone(handle: str) -> dict[str, Any]:
    """The courier zone every bench brand has: same-day from the shop until 14:00, every day."""
    return {
        "handle": handle,
        "name": "East London",
        "hub": SHOP,
        "postcode_prefixes": ["E1", "E2", "E8"],
        "same_day_cutoff": "14:00",
        "delivery_windows": [["18:00", "21:00"]],
        "delivery_days": list(ALL_DAY),
        "rate": {"amount": 795, "currency": "GBP"},
    }


# --- 1. the pure promise engine ---------------------------------------------------------------


@dataclass(frozen=True)
class EngineFigure:
    method: str
    quotes_per_s: float
    us_per_quote: float


def measure_engine(quotes: int, rounds: int) -> list[EngineFigure]:
    """The demo brand's rules in memory, one quote per instant over a year; medians over the rounds."""
    nows, calls = warmed_calls(quotes)
    figures = []
    for name, call in calls.items():
        seconds = statistics.median(time_one(call, nows) for _ in range(rounds))
        figures.append(EngineFigure(name, len(nows) / seconds, seconds / len(nows) * 1e6))
    return figures


# --- localstripe ------------------------------------------------------------------------------


def localstripe_installed() -> bool:
    return local_stripe.installed(LOCALSTRIPE_PYTHON)


@contextmanager
def localstripe() -> Iterator[str]:
    """A fresh localstripe on a free loopback port for the ``with`` block; yields its API base URL."""
    with tempfile.TemporaryDirectory(prefix="stallkit-bench-localstripe-") as workdir:
        server = local_stripe.start(Path(workdir), LOCALSTRIPE_PYTHON)
        try:
            yield server.api_base
        finally:
            server.stop()


# --- seeding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shop:
    publishable_key: str
    secret_key: str
    product: str
    sku: str  # the measured checkouts buy this (stocked at the shop)
    warmup_sku: str  # the warm-up checkouts buy this, so ``sku`` moves by exactly the measured count
    mto_sku: str  # made to order at the workroom


async def new_brand(settings: Settings) -> tuple[str, str]:
    """Migrate and create a brand (the only step with no HTTP endpoint); returns its publishable and secret keys."""
    await db.migrate(settings)
    await db.open_database(settings)
    try:
        created = await create_brand(NewBrand(name="Bench Checkout", handle=f"bench-{uuid.uuid4().hex[:8]}"))
    finally:
        await db.close_database()
    return created.publishable_key, created.secret_key


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _create(store: str, secret_key: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = request("POST", f"{store}{path}", headers=_bearer(secret_key), json_body=body)
    if reply.status != 201:
        raise RuntimeError(f"setting up the shop: POST {path} answered {reply.status}: {reply.body[:500]!r}")
    answer: dict[str, Any] = reply.json()
    return answer


def open_shop(store: str, publishable_key: str, secret_key: str, *, units: int, warmup_units: int) -> Shop:
    """Set the brand up to sell through the API: a shop (stock, pickup point, courier hub), a workroom."""

    def create(path: str, body: dict[str, Any]) -> dict[str, Any]:
        return _create(store, secret_key, path, body)

    for handle, name, kind in ((SHOP, "Market Street", "shop"), (WORKROOM, "Workroom", "microfactory")):
        location = {"handle": handle, "name": name, "kind": kind, "timezone": "Europe/London", "opening_hours": ALL_DAY}
        create("/v1/locations", location | ({"postcode": "E2 7RG"} if kind == "shop" else {}))
    product = create("/v1/products", product_body(1))
    sku, warmup_sku = product["variants"][0]["sku"], product["variants"][1]["sku"]
    mto = create("/v1/products", product_body(2) | {"made_to_order": True})
    for variant, quantity in ((sku, units), (warmup_sku, warmup_units)):
        create("/v1/stock/movements", {"sku": variant, "location": SHOP, "kind": "receive", "quantity": quantity})
    create("/v1/fulfilment/pickup-points", {"location": SHOP, "prep_minutes": 30})
    create("/v1/fulfilment/courier-zones", east_zone("east"))
    create("/v1/fulfilment/microfactories", {"location": WORKROOM, "daily_capacity": 6, "lead_time_working_days": 3})
    return Shop(publishable_key, secret_key, product["handle"], sku, warmup_sku, mto["variants"][0]["sku"])


# --- 2. the quote over HTTP -------------------------------------------------------------------


def quote_url(store: str, shop: Shop, method: str) -> str:
    if method == "pickup":
        return f"{store}/v1/fulfilment/quote?variant={shop.sku}&method=pickup"
    if method == "courier":
        return f"{store}/v1/fulfilment/quote?variant={shop.sku}&method=courier&postcode={POSTCODE.replace(' ', '%20')}"
    return f"{store}/v1/fulfilment/quote?variant={shop.mto_sku}&method=made_to_order"


def quote_targets(bare: str, store: str, shop: Shop) -> list[Target]:
    auth = (f"Authorization: Bearer {shop.publishable_key}",)
    return [
        Target("bare GET /products/{handle}", f"{bare}/products/{shop.product}"),
        *(Target(f"GET /v1/fulfilment/quote {m}", quote_url(store, shop, m), auth) for m in METHODS),
    ]


def check_bare(bare: str) -> Check:
    reply = request("GET", f"{bare}/products/check")
    handle = reply.json().get("handle") if reply.status == 200 else None
    return Check("bare endpoint is 200 JSON", reply.status == 200 and handle == "check", f"status {reply.status}")


def check_quote(store: str, shop: Shop, method: str) -> Check:
    reply = request("GET", quote_url(store, shop, method), headers=_bearer(shop.publishable_key))
    body = reply.json() if reply.content_type.startswith("application/json") else {}
    ok = reply.status == 200 and body.get("method") == method and bool(body.get("earliest"))
    detail = f"status {reply.status}, rule {body.get('rule')!r}, earliest {body.get('earliest')}"
    if reply.status != 200:
        detail += f", {reply.body[:200]!r}"
    return Check(f"{method} quote is 200 with a promise", ok, detail)


# --- 3. end-to-end checkouts ------------------------------------------------------------------


@dataclass
class Shopper:
    """One checkout: seconds per step, and what it ended with."""

    index: int
    steps: dict[str, float] = field(default_factory=dict)
    order_id: str | None = None
    order_status: str | None = None
    intent: str | None = None
    total: int | None = None
    error: str | None = None

    @property
    def seconds(self) -> float:
        return sum(self.steps.values())


def fulfilment_for(index: int) -> dict[str, str]:
    """Pickup and courier alternately: both take the units from the shop (the courier's hub)."""
    if index % 2 == 0:
        return {"method": "pickup", "location": SHOP}
    return {"method": "courier", "postcode": POSTCODE}


async def one_checkout(client: httpx.AsyncClient, index: int, sku: str) -> Shopper:
    shopper = Shopper(index)

    async def step(name: str, path: str, body: dict[str, Any], expected: int) -> dict[str, Any] | None:
        started = time.perf_counter()
        response = await client.post(path, json=body)
        shopper.steps[name] = time.perf_counter() - started
        if response.status_code != expected:
            shopper.error = f"{name}: HTTP {response.status_code} {response.text[:300]}"
            return None
        answer: dict[str, Any] = response.json()
        return answer

    cart = await step("create cart", "/v1/carts", {}, 201)
    if cart is None:
        return shopper
    line = {"sku": sku, "quantity": 1, "fulfilment": fulfilment_for(index)}
    if await step("add line", f"/v1/carts/{cart['id']}/lines", line, 201) is None:
        return shopper
    checkout: dict[str, Any] = {"email": f"shopper{index}@example.com", "name": f"Shopper {index}"}
    if line["fulfilment"]["method"] == "courier":  # where to deliver, and a phone for the courier
        address = {"name": f"Shopper {index}", "line1": "12 Columbia Road", "city": "London", "postcode": POSTCODE}
        checkout |= {"address": {**address, "country": "GB"}, "phone": "07700 900123"}
    if await step("checkout", f"/v1/carts/{cart['id']}/checkout", checkout, 201) is None:
        return shopper
    confirmed = await step("confirm", f"/v1/carts/{cart['id']}/confirm", {"payment_method": TEST_CARD}, 200)
    if confirmed is not None:
        order = confirmed["order"]
        shopper.order_id, shopper.order_status = order["id"], order["status"]
        shopper.intent, shopper.total = order["payment_intent"], order["total"]["amount"]
    return shopper


async def run_checkouts(store: str, shop: Shop, sku: str, count: int, concurrency: int) -> tuple[list[Shopper], float]:
    """``count`` checkouts from ``concurrency`` shoppers at once; returns them and the wall-clock seconds."""
    pending = iter(range(count))  # shared by the workers; one event loop, so no lock is needed
    done: list[Shopper] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=store, headers=_bearer(shop.publishable_key), limits=limits, timeout=60.0
    ) as client:

        async def shopper() -> None:
            for index in pending:
                done.append(await one_checkout(client, index, sku))

        started = time.perf_counter()
        await asyncio.gather(*(shopper() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return sorted(done, key=lambda s: s.index), wall


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass(frozen=True)
class StepFigure:
    name: str
    p50_ms: float
    p99_ms: float
    max_ms: float
    samples: int


@dataclass(frozen=True)
class CheckoutFigures:
    checkouts: int
    completed: int
    concurrency: int
    wall_s: float
    per_s: float
    steps: list[StepFigure]  # each step, then the whole checkout
    errors: list[str]


def figures_of(shoppers: list[Shopper], wall_s: float, concurrency: int) -> CheckoutFigures:
    completed = [s for s in shoppers if s.error is None]
    steps = []
    for name in STEPS:
        samples = [s.steps[name] * 1000 for s in shoppers if name in s.steps]
        if samples:
            steps.append(
                StepFigure(name, statistics.median(samples), percentile(samples, 0.99), max(samples), len(samples))
            )
    whole = [s.seconds * 1000 for s in completed]
    if whole:
        steps.append(
            StepFigure("full checkout", statistics.median(whole), percentile(whole, 0.99), max(whole), len(whole))
        )
    return CheckoutFigures(
        checkouts=len(shoppers),
        completed=len(completed),
        concurrency=concurrency,
        wall_s=wall_s,
        per_s=len(completed) / wall_s if wall_s else 0.0,
        steps=steps,
        errors=[s.error for s in shoppers if s.error is not None],
    )


def stock_level(store: str, shop: Shop, sku: str) -> tuple[int, int]:
    """(on hand, reserved) of ``sku`` at the shop, as the API reports it."""
    reply = request("GET", f"{store}/v1/stock?sku={sku}&location={SHOP}", headers=_bearer(shop.secret_key))
    rows = reply.json()["data"] if reply.status == 200 else []
    if len(rows) != 1:
        raise RuntimeError(f"stock of {sku} at {SHOP}: HTTP {reply.status}, {reply.body[:300]!r}")
    return int(rows[0]["on_hand"]), int(rows[0]["reserved"])


def orders_by_status(store: str, shop: Shop, status: str) -> dict[str, dict[str, Any]]:
    """Every order of the brand in ``status``, by id, following the cursor."""
    found: dict[str, dict[str, Any]] = {}
    cursor = ""
    while True:
        reply = request("GET", f"{store}/v1/orders?status={status}&limit=100{cursor}", headers=_bearer(shop.secret_key))
        if reply.status != 200:
            raise RuntimeError(f"listing {status} orders: HTTP {reply.status}, {reply.body[:300]!r}")
        page = reply.json()
        found.update((order["id"], order) for order in page["data"])
        if not page["has_more"]:
            return found
        cursor = f"&cursor={page['next_cursor']}"


def verify(
    store: str, stripe_base: str, shop: Shop, shoppers: list[Shopper], before: tuple[int, int], after: tuple[int, int]
) -> list[Check]:
    """After the run: every checkout completed, every order paid (here and at Stripe), stock moved by exactly N."""
    count = len(shoppers)
    failed = [s for s in shoppers if s.error is not None]
    first = f"; first: {failed[0].error}" if failed else ""
    checks = [
        Check("every checkout completed (all four steps 2xx)", not failed, f"{count - len(failed)}/{count}{first}")
    ]

    answered_paid = sum(1 for s in shoppers if s.order_status == "paid")
    paid = orders_by_status(store, shop, "paid")
    ours = [s for s in shoppers if s.order_id is not None]
    listed_paid = [s for s in ours if s.order_id in paid]
    fully_paid = [
        s for s in listed_paid if paid[s.order_id]["paid"]["amount"] == paid[s.order_id]["total"]["amount"] > 0
    ]
    checks.append(
        Check(
            "every order is paid (confirm answer, and GET /v1/orders?status=paid with paid == total)",
            answered_paid == count and len(fully_paid) == count,
            f"confirm said paid for {answered_paid}/{count}; listed paid in full {len(fully_paid)}/{count}",
        )
    )

    succeeded = 0
    for s in ours:
        reply = request("GET", f"{stripe_base}/v1/payment_intents/{s.intent}", headers=_bearer(STRIPE_TEST_KEY))
        intent = reply.json() if reply.status == 200 else {}
        # GBP has two decimals at Stripe as here, so the amounts compare directly. localstripe
        # keeps no ``amount_received``: a succeeded intent was charged its ``amount``.
        ours_at_stripe = intent.get("metadata", {}).get("order_id") == s.order_id
        if intent.get("status") == "succeeded" and intent.get("amount") == s.total and ours_at_stripe:
            succeeded += 1
    checks.append(
        Check(
            "every PaymentIntent succeeded at localstripe, for its order and the order's total",
            succeeded == count,
            f"{succeeded}/{count}",
        )
    )

    dropped = before[0] - after[0]
    checks.append(
        Check(
            f"stock on hand dropped by exactly {count}, nothing left reserved",
            dropped == count and after[1] == 0 and before[1] == 0,
            f"on hand {before[0]} -> {after[0]} (dropped {dropped}), reserved {before[1]} -> {after[1]}",
        )
    )
    return checks


# --- reporting --------------------------------------------------------------------------------


def print_engine(figures: list[EngineFigure], quotes: int, rounds: int) -> None:
    print(f"promise engine: {quotes} quotes x {rounds} rounds per method (median)")
    print(f"  {'method':<15}{'quotes/s':>12}{'us/quote':>10}")
    for f in figures:
        print(f"  {f.method:<15}{f.quotes_per_s:>12,.0f}{f.us_per_quote:>10.2f}")


def print_checkouts(figures: CheckoutFigures, server: str) -> None:
    print(
        f"end-to-end checkouts: {figures.completed}/{figures.checkouts} completed by {figures.concurrency} concurrent "
        f"shoppers in {figures.wall_s:.2f} s = {figures.per_s:.1f} checkouts/s ({server} 1 worker, SQLite, localstripe)"
    )
    print_steps(figures)


def print_steps(figures: CheckoutFigures) -> None:
    """Each step's p50/p99/max, and the distinct errors of any failed checkouts."""
    print(f"  {'step':<15}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'samples':>9}")
    for s in figures.steps:
        print(f"  {s.name:<15}{s.p50_ms:>9.1f}{s.p99_ms:>9.1f}{s.max_ms:>9.1f}{s.samples:>9}")
    if figures.errors:
        distinct = sorted(set(figures.errors))
        print(f"  {len(figures.errors)} failed checkouts; distinct errors ({len(distinct)}):")
        for error in distinct[:5]:
            print(f"    {error}")


def engine_targets(figures: list[EngineFigure]) -> list[Check]:
    return [
        Check(
            f"promise engine {f.method} < {QUOTE_US_TARGET:.0f} us per quote",
            f.us_per_quote < QUOTE_US_TARGET,
            f"{f.us_per_quote:.2f} us ({f.quotes_per_s:,.0f} quotes/s)",
        )
        for f in figures
    ]


def http_targets(summaries: list[Summary]) -> list[Check]:
    bare, *quotes = summaries
    goals = [
        Check(
            f"{s.name} p99 < {QUOTE_P99_TARGET_MS:.0f} ms",
            s.p99_ms < QUOTE_P99_TARGET_MS,
            f"{s.p99_ms:.2f} ms ({s.requests_per_s:.0f} req/s, {ratio(s, bare):.2f}x bare)",
        )
        for s in quotes
    ]
    errors = sum(s.errors for s in summaries)
    goals.append(Check("no non-2xx or socket errors under load", errors == 0, f"{errors} errors"))
    return goals


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--seconds", "--duration", type=bounded_int(1, 60), default=5, help="seconds per wrk run (default 5)"
    )
    parser.add_argument("--rounds", type=bounded_int(1, 10), default=3, help="rounds per measurement; medians kept")
    parser.add_argument("--checkouts", type=bounded_int(1, 5000), default=200, help="measured checkouts (default 200)")
    parser.add_argument("--concurrency", type=bounded_int(1, 64), default=8, help="concurrent shoppers (default 8)")
    parser.add_argument(
        "--quotes", type=bounded_int(1000, 1_000_000), default=100_000, help="engine quotes per method and round"
    )
    parser.add_argument("--server", choices=["uvicorn", "granian"], default="uvicorn", help="ASGI server")
    return parser.parse_args(argv)


@dataclass
class Report:
    engine: list[EngineFigure] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)  # correctness before load
    summaries: list[Summary] = field(default_factory=list)
    checkouts: CheckoutFigures | None = None
    verification: list[Check] = field(default_factory=list)


def measure_http_and_checkouts(args: argparse.Namespace, report: Report, stripe_base: str | None) -> None:
    server: ServerKind = args.server
    with tempfile.TemporaryDirectory(prefix="stallkit-bench-") as data_dir:
        env = {"STALLKIT_DATA_DIR": data_dir, "STALLKIT_RECONCILE_INTERVAL_S": "0"}
        if stripe_base is not None:
            env |= {
                "STALLKIT_STRIPE_SECRET_KEY": STRIPE_TEST_KEY,
                "STALLKIT_STRIPE_PUBLISHABLE_KEY": STRIPE_PUBLISHABLE_KEY,
                "STALLKIT_STRIPE_API_BASE": stripe_base,
                "STALLKIT_STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
            }
        settings = Settings.from_env(env)  # exactly what the server will read from the same variables
        env["STALLKIT_DATABASE_URL"] = settings.database_url
        publishable_key, secret_key = asyncio.run(new_brand(settings))
        with (
            serving("bench.bare_app:app", ready_path="/products/ready", kind=server) as bare,
            serving("storefront.asgi:app", env=env, ready_path="/healthz", kind=server) as store,
        ):
            shop = open_shop(store, publishable_key, secret_key, units=args.checkouts, warmup_units=WARMUP_CHECKOUTS)
            report.checks = [check_bare(bare), *(check_quote(store, shop, m) for m in METHODS)]
            print_checks("correctness (before load)", report.checks)
            if not all(c.passed for c in report.checks):
                print("correctness failed: not measuring")
                return
            print(
                f"\nloading quotes with wrk -t{THREADS} -c{CONNECTIONS} -d{args.seconds}s, {args.rounds} rounds "
                f"(medians), {server} 1 worker, SQLite ..."
            )
            report.summaries = benchmark(
                quote_targets(bare, store, shop), rounds=args.rounds, duration_s=args.seconds, connections=CONNECTIONS
            )
            if stripe_base is None:
                return

            print(f"\nwarming up with {WARMUP_CHECKOUTS} checkouts of another variant ...")
            warm, _ = asyncio.run(run_checkouts(store, shop, shop.warmup_sku, WARMUP_CHECKOUTS, args.concurrency))
            warm_errors = [s.error for s in warm if s.error is not None]
            if warm_errors:
                print(f"  {len(warm_errors)} warm-up checkouts failed; first: {warm_errors[0]}")
            before = stock_level(store, shop, shop.sku)
            print(f"{args.checkouts} checkouts with {args.concurrency} concurrent shoppers ...")
            shoppers, wall = asyncio.run(run_checkouts(store, shop, shop.sku, args.checkouts, args.concurrency))
            after = stock_level(store, shop, shop.sku)
            report.checkouts = figures_of(shoppers, wall, args.concurrency)
            report.verification = verify(store, stripe_base, shop, shoppers, before, after)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = Report()
    print(f"promise engine: {args.quotes} quotes per method x {args.rounds} rounds ...")
    report.engine = measure_engine(args.quotes, args.rounds)

    if localstripe_installed():
        with localstripe() as stripe_base:
            print(f"localstripe (fresh) at {stripe_base}")
            measure_http_and_checkouts(args, report, stripe_base)
    else:
        print(
            f"localstripe is not installed, so no checkouts are measured; create its venv with:\n  {LOCALSTRIPE_HOWTO}"
        )
        measure_http_and_checkouts(args, report, None)
        report.verification = [Check("end-to-end checkouts measured", False, f"no localstripe ({LOCALSTRIPE_HOWTO})")]

    goals = engine_targets(report.engine)
    if report.summaries:
        goals += http_targets(report.summaries)
    else:
        goals.append(Check("quote endpoints measured", False, "correctness failed before load"))
    print("\nsummary\n")
    print_engine(report.engine, args.quotes, args.rounds)
    if report.summaries:
        print(f"\nquote over HTTP: wrk -t{THREADS} -c{CONNECTIONS} -d{args.seconds}s, medians of {args.rounds} rounds")
        print_table(report.summaries, report.summaries[0])
    if report.checkouts is not None:
        print()
        print_checkouts(report.checkouts, args.server)
    print()
    print_checks("checks and targets", [*goals, *report.verification])
    path = write_results(
        "checkout",
        {
            "benchmark": "checkout",
            "environment": environment(),
            "config": {
                "seconds": args.seconds,
                "rounds": args.rounds,
                "quotes": args.quotes,
                "connections": CONNECTIONS,
                "threads": THREADS,
                "checkouts": args.checkouts,
                "warmup_checkouts": WARMUP_CHECKOUTS,
                "concurrency": args.concurrency,
                "database": "sqlite (fresh temporary file)",
                "server": f"{args.server}, 1 worker",
            },
            "engine": [asdict(f) for f in report.engine],
            "checks": [asdict(c) for c in report.checks],
            "endpoints": [{**asdict(s), "vs_bare": ratio(s, report.summaries[0])} for s in report.summaries],
            "checkouts": asdict(report.checkouts) if report.checkouts else None,
            "targets": [asdict(g) for g in [*goals, *report.verification]],
        },
    )
    print(f"\nresults written to {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0 if all(c.passed for c in [*report.checks, *goals, *report.verification]) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Store-credit benchmark: the credit ledger alone, and whole checkouts paid wholly by store credit.

    python bench/credits.py [--seconds 5] [--clients 32] [--processes 1] [--checkouts 200] [--concurrency 8]
                            [--rounds 2] [--database-url postgres://...] [--card-baseline N]

One database per run: a fresh temporary SQLite file by default; with a ``postgres://``
``--database-url``, a fresh database created beside the given one and dropped afterwards (as
``bench/scale.py`` does). Two measurements, one report:

1. The ledger alone (no HTTP): ``--clients`` concurrent clients for ``--seconds``, in this process
   or spread over ``--processes`` worker processes (PostgreSQL: as several app workers would),
   each run hold-and-commit redemptions (``credits.service.hold`` then ``redeem``, each under its
   own idempotency key) on ONE hot code shared by every client, then on many codes (one per
   client). Beside them, in the same run, the floor the database sets: a bare transaction that
   only locks the hot credit's row and commits. Besides rates and latencies it reports the
   clients' CPU per operation and the SQL statements one operation sends, which a shared machine
   disturbs far less than rates. Target: the hot code at least 500 redemptions/s on PostgreSQL
   (SQLite's figure is reported without a target: it serialises every writer).
2. Whole credit-only checkouts over HTTP against ``storefront.asgi:app`` (one uvicorn worker, as
   the other benches): create a cart, add a line (pickup and courier alternately), apply the code,
   check out, from ``--concurrency`` concurrent shoppers (httpx, one keep-alive connection each),
   with one hot code (one big credit shared by every shopper) and with one credit per shopper,
   in ``--rounds`` interleaved rounds; p50/p99 per step and checkouts/s, beside the bare Litestar endpoint
   (``bench/bare_app.py``) loaded with ``wrk`` in the same run. Warm-up checkouts of another
   variant come first, so the measured variant's stock moves by exactly the measured checkouts.
   Targets: the checkout step's p99 under 50 ms, and many-code checkouts/s at least twice the
   card checkouts/s of ``bench/checkout.py`` (read from ``bench/results/checkout.json`` when it
   is there, else ``--card-baseline``).

Payments are enabled with the same variables ``bench/checkout.py`` sets, but no payment server
is started: an order paid wholly by credit never calls the provider, so the API base is a
loopback port nothing listens on and any call to it would fail that checkout. Background
reconciliation and housekeeping are off (noise). After every run it checks that nothing was
overspent: for every credit, balance = issued - redeemed >= 0 with nothing left held, redeemed
adding up to what the orders say credit paid; every order paid; the variant's stock moved by
exactly the number of checkouts. Figures go to ``bench/results/credits.json`` (the latest run of
each database). The exit status is 0 when every check and target passes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tortoise import Tortoise
from tortoise.transactions import in_transaction

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: make `bench` importable

from bench._harness import (
    RESULTS_DIR,
    Check,
    Summary,
    Target,
    benchmark,
    bounded_int,
    environment,
    free_port,
    print_checks,
    print_table,
    request,
    serving,
    write_results,
)
from bench.checkout import (
    POSTCODE,
    STRIPE_PUBLISHABLE_KEY,
    STRIPE_TEST_KEY,
    WARMUP_CHECKOUTS,
    CheckoutFigures,
    Shop,
    Shopper,
    StepFigure,
    check_bare,
    fulfilment_for,
    open_shop,
    orders_by_status,
    percentile,
    print_steps,
    stock_level,
)
from bench.scale import fresh_postgres
from storefront import db
from storefront.clock import utcnow
from storefront.credits import CreditEntry, codes, ledger, service
from storefront.money import Money
from storefront.settings import Settings
from storefront.tenancy.schemas import NewBrand
from storefront.tenancy.service import create_brand

LEDGER_TARGET_PER_S = 500.0  # one hot code, PostgreSQL
CHECKOUT_P99_TARGET_MS = 50.0
CARD_FACTOR = 2.0
CARD_RESULTS = RESULTS_DIR / "checkout.json"
REDEMPTION_MINOR = 100  # what each ledger redemption holds and spends
LEDGER_WARMUP = 3  # unrecorded redemptions per client before each ledger run
HOT_LEDGER_MINOR = 10**9  # the hot code's credit: far more than any run can spend
MANY_LEDGER_MINOR = 10**8
# A checkout costs at most the dearer variant plus the courier fee; every credit covers that.
CHECKOUT_MAX_MINOR = 20_000
STEPS = ("create cart", "add line", "apply code", "checkout")
BARE = "bare GET /products/{handle}"
WRK_CONNECTIONS = 32


def postgres_url(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("postgres://", "postgresql://"))


# --- the database and the app's settings ------------------------------------------------------


def app_env(data_dir: str) -> dict[str, str]:
    """The server's variables: payments on without a payment server, no background jobs, no per-client cap on codes."""
    return {
        "STALLKIT_DATA_DIR": data_dir,
        "STALLKIT_SECRET": secrets.token_urlsafe(48),  # credit codes are hashed under it
        "STALLKIT_RECONCILE_INTERVAL_S": "0",
        "STALLKIT_HOUSEKEEPING_INTERVAL_S": "0",
        "STALLKIT_STRIPE_SECRET_KEY": STRIPE_TEST_KEY,
        "STALLKIT_STRIPE_PUBLISHABLE_KEY": STRIPE_PUBLISHABLE_KEY,
        "STALLKIT_STRIPE_API_BASE": f"http://127.0.0.1:{free_port()}",  # nothing listens: a call would fail
        "STALLKIT_STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
        # Applying a code is rate-limited per client like a look-up; the bench is one client.
        "STALLKIT_RATE_LIMIT_CREDIT_LOOKUPS": "",
    }


@asynccontextmanager
async def database(url: str | None, env: Mapping[str, str]) -> AsyncIterator[tuple[Settings, str]]:
    """The run's settings and what its database is: fresh beside a PostgreSQL URL, else SQLite."""
    if url is not None and postgres_url(url):
        async with fresh_postgres(url, "credits") as (fresh, described):
            yield Settings.from_env({**env, "STALLKIT_DATABASE_URL": fresh}), described
        return
    settings = Settings.from_env({**env, **({"STALLKIT_DATABASE_URL": url} if url else {})})
    yield settings, db.redact(url) if url else "fresh temporary SQLite file"


# --- 1. the ledger alone ----------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerFigure:
    name: str
    clients: int
    operations: int
    errors: int
    seconds: float
    per_s: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_op: float  # this process's CPU per operation: steadier than rates on a shared machine
    statements_per_op: int  # SQL statements one operation sends, BEGIN and COMMIT aside
    processes: int = 1  # worker processes the clients were spread over
    first_error: str = ""


Operation = Callable[[uuid.UUID, str], Awaitable[None]]


def redemption(brand_id: uuid.UUID) -> Operation:
    """Hold then redeem, each under its own key, as a checkout and its payment would."""

    async def run(credit_id: uuid.UUID, tag: str) -> None:
        hold_key = f"bench-hold-{tag}"
        held = await service.hold(
            brand_id, credit_id, REDEMPTION_MINOR, key=hold_key, reason="bench", actor="bench", now=utcnow()
        )
        if held.held.amount != REDEMPTION_MINOR or held.replayed:
            raise RuntimeError(f"held {held.held.amount} (replayed {held.replayed}), not {REDEMPTION_MINOR}")
        await service.redeem(brand_id, hold_key, reason="bench", actor="bench", key=f"bench-redeem-{tag}")

    return run


def lock_only(brand_id: uuid.UUID) -> Operation:
    """The floor under any ledger operation: take the credit row's lock and commit, nothing else."""

    async def run(credit_id: uuid.UUID, tag: str) -> None:
        async with in_transaction():
            if await ledger.locked_credit(brand_id, credit_id) is None:
                raise RuntimeError("the credit is gone")

    return run


OPERATIONS: dict[str, Callable[[uuid.UUID], Operation]] = {"lock": lock_only, "redeem": redemption}


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """Every statement sent through the ORM's connection meanwhile (transactions run on a subclass of it)."""
    client = type(Tortoise.get_connection("default"))
    seen: list[str] = []
    names = ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script")
    originals = {name: getattr(client, name) for name in names}

    def counting(original: Any) -> Any:
        async def execute(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            seen.append(query)
            return await original(self, query, *args, **kwargs)

        return execute

    for name, original in originals.items():
        setattr(client, name, counting(original))
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(client, name, original)


@dataclass
class LedgerSamples:
    """What some clients of one ledger run saw: latencies of the operations that went through, errors, CPU."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cpu_s: float = 0.0
    wall_s: float = 0.0
    redeemed: Counter[str] = field(default_factory=Counter)  # operations that went through, per credit id


async def run_clients(
    operation: Operation, credit_ids: list[uuid.UUID], clients: range, *, seconds: float | None, count: int | None
) -> LedgerSamples:
    """Clients ``clients`` calling ``operation`` back to back, ``count`` times each or for ``seconds``.

    Client i uses credit i mod n, so clients in several processes, numbered apart, share the codes
    as one process's clients would.
    """
    run_tag = uuid.uuid4().hex[:8]
    samples = LedgerSamples()
    deadline = time.perf_counter() + seconds if seconds is not None else None

    async def client(i: int) -> None:
        credit_id = credit_ids[i % len(credit_ids)]
        n = 0
        while (count is None or n < count) and (deadline is None or time.perf_counter() < deadline):
            tag = f"{run_tag}-{i}-{n}"
            n += 1
            started = time.perf_counter()
            try:
                await operation(credit_id, tag)
            except Exception as exc:  # counted and shown: a bench reports failures, it does not stop on them
                samples.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            samples.latencies.append((time.perf_counter() - started) * 1000)
            samples.redeemed[str(credit_id)] += 1

    cpu_started, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client(i) for i in clients))
    samples.cpu_s, samples.wall_s = time.process_time() - cpu_started, time.perf_counter() - started
    return samples


def _ledger_worker(
    env: Mapping[str, str], kind: str, brand_id: str, credit_ids: list[str], clients: range, seconds: float, at: float
) -> tuple[LedgerSamples, LedgerSamples]:
    """One worker process's share of a ledger run (its warm-up, then from the wall-clock instant ``at``)."""

    async def work() -> tuple[LedgerSamples, LedgerSamples]:
        await db.open_database(Settings.from_env(env))
        try:
            operation = OPERATIONS[kind](uuid.UUID(brand_id))
            ids = [uuid.UUID(c) for c in credit_ids]
            warm = await run_clients(operation, ids, clients, seconds=None, count=LEDGER_WARMUP)
            await asyncio.sleep(max(0.0, at - time.time()))
            return warm, await run_clients(operation, ids, clients, seconds=seconds, count=None)
        finally:
            await db.close_database()

    return asyncio.run(work())


async def drive_ledger(
    name: str,
    kind: str,
    brand_id: uuid.UUID,
    credit_ids: list[uuid.UUID],
    *,
    clients: int,
    seconds: float,
    processes: int,
    env: Mapping[str, str],
) -> tuple[LedgerFigure, Counter[str]]:
    """``clients`` clients calling the ``kind`` operation for ``seconds``, in this process or spread over
    ``processes`` worker processes (as several app workers share one database); also redemptions per credit."""
    operation = OPERATIONS[kind](brand_id)
    with counted_statements() as statements:
        counted = await run_clients(operation, credit_ids, range(1), seconds=None, count=1)
    if processes == 1:
        warm = [await run_clients(operation, credit_ids, range(clients), seconds=None, count=LEDGER_WARMUP)]
        parts = [await run_clients(operation, credit_ids, range(clients), seconds=seconds, count=None)]
    else:
        share = -(-clients // processes)
        at = time.time() + 3.0  # every worker connected and warmed up by then
        ids = [str(c) for c in credit_ids]
        with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn")) as pool:
            shares = [range(p * share, min(clients, (p + 1) * share)) for p in range(processes)]
            jobs = [pool.submit(_ledger_worker, env, kind, str(brand_id), ids, part, seconds, at) for part in shares]
            warm, parts = (list(halves) for halves in zip(*(job.result() for job in jobs), strict=True))
    wall = max(part.wall_s for part in parts)
    latencies = [ms for part in parts for ms in part.latencies]
    errors = [e for part in [counted, *warm, *parts] for e in part.errors]
    redeemed = sum((part.redeemed for part in [counted, *warm, *parts]), Counter[str]())
    cpu = sum(part.cpu_s for part in parts)
    figure = LedgerFigure(
        name=name,
        clients=clients,
        operations=len(latencies),
        errors=len(errors),
        seconds=wall,
        per_s=len(latencies) / wall if wall else 0.0,
        p50_ms=statistics.median(latencies) if latencies else 0.0,
        p99_ms=percentile(latencies, 0.99) if latencies else 0.0,
        cpu_ms_per_op=cpu * 1000 / len(latencies) if latencies else 0.0,
        statements_per_op=len(statements),
        processes=processes,
        first_error=errors[0] if errors else "",
    )
    return figure, redeemed


async def issue_credit(brand_id: uuid.UUID, amount: int, code_key: bytes) -> uuid.UUID:
    _, credit, _ = await service.issue(
        brand_id,
        Money(amount=amount, currency="GBP"),
        key=f"bench-issue-{uuid.uuid4().hex}",
        reason="bench",
        actor="bench",
        code_key=code_key,
        now=utcnow(),
    )
    return credit.id


async def verify_ledger(
    brand_id: uuid.UUID, label: str, issued: Mapping[uuid.UUID, int], redemptions: Counter[str]
) -> Check:
    """Every credit: balance = issued - redeemed >= 0, nothing held, and redeemed = what went through."""
    now = utcnow()
    bad: list[str] = []
    total = 0
    for credit_id, amount in issued.items():
        view = await service.get_credit(brand_id, credit_id, now)
        redeemed = -sum(e.held_minor for e in await CreditEntry.filter(credit_id=credit_id, kind="redeem"))
        total += redeemed
        expected = redemptions[str(credit_id)] * REDEMPTION_MINOR
        ok = view.balance.amount == amount - redeemed >= 0 and view.held.amount == 0 and redeemed == expected
        if not ok:
            bad.append(
                f"{credit_id}: issued {amount}, redeemed {redeemed} (expected {expected}), "
                f"balance {view.balance.amount}, held {view.held.amount}"
            )
    detail = f"{len(issued) - len(bad)}/{len(issued)} credits right, {total} minor units redeemed"
    return Check(
        f"ledger {label}: balance = issued - redeemed >= 0, nothing held, every redemption counted once",
        not bad,
        detail + (f"; first: {bad[0]}" if bad else ""),
    )


@dataclass
class Brand:
    publishable_key: str
    secret_key: str


async def prepare_and_measure_ledger(
    settings: Settings, env: Mapping[str, str], args: argparse.Namespace, run: DatabaseRun
) -> Brand:
    """Migrate, create the brand, then the three ledger runs (no server is running yet)."""
    worker_env = {**env, "STALLKIT_DATABASE_URL": settings.database_url}
    await db.migrate(settings)
    await db.open_database(settings)
    try:
        created = await create_brand(NewBrand(name="Bench Credit", handle=f"bench-{uuid.uuid4().hex[:8]}"))
        brand_id = created.brand.id
        code_key = codes.hashing_key(settings.secret.reveal())
        hot = await issue_credit(brand_id, HOT_LEDGER_MINOR, code_key)
        many = [await issue_credit(brand_id, MANY_LEDGER_MINOR, code_key) for _ in range(args.clients)]
        plan: list[tuple[str, str, list[uuid.UUID]]] = [
            ("bare: lock the hot credit, commit", "lock", [hot]),
            ("one hot code: hold + redeem", "redeem", [hot]),
            ("many codes: hold + redeem", "redeem", many),
        ]
        redeemed: list[Counter[str]] = []
        for name, kind, credit_ids in plan:
            where = f" in {args.processes} processes" if args.processes > 1 else ""
            print(f"  ledger: {name}, {args.clients} clients{where} for {args.seconds} s ...")
            figure, done = await drive_ledger(
                name, kind, brand_id, credit_ids,
                clients=args.clients, seconds=args.seconds, processes=args.processes, env=worker_env,
            )  # fmt: skip
            run.ledger.append(figure)
            redeemed.append(done)
            print(f"    {figure.per_s:,.0f}/s, p99 {figure.p99_ms:.1f} ms, {figure.errors} errors")
        run.verification.append(await verify_ledger(brand_id, "one hot code", {hot: HOT_LEDGER_MINOR}, redeemed[1]))
        run.verification.append(
            await verify_ledger(brand_id, "many codes", dict.fromkeys(many, MANY_LEDGER_MINOR), redeemed[2])
        )
    finally:
        await db.close_database()
    return Brand(created.publishable_key, created.secret_key)


# --- 2. credit-only checkouts over HTTP -------------------------------------------------------


@dataclass
class CreditShopper(Shopper):
    code: str = ""
    payment_status: str | None = None
    credit: int | None = None  # what the order says credit paid


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def issue_codes(store: str, secret_key: str, count: int, amount: int) -> list[str]:
    """``count`` credits of ``amount`` through ``POST /v1/credits``, as a merchant issues them; their codes."""
    found = []
    for _ in range(count):
        body = {"amount": {"amount": amount, "currency": "GBP"}, "reason": "bench"}
        reply = request("POST", f"{store}/v1/credits", headers=bearer(secret_key), json_body=body)
        if reply.status != 201:
            raise RuntimeError(f"issuing a credit answered {reply.status}: {reply.body[:300]!r}")
        found.append(str(reply.json()["code"]))
    return found


async def credit_checkout(client: httpx.AsyncClient, index: int, sku: str, code: str) -> CreditShopper:
    shopper = CreditShopper(index, code=code)

    async def step(name: str, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        started = time.perf_counter()
        response = await client.post(path, json=body)
        shopper.steps[name] = time.perf_counter() - started
        if response.status_code != 201:
            shopper.error = f"{name}: HTTP {response.status_code} {response.text[:300]}"
            return None
        answer: dict[str, Any] = response.json()
        return answer

    cart = await step("create cart", "/v1/carts", {})
    if cart is None:
        return shopper
    fulfilment = fulfilment_for(index)
    line = {"sku": sku, "quantity": 1, "fulfilment": fulfilment}
    if await step("add line", f"/v1/carts/{cart['id']}/lines", line) is None:
        return shopper
    applied = await step("apply code", f"/v1/carts/{cart['id']}/credits", {"code": code})
    if applied is None:
        return shopper
    if applied["totals"]["due"]["amount"] != 0:
        shopper.error = f"apply code: still due {applied['totals']['due']} after the credit"
        return shopper
    body: dict[str, Any] = {"email": f"shopper{index}@example.com", "name": f"Shopper {index}"}
    if fulfilment["method"] == "courier":  # where to deliver, and a phone for the courier
        address = {"name": f"Shopper {index}", "line1": "12 Columbia Road", "city": "London", "postcode": POSTCODE}
        body |= {"address": {**address, "country": "GB"}, "phone": "07700 900123"}
    placed = await step("checkout", f"/v1/carts/{cart['id']}/checkout", body)
    if placed is not None:
        order, payment = placed["order"], placed["payment"] or {}
        shopper.order_id, shopper.order_status = order["id"], order["status"]
        shopper.total, shopper.credit = order["total"]["amount"], order["credit"]["amount"]
        shopper.intent, shopper.payment_status = payment.get("intent_id"), payment.get("status")
    return shopper


async def run_checkouts(
    store: str, shop: Shop, sku: str, codes_for: Callable[[int], str], indexes: range, concurrency: int
) -> tuple[list[CreditShopper], float]:
    """A checkout per index from ``concurrency`` shoppers at once; returns them and the wall-clock seconds."""
    pending = iter(indexes)  # shared by the workers; one event loop, so no lock is needed
    done: list[CreditShopper] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=store, headers=bearer(shop.publishable_key), limits=limits, timeout=60.0
    ) as client:

        async def shopper() -> None:
            for index in pending:
                done.append(await credit_checkout(client, index, sku, codes_for(index)))

        started = time.perf_counter()
        await asyncio.gather(*(shopper() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return sorted(done, key=lambda s: s.index), wall


def figures_of(shoppers: list[CreditShopper], wall_s: float, concurrency: int) -> CheckoutFigures:
    completed = [s for s in shoppers if s.error is None]
    steps = []
    for name in STEPS:
        samples = [s.steps[name] * 1000 for s in shoppers if name in s.steps]
        if samples:
            p50, p99 = statistics.median(samples), percentile(samples, 0.99)
            steps.append(StepFigure(name, p50, p99, max(samples), len(samples)))
    whole = [s.seconds * 1000 for s in completed]
    if whole:
        p50, p99 = statistics.median(whole), percentile(whole, 0.99)
        steps.append(StepFigure("full checkout", p50, p99, max(whole), len(whole)))
    return CheckoutFigures(
        checkouts=len(shoppers),
        completed=len(completed),
        concurrency=concurrency,
        wall_s=wall_s,
        per_s=len(completed) / wall_s if wall_s else 0.0,
        steps=steps,
        errors=[s.error for s in shoppers if s.error is not None],
    )


def credit_state(store: str, shop: Shop, code: str) -> tuple[int, int, int, int]:
    """(balance, held, issued, redeemed) of one credit, from its look-up and its whole ledger."""
    reply = request("GET", f"{store}/v1/credits/{code}", headers=bearer(shop.publishable_key))
    if reply.status != 200:
        raise RuntimeError(f"looking up a credit: HTTP {reply.status}, {reply.body[:300]!r}")
    view = reply.json()
    issued = redeemed = 0
    cursor = ""
    while True:
        path = f"{store}/v1/credits/{code}/entries?limit=100{cursor}"
        page_reply = request("GET", path, headers=bearer(shop.secret_key))
        if page_reply.status != 200:
            raise RuntimeError(f"reading a credit's entries: HTTP {page_reply.status}, {page_reply.body[:300]!r}")
        page = page_reply.json()
        for entry in page["data"]:
            if entry["kind"] == "issue":
                issued += entry["amount"]["amount"]
            elif entry["kind"] == "redeem":
                redeemed -= entry["held"]["amount"]
        if not page["has_more"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    return view["balance"]["amount"], view["held"]["amount"], issued, redeemed


def verify_checkouts(
    store: str,
    shop: Shop,
    label: str,
    shoppers: list[CreditShopper],
    stock: list[tuple[tuple[int, int], tuple[int, int]]],
) -> list[Check]:
    """After a plan's rounds: all done, every order paid by credit alone, no credit overspent, stock moved by
    exactly N (``stock``: the variant's (on hand, reserved) before and after each round)."""
    count = len(shoppers)
    failed = [s for s in shoppers if s.error is not None]
    first = f"; first: {failed[0].error}" if failed else ""
    checks = [
        Check(
            f"{label}: every checkout completed (all four steps 201)",
            not failed,
            f"{count - len(failed)}/{count}{first}",
        )
    ]

    answered = [
        s
        for s in shoppers
        if s.order_status == "paid" and s.payment_status == "not_required" and s.intent is None
        and s.total is not None and s.credit == s.total > 0
    ]  # fmt: skip
    paid = orders_by_status(store, shop, "paid")
    listed = [
        s
        for s in shoppers
        if s.order_id in paid
        and paid[s.order_id]["credit"]["amount"] == paid[s.order_id]["total"]["amount"] > 0
        and paid[s.order_id]["paid"]["amount"] == 0
    ]
    checks.append(
        Check(
            f"{label}: every order paid wholly by credit, no payment intent (checkout answer, and the paid list)",
            len(answered) == count and len(listed) == count,
            f"checkout said so for {len(answered)}/{count}; listed paid by credit {len(listed)}/{count}",
        )
    )

    wrong: list[str] = []
    redeemed_total = 0
    used = list(dict.fromkeys(s.code for s in shoppers))
    for code in used:
        balance, held, issued, redeemed = credit_state(store, shop, code)
        redeemed_total += redeemed
        if not (balance == issued - redeemed >= 0 and held == 0):
            wrong.append(f"...{code[-4:]}: issued {issued}, redeemed {redeemed}, balance {balance}, held {held}")
    spent = sum(s.credit or 0 for s in shoppers if s.order_id in paid)
    checks.append(
        Check(
            f"{label}: no overspend (every credit: balance = issued - redeemed >= 0, nothing held; "
            "redeemed = what the orders say credit paid)",
            not wrong and redeemed_total == spent,
            f"{len(used) - len(wrong)}/{len(used)} credits right; redeemed {redeemed_total}, orders paid {spent}"
            + (f"; first: {wrong[0]}" if wrong else ""),
        )
    )

    dropped = sum(before[0] - after[0] for before, after in stock)
    reserved = [n for before, after in stock for n in (before[1], after[1])]
    moves = ", ".join(f"{before[0]} -> {after[0]}" for before, after in stock)
    checks.append(
        Check(
            f"{label}: stock on hand dropped by exactly {count}, nothing left reserved",
            dropped == count and not any(reserved),
            f"on hand {moves} (dropped {dropped}), reserved before and after each round {reserved}",
        )
    )
    return checks


def measure_checkouts(args: argparse.Namespace, env: Mapping[str, str], brand: Brand, run: DatabaseRun) -> None:
    """Serve the app and the bare endpoint; the bare endpoint under wrk, then the two checkout runs."""
    count, concurrency = args.checkouts, args.concurrency
    with (
        serving("bench.bare_app:app", ready_path="/products/ready") as bare,
        serving("storefront.asgi:app", env=env, ready_path="/healthz", timeout_s=120) as store,
    ):
        shop = open_shop(store, brand.publishable_key, brand.secret_key, units=2 * count, warmup_units=WARMUP_CHECKOUTS)
        run.checks = [check_bare(bare)]
        print_checks("correctness (before load)", run.checks)
        if not all(c.passed for c in run.checks):
            return
        print(f"  bare endpoint: wrk -c{WRK_CONNECTIONS} -d{args.bare_seconds}s ...")
        [run.bare] = benchmark(
            [Target(BARE, f"{bare}/products/{shop.product}")],
            rounds=1,
            duration_s=args.bare_seconds,
            connections=WRK_CONNECTIONS,
        )
        print(f"  issuing {count + WARMUP_CHECKOUTS + 1} credits through POST /v1/credits ...")
        hot = issue_codes(store, shop.secret_key, 1, count * CHECKOUT_MAX_MINOR)[0]
        warm = issue_codes(store, shop.secret_key, WARMUP_CHECKOUTS, CHECKOUT_MAX_MINOR)
        many = issue_codes(store, shop.secret_key, count, CHECKOUT_MAX_MINOR)

        print(f"  warming up with {WARMUP_CHECKOUTS} credit checkouts of another variant ...")
        warmed, _ = asyncio.run(
            run_checkouts(store, shop, shop.warmup_sku, lambda i: warm[i], range(WARMUP_CHECKOUTS), concurrency)
        )
        warm_errors = [s.error for s in warmed if s.error is not None]
        if warm_errors:
            print(f"    {len(warm_errors)} warm-up checkouts failed; first: {warm_errors[0]}")
        plans: dict[str, Callable[[int], str]] = {"one hot code": lambda i: hot, "many codes": lambda i: many[i]}
        shoppers: dict[str, list[CreditShopper]] = {label: [] for label in plans}
        walls = dict.fromkeys(plans, 0.0)
        stock: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = {label: [] for label in plans}
        print(f"  {count} checkouts per plan in {args.rounds} interleaved rounds, {concurrency} shoppers at once ...")
        # Interleaved (hot, many, hot, many, ...) so drift on a shared machine falls on both plans alike.
        for r in range(args.rounds):
            indexes = range(r * count // args.rounds, (r + 1) * count // args.rounds)
            for label, codes_for in plans.items():
                before = stock_level(store, shop, shop.sku)
                done, wall = asyncio.run(run_checkouts(store, shop, shop.sku, codes_for, indexes, concurrency))
                stock[label].append((before, stock_level(store, shop, shop.sku)))
                shoppers[label] += done
                walls[label] += wall
                print(f"    round {r + 1}, {label}: {len(done) / wall if wall else 0:.1f} checkouts/s")
        for label in plans:
            figures = figures_of(shoppers[label], walls[label], concurrency)
            run.checkouts[label] = figures
            print(f"  {label}: {figures.per_s:.1f} checkouts/s, {len(figures.errors)} failed")
            run.verification += verify_checkouts(store, shop, label, shoppers[label], stock[label])


# --- targets and reporting --------------------------------------------------------------------


@dataclass
class DatabaseRun:
    kind: str
    database: str = ""
    ledger: list[LedgerFigure] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)  # correctness before load
    bare: Summary | None = None
    checkouts: dict[str, CheckoutFigures] = field(default_factory=dict)
    verification: list[Check] = field(default_factory=list)


@dataclass(frozen=True)
class CardBaseline:
    per_s: float | None
    source: str


def card_baseline(given: float | None) -> CardBaseline:
    """The card checkouts/s to beat: bench/checkout.py's latest figure if it left one, else ``--card-baseline``."""
    if CARD_RESULTS.exists():
        try:
            saved = json.loads(CARD_RESULTS.read_text())
            figures = saved["checkouts"]
            config, when = saved.get("config", {}), saved.get("environment", {}).get("when", "?")
            if figures and figures.get("per_s"):
                ignored = f"; --card-baseline {given:g} ignored" if given is not None else ""
                source = (
                    f"bench/results/checkout.json of {when} ({config.get('database', '?')}, "
                    f"{figures['concurrency']} concurrent shoppers){ignored}"
                )
                return CardBaseline(float(figures["per_s"]), source)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if given is None:
                return CardBaseline(None, f"bench/results/checkout.json unreadable ({exc}) and no --card-baseline")
    if given is not None:
        return CardBaseline(given, "--card-baseline")
    return CardBaseline(None, "no bench/results/checkout.json (run bench/checkout.py) and no --card-baseline")


def step_of(figures: CheckoutFigures, name: str) -> StepFigure | None:
    return next((s for s in figures.steps if s.name == name), None)


def targets(run: DatabaseRun, baseline: CardBaseline) -> list[Check]:
    goals = []
    hot = next((f for f in run.ledger if f.name.startswith("one hot code")), None)
    if run.kind == "postgresql":
        goals.append(
            Check(
                f"ledger, one hot code >= {LEDGER_TARGET_PER_S:.0f} redemptions/s on PostgreSQL",
                hot is not None and hot.per_s >= LEDGER_TARGET_PER_S,
                f"{hot.per_s:,.0f}/s" if hot else "not measured",
            )
        )
    errors = sum(f.errors for f in run.ledger)
    first = next((f"; first: {f.first_error}" for f in run.ledger if f.first_error), "")
    goals.append(Check("ledger: no failed operation", errors == 0 and bool(run.ledger), f"{errors} errors{first}"))
    many = run.checkouts.get("many codes")
    if baseline.per_s is None:
        goals.append(Check(f"many-code checkouts/s >= {CARD_FACTOR:g}x card checkouts/s", False, baseline.source))
    else:
        wanted = CARD_FACTOR * baseline.per_s
        goals.append(
            Check(
                f"many-code checkouts/s >= {CARD_FACTOR:g}x card checkouts/s ({baseline.per_s:.1f})",
                many is not None and many.per_s >= wanted,
                (f"{many.per_s:.1f}/s vs {wanted:.1f}/s" if many else "not measured") + f"; card: {baseline.source}",
            )
        )
    for label in ("one hot code", "many codes"):
        figures = run.checkouts.get(label)
        checkout = step_of(figures, "checkout") if figures else None
        goals.append(
            Check(
                f"{label}: checkout step p99 < {CHECKOUT_P99_TARGET_MS:.0f} ms",
                checkout is not None and checkout.p99_ms < CHECKOUT_P99_TARGET_MS,
                f"{checkout.p99_ms:.1f} ms over {checkout.samples}" if checkout else "not measured",
            )
        )
    return goals


def print_ledger(run: DatabaseRun, seconds: int) -> None:
    if not run.ledger:
        return
    bare = run.ledger[0]
    clients = bare.clients
    where = f"spread over {bare.processes} processes" if bare.processes > 1 else "in this process"
    print(f"ledger ({run.kind}): {clients} concurrent clients {where}, {seconds} s per run")
    width = max(len(f.name) for f in run.ledger)
    print(
        f"  {'run':<{width}}  {'ops/s':>9}  {'p50 ms':>8}  {'p99 ms':>8}  {'vs bare':>7}  {'cpu ms/op':>9}"
        f"  {'SQL/op':>6}  {'ops':>7}  {'errors':>6}"
    )
    for f in run.ledger:
        vs = f.per_s / bare.per_s if bare.per_s else 0.0
        print(
            f"  {f.name:<{width}}  {f.per_s:>9,.0f}  {f.p50_ms:>8.2f}  {f.p99_ms:>8.2f}  {vs:>6.2f}x"
            f"  {f.cpu_ms_per_op:>9.2f}  {f.statements_per_op:>6}  {f.operations:>7}  {f.errors:>6}"
        )
    print(
        "  (an op of the hold + redeem runs is one redemption: two ledger transactions, each under its own key;\n"
        "   cpu ms/op is the clients' processes' CPU, so on PostgreSQL it leaves out the server's)"
    )


def print_checkouts(run: DatabaseRun) -> None:
    if run.bare is not None:
        print(f"\nHTTP ({run.kind}; uvicorn 1 worker): the bare endpoint under wrk -c{WRK_CONNECTIONS}")
        print_table([run.bare], run.bare)
    for label, figures in run.checkouts.items():
        requests_per_s = figures.per_s * len(STEPS)
        vs = f", {requests_per_s / run.bare.requests_per_s:.3f}x bare" if run.bare and run.bare.requests_per_s else ""
        print(
            f"\ncredit-only checkouts, {label}: {figures.completed}/{figures.checkouts} completed by "
            f"{figures.concurrency} concurrent shoppers in {figures.wall_s:.2f} s = {figures.per_s:.1f} checkouts/s "
            f"({requests_per_s:.0f} requests/s{vs})"
        )
        print_steps(figures)


def save(run: DatabaseRun, args: argparse.Namespace, baseline: CardBaseline, goals: list[Check]) -> Path:
    """Keep this run beside the latest run of the other database in ``bench/results/credits.json``."""
    runs: dict[str, Any] = {}
    path = RESULTS_DIR / "credits.json"
    if path.exists():
        try:
            runs = dict(json.loads(path.read_text()).get("runs", {}))
        except (OSError, ValueError, AttributeError):
            runs = {}
    runs[run.kind] = {
        "environment": environment(),
        "config": {
            "seconds": args.seconds,
            "clients": args.clients,
            "processes": args.processes,
            "checkouts": args.checkouts,
            "warmup_checkouts": WARMUP_CHECKOUTS,
            "concurrency": args.concurrency,
            "rounds": args.rounds,
            "bare_seconds": args.bare_seconds,
            "wrk_connections": WRK_CONNECTIONS,
            "redemption_minor": REDEMPTION_MINOR,
            "database": run.database,
            "server": "uvicorn, 1 worker",
            "payment_server": "none (credit-only orders never call the provider)",
        },
        "card_baseline": asdict(baseline),
        "ledger": [asdict(f) for f in run.ledger],
        "checks": [asdict(c) for c in run.checks],
        "bare": asdict(run.bare) if run.bare else None,
        "checkouts": {label: asdict(f) for label, f in run.checkouts.items()},
        "targets": [asdict(c) for c in [*goals, *run.verification]],
    }
    return write_results("credits", {"benchmark": "credits", "runs": runs})


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=bounded_int(1, 60), default=5, help="seconds per ledger run (default 5)")
    parser.add_argument(
        "--clients", type=bounded_int(1, 256), default=32, help="concurrent ledger clients (default 32)"
    )
    parser.add_argument(
        "--processes",
        type=bounded_int(1, 16),
        default=1,
        help="worker processes the ledger clients are spread over, as app workers share one database "
        "(PostgreSQL only; default 1)",
    )
    parser.add_argument(
        "--checkouts", type=bounded_int(1, 5000), default=200, help="measured checkouts per code plan (default 200)"
    )
    parser.add_argument(
        "--concurrency",
        type=bounded_int(1, 64),
        default=8,
        help="concurrent shoppers (default 8, as bench/checkout.py)",
    )
    parser.add_argument(
        "--rounds", type=bounded_int(1, 10), default=2, help="interleaved rounds the checkouts are split into (2)"
    )
    parser.add_argument(
        "--bare-seconds", type=bounded_int(1, 60), default=3, help="seconds of wrk on the bare endpoint"
    )
    parser.add_argument(
        "--database-url", help="postgres://... (a fresh database beside it, dropped afterwards) or sqlite://..."
    )
    parser.add_argument(
        "--card-baseline", type=float, help="card checkouts/s to beat when bench/results/checkout.json is absent"
    )
    args = parser.parse_args(argv)
    if args.processes > 1 and not postgres_url(args.database_url):
        parser.error("--processes above 1 needs PostgreSQL: SQLite is one writer, and the app runs one worker on it")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    kind = "postgresql" if postgres_url(args.database_url) else "sqlite"
    run = DatabaseRun(kind)
    baseline = card_baseline(args.card_baseline)
    print(f"card checkouts/s to beat: {baseline.per_s if baseline.per_s is not None else '-'} ({baseline.source})")

    with tempfile.TemporaryDirectory(prefix="stallkit-bench-credits-") as data_dir:
        env = app_env(data_dir)

        async def measure() -> None:
            async with database(args.database_url, env) as (settings, described):
                run.database = described
                print(f"database: {described}")
                brand = await prepare_and_measure_ledger(settings, env, args, run)
                server_env = {**env, "STALLKIT_DATABASE_URL": settings.database_url}
                # The servers run in this block (a fresh PostgreSQL database is dropped when it closes).
                await asyncio.to_thread(measure_checkouts, args, server_env, brand, run)

        asyncio.run(measure())

    goals = targets(run, baseline)
    print("\nsummary\n")
    print_ledger(run, args.seconds)
    print_checkouts(run)
    print()
    print_checks("checks and targets", [*run.checks, *goals, *run.verification])
    path = save(run, args, baseline, goals)
    print(f"\nresults written to {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0 if all(c.passed for c in [*run.checks, *goals, *run.verification]) else 1


if __name__ == "__main__":
    raise SystemExit(main())

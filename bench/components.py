"""Component serving benchmark: how fast an embedded component is served, and what it weighs.

    python bench/components.py [--duration 5] [--rounds 3]

It migrates a fresh SQLite database in a temporary directory, seeds the demo brand (Maison
Hollis, 15 products) through ``seed_demo``, serves ``storefront.asgi:app`` and the bare
baseline (``bench/bare_app.py``) each in their own single-worker uvicorn process on 127.0.0.1,
and loads them with ``wrk`` from a separate process with 32 connections, all in the same
interleaved rounds:

1. the bare endpoint (the framework's ceiling on this machine),
2. ``GET /v1/components/product-page?product=noa-micro-bag&key=pk_...`` (the HTML fragment),
3. the same with ``Accept: application/json`` (the component's props),
4. the same HTML URL with ``If-None-Match: <its ETag>`` (a browser or CDN revalidating).

wrk counts every status, so a revalidation that answered 200 (or anything but 304) is an
error, not a fast request. Before any load it checks the answers are right. It also reports
the fragment's size, raw and gzipped, and the JavaScript a host page downloads to embed
components, fetched from the server: before the shopper's first interaction that is ``/embed.js``
alone (it paints fragments itself); after it, htmx too; and in all, with the lazy card-payment
script a checkout's payment step adds. Each script is measured as served to a browser that asks
as Chromium does (``gzip, deflate, br, zstd``: the server answers Brotli), as served to one that
takes gzip only (zopfli), and, for comparison, as ``gzip -9`` would compress the plain file. The
budgets: before interaction 5 KB even gzipped; after it and in all, under 20 KB as a current
browser receives them.

Figures are medians over the rounds; they also go to ``bench/results/components.json``. The
exit status is 0 when the checks and targets pass.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: make `bench` importable

import brotli  # type: ignore[import-untyped]

from bench._harness import (
    Check,
    Reply,
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
from storefront.demo.seed import seed_demo
from storefront.settings import Settings

CONNECTIONS = 32
THREADS = 2
COMPONENT = "product-page"
PRODUCT = "noa-micro-bag"
HTMX_PATH = "/static/components/htmx-2.0.11.min.js"
LAZY_PATHS = ("/static/components/stripe-checkout.js",)  # fetched only when a fragment asks for them
KB = 1000  # sizes are quoted in decimal kilobytes, the stricter reading of "20 KB"

PAGE_P99_TARGET_MS = 25.0
REVALIDATION_RATIO_TARGET = 0.60
HOST_JS_TARGET_BYTES = 20 * KB  # everything, htmx and lazy scripts included
FIRST_PAINT_JS_TARGET_BYTES = 5 * KB  # before the shopper's first interaction: embed.js alone
SHOPIFY_WEB_COMPONENTS_KB = 92  # Shopify's storefront web components, gzipped, as quoted for comparison


@dataclass(frozen=True)
class Size:
    """A payload's size: plain, gzip -9 (what a CDN would make of it), and as our server sends it."""

    name: str
    raw: int
    gzipped: int
    served: int  # bytes on the wire with Accept-Encoding: gzip (== gzipped for what the server does not compress)
    browser: int  # bytes on the wire with Chromium's Accept-Encoding (Brotli)


def size_of(name: str, body: bytes, served: int | None = None, browser: int | None = None) -> Size:
    gzipped = len(gzip.compress(body, compresslevel=9))
    served = gzipped if served is None else served
    return Size(name, len(body), gzipped, served, served if browser is None else browser)


# --- seeding ----------------------------------------------------------------------------------


async def seed(settings: Settings) -> str:
    """Migrate, seed the demo brand exactly as ``stallkit demo`` does, and return its publishable key.

    The demo catalogue is the one the embed examples use, so the fragment measured here is the
    one a visitor of the sample brand site would get. No saved keys: the database is new.
    """
    await db.migrate(settings)
    demo = await seed_demo(settings, {})
    return demo.publishable_key


def component_url(store: str, key: str) -> str:
    """The URL embed.js builds for a product page: the key travels in the query (a browser page sets no header)."""
    return f"{store}/v1/components/{COMPONENT}?product={PRODUCT}&key={key}"


# --- correctness ------------------------------------------------------------------------------


def check_bare(bare: str) -> Check:
    reply = request("GET", f"{bare}/products/check")
    handle = reply.json().get("handle") if reply.status == 200 else None
    return Check("bare endpoint is 200 JSON", reply.status == 200 and handle == "check", f"status {reply.status}")


def check_fragment(reply: Reply) -> Check:
    """The fragment must be the themed root element, with an ETag to revalidate against."""
    starts = reply.body.startswith(b'<div class="sk-root')
    etag = reply.header("etag")
    return Check(
        f'{COMPONENT} fragment is 200 text/html starting with <div class="sk-root, with an ETag',
        reply.status == 200 and reply.content_type.startswith("text/html") and starts and bool(etag),
        f"status {reply.status}, {reply.content_type or 'no content-type'}, {len(reply.body)} B, "
        f"starts {reply.body[:24]!r}, ETag {etag}",
    )


def check_props(url: str) -> Check:
    """Accept: application/json must give the props, not the HTML (and parse as JSON)."""
    reply = request("GET", url, headers={"Accept": "application/json"})
    is_json = reply.status == 200 and reply.content_type.startswith("application/json")
    props = reply.json() if is_json else None
    return Check(
        f"{COMPONENT} props are 200 JSON",
        isinstance(props, dict) and bool(props),
        f"status {reply.status}, {reply.content_type or 'no content-type'}, {len(reply.body)} B",
    )


def check_revalidation(url: str, etag: str) -> Check:
    """A matching If-None-Match must cost a 304 with no body, or caching saves nothing."""
    reply = request("GET", url, headers={"If-None-Match": etag})
    return Check(
        "If-None-Match with the ETag is 304 with an empty body",
        reply.status == 304 and reply.body == b"" and reply.header("etag") == etag,
        f"status {reply.status}, {len(reply.body)} B body, ETag {reply.header('etag')}",
    )


CHROMIUM_ACCEPT_ENCODING = "gzip, deflate, br, zstd"
DECODERS = {"gzip": gzip.decompress, "br": brotli.decompress}


def fetch_asset(url: str) -> tuple[Check, bytes, int, int]:
    """A script a host page loads: its plain bytes, and how many a gzip-only client and Chromium receive.

    A failed fetch must not pass as a tiny size, nor a compressed answer that is not the same script.
    """
    reply = request("GET", url)
    answers = [request("GET", url, headers={"Accept-Encoding": a}) for a in ("gzip", CHROMIUM_ACCEPT_ENCODING)]
    same = True
    for answer in answers:
        decode = DECODERS.get(answer.header("content-encoding") or "", lambda body: body)
        try:
            same = same and decode(answer.body) == reply.body
        except (OSError, EOFError, brotli.error):
            same = False
    ok = reply.status == 200 and all(a.status == 200 for a in answers) and "javascript" in reply.content_type
    ok = ok and len(reply.body) > 0
    path = url.split("/", 3)[-1]
    zipped, browser = answers
    detail = (
        f"status {reply.status}, {len(reply.body)} B; gzip {len(zipped.body)} B; as Chromium asks {len(browser.body)} B"
    )
    check = Check(f"/{path} is 200 JavaScript, the same compressed", ok and same, detail)
    return check, reply.body, len(zipped.body), len(browser.body)


# --- load -------------------------------------------------------------------------------------


def targets(bare: str, url: str, etag: str) -> list[Target]:
    """Every target names the status it must answer, so wrk counts a wrong one as an error."""
    return [
        Target("bare GET /products/{handle}", f"{bare}/products/{PRODUCT}", expect_status=200),
        Target(f"{COMPONENT} HTML", url, expect_status=200),
        Target(f"{COMPONENT} JSON props", url, ("Accept: application/json",), expect_status=200),
        Target(f"{COMPONENT} 304 If-None-Match", url, (f"If-None-Match: {etag}",), expect_status=304),
    ]


def status_totals(summary: Summary) -> dict[int, int]:
    """Responses by status over all rounds, to show what the server actually answered."""
    totals: dict[int, int] = {}
    for run in summary.runs:
        for status, count in run.statuses.items():
            totals[status] = totals.get(status, 0) + count
    return dict(sorted(totals.items()))


# --- reporting --------------------------------------------------------------------------------


def print_statuses(summaries: list[Summary]) -> None:
    width = max(len(s.name) for s in summaries)
    print("responses by status (all rounds)")
    for s in summaries:
        counts = ", ".join(f"{status}: {n}" for status, n in status_totals(s).items())
        print(f"  {s.name:<{width}}  {counts}")


def phases(scripts: list[Size]) -> list[tuple[str, list[Size]]]:
    """What a host page has downloaded at each step: ``scripts`` is embed.js, htmx, then the lazy scripts."""
    return [
        ("before interaction", scripts[:1]),  # embed.js paints the fragments itself
        ("after interaction", scripts[:2]),  # + htmx, on the first focus, pointer, key or touch
        ("all of it", scripts),  # + the card-payment step of a checkout
    ]


def print_sizes(fragment: Size, scripts: list[Size]) -> None:
    print(f"{COMPONENT} fragment: {fragment.raw:,} B raw, {fragment.gzipped:,} B gzip -9")
    print("host page JavaScript:                   raw    gzip -9  served gzip  to Chromium (br)")
    for script in scripts:
        sizes = (script.raw, script.gzipped, script.served, script.browser)
        print(f"  {script.name:<28} " + " ".join(f"{n:>8,} B" for n in sizes))
    for name, part in phases(scripts):
        raw, gz, served, browser = (sum(getattr(s, f) for s in part) for f in ("raw", "gzipped", "served", "browser"))
        print(f"  {name:<28} {raw:>8,} B {gz:>8,} B {served:>8,} B {browser:>8,} B = {browser / KB:.2f} KB")
    print(f"  (Shopify's storefront web components: about {SHOPIFY_WEB_COMPONENTS_KB} KB)")


def size_checks(scripts: list[Size]) -> list[Check]:
    """The script budgets: before the first interaction 5 KB even gzipped; after it and in all, under 20 KB as a
    current browser receives them (a gzip-only client's figure is printed beside)."""
    budgets = [FIRST_PAINT_JS_TARGET_BYTES, HOST_JS_TARGET_BYTES, HOST_JS_TARGET_BYTES]
    checks = []
    for (name, part), budget in zip(phases(scripts), budgets, strict=True):
        served, browser = sum(s.served for s in part), sum(s.browser for s in part)
        first_paint = budget == FIRST_PAINT_JS_TARGET_BYTES
        measured = served if first_paint else browser
        checks.append(
            Check(
                f"host JavaScript {name} {'<=' if first_paint else '<'} {budget // KB} KB "
                f"{'gzipped' if first_paint else 'as Chromium receives it'} ({' + '.join(s.name for s in part)})",
                measured <= budget if first_paint else measured < budget,
                f"{measured / KB:.2f} KB (gzip {served:,} B; to Chromium {browser:,} B)",
            )
        )
    return checks


def evaluate_targets(summaries: list[Summary], scripts: list[Size]) -> list[Check]:
    """The goals; error-free load (every answer the expected status) is a precondition for trusting the rest."""
    bare, page, _, revalidation = summaries
    reval_ratio = ratio(revalidation, bare)
    errors = sum(s.errors for s in summaries)
    return [
        Check(
            f"{COMPONENT} p99 < {PAGE_P99_TARGET_MS:.0f} ms", page.p99_ms < PAGE_P99_TARGET_MS, f"{page.p99_ms:.2f} ms"
        ),
        Check(
            f"304 revalidation >= {REVALIDATION_RATIO_TARGET:.2f}x bare throughput",
            reval_ratio >= REVALIDATION_RATIO_TARGET,
            f"{reval_ratio:.2f}x ({revalidation.requests_per_s:.0f} vs {bare.requests_per_s:.0f} req/s)",
        ),
        *size_checks(scripts),
        Check("every answer under load had the expected status, no socket errors", errors == 0, f"{errors} errors"),
    ]


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=bounded_int(1, 60), default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--rounds", type=bounded_int(1, 10), default=3, help="runs per endpoint; medians kept")
    return parser.parse_args(argv)


@dataclass(frozen=True)
class Measured:
    """Everything a run produced, for the table and the results file."""

    checks: list[Check]
    summaries: list[Summary]
    fragment: Size
    scripts: list[Size]


def measure(store: str, bare: str, key: str, *, duration_s: int, rounds: int) -> Measured | None:
    """Check first, then load; ``None`` (after printing why) if a check fails: fast wrong answers are worthless."""
    url = component_url(store, key)
    page = request("GET", url)
    checks = [check_bare(bare), check_fragment(page)]
    etag = page.header("etag") or ""
    checks += [check_props(url), check_revalidation(url, etag)]
    assets = [fetch_asset(f"{store}{path}") for path in ("/embed.js", HTMX_PATH, *LAZY_PATHS)]
    checks += [check for check, *_ in assets]
    print_checks("correctness (before load)", checks)
    if not all(c.passed for c in checks):
        print("correctness failed: not measuring")
        return None
    print(
        f"\nloading with wrk -t{THREADS} -c{CONNECTIONS} -d{duration_s}s, {rounds} rounds (medians), "
        "uvicorn 1 worker ..."
    )
    summaries = benchmark(targets(bare, url, etag), rounds=rounds, duration_s=duration_s, connections=CONNECTIONS)
    names = ["embed.js", *(path.rsplit("/", 1)[-1] for path in (HTMX_PATH, *LAZY_PATHS))]
    scripts = [
        size_of(name, body, served, browser) for name, (_, body, served, browser) in zip(names, assets, strict=True)
    ]
    return Measured(checks, summaries, size_of(f"{COMPONENT} fragment", page.body), scripts)


def report(measured: Measured, args: argparse.Namespace) -> bool:
    """Print the table, sizes and targets, write the JSON, and say whether every target passed."""
    summaries = measured.summaries
    print()
    print_table(summaries, summaries[0])
    print()
    print_statuses(summaries)
    print()
    print_sizes(measured.fragment, measured.scripts)
    goals = evaluate_targets(summaries, measured.scripts)
    print()
    print_checks("targets", goals)
    path = write_results(
        "components",
        {
            "benchmark": "components",
            "environment": environment(),
            "config": {
                "duration_s": args.duration,
                "rounds": args.rounds,
                "connections": CONNECTIONS,
                "threads": THREADS,
                "component": COMPONENT,
                "product": PRODUCT,
                "database": "sqlite (fresh temporary file, demo seed)",
                "server": "uvicorn, 1 worker",
            },
            "checks": [asdict(c) for c in measured.checks],
            "endpoints": [{**asdict(s), "vs_bare": ratio(s, summaries[0])} for s in summaries],
            "sizes": {"fragment": asdict(measured.fragment), "host_javascript": [asdict(s) for s in measured.scripts]},
            "targets": [asdict(g) for g in goals],
        },
    )
    print(f"\nresults written to {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return all(g.passed for g in goals)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="stallkit-bench-") as data_dir:
        env = {"STALLKIT_DATA_DIR": data_dir}
        settings = Settings.from_env(env)  # exactly what the server will read from the same variables
        env["STALLKIT_DATABASE_URL"] = settings.database_url
        print("seeding the demo brand into a fresh temporary SQLite database ...")
        key = asyncio.run(seed(settings))
        with (
            serving("bench.bare_app:app", ready_path="/products/ready") as bare,
            serving("storefront.asgi:app", env=env, ready_path="/healthz") as store,
        ):
            measured = measure(store, bare, key, duration_s=args.duration, rounds=args.rounds)
    if measured is None:
        return 1
    return 0 if report(measured, args) else 1


if __name__ == "__main__":
    raise SystemExit(main())

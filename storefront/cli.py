"""``stallkit``: migrate, create brands and staff, serve, reconcile payments, housekeep, and run the demo.

Every failure an operator can cause (a bad setting, an unreachable or unmigrated database)
ends with one line on stderr and exit status 2: no traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, NoReturn

import msgspec

from storefront import db
from storefront.settings import Settings, SettingsError

if TYPE_CHECKING:
    from types import FrameType

    from storefront.demo.local_stripe import LocalStripe

EXIT_USAGE = 2


class CliError(Exception):
    """An operator-facing failure; its message is printed as one line."""


def _settings() -> Settings:
    try:
        return Settings.from_env().with_secret()
    except (SettingsError, OSError) as exc:
        raise CliError(str(exc)) from None


async def _check_ready(settings: Settings) -> None:
    """Fail fast, before a server starts, if the database is unreachable or unmigrated."""
    try:
        await db.open_database(settings)
        try:
            from tortoise import Tortoise

            await Tortoise.get_connection("default").execute_query("SELECT 1 FROM brand LIMIT 1")
        except Exception:
            raise CliError("the database is not migrated: run `stallkit migrate` first") from None
    except db.DatabaseUnavailable as exc:
        raise CliError(str(exc)) from None
    finally:
        await db.close_database()


async def _migrate(settings: Settings) -> None:
    try:
        await db.migrate(settings)
    except db.DatabaseUnavailable as exc:
        raise CliError(str(exc)) from None


def cmd_migrate(_: argparse.Namespace) -> None:
    settings = _settings()
    asyncio.run(_migrate(settings))
    print(f"migrated {db.redact(settings.database_url)}")


def cmd_makemigrations(_: argparse.Namespace) -> None:
    """Developer command: write a new migration from model changes (Tortoise's own autodetector)."""
    from tortoise.cli import cli as tortoise_cli

    settings = _settings()
    os.environ["STALLKIT__TORTOISE_URL"] = settings.database_url
    sys.argv = ["tortoise", "-c", "storefront.cli.TORTOISE_ORM", "makemigrations"]
    tortoise_cli.main()


def __getattr__(name: str) -> object:  # the tortoise CLI reads its config as a module attribute
    if name == "TORTOISE_ORM":
        return db.tortoise_config(os.environ.get("STALLKIT__TORTOISE_URL") or Settings.from_env().database_url)
    raise AttributeError(name)


def cmd_brand_create(args: argparse.Namespace) -> None:
    from storefront.tenancy import NewBrand, service

    settings = _settings()
    try:
        new = msgspec.convert(
            {
                "name": args.name,
                "currency": args.currency,
                "timezone": args.timezone,
                "allowed_origins": args.origin or [],
                **({"handle": args.handle} if args.handle else {}),
            },
            NewBrand,
        )
    except msgspec.ValidationError as exc:
        raise CliError(f"invalid brand: {exc}") from None

    async def run() -> None:
        await _check_ready(settings)
        await db.open_database(settings)
        try:
            created = await service.create_brand(new)
        finally:
            await db.close_database()
        print(f"brand {created.brand.handle} ({created.brand.id})")
        print(f"publishable key: {created.publishable_key}")
        print(f"secret key:      {created.secret_key}")
        print("Keys are shown only once; store the secret key safely.")

    asyncio.run(_domain_errors(run()))


def cmd_brand_keys(args: argparse.Namespace) -> None:
    """List, rotate or revoke a brand's keys: the way back in when no secret key is at hand."""
    from storefront.tenancy import keys_service, service

    settings = _settings()

    async def run() -> None:
        await _check_ready(settings)
        await db.open_database(settings)
        try:
            brand = await service.get_brand_by_handle(args.brand)
            if brand is None:
                raise CliError(f"no brand with handle {args.brand!r}")
            if args.keys_command == "list":
                for key in await keys_service.list_keys(brand.id):
                    state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
                    print(f"{key.id}  {key.kind:<11}  {key.prefix}…  {state:<24}  {key.label}")
            elif args.keys_command == "rotate":
                revoked = []
                if args.key:
                    old = await keys_service.find_key(brand.id, args.key)
                    issued = await keys_service.rotate_key(brand.id, old.id)
                    revoked = [old]
                else:
                    issued, revoked = await keys_service.rotate_kind(
                        brand.id, args.kind, args.label or "", keep_old=args.keep_old
                    )
                print(f"new {issued.details.kind} key: {issued.key}  (id {issued.details.id})")
                for key in revoked:
                    print(f"revoked:  {key.prefix}…  (id {key.id})")
                print("The new key is shown only once; store it safely.")
            else:
                key = await keys_service.find_key(brand.id, args.key)
                done = await keys_service.revoke_key(brand.id, key.id)
                print(f"revoked {done.kind} key {done.prefix}…  (id {done.id})")
        finally:
            await db.close_database()

    asyncio.run(_domain_errors(run()))


async def _domain_errors(coro: Awaitable[object]) -> None:
    from storefront.errors import StallkitError

    try:
        await coro
    except StallkitError as exc:
        raise CliError(exc.detail) from None


STAFF_PASSWORD_ENV = "STALLKIT_STAFF_PASSWORD"  # noqa: S105 - the variable's name, not a password


def _staff_password() -> tuple[str, bool]:
    """The new account's password: from the environment, typed twice at a terminal, or made up (and shown once)."""
    import getpass
    import secrets

    given = os.environ.get(STAFF_PASSWORD_ENV)
    if given:
        return given, False
    if sys.stdin.isatty():
        first = getpass.getpass("password for the new account: ")
        if getpass.getpass("the same again: ") != first:
            raise CliError("the two passwords differ")
        return first, False
    return secrets.token_urlsafe(15), True


def cmd_staff_create(args: argparse.Namespace) -> None:
    import uuid

    from storefront.backoffice import create_staff
    from storefront.clock import utcnow

    settings = _settings()
    try:
        event_id = uuid.UUID(args.event) if args.event else None
    except ValueError:
        raise CliError(f"--event must be an event's id, got {args.event!r}") from None
    password, made_up = _staff_password()

    async def run() -> None:
        await _check_ready(settings)
        await db.open_database(settings)
        try:
            staff = await create_staff(
                args.brand, email=args.email, name=args.name or "", role=args.role, password=password,
                now=utcnow(), event_id=event_id,
            )  # fmt: skip
        finally:
            await db.close_database()
        print(
            f"staff {staff.email} ({staff.role}) of {staff.brand}: sign in at {settings.public_base_url}/admin/sign-in"
        )
        if made_up:
            print(f"password: {password}   (shown once; or set {STAFF_PASSWORD_ENV} next time)")

    asyncio.run(_domain_errors(run()))


def cmd_staff_reset_link(args: argparse.Namespace) -> None:
    from storefront.backoffice import issue_reset
    from storefront.clock import utcnow

    settings = _settings()

    async def run() -> None:
        await _check_ready(settings)
        await db.open_database(settings)
        try:
            token = await issue_reset(args.email, utcnow())
        finally:
            await db.close_database()
        print(f"{settings.public_base_url}/admin/reset/{token}   (one use, within the hour)")

    asyncio.run(_domain_errors(run()))


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    settings = _settings()
    asyncio.run(_check_ready(settings))
    workers = args.workers
    if settings.is_sqlite and workers > 1:
        raise CliError("SQLite serves from one worker; use PostgreSQL (STALLKIT_DATABASE_URL) for several")
    uvicorn.run(
        "storefront.asgi:app",
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level="info",
        access_log=False,
        proxy_headers=False,
    )


def cmd_reconcile(_: argparse.Namespace) -> None:
    """One reconciliation pass (cron-able); the server also runs one every STALLKIT_RECONCILE_INTERVAL_S."""
    from storefront.orders import reconcile
    from storefront.payments import StripeGateway

    settings = _settings()
    if not settings.payments_enabled:
        raise CliError("payments are not configured: set STALLKIT_STRIPE_SECRET_KEY")

    async def run() -> None:
        try:
            await db.open_database(settings)
        except db.DatabaseUnavailable as exc:
            raise CliError(str(exc)) from None
        gateway = StripeGateway(settings)
        try:
            report = await reconcile(gateway)
        finally:
            await gateway.close()
            await db.close_database()
        print(msgspec.json.encode(report).decode())

    asyncio.run(run())


def cmd_housekeeping(_: argparse.Namespace) -> None:
    """One housekeeping pass (cron-able); the server also runs one every STALLKIT_HOUSEKEEPING_INTERVAL_S.

    Needs no Stripe key: holds with a payment intent are left to ``stallkit reconcile``.
    """
    from storefront.housekeeping import run_once
    from storefront.payments import StripeGateway

    settings = _settings()

    async def run() -> None:
        await _check_ready(settings)
        await db.open_database(settings)
        gateway = StripeGateway(settings)
        try:
            report = await run_once(settings, gateway)
        finally:
            await gateway.close()
            await db.close_database()
        print(msgspec.json.encode(report).decode())
        if report.failed:
            raise CliError(f"housekeeping steps failed (see the log above): {', '.join(report.failed)}")

    asyncio.run(run())


def cmd_credits_expire(_: argparse.Namespace) -> None:
    """Empty every store-credit lot past its expiry (cron-able); housekeeping passes do it too."""
    from storefront.clock import utcnow
    from storefront.credits import expire_due

    settings = _settings()

    async def run() -> None:
        await _check_ready(settings)
        await db.open_database(settings)
        try:
            expired = await expire_due(utcnow())
        finally:
            await db.close_database()
        print(msgspec.json.encode({"credit_lots_expired": expired}).decode())

    asyncio.run(run())


def cmd_demo(args: argparse.Namespace) -> None:
    from storefront.demo.seed import keys_path, load_saved_keys, save_keys, seed_demo
    from storefront.demo.site import browser_host, site_origins, start_site

    settings = _settings()
    site_port = _demo_site_port(settings.port)
    asyncio.run(_migrate(settings))
    path = keys_path(settings)
    # The sample brand website (its own origin, embedding components) runs beside the API; the
    # brand allows wherever it runs this time, also when the brand was seeded on another port.
    origins = site_origins(settings.host, site_port)
    result = asyncio.run(seed_demo(settings, load_saved_keys(path), origins))
    save_keys(path, result.publishable_key, result.secret_key, result.staff_password)
    base = settings.public_base_url
    print(result.describe(base))
    site_url = f"http://{browser_host(settings.host)}:{site_port}"
    print(f"  brand site: {site_url}/   (Maison Hollis's own page, embedding components from {base})")
    if not origins:
        print(f"  note: {site_url} cannot be an allowed origin of the demo brand; serve on a name or IPv4 address")
    print(f"  start here: {base}/   (links to the brand site, the OpenAPI document and the README's tour)")
    if args.no_serve:
        return
    # uvicorn shuts down on SIGTERM and then raises the signal again, with the handler it found
    # installed: the default one would end the process on the spot and orphan localstripe, so
    # the one found is this, which unwinds through the ``finally`` below (exit status 143).
    previous = signal.signal(signal.SIGTERM, _exit_on_signal)
    stripe_server = None
    try:
        stripe_server = _demo_payments(settings, f"http://{browser_host(settings.host)}:{settings.port}")
        try:
            start_site(settings.host, site_port, base, result.publishable_key)
        except OSError as exc:
            raise CliError(f"cannot serve the demo site on port {site_port}: {exc.strerror or exc}") from None
        sys.stdout.flush()
        cmd_serve(argparse.Namespace(workers=1))
    finally:
        if stripe_server is not None:
            stripe_server.stop()
        signal.signal(signal.SIGTERM, previous)


def _exit_on_signal(signum: int, _frame: FrameType | None) -> NoReturn:
    raise SystemExit(128 + signum)


def _say_payments(line: str) -> None:
    print(f"  payments: {line}", flush=True)


def _demo_payments(settings: Settings, api_origin: str) -> LocalStripe | None:
    """Offline test payments for the demo: localstripe, installed on the first run, unless Stripe is configured.

    The server reads its settings from the environment, so the local server's address and keys
    are put there before it starts. Checkout then completes server-side with a test card. When
    localstripe cannot be had, the demo still starts, with payments off and saying why.
    """
    from pathlib import Path

    from storefront.demo import local_stripe, provision

    if settings.payments_enabled:
        _say_payments(f"Stripe at {settings.stripe_api_base or 'api.stripe.com'}")
        return None
    data_dir = Path(settings.data_dir)
    try:
        python = provision.provision(
            provision.venv_location(data_dir), log_path=data_dir / "localstripe" / "install.log", say=_say_payments
        )
        server = local_stripe.start(data_dir / "localstripe", python)
        server.register_webhook(f"{api_origin}/v1/webhooks/stripe")
    except local_stripe.LocalStripeError as exc:
        remedy = "once online to install it" if isinstance(exc, provision.ProvisionFailed) else "to retry"
        _say_payments(
            f"off: {str(exc).splitlines()[0]}. Checkout answers 503 payments_unavailable and its component"
            f" says the shop can't take payments yet; start the demo again {remedy}"
        )
        return None
    os.environ.update(
        STALLKIT_STRIPE_SECRET_KEY=local_stripe.TEST_SECRET_KEY,
        STALLKIT_STRIPE_API_BASE=server.api_base,
        STALLKIT_STRIPE_WEBHOOK_SECRET=server.webhook_secret,
    )
    _say_payments(
        f"local test server at {server.api_base} (localstripe {provision.VERSION} from {python.parents[1]};"
        " checkout pays with a test card)"
    )
    return server


def _demo_site_port(api_port: int) -> int:
    raw = os.environ.get("STALLKIT_DEMO_SITE_PORT", "8001")
    try:
        port = int(raw)
    except ValueError:
        raise CliError(f"STALLKIT_DEMO_SITE_PORT must be an integer, got {raw!r}") from None
    if not 1 <= port <= 65535 or port == api_port:
        raise CliError(f"STALLKIT_DEMO_SITE_PORT must be a free port other than the API's, got {port}")
    return port


def cmd_popup(args: argparse.Namespace) -> None:
    """``stallkit popup ...`` runs the stall till's own CLI.

    The CLI is a composition root, like ``storefront/asgi.py``: the one other place storefront may
    import an outer package (pyproject's import-linter contract lists it). Imported here, when the
    command runs, so every other command starts without the till.
    """
    from popup.cli import main as popup_main

    status = popup_main(["--help"] if args.popup_help else args.popup_args)
    if status:
        raise SystemExit(status)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stallkit", description="Stallkit storefront and pop-up kit")
    sub = parser.add_subparsers(dest="command", required=True)
    popup = sub.add_parser(
        "popup", help="the stall till: `stallkit popup open PACK` (see `stallkit popup --help`)", add_help=False
    )
    popup.add_argument("-h", "--help", dest="popup_help", action="store_true")  # the till's own help, below
    popup.add_argument("popup_args", nargs=argparse.REMAINDER)
    popup.set_defaults(func=cmd_popup)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("makemigrations", help="(developers) write a migration from model changes").set_defaults(
        func=cmd_makemigrations
    )
    serve = sub.add_parser("serve", help="serve the storefront API")
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)
    sub.add_parser(
        "reconcile", help="ask Stripe about pending orders, cancel expired holds, retry refunds (one pass)"
    ).set_defaults(func=cmd_reconcile)
    sub.add_parser(
        "housekeeping", help="purge expired idempotency records and abandoned carts, release expired holds (one pass)"
    ).set_defaults(func=cmd_housekeeping)
    credits = sub.add_parser("credits", help="store credit").add_subparsers(dest="credits_command", required=True)
    credits.add_parser("expire", help="empty credit lots past their expiry (one pass)").set_defaults(
        func=cmd_credits_expire
    )
    demo = sub.add_parser(
        "demo",
        help="migrate, seed a demo microbrand, serve it on 127.0.0.1:8000 and its website on :8001,"
        " with offline test payments (localstripe, installed on the first run)",
    )
    demo.add_argument("--no-serve", action="store_true", help="seed and print keys, then exit")
    demo.set_defaults(func=cmd_demo)
    staff = sub.add_parser("staff", help="back-office staff accounts").add_subparsers(
        dest="staff_command", required=True
    )
    new_staff = staff.add_parser(
        "create", help=f"create a staff account (password from {STAFF_PASSWORD_ENV}, typed, or made up and shown)"
    )
    new_staff.add_argument("--brand", required=True, help="the brand's handle")
    new_staff.add_argument("--email", required=True)
    new_staff.add_argument("--name", help="as the back office greets them (default: the email)")
    new_staff.add_argument("--role", choices=["owner", "staff", "stall"], default="staff")
    new_staff.add_argument("--event", help="a stall account's event id")
    new_staff.set_defaults(func=cmd_staff_create)
    reset_link = staff.add_parser("reset-link", help="print a one-time link to set a new password")
    reset_link.add_argument("--email", required=True)
    reset_link.set_defaults(func=cmd_staff_reset_link)
    brand = sub.add_parser("brand", help="manage brands").add_subparsers(dest="brand_command", required=True)
    create = brand.add_parser("create", help="create a brand and print its keys once")
    create.add_argument("name")
    create.add_argument("--handle")
    create.add_argument("--currency", default="GBP")
    create.add_argument("--timezone", default="Europe/London")
    create.add_argument("--origin", action="append", help="allowed browser origin (repeatable)")
    create.set_defaults(func=cmd_brand_create)
    keys = brand.add_parser("keys", help="list, rotate or revoke a brand's API keys").add_subparsers(
        dest="keys_command", required=True
    )
    listing = keys.add_parser("list", help="the brand's keys: id, kind, prefix, state, label (never a key's text)")
    listing.add_argument("brand", help="the brand's handle")
    rotate = keys.add_parser(
        "rotate", help="issue a new key and revoke the one it replaces (all active keys of --kind without KEY)"
    )
    rotate.add_argument("brand", help="the brand's handle")
    rotate.add_argument("key", nargs="?", help="id or prefix of the key to replace")
    rotate.add_argument("--kind", choices=["secret", "publishable"], default="secret")
    rotate.add_argument("--label", help="the new key's label (default: the replaced key's)")
    rotate.add_argument(
        "--keep-old", action="store_true", help="leave the old keys active (revoke them once the new one is deployed)"
    )
    revoke = keys.add_parser("revoke", help="revoke a key at once (not the brand's last active secret key)")
    revoke.add_argument("brand", help="the brand's handle")
    revoke.add_argument("key", help="id or prefix of the key")
    for command in (listing, rotate, revoke):
        command.set_defaults(func=cmd_brand_keys)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except CliError as exc:
        print(f"stallkit: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``stallkit popup ...``: the stall till's commands (``open`` now; ``sync``, ``export``, ``import`` beside it).

Each command is a function that adds its subparser (:data:`COMMANDS`); the subparser's ``func``
runs it. Every refusal an operator can cause (a tampered, foreign or expired pack, a data
directory already open, a missing key or PIN, a port in use) ends as one line on stderr and exit
status 2, never a traceback.

``storefront.cli`` hands ``stallkit popup ...`` over to :func:`main`; ``python -m popup.cli`` works too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from popup.till.defaults import DEFAULT_HOST, DEFAULT_PORT, LOOPBACK, default_data_dir

if TYPE_CHECKING:  # imported where used, so ``stallkit popup --help`` stays quick
    from popup.sync import BackgroundSync
    from popup.till.context import TillContext

EXIT_REFUSED = 2
Subparsers = Any  # argparse's private _SubParsersAction


class PopupError(Exception):
    """An operator-facing failure; its message is printed as one line."""


def cmd_open(args: argparse.Namespace) -> None:
    import uvicorn

    from popup.till.app import create_app
    from popup.till.config import open_till
    from storefront.clock import utcnow

    opened = open_till(args.data, args.pack, key=args.key, pin=args.pin, clock=utcnow)
    till = opened.till
    background = None
    try:
        background = _background_sync(args, till)
        listener = _listen(args.host, args.port)
        if args.host not in LOOPBACK:
            print(
                f"warning: the till listens on {args.host}, so every device on this network can reach its unlock "
                "page; use it only on the stall's own network, with a strong staff PIN",
                file=sys.stderr,
            )
        status = till.store.status(till.now())
        where = f"http://{'localhost' if args.host in LOOPBACK else args.host}:{listener.getsockname()[1]}"
        note = " (the previous event's pack was replaced)" if opened.replaced else ""
        print(
            f"till open for {till.pack.event.name} on device {till.pack.device.name!r}{note}: {where} "
            f"({status.pending} waiting to sync); Ctrl-C to close",
            flush=True,
        )
        port = listener.getsockname()[1]
        names = ("127.0.0.1", "localhost", "[::1]") if args.host in LOOPBACK else ()
        app = create_app(till, opened.pin, allowed_hosts=[f"{name}:{port}" for name in names])
        config = uvicorn.Config(app, log_level="warning", access_log=False, proxy_headers=False, lifespan="off")
        asyncio.run(_Server(config).serve(sockets=[listener]))
    finally:
        if background is not None:
            background.stop()
        till.store.close()


def _background_sync(args: argparse.Namespace, till: TillContext) -> BackgroundSync | None:
    """Sync in the background when the till knows its storefront (given now, or kept from before)."""
    from popup.sync import BackgroundSync, Storefront, SyncTarget
    from popup.sync import settings as sync_settings
    from popup.till import updates
    from popup.till.images import ImageFetcher
    from storefront.clock import utcnow
    from storefront.events.journal import SyncUpdates

    data_dir = args.data.expanduser().resolve()
    told = args.storefront is not None or args.token is not None or sync_settings.configured_by_environment()
    if not told and sync_settings.load(data_dir) is None:
        print("the till syncs nowhere yet: give --storefront and --token to sync in the background", flush=True)
        return None
    found = sync_settings.resolve(data_dir, till.pack.device.id, storefront=args.storefront, token=args.token)
    target = SyncTarget(event_id=till.pack.event.id, tokens=found.tokens)

    pictures = ImageFetcher(till, found.storefront, clock=utcnow)

    def on_updates(changes: SyncUpdates) -> None:
        till.apply_updates(changes)
        updates.save(data_dir, changes)
        pictures.fill()  # the storefront just answered: a moment to fetch the images not here yet

    background = BackgroundSync(till.store, Storefront(found.storefront), target, clock=utcnow, on_updates=on_updates)
    background.start()
    print(f"syncing in the background to {found.storefront}", flush=True)
    return background


class _Server:
    """uvicorn's server without its re-raise of SIGINT/SIGTERM after shutdown, so the store closes cleanly."""

    def __init__(self, config: Any) -> None:
        import uvicorn

        class Quiet(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self) -> Iterator[None]:
                if threading.current_thread() is not threading.main_thread():
                    yield
                    return
                kept = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
                try:
                    yield
                finally:
                    for sig, handler in kept.items():
                        signal.signal(sig, handler)

        self._server = Quiet(config)

    async def serve(self, sockets: list[socket.socket]) -> None:
        await self._server.serve(sockets=sockets)


def _listen(host: str, port: int) -> socket.socket:
    """Bind before serving, so a port in use is a one-line refusal rather than a server's log."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Answers go out at once: without this, Nagle's algorithm and the browser's delayed ACK hold a
    # response written in two parts for 40 ms, four times the budget of a sale. Linux hands the
    # option on to every accepted connection.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        raise PopupError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    listener.listen(128)
    return listener


def _port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return int(text)


def _add_open(sub: Subparsers) -> None:
    command = sub.add_parser("open", help="verify an event pack and serve the till on this machine")
    command.add_argument("pack", nargs="?", type=Path, help="the event pack (default: the one the data dir holds)")
    command.add_argument("--data", type=Path, default=default_data_dir(), help="the till's data directory")
    command.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    command.add_argument(
        "--host", default=DEFAULT_HOST, help="127.0.0.1 by default; 0.0.0.0 serves tablets on the stall's network"
    )
    command.add_argument("--key", help="the device's pack key (hex), needed once; or STALLKIT_PACK_KEY")
    command.add_argument("--pin", help="set the staff PIN (4 to 12 digits); or STALLKIT_TILL_PIN")
    command.add_argument("--storefront", help="sync in the background to this storefront (kept for next time)")
    command.add_argument("--token", help="this device's token for syncing (kept for next time)")
    command.set_defaults(func=cmd_open)


def _add_sync(sub: Subparsers) -> None:
    from popup.sync.command import add_sync

    add_sync(sub, default_data_dir())


# One entry per subcommand: a function adding its subparser (which sets ``func``).
COMMANDS: list[Callable[[Subparsers], None]] = [_add_open, _add_sync]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stallkit popup", description="The stall till: sell offline, sync later")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from popup.sync.settings import SyncSettingsError
    from popup.till.errors import TillSetupError
    from storefront.errors import StallkitError
    from storefront.events.pack import PackError

    try:
        code = args.func(args)
    except StallkitError as exc:
        return _refused(exc.detail)
    except (PackError, TillSetupError, PopupError, SyncSettingsError) as exc:
        return _refused(str(exc))
    except KeyboardInterrupt:
        return 130
    return int(code or 0)


def _refused(message: str) -> int:
    print(f"stallkit popup: {message}", file=sys.stderr)
    return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())

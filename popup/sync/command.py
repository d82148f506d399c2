"""``stallkit popup sync``: send the journal to the storefront now, with a progress bar.

For a till that is closed (the laptop is back at the workshop, or an export was imported on
another machine). An open till syncs by itself in the background, and holds the data directory's
lock, so this command then says so rather than waiting. Exit status 0 when everything pending
reached the storefront, 1 when some of it still waits (the storefront is down, a token is
missing), with the reason on stderr; the entries stay pending either way.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path
from typing import Any, TextIO

import msgspec

from popup.store import TillStore
from popup.sync.client import SyncReport, SyncTarget, sync
from popup.sync.settings import resolve
from popup.sync.transport import Storefront
from popup.till import updates
from popup.till.config import PACK_FILE
from storefront.clock import utcnow
from storefront.events.pack import Pack

BAR = 30


def progress_bar(out: TextIO) -> Any:
    def show(done: int, total: int) -> None:
        filled = BAR * done // total if total else BAR
        out.write(f"\r[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total}")
        out.flush()

    return show


def _pack(data_dir: Path) -> Pack:
    """The pack in use: its event and device say where the journal goes (its signature was checked at open)."""
    try:
        return msgspec.json.decode((data_dir / PACK_FILE).read_bytes(), type=Pack)
    except FileNotFoundError:
        raise ValueError(f"{data_dir} holds no event pack: open the till with its pack first") from None
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise ValueError(f"the pack in {data_dir} cannot be read") from None


def run(data_dir: Path, *, storefront: str | None, token: str | None, out: TextIO = sys.stderr) -> SyncReport:
    data_dir = data_dir.expanduser().resolve()
    pack = _pack(data_dir)
    settings = resolve(data_dir, pack.device.id, storefront=storefront, token=token)
    target = SyncTarget(event_id=pack.event.id, tokens=settings.tokens)
    with (
        TillStore.open(data_dir, device_id=pack.device.id, clock=utcnow) as store,
        Storefront(settings.storefront) as client,
    ):
        pending = store.status(utcnow()).pending
        out.write(f"{pending} entries to send to {settings.storefront}\n")
        # What the storefront sends back (prices, caps, reservations) waits beside the pack for the next open.
        keep = functools.partial(updates.save, data_dir)
        report = sync(store, client, target, clock=utcnow, progress=progress_bar(out), on_updates=keep)
        left = store.status(utcnow()).pending
    out.write("\n" if report.sent else "")
    for conflict in report.conflicts:
        out.write(f"conflict: entry {conflict.id}: {conflict.detail}\n")
    for device in report.waiting_for_token:
        out.write(f"entries of device {device} wait for its token: sync --token with that device's token\n")
    out.write(f"synced {report.marked} in {report.round_trips} requests; {left} still pending\n")
    return report


def cmd_sync(args: argparse.Namespace) -> int:
    report = run(args.data, storefront=args.storefront, token=args.token)
    if report.error is not None:
        print(f"stallkit popup sync: {report.error}", file=sys.stderr)
    return 0 if report.complete else 1


def add_sync(sub: Any, default_data: Path) -> None:
    command = sub.add_parser("sync", help="send the till's pending entries to the storefront now")
    command.add_argument("--data", type=Path, default=default_data, help="the till's data directory")
    command.add_argument("--storefront", help="the storefront's address, needed once; or STALLKIT_STOREFRONT_URL")
    command.add_argument("--token", help="this device's token, needed once; or STALLKIT_DEVICE_TOKEN")
    command.set_defaults(func=cmd_sync)

"""What the storefront told an online till since its pack: stall prices, offline credit caps, reservations.

While the till is online during the event, each sync answer carries the event's current stall
prices, the caps of credits taken offline and the orders waiting to be collected at the stall
(DESIGN 9.3, ``updates``). They replace what the pack said, for the actions that follow; they are
kept in ``updates.json`` beside the pack, so a restart keeps them, and a newer pack (which already
holds them) clears the file. A price applies only to a SKU the pack carries (the stall has no other
stock), a cap of 0 takes a credit off the till, and the reservations are the whole list as it
stands (one cancelled online drops out; one collected here stays collected, by the till's own row).
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from popup.till.pin import write_private
from storefront.events.journal import SyncUpdates
from storefront.events.pack import PackCredit, PackProduct, PackReservation

UPDATES_FILE = "updates.json"


def load(data_dir: Path) -> SyncUpdates | None:
    try:
        return msgspec.json.decode((data_dir / UPDATES_FILE).read_bytes(), type=SyncUpdates)
    except (FileNotFoundError, msgspec.DecodeError, msgspec.ValidationError):
        return None  # none yet, or damaged: the pack's own figures stand until the next sync


def save(data_dir: Path, updates: SyncUpdates) -> None:
    write_private(data_dir / UPDATES_FILE, msgspec.json.encode(updates))


def forget(data_dir: Path) -> None:
    (data_dir / UPDATES_FILE).unlink(missing_ok=True)


def apply(
    products: dict[str, PackProduct],
    credits: dict[str, PackCredit],
    reservations: dict[str, PackReservation],
    updates: SyncUpdates,
) -> None:
    """Change ``products``, ``credits`` and ``reservations`` (the till's working copies of the pack) in place."""
    for change in updates.prices:
        product = products.get(change.sku)
        if product is not None and change.price >= 0:
            products[change.sku] = msgspec.structs.replace(product, price=change.price)
    for credit in updates.credits:
        if credit.cap > 0:
            credits[credit.lookup] = credit
        else:
            credits.pop(credit.lookup, None)
    if updates.reservations is not None:
        reservations.clear()
        reservations.update((r.pickup_code_hash, r) for r in updates.reservations)

"""Online reservations collected at the stall: the shopper's pickup code finds the order, staff hand it over.

The pack lists every order waiting to be collected at the stall, and each sync while online brings
the list as it stands (one reserved since, one cancelled). A reservation names its pickup code by
hash only (:func:`storefront.events.pack.pickup_code_hash`), so the till checks a typed code
without carrying the codes. A collection is one ``collect`` journal entry with its row in
``till_collections`` (an order is handed over once) and its units leaving the till's shelf. They
were sold online when the order was paid, so the storefront moves no stock for them at sync, and
until they are collected they are on the shelf but not for sale: :func:`reserved_units`.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter

from popup.store.entries import parse_instant
from popup.till import state
from popup.till.action_errors import AlreadyCollected, CollectRefused
from popup.till.action_schemas import CollectIn, CollectOut, ReservationLineOut, ReservationOut
from popup.till.context import Idempotency, Recorded, TillContext
from storefront.events.journal import Collect, CollectedLine
from storefront.events.pack import PackReservation, normalise_pickup_code, pickup_code_hash

_COLLECTED = "SELECT c.order_id, j.occurred_at FROM till_collections AS c JOIN journal AS j ON j.id = c.entry_id"


def _collected(conn: sqlite3.Connection) -> dict[uuid.UUID, str]:
    """Orders handed over at this till, with when (as the journal has it)."""
    return {uuid.UUID(order_id): at for order_id, at in conn.execute(_COLLECTED)}


def reserved_units(till: TillContext, conn: sqlite3.Connection) -> Counter[str]:
    """Units on the shelf kept for reservations not yet collected, by SKU: not for sale at the stall."""
    done = _collected(conn)
    kept: Counter[str] = Counter()
    for reservation in till.reservations.values():
        if reservation.order_id not in done:
            for line in reservation.lines:
                kept[line.sku] += line.quantity
    return kept


def _title(till: TillContext, sku: str) -> str:
    return product.title if (product := till.products.get(sku)) else sku


def _out(till: TillContext, reservation: PackReservation) -> ReservationOut:
    return ReservationOut(
        order_id=reservation.order_id,
        number=reservation.number,
        name=reservation.name,
        lines=[
            ReservationLineOut(sku=line.sku, title=_title(till, line.sku), quantity=line.quantity)
            for line in reservation.lines
        ],
    )


def waiting(till: TillContext) -> list[ReservationOut]:
    """Reservations still to collect here, in the order the storefront listed them (oldest first)."""
    done = till.store.read(_collected)
    return [_out(till, r) for r in till.reservations.values() if r.order_id not in done]


def collect(
    till: TillContext, data: CollectIn, staff: str, idempotency: Idempotency | None = None
) -> Recorded[Collect]:
    """Hand over the order whose pickup code staff typed; refused in words for a wrong or spent code."""
    code = normalise_pickup_code(data.code)
    reservation = till.reservations.get(pickup_code_hash(till.pack.brand.id, code))
    if reservation is None:
        raise CollectRefused(
            f"no order waiting here has pickup code {code or data.code!r}: check it against the shopper's confirmation"
        )

    def build() -> Collect:
        when = till.store.read(_collected).get(reservation.order_id)
        if when is not None:
            at = till.local_day(parse_instant(when))
            raise AlreadyCollected(f"order {reservation.number} was handed over already (on {at.isoformat()})")
        return Collect(
            order_id=reservation.order_id,
            order_number=reservation.number,
            staff=staff,
            lines=[CollectedLine(sku=line.sku, quantity=line.quantity) for line in reservation.lines],
        )

    def rows(conn: sqlite3.Connection, entry_id: uuid.UUID, made: Collect) -> None:
        conn.execute(
            "INSERT INTO till_collections (order_id, entry_id, number) VALUES (?, ?, ?)",
            (str(made.order_id), str(entry_id), made.order_number),
        )
        for line in made.lines:
            state.move_stock(conn, till.allocation, line.sku, -line.quantity)

    return till.record("collect", Collect, build, rows, idempotency=idempotency)


def collect_answer(till: TillContext, recorded: Recorded[Collect]) -> CollectOut:
    made = recorded.payload
    names = {r.order_id: r.name for r in till.reservations.values()}
    return CollectOut(
        id=recorded.entry.id,
        seq=recorded.entry.seq,
        order_id=made.order_id,
        number=made.order_number,
        name=names.get(made.order_id, ""),
        lines=[
            ReservationLineOut(sku=line.sku, title=_title(till, line.sku), quantity=line.quantity)
            for line in made.lines
        ],
    )

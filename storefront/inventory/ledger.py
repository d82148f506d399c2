"""The stock ledger: the only code that writes stock movements and levels.

Every change to stock is an append-only ``StockMovement`` with the cached ``StockLevel`` moved
in the same transaction (the caller's), so what a hand count, a checkout, a payment, a return, a
quarantined return or a stall allocation did to stock can always be read back and summed. Level rows are
locked first (``FOR UPDATE`` on PostgreSQL; SQLite serialises writers), so a hundred checkouts
racing for the last ten units hold exactly ten and concurrent movements add up.

Callers in higher domains (checkout, orders, and later trade-ins and the pop-up) never touch
these tables: they ask for a movement here, by kind.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NamedTuple

from storefront.clock import utcnow
from storefront.errors import FieldError, InsufficientStock
from storefront.ids import new_id
from storefront.inventory import rules
from storefront.inventory.models import StockLevel, StockMovement
from storefront.sql import insert_rows


async def locked_level(variant_id: uuid.UUID, location_id: uuid.UUID) -> StockLevel | None:
    """The level row of a (variant, location), locked for the rest of the caller's transaction."""
    return await StockLevel.filter(variant_id=variant_id, location_id=location_id).select_for_update().first()


async def _move(level: StockLevel, kind: str, on_hand: int, reserved: int, reason: str, quarantined: int = 0) -> None:
    level.on_hand += on_hand
    level.reserved += reserved
    level.quarantined += quarantined
    await level.save(update_fields=["on_hand", "reserved", "quarantined", "updated_at"])
    await StockMovement.create(
        brand_id=level.brand_id,
        variant_id=level.variant_id,
        location_id=level.location_id,
        kind=kind,
        on_hand_delta=on_hand,
        reserved_delta=reserved,
        quarantined_delta=quarantined,
        reason=reason,
    )


async def _level_or_new(brand_id: uuid.UUID, variant_id: uuid.UUID, location_id: uuid.UUID) -> StockLevel:
    level = await locked_level(variant_id, location_id)
    if level is None:
        level = await StockLevel.create(brand_id=brand_id, variant_id=variant_id, location_id=location_id)
    return level


async def _held_level(variant_id: uuid.UUID, location_id: uuid.UUID) -> StockLevel:
    level = await locked_level(variant_id, location_id)
    if level is None:
        raise RuntimeError("a held unit always has a level row")  # the hold created it
    return level


async def record(
    brand_id: uuid.UUID,
    variant_id: uuid.UUID,
    location_id: uuid.UUID,
    kind: rules.ManualMovementKind,
    quantity: int,
    reason: str,
) -> tuple[StockLevel, rules.Level]:
    """A hand-recorded movement (receive, adjust, return): the level it leaves, or :class:`rules.StockShortfall`.

    The first movement of a (variant, location) creates its level; two racing first movements
    collide on its unique key, and the caller retries (the loser then finds the row and locks it).
    """
    level = await locked_level(variant_id, location_id)
    before = rules.Level(on_hand=0, reserved=0)
    if level is not None:
        before = rules.Level(on_hand=level.on_hand, reserved=level.reserved)
    after = rules.next_level(before, quantity)
    if level is None:
        level = await StockLevel.create(brand_id=brand_id, variant_id=variant_id, location_id=location_id)
    await _move(level, kind, after.on_hand - before.on_hand, after.reserved - before.reserved, reason)
    return level, after


async def hold(
    variant_id: uuid.UUID, quantity: int, candidates: list[uuid.UUID], *, sku: str, field: str, reason: str
) -> list[tuple[uuid.UUID, int]]:
    """Reserve ``quantity`` across the candidate locations, in order; return where and how many.

    One place is preferred (a courier run from the hub); when it has too few, the rest come from
    the next stock rooms, as the promise engine counted them. All or nothing: if the candidates
    hold too few between them, :class:`InsufficientStock` is raised and the caller's transaction
    rolls back what was reserved.
    """
    held: list[tuple[uuid.UUID, int]] = []
    wanted = quantity
    for location_id in candidates:
        level = await locked_level(variant_id, location_id)
        take = min(wanted, level.on_hand - level.reserved) if level is not None else 0
        if level is not None and take > 0:
            await _move(level, "reserve", 0, take, reason)
            held.append((location_id, take))
            wanted -= take
        if wanted == 0:
            return held
    raise InsufficientStock(
        f"not enough {sku} left for this order", errors=[FieldError(field, f"fewer than {quantity} available")]
    )


async def sell_held(variant_id: uuid.UUID, location_id: uuid.UUID, quantity: int, reason: str) -> None:
    """Held units leave with their buyer: on hand and reserved fall together, so ``available`` is unchanged."""
    level = await _held_level(variant_id, location_id)
    await _move(level, "sell", -quantity, -quantity, reason)


async def release_held(variant_id: uuid.UUID, location_id: uuid.UUID, quantity: int, reason: str) -> None:
    """Held units go back on sale (an unpaid order expired or was cancelled)."""
    level = await _held_level(variant_id, location_id)
    await _move(level, "release", 0, -quantity, reason)


async def sell_now(variant_id: uuid.UUID, location_id: uuid.UUID, quantity: int, *, sku: str, reason: str) -> None:
    """Reserve and sell at once (an exchange's replacement is paid for by the returned unit)."""
    await hold(variant_id, quantity, [location_id], sku=sku, field="body.lines", reason=reason)
    await sell_held(variant_id, location_id, quantity, reason)


async def restock(
    brand_id: uuid.UUID, variant_id: uuid.UUID, location_id: uuid.UUID, quantity: int, reason: str
) -> None:
    """A returned, resaleable unit is back on the shelf it was sold from."""
    level = await _level_or_new(brand_id, variant_id, location_id)
    await _move(level, "return", quantity, 0, reason)


async def quarantine(
    brand_id: uuid.UUID, variant_id: uuid.UUID, location_id: uuid.UUID, quantity: int, reason: str
) -> None:
    """A returned unit that cannot be sold as it is (damaged, personalised) is kept apart at the place it
    came back to: counted, never on sale, until it is refurbished into stock or written off."""
    level = await _level_or_new(brand_id, variant_id, location_id)
    await _move(level, "quarantine", 0, 0, reason, quarantined=quantity)


async def transfer(
    brand_id: uuid.UUID,
    variant_id: uuid.UUID,
    from_location_id: uuid.UUID,
    to_location_id: uuid.UUID,
    quantity: int,
    *,
    sku: str,
    field: str,
    reason: str,
) -> None:
    """Move available units between two of the brand's places: out of one, into the other (an allocation).

    Two movements in the caller's transaction, both ``allocate`` with the same reason, so the
    ledger pairs them. Only available units may leave (on hand less reserved: held units belong
    to their orders); asking for more raises :class:`InsufficientStock` naming the SKU, and the
    caller's transaction rolls back whatever else it moved.
    """
    source = await locked_level(variant_id, from_location_id)
    available = max(source.on_hand - source.reserved, 0) if source is not None else 0
    if source is None or quantity > available:
        raise InsufficientStock(
            f"only {available} of {sku} available there, not {quantity}",
            errors=[FieldError(field, f"only {available} of {sku} available")],
            extensions={"sku": sku, "available": available},
        )
    await _move(source, "allocate", -quantity, 0, reason)
    target = await _level_or_new(brand_id, variant_id, to_location_id)
    await _move(target, "allocate", quantity, 0, reason)


class _SoldMovement(NamedTuple):
    """A ``stock_movement`` row of a stall sale: each field a column, each default the model's.

    A sync batch moves stock for hundreds of lines; a plain row and one hand-written insert cost a
    fraction of a model instance each through ``bulk_create``.
    """

    id: uuid.UUID
    brand_id: uuid.UUID
    variant_id: uuid.UUID
    location_id: uuid.UUID
    kind: str
    on_hand_delta: int
    reason: str
    created_at: datetime  # ``auto_now_add``: the instant of the write
    reserved_delta: int = 0
    quarantined_delta: int = 0


async def sell_at_stall(
    brand_id: uuid.UUID, location_id: uuid.UUID, lines: list[tuple[uuid.UUID, int, str]]
) -> dict[uuid.UUID, int]:
    """Units a stall already handed over (each line: variant, quantity, reason): on hand falls, even below zero.

    A stall sale was completed offline, so it is never refused here: selling past the allocation
    leaves a negative level that the event's report explains (DESIGN 9.4). Set-based for a sync
    batch: every level is locked in one statement, each is moved once by its net change, and the
    movements, one per line, go in one insert. Answers each variant's on hand after the batch.
    """
    if not lines:
        return {}
    variant_ids = sorted({variant_id for variant_id, _, _ in lines}, key=str)
    found = await StockLevel.filter(location_id=location_id, variant_id__in=variant_ids).select_for_update()
    levels = {level.variant_id: level for level in found}
    for variant_id in variant_ids:
        if variant_id not in levels:
            levels[variant_id] = await StockLevel.create(
                brand_id=brand_id, variant_id=variant_id, location_id=location_id
            )
    net: dict[uuid.UUID, int] = {}
    for variant_id, quantity, _ in lines:
        net[variant_id] = net.get(variant_id, 0) + quantity
    for variant_id, quantity in net.items():
        level = levels[variant_id]
        level.on_hand -= quantity
        await level.save(update_fields=["on_hand", "updated_at"])
    written = utcnow()  # what the ORM stamps ``created_at`` with: the write's instant
    movements = [
        _SoldMovement(new_id(), brand_id, variant_id, location_id, "sell", -quantity, reason, written)
        for variant_id, quantity, reason in lines
    ]
    await insert_rows(StockMovement._meta.db_table, _SoldMovement._fields, movements)
    return {variant_id: level.on_hand for variant_id, level in levels.items()}


async def count_at(
    brand_id: uuid.UUID, variant_id: uuid.UUID, location_id: uuid.UUID, counted: int, reason: str
) -> tuple[int, int]:
    """Set on hand to what a hand count found, as one ``adjust`` movement: answers (on hand before, change).

    Unlike :func:`record`, the level may have gone negative (a stall selling past its allocation),
    so the count is applied as found; nothing is moved when the count agrees.
    """
    level = await _level_or_new(brand_id, variant_id, location_id)
    before = level.on_hand
    if counted != before:
        await _move(level, "adjust", counted - before, 0, reason)
    return before, counted - before

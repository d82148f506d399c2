"""The rows a sync writes by hand-written inserts are the rows the ORM wrote, read back through the ORM.

A batch's orders, fulfilments, lines, history, entries, tenders, flags and stock movements go to
the database as plain tuples (``storefront.sql.insert_rows``), every column given: what the ORM
filled by itself (defaults, ``auto_now`` timestamps, JSON text) is given by hand. Here a synced
sale is read back through the ORM, every field against what it must be, with each value's type;
and on SQLite the stored text of an instant is the ORM's (UTC), whatever offset the till wrote.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError
from tortoise.fields import Field
from tortoise.models import Model
from tortoise.transactions import in_transaction

from storefront.catalog import Variant
from storefront.events import EventEntry, EventFlag, EventTender
from storefront.events import journal as j
from storefront.events.ingest.batch import EntryRow
from storefront.events.ingest.context import FlagRow, TenderRow
from storefront.ids import new_id
from storefront.inventory import Location
from storefront.inventory.ledger import _SoldMovement
from storefront.inventory.models import StockMovement
from storefront.orders.models import Fulfilment, Order, OrderEvent, OrderLine
from storefront.orders.placing import SettledEvent, SettledFulfilment, SettledLine, SettledOrder
from storefront.settings import Settings
from storefront.sql import Params, insert_rows
from tests.conftest import MakeBrand
from tests.events.helpers import allocate
from tests.events.sync_kit import Stall, open_stall, statuses, synced

Client = httpx.AsyncClient
ROWS: list[tuple[Any, type[Model]]] = [  # each row type (a NamedTuple) and its model
    (SettledOrder, Order),
    (SettledFulfilment, Fulfilment),
    (SettledLine, OrderLine),
    (SettledEvent, OrderEvent),
    (_SoldMovement, StockMovement),
    (EntryRow, EventEntry),
    (TenderRow, EventTender),
    (FlagRow, EventFlag),
]
PLUS_TWO = timezone(timedelta(hours=2))


def _columns(model: type[Model]) -> dict[str, Field[Any]]:
    """The model's columns by name, each with its field (a foreign key by its ``_id`` column)."""
    meta = model._meta
    return {column: meta.fields_map[name] for name, column in meta.fields_db_projection.items()}


def _stored_default(field: Field[Any]) -> object:
    """What the ORM writes for a field left out: its default, as the column holds it (JSON as text)."""
    default = field.default() if callable(field.default) else field.default
    return field.to_db_value(default, None) if type(field).__name__ == "JSONField" else default


@pytest.mark.parametrize(("row", "model"), ROWS, ids=[model.__name__ for _, model in ROWS])
async def test_a_row_names_every_column_with_the_models_defaults(
    row: Any,
    model: type[Model],
    database: Settings,
) -> None:
    columns = _columns(model)
    assert set(row._fields) == set(columns), f"{row.__name__} and {model.__name__} differ"
    for name, default in row._field_defaults.items():
        assert default == _stored_default(columns[name]), f"{row.__name__}.{name}"
    for name in row._fields:  # a timestamp the ORM stamps itself has no default: the writer gives it
        field = columns[name]
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            assert name not in row._field_defaults, f"{row.__name__}.{name}"


def _fields(instance: Model) -> dict[str, Any]:
    """Every column of a row as the ORM reads it."""
    return {name: getattr(instance, name) for name in type(instance)._meta.fields_db_projection}


def _assert_fields(got: dict[str, Any], want: dict[str, Any]) -> None:
    """Same columns, same values, same types (an ``int`` is not a ``bool``, a UUID is not its text).

    asyncpg's UUIDs are its own subclass of ``uuid.UUID``, for every row the ORM reads.
    """
    assert set(got) == set(want)
    for name, value in want.items():
        assert got[name] == value, name
        kind = uuid.UUID if isinstance(value, uuid.UUID) else type(value)
        assert isinstance(got[name], kind) and (kind is uuid.UUID or type(got[name]) is kind), (name, type(got[name]))


def _written_now(value: object, before: datetime, after: datetime) -> None:
    """A timestamp the write stamped: aware, in UTC (as the ORM reads it), between the two instants."""
    assert isinstance(value, datetime) and value.utcoffset() == timedelta(0)
    assert before <= value <= after


async def _title(sku: str) -> str:
    variant = await Variant.get(sku=sku).prefetch_related("product")
    return f"{variant.product.title} — {variant.title}"


async def _raw(sql: str, value: uuid.UUID) -> list[dict[str, Any]]:
    connection = get_connection("default")
    params = Params(connection.capabilities.dialect)
    return list(await connection.execute_query_dict(sql.format(params.add(value)), params.values))


async def _a_sale_at_plus_two(client: Client, stall: Stall) -> tuple[dict[str, Any], datetime]:
    """A sale of two SKUs (one past its allocation), a discount and two tenders, stamped at ``+02:00``."""
    till, warehouse, shop = stall.till, stall.shop.other_sku, stall.shop.sku
    moved = await allocate(client, stall.shop, stall.event["id"], [(shop, "market-street", 2)])
    assert moved.status_code == 201, moved.text
    card = j.Tender(kind="card_terminal", amount=10_000, reference="T-991")
    cash = j.Tender(kind="cash", amount=9_000, tendered=10_000)
    sale = till.sale([(warehouse, 2, 7_000), (shop, 1, 6_000)], discount=1_000, tenders=[card, cash])
    at = datetime.fromisoformat(sale["occurred_at"])
    sale["occurred_at"] = at.astimezone(PLUS_TWO).isoformat()
    return sale, at


async def test_a_synced_sale_reads_back_as_the_orm_wrote_it(
    client: Client, make_brand: MakeBrand, backend: str
) -> None:
    stall = await open_stall(client, make_brand, units=1)
    till, warehouse, shop = stall.till, stall.shop.other_sku, stall.shop.sku
    sale, at = await _a_sale_at_plus_two(client, stall)
    before = datetime.now(UTC)
    answer = await synced(client, stall, [sale])
    after = datetime.now(UTC)
    assert statuses(answer) == ["applied"]
    brand_id, event_id = stall.shop.brand.brand.id, uuid.UUID(stall.event["id"])
    device_id, entry_id = uuid.UUID(till.device_id), uuid.UUID(sale["id"])
    location = await Location.get(brand_id=brand_id, handle=stall.location)

    order = await Order.get(number=f"{till.mark}-00001")
    got = _fields(order)
    _written_now(got.pop("updated_at"), before, after)
    _assert_fields(
        got,
        {
            "id": order.id, "brand_id": brand_id, "cart_id": None, "exchange_of_id": None,
            "number": f"{till.mark}-00001", "status": "fulfilled", "email": "", "name": "", "currency": "GBP",
            "subtotal_minor": 20_000, "fulfilment_minor": 0, "discount_minor": 1_000, "total_minor": 19_000,
            "paid_minor": 19_000, "refunded_minor": 0, "balance_minor": 0, "credit_minor": 0,
            "payment_intent": None, "stripe_customer": None, "client_secret": None, "payment_failures": 0,
            "last_payment_error": "", "last_failed_charge": None, "hold_expires_at": at, "shopper_ref": None,
            "status_token_hash": None, "placed_at": at, "paid_at": at, "fulfilled_at": at, "cancelled_at": None,
            "cancel_reason": "",
        },
    )  # fmt: skip
    assert order.placed_at.utcoffset() == timedelta(0)

    [fulfilment] = await Fulfilment.filter(order_id=order.id)
    got = _fields(fulfilment)
    _written_now(got.pop("updated_at"), before, after)
    _assert_fields(
        got,
        {
            "id": fulfilment.id, "order_id": order.id, "method": "stall", "status": "fulfilled",
            "location": stall.location, "zone": None, "postcode": None, "recipient": "", "address_line1": "",
            "address_line2": "", "city": "", "country": "", "phone": "", "collector": "", "pickup_code": None,
            "fee_minor": 0, "balance_minor": 0, "balance_intent": None, "promised_earliest": at,
            "promised_latest": at, "promise_rule": "stall", "timezone": "Europe/London", "fulfilled_at": at,
        },
    )  # fmt: skip

    lines = await OrderLine.filter(order_id=order.id).order_by("id")  # ids are time-ordered: the sale's order
    variants = {sku: (await Variant.get(sku=sku)).id for sku in (warehouse, shop)}
    for line, (sku, quantity, price, discount) in zip(
        lines, [(warehouse, 2, 7_000, 700), (shop, 1, 6_000, 300)], strict=True
    ):
        _assert_fields(
            _fields(line),
            {
                "id": line.id, "order_id": order.id, "fulfilment_id": fulfilment.id, "variant_id": variants[sku],
                "sku": sku, "title": await _title(sku), "quantity": quantity, "unit_price_minor": price,
                "discount_minor": discount, "total_minor": quantity * price - discount, "personalisation": [],
                "returned_quantity": 0,
            },
        )  # fmt: skip

    [history] = await OrderEvent.filter(order_id=order.id)
    got = _fields(history)
    _written_now(got.pop("created_at"), before, after)
    detail = f"stall sale at event {stall.event['handle']}, device {device_id}, entry {entry_id}"
    _assert_fields(
        got,
        {
            "id": history.id, "order_id": order.id, "fulfilment_id": None, "from_status": "",
            "to_status": "fulfilled", "source": "stall", "detail": detail,
        },
    )  # fmt: skip

    row = await EventEntry.get(id=entry_id)
    got = _fields(row)
    _written_now(got.pop("received_at"), before, after)
    _assert_fields(
        got,
        {
            "id": entry_id, "event_id": event_id, "device_id": device_id, "seq": 1, "occurred_at": at,
            "kind": "sale", "payload": sale["payload"], "content_hash": sale["content_hash"], "status": "applied",
            "detail": "", "late": False, "order_id": order.id,
        },
    )  # fmt: skip

    tenders = await EventTender.filter(entry_id=entry_id).order_by("id")
    for tender, (kind, amount, reference) in zip(
        tenders, [("card_terminal", 10_000, "T-991"), ("cash", 9_000, "")], strict=True
    ):
        _assert_fields(
            _fields(tender),
            {
                "id": tender.id, "event_id": event_id, "entry_id": entry_id, "order_id": order.id,
                "direction": "paid", "kind": kind, "amount_minor": amount, "currency": "GBP",
                "reference": reference, "code_hint": "",
            },
        )  # fmt: skip

    movements = await StockMovement.filter(location_id=location.id, kind="sell").order_by("id")
    for movement, sku, quantity in zip(movements, [warehouse, shop], [2, 1], strict=True):
        got = _fields(movement)
        _written_now(got.pop("created_at"), before, after)
        _assert_fields(
            got,
            {
                "id": movement.id, "brand_id": brand_id, "variant_id": variants[sku], "location_id": location.id,
                "kind": "sell", "on_hand_delta": -quantity, "reserved_delta": 0, "quarantined_delta": 0,
                "reason": f"stall sale {till.mark}-00001",
            },
        )  # fmt: skip

    [flag] = await EventFlag.filter(event_id=event_id)
    got = _fields(flag)
    _written_now(got.pop("created_at"), before, after)
    _assert_fields(
        got,
        {
            "id": flag.id, "event_id": event_id, "device_id": device_id, "entry_id": entry_id, "kind": "oversold",
            "detail": f"sold 1 past the allocation of SKU {warehouse} (the stall had 1; now -1)",
            "key": f"{event_id}:oversold:{entry_id}:{warehouse}", "payload": "",
        },
    )  # fmt: skip

    # As stored: the instant in UTC, as the ORM stores every other (SQLite keeps a datetime's text).
    [stored] = await _raw('SELECT "placed_at", "updated_at" FROM "order" WHERE "id" = {}', order.id)
    [entry] = await _raw('SELECT "occurred_at" FROM "event_entry" WHERE "id" = {}', entry_id)
    if backend == "sqlite":
        assert stored["placed_at"] == entry["occurred_at"] == at.astimezone(UTC).isoformat(" ")
        assert str(stored["updated_at"]).endswith("+00:00")
    else:
        assert stored["placed_at"] == entry["occurred_at"] == at


async def test_a_receipt_number_another_order_carries_is_replaced_and_flagged(
    client: Client, make_brand: MakeBrand
) -> None:
    stall = await open_stall(client, make_brand, units=3)
    till, sku = stall.till, stall.shop.other_sku
    await synced(client, stall, [till.sale([(sku, 1, 5_000)])])
    till.receipts = 0
    again = till.sale([(sku, 1, 5_000)])  # the first sale's number again: an order in the database has it
    till.receipts = 0
    twin = till.sale([(sku, 1, 4_000)])  # and again in the same batch
    answer = await synced(client, stall, [again, twin])
    assert statuses(answer) == ["applied", "applied"]
    flags = await EventFlag.filter(event_id=stall.event["id"], kind="number_taken")
    assert {f.entry_id for f in flags} == {uuid.UUID(again["id"]), uuid.UUID(twin["id"])}
    numbers = [str(n) for n in await Order.filter(brand_id=stall.shop.brand.brand.id).values_list("number", flat=True)]
    assert len(set(numbers)) == 3 and f"{till.mark}-00001" in numbers
    assert sum(1 for n in numbers if n.startswith("SK-")) == 2


async def test_insert_rows_writes_one_row_or_many_and_skips_a_taken_key(client: Client, make_brand: MakeBrand) -> None:
    """One row (every column the same in all rows), many with some columns alike, a key already there."""
    stall = await open_stall(client, make_brand, units=1)
    event_id = uuid.UUID(stall.event["id"])
    at = datetime(2026, 12, 12, 11, 0, tzinfo=PLUS_TWO)

    def flag(n: int, payload: str = "") -> FlagRow:
        return FlagRow(new_id(), event_id, None, None, "cash_difference", f"flag {n}", f"{event_id}:t:{n}", payload, at)

    await insert_rows("event_flag", FlagRow._fields, [flag(0)])
    await insert_rows("event_flag", FlagRow._fields, [flag(1, "x"), flag(2), flag(0, "again")], ignore_conflicts=True)
    rows = (
        await EventFlag.filter(event_id=event_id).order_by("key").values_list("key", "detail", "payload", "created_at")
    )
    assert rows == [
        (f"{event_id}:t:0", "flag 0", "", at),
        (f"{event_id}:t:1", "flag 1", "x", at),
        (f"{event_id}:t:2", "flag 2", "", at),
    ]
    with pytest.raises(IntegrityError):
        async with in_transaction():
            await insert_rows("event_flag", FlagRow._fields, [flag(3), flag(2)])
    assert await EventFlag.filter(event_id=event_id).count() == 3

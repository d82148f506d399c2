"""What hand-written SQL must know of the database it runs on, decided in one place; and one ORM aggregate.

A few hot or aggregate queries (key look-ups, KPIs, the analytics upsert, a stall sync's rows)
are raw SQL run on both SQLite and PostgreSQL. They differ in placeholders (``?`` against
``$n``) and in how a UUID is passed (SQLite stores it as text, as the ORM writes it; asyncpg
takes it natively).
``dialect`` is Tortoise's name for the connection's database (``connection.capabilities.dialect``).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise import timezone
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.functions import Sum

POSTGRES = "postgres"


def placeholder(dialect: str, position: int) -> str:
    """The ``position``-th (from 1) parameter's placeholder."""
    return f"${position}" if dialect == POSTGRES else "?"


def uuid_param(dialect: str, value: uuid.UUID) -> uuid.UUID | str:
    """A UUID as this database's driver takes it for a column the ORM created."""
    return value if dialect == POSTGRES else str(value)


@dataclass
class Params:
    """A statement's values, numbered as its dialect wants them, collected as the text is built."""

    dialect: str
    values: list[object] = field(default_factory=list)

    def add(self, value: object) -> str:
        """Keep ``value`` (a UUID as the driver takes it) and answer its placeholder."""
        self.values.append(uuid_param(self.dialect, value) if isinstance(value, uuid.UUID) else value)
        return placeholder(self.dialect, len(self.values))


async def sum_of(query: Any, field: str, *, per: str) -> int:
    """``SUM(field)`` over an ORM query's rows, in the database: 0 when there are none.

    ``per`` is a column the query's filter fixes (its brand): grouping by it makes the database
    answer one row. Without it Tortoise groups an aggregate over a join by every column, one row each.
    """
    rows = await query.annotate(total=Sum(field)).group_by(per).values_list("total", flat=True)
    return int(rows[0] or 0) if rows else 0


@functools.lru_cache(maxsize=64)
def _row_insert(dialect: str, table: str, columns: tuple[str, ...], *, ignore_conflicts: bool = False) -> str:
    """A one-row ``INSERT`` of ``columns``; ``ignore_conflicts`` skips a row whose unique key is taken."""
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(placeholder(dialect, i + 1) for i in range(len(columns)))
    skip = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    return f'INSERT INTO "{table}" ({names}) VALUES ({marks}){skip}'  # noqa: S608


def _sqlite_value(value: object) -> object:
    """A value as the ORM hands it to sqlite3, which stores a datetime as its ISO text, offset included.

    The ORM first brings a datetime into its own time zone (UTC), so a till's ``+02:00`` instant is
    stored as the same ``+00:00`` text every other row carries; a UUID goes as its text.
    """
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else timezone.localtime(value)
    return value


# A table's column types, as PostgreSQL names them without a length (so ``varchar(20)`` is cast
# to ``character varying`` and a value too long still fails the insert, as it does for the ORM).
_COLUMN_TYPES = (
    "SELECT attname, format_type(atttypid, NULL) AS type FROM pg_attribute"
    " WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped"
)
_pg_types: dict[str, dict[str, str]] = {}  # table: column: type, read once per process


async def _column_types(connection: BaseDBAsyncClient, table: str) -> dict[str, str]:
    if table not in _pg_types:
        rows = await connection.execute_query_dict(_COLUMN_TYPES, [f'"{table}"'])
        _pg_types[table] = {str(row["attname"]): str(row["type"]) for row in rows}
    return _pg_types[table]


def _same(values: list[object]) -> bool:
    """Whether every value is the first (of its type too: ``0`` and ``False`` are not one value here)."""
    first, kind = values[0], type(values[0])
    return all(value is first or (type(value) is kind and value == first) for value in values)


@functools.lru_cache(maxsize=128)
def _unnest_insert(
    table: str, columns: tuple[str, ...], types: tuple[str, ...], single: tuple[bool, ...], ignore_conflicts: bool
) -> str:
    """``INSERT ... SELECT`` from one array per column, or one value for a column the same in every row."""
    picked, arrays, aliases = [], [], []
    for i, (kind, one) in enumerate(zip(types, single, strict=True)):
        if one:
            picked.append(f"${i + 1}::{kind}")
        else:
            arrays.append(f"${i + 1}::{kind}[]")
            aliases.append(f"c{i}")
            picked.append(f'"rows"."c{i}"')
    names = ", ".join(f'"{c}"' for c in columns)
    skip = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    source = f'unnest({", ".join(arrays)}) AS "rows"({", ".join(aliases)})'
    return f'INSERT INTO "{table}" ({names}) SELECT {", ".join(picked)} FROM {source}{skip}'  # noqa: S608


async def insert_rows(
    table: str, columns: tuple[str, ...], rows: Sequence[Sequence[object]], *, ignore_conflicts: bool = False
) -> None:
    """Write plain rows (values in ``columns`` order) on the default connection, in the caller's transaction.

    What ``bulk_create`` writes, without its model instances: a sync batch is a few thousand rows,
    and building an instance of each, then converting it field by field, cost more than the
    database took to store them. The caller gives every column, defaults and ``auto_now``
    timestamps included, as the ORM would write them.

    On PostgreSQL the rows go as one array per column, unnested by one ``INSERT ... SELECT``, and a
    column with the same value in every row (a batch's brand, its instant, the defaults) as that
    one value: the server spends about a third less on a batch than on one execution per row
    (``executemany``, the ORM's way), and the statement's text is the same from batch to batch, so
    it is prepared once. A multi-row ``VALUES`` was slower than either: parsing a batch's thousands
    of parameters cost more than the inserts. SQLite runs one prepared statement per row, as fast
    as a multi-row one there.
    """
    if not rows:
        return
    connection = get_connection("default")
    dialect = connection.capabilities.dialect
    if dialect == POSTGRES:  # asyncpg takes UUIDs and aware datetimes as they are
        known = await _column_types(connection, table)
        values = [list(column) for column in zip(*rows, strict=True)]
        single = tuple(i > 0 and _same(column) for i, column in enumerate(values))  # the first is the key
        sql = _unnest_insert(table, columns, tuple(known[c] for c in columns), single, ignore_conflicts)
        params = [column[0] if one else column for column, one in zip(values, single, strict=True)]
        await connection.execute_query(sql, params)
    else:
        sql = _row_insert(dialect, table, columns, ignore_conflicts=ignore_conflicts)
        await connection.execute_many(sql, [[_sqlite_value(value) for value in row] for row in rows])

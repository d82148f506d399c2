"""What hand-written SQL must know of the database it runs on, decided in one place; and one ORM aggregate.

A few hot or aggregate queries (key look-ups, KPIs, the analytics upsert) are raw SQL run on
both SQLite and PostgreSQL. They differ in placeholders (``?`` against ``$n``) and in how a
UUID is passed (SQLite stores it as text, as the ORM writes it; asyncpg takes it natively).
``dialect`` is Tortoise's name for the connection's database (``connection.capabilities.dialect``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

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

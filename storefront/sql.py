"""The two things hand-written SQL must know of the database it runs on, decided in one place.

A few hot or aggregate queries (key look-ups, KPIs, the analytics upsert) are raw SQL run on
both SQLite and PostgreSQL. They differ in placeholders (``?`` against ``$n``) and in how a
UUID is passed (SQLite stores it as text, as the ORM writes it; asyncpg takes it natively).
``dialect`` is Tortoise's name for the connection's database (``connection.capabilities.dialect``).
"""

from __future__ import annotations

import uuid

POSTGRES = "postgres"


def placeholder(dialect: str, position: int) -> str:
    """The ``position``-th (from 1) parameter's placeholder."""
    return f"${position}" if dialect == POSTGRES else "?"


def uuid_param(dialect: str, value: uuid.UUID) -> uuid.UUID | str:
    """A UUID as this database's driver takes it for a column the ORM created."""
    return value if dialect == POSTGRES else str(value)

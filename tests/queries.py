"""Recording the SQL a piece of code sends, for tests that prove a query is bounded or indexed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from tortoise import Tortoise


@contextmanager
def recorded_queries() -> Iterator[list[tuple[str, list[Any]]]]:
    """Every statement sent on the default connection meanwhile, with its parameters."""
    client = type(Tortoise.get_connection("default"))
    seen: list[tuple[str, list[Any]]] = []

    def wrap(original: Any) -> Any:
        async def execute(self: Any, query: str, values: list[Any] | None = None) -> Any:
            seen.append((query, list(values or [])))
            return await original(self, query, values)

        return execute

    with pytest.MonkeyPatch.context() as patch:
        for name in ("execute_query", "execute_query_dict"):
            patch.setattr(client, name, wrap(getattr(client, name)))
        yield seen

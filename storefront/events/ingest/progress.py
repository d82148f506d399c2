"""How far a device's journal has arrived: ``acked_seq`` and the gaps below its highest entry.

Asked of the database in two statements whatever the journal's length: each stored sequence
number that follows a hole (a window over the device's ``(device, seq)`` index), and the
highest. The arithmetic is :func:`entries.acked_and_gaps`.
"""

from __future__ import annotations

import uuid

from tortoise.connection import get_connection

from storefront.events.ingest import entries
from storefront.sql import Params

_BREAKS = (
    "SELECT previous, seq FROM (SELECT seq, LAG(seq, 1, 0) OVER (ORDER BY seq) AS previous"
    ' FROM "event_entry" WHERE device_id = {device}) AS journal WHERE seq > previous + 1 ORDER BY seq LIMIT {limit}'
)
_HIGHEST = 'SELECT COALESCE(MAX(seq), 0) AS highest FROM "event_entry" WHERE device_id = {device}'


async def acked_and_gaps(device_id: uuid.UUID) -> tuple[int, list[tuple[int, int]]]:
    connection = get_connection("default")
    params = Params(connection.capabilities.dialect)
    device = params.add(device_id)
    breaks_sql = _BREAKS.format(device=device, limit=entries.MAX_GAPS)
    breaks = await connection.execute_query_dict(breaks_sql, params.values)
    highest_params = Params(connection.capabilities.dialect)
    highest_sql = _HIGHEST.format(device=highest_params.add(device_id))
    highest = await connection.execute_query_dict(highest_sql, highest_params.values)
    return entries.acked_and_gaps(
        [(int(row["previous"]), int(row["seq"])) for row in breaks], int(highest[0]["highest"])
    )

"""How far a device's journal has arrived: ``acked_seq`` and the gaps below its highest entry.

Asked of the database in one statement when nothing is missing, which is the usual case: how
many sequence numbers the device has stored and the highest (its ``(device, seq)`` index). They
are distinct and start at 1, so as many as the highest means every one below it is there.
Otherwise a second statement finds each stored number that follows a hole (a window over the
same index). The arithmetic is :func:`entries.acked_and_gaps`.
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
_SUMMARY = 'SELECT COUNT(*) AS stored, COALESCE(MAX(seq), 0) AS highest FROM "event_entry" WHERE device_id = {device}'


async def acked_and_gaps(device_id: uuid.UUID) -> tuple[int, list[tuple[int, int]]]:
    connection = get_connection("default")
    summary_params = Params(connection.capabilities.dialect)
    summary_sql = _SUMMARY.format(device=summary_params.add(device_id))
    summary = await connection.execute_query_dict(summary_sql, summary_params.values)
    stored, highest = int(summary[0]["stored"]), int(summary[0]["highest"])
    if stored == highest:
        return entries.acked_and_gaps([], highest)
    params = Params(connection.capabilities.dialect)
    breaks_sql = _BREAKS.format(device=params.add(device_id), limit=entries.MAX_GAPS)
    breaks = await connection.execute_query_dict(breaks_sql, params.values)
    return entries.acked_and_gaps([(int(row["previous"]), int(row["seq"])) for row in breaks], highest)

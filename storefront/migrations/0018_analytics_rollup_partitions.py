"""Partition the fine analytics rollups: the hourly one by UTC day, the daily one by UTC month.

Hand-written. Each row of ``analytics_rollup`` gets ``day`` (the start of its hour's UTC day) and
each row of ``analytics_daily_rollup`` gets ``month`` (the start of its day's UTC month), filled
in from the period they already hold, written as the ORM writes datetimes on each backend
(SQLite: ISO text in UTC). The key indexes are rebuilt to lead with the partition after the
brand, so a page's scan is bounded by one day of hours or one month of days per key instead of
all of a brand's history (see storefront/analytics/rollups.py). Index fields are column names.
"""

from datetime import UTC, datetime

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

_UNSET = datetime(1970, 1, 1, tzinfo=UTC)
_FILL = {
    "postgres": {
        "analytics_rollup": ("day", "date_trunc('day', \"hour\" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"),
        "analytics_daily_rollup": ("month", "date_trunc('month', \"day\" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"),
    },
    "sqlite": {
        "analytics_rollup": ("day", "substr(\"hour\", 1, 10) || ' 00:00:00+00:00'"),
        "analytics_daily_rollup": ("month", "substr(\"day\", 1, 8) || '01 00:00:00+00:00'"),
    },
}


async def fill_partitions(apps, schema_editor) -> None:
    client = schema_editor.client
    for table, (column, value) in _FILL[client.capabilities.dialect].items():
        await client.execute_query(f'UPDATE "{table}" SET "{column}" = {value}')  # noqa: S608 - fixed names


async def nothing(apps, schema_editor) -> None:
    """Going back drops the columns, and the partitions with them."""


def _key_index(table: str, partition: str, period: str, first: str, second: str) -> Index:
    name = f"{table}_brand_key" if first == "component" else f"{table}_brand_product"
    return Index(fields=["brand_id", partition, first, second, "method", "type", period, "count"], name=name)


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0017_brand_storefront_links')]

    initial = False

    operations = [
        ops.RemoveIndex(model_name='AnalyticsRollup', name='analytics_rollup_brand_key'),
        ops.RemoveIndex(model_name='AnalyticsRollup', name='analytics_rollup_brand_product'),
        ops.RemoveIndex(model_name='AnalyticsDailyRollup', name='analytics_daily_rollup_brand_key'),
        ops.RemoveIndex(model_name='AnalyticsDailyRollup', name='analytics_daily_rollup_brand_product'),
        ops.AddField(model_name='AnalyticsRollup', name='day', field=fields.DatetimeField(db_default=_UNSET)),
        ops.AddField(model_name='AnalyticsDailyRollup', name='month', field=fields.DatetimeField(db_default=_UNSET)),
        ops.RunPython(fill_partitions, nothing),
        ops.AddIndex(
            model_name='AnalyticsRollup',
            index=_key_index('analytics_rollup', 'day', 'hour', 'component', 'product'),
        ),
        ops.AddIndex(
            model_name='AnalyticsRollup',
            index=_key_index('analytics_rollup', 'day', 'hour', 'product', 'component'),
        ),
        ops.AddIndex(
            model_name='AnalyticsDailyRollup',
            index=_key_index('analytics_daily_rollup', 'month', 'day', 'component', 'product'),
        ),
        ops.AddIndex(
            model_name='AnalyticsDailyRollup',
            index=_key_index('analytics_daily_rollup', 'month', 'day', 'product', 'component'),
        ),
    ]

"""Daily analytics rollups beside the hourly ones, filled from them.

Hand-written. ``analytics_daily_rollup`` and ``analytics_method_daily_rollup`` are the hourly
rollups (0007, 0009) by UTC day: a report reads them for a window's whole days and the hourly
ones only for the partial days at its edges (see storefront/analytics/report.py), so a 30-day
page sums about a twentieth of the rows. ``record_events`` adds to all four in the raw insert's
transaction. The backfill sums the hourly rollups in SQL, writing ``day`` as the ORM does on
each backend (SQLite: ISO text in UTC, ``YYYY-MM-DD 00:00:00+00:00``). As in 0009, the key
columns a page orders by are collated "C" on PostgreSQL, and index fields are column names.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

_DAY = {
    "postgres": "date_trunc('day', \"hour\" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    "sqlite": "substr(\"hour\", 1, 10) || ' 00:00:00+00:00'",
}


async def collate_and_backfill(apps, schema_editor) -> None:
    client = schema_editor.client
    day = _DAY[client.capabilities.dialect]
    if client.capabilities.dialect == "postgres":
        await client.execute_query(
            'ALTER TABLE "analytics_daily_rollup" '
            'ALTER COLUMN "component" TYPE VARCHAR(40) COLLATE "C", ALTER COLUMN "product" TYPE VARCHAR(80) COLLATE "C"'
        )
    await client.execute_query(
        'INSERT INTO "analytics_daily_rollup" ("brand_id", "day", "component", "product", "method", "type", "count") '
        f'SELECT "brand_id", {day}, "component", "product", "method", "type", SUM("count") '
        'FROM "analytics_rollup" GROUP BY 1, 2, 3, 4, 5, 6'
    )
    await client.execute_query(
        'INSERT INTO "analytics_method_daily_rollup" ("brand_id", "day", "method", "type", "count") '
        f'SELECT "brand_id", {day}, "method", "type", SUM("count") '
        'FROM "analytics_method_rollup" GROUP BY 1, 2, 3, 4'
    )


async def nothing(apps, schema_editor) -> None:
    """Going back drops the tables, and their rows with them."""


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0012_product_size_class_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AnalyticsDailyRollup',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='analytics_daily_rollups', on_delete=OnDelete.CASCADE)),
                ('day', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('component', fields.CharField(max_length=40)),
                ('product', fields.CharField(max_length=80)),
                ('method', fields.CharField(max_length=16)),
                ('type', fields.CharField(max_length=20)),
                ('count', fields.IntField()),
            ],
            options={'table': 'analytics_daily_rollup', 'app': 'stallkit', 'unique_together': (('brand', 'day', 'component', 'product', 'method', 'type'),), 'pk_attr': 'id', 'table_description': 'The hourly analytics rollup by UTC day.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AnalyticsMethodDailyRollup',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='analytics_method_daily_rollups', on_delete=OnDelete.CASCADE)),
                ('day', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('method', fields.CharField(max_length=16)),
                ('type', fields.CharField(max_length=20)),
                ('count', fields.IntField()),
            ],
            options={'table': 'analytics_method_daily_rollup', 'app': 'stallkit', 'unique_together': (('brand', 'day', 'method', 'type'),), 'pk_attr': 'id', 'table_description': 'The hourly per-method analytics rollup by UTC day.'},
            bases=['Model'],
        ),
        ops.RunPython(collate_and_backfill, nothing),
        ops.AddIndex(
            model_name='AnalyticsDailyRollup',
            index=Index(fields=['brand_id', 'component', 'product', 'method', 'type', 'day', 'count'], name='analytics_daily_rollup_brand_key'),
        ),
        ops.AddIndex(
            model_name='AnalyticsDailyRollup',
            index=Index(fields=['brand_id', 'product', 'component', 'method', 'type', 'day', 'count'], name='analytics_daily_rollup_brand_product'),
        ),
    ]

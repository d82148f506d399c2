"""Hourly analytics rollups, filled from the events already logged; an index for pruning old events.

Hand-written. ``analytics_rollup`` holds one counter per (brand, UTC hour, component, product,
method, type); ``record_events`` adds to it in the raw insert's transaction and reports read it
(see storefront/analytics). The backfill counts the existing log in SQL, writing ``hour`` as the
ORM does on each backend (SQLite: ISO text in UTC, ``YYYY-MM-DD HH:00:00+00:00``) and ``method``
'' for none. Index fields are column names (Tortoise 1.1's migration writer does not map
relation names to columns); each matches the model's ``Meta``.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

_COLUMNS = '"brand_id", "hour", "component", "product", "method", "type", "count"'
_HOUR = {
    "postgres": "date_trunc('hour', \"received_at\" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    "sqlite": "strftime('%Y-%m-%d %H:00:00+00:00', \"received_at\")",
}


async def backfill_rollups(apps, schema_editor) -> None:
    client = schema_editor.client
    hour = _HOUR[client.capabilities.dialect]
    await client.execute_query(
        f'INSERT INTO "analytics_rollup" ({_COLUMNS}) '
        f'SELECT "brand_id", {hour}, "component", "product", COALESCE("method", \'\'), "type", COUNT(*) '
        'FROM "analytics_event" GROUP BY 1, 2, 3, 4, 5, 6'
    )


async def empty_rollups(apps, schema_editor) -> None:
    await schema_editor.client.execute_query('DELETE FROM "analytics_rollup"')


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0006_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AnalyticsRollup',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='analytics_rollups', on_delete=OnDelete.CASCADE)),
                ('hour', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('component', fields.CharField(max_length=40)),
                ('product', fields.CharField(max_length=80)),
                ('method', fields.CharField(max_length=16)),
                ('type', fields.CharField(max_length=20)),
                ('count', fields.IntField()),
            ],
            options={'table': 'analytics_rollup', 'app': 'stallkit', 'unique_together': (('brand', 'hour', 'component', 'product', 'method', 'type'),), 'pk_attr': 'id', 'table_description': 'How many events one (brand, UTC hour, component, product, method, type) received: what reports read.'},
            bases=['Model'],
        ),
        ops.AddIndex(model_name='AnalyticsEvent', index=Index(fields=['received_at'], name='analytics_event_received')),
        ops.RunPython(backfill_rollups, empty_rollups),
    ]

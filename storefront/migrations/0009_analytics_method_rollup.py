"""A coarse rollup per fulfilment method, and the indexes that page the funnel by (component, product).

Hand-written. ``analytics_method_rollup`` holds one counter per (brand, UTC hour, method, type):
the summary's ``by_method`` totals read it, at most hours x 4 methods x types rows whatever the
catalogue, where summing the fine rollup read a row per product. ``record_events`` adds to both
in the raw insert's transaction. The backfill sums the existing fine rollups in SQL (valid on
SQLite and PostgreSQL alike: ``hour`` and ``method`` are copied as stored, so they keep the
form the ORM writes). The two indexes on ``analytics_rollup`` make a page of the funnel a range
scan in the order a page groups by (component, product, method, type), for the whole brand or
for one product, and cover what it sums (hour, count), so it streams, stops at the page's end
and never reads the table. On PostgreSQL the
``component`` and ``product`` columns of both tables that pages read become collated "C", so
SQL orders and compares keys byte by byte as Python does whatever the database's locale (under
en_US, "pia-tote" sorts after "piat": a page cut in SQL and merged in Python would skip keys);
SQLite already compares text that way. Index fields are column names (Tortoise 1.1's migration
writer does not map relation names to columns); each matches one in its model's ``Meta``.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

_KEY_COLUMNS = {
    "analytics_rollup": (("component", 40), ("product", 80)),
    "analytics_event": (("component", 40), ("product", 80)),
}


async def _collate(schema_editor, collation: str) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    for table, columns in _KEY_COLUMNS.items():
        alter = ", ".join(
            f'ALTER COLUMN "{name}" TYPE VARCHAR({length}) COLLATE {collation}' for name, length in columns
        )
        await client.execute_query(f'ALTER TABLE "{table}" {alter}')


async def collate_keys_bytewise(apps, schema_editor) -> None:
    await _collate(schema_editor, '"C"')


async def collate_keys_by_default(apps, schema_editor) -> None:
    await _collate(schema_editor, '"default"')


_BACKFILL = (
    'INSERT INTO "analytics_method_rollup" ("brand_id", "hour", "method", "type", "count") '
    'SELECT "brand_id", "hour", "method", "type", SUM("count") FROM "analytics_rollup" '
    'GROUP BY "brand_id", "hour", "method", "type"'
)


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0008_variant_price_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AnalyticsMethodRollup',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='analytics_method_rollups', on_delete=OnDelete.CASCADE)),
                ('hour', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('method', fields.CharField(max_length=16)),
                ('type', fields.CharField(max_length=20)),
                ('count', fields.IntField()),
            ],
            options={'table': 'analytics_method_rollup', 'app': 'stallkit', 'unique_together': (('brand', 'hour', 'method', 'type'),), 'pk_attr': 'id', 'table_description': 'How many events one (brand, UTC hour, method, type) received: the by-method totals.'},
            bases=['Model'],
        ),
        ops.RunPython(collate_keys_bytewise, collate_keys_by_default),
        ops.AddIndex(
            model_name='AnalyticsRollup',
            index=Index(fields=['brand_id', 'component', 'product', 'method', 'type', 'hour', 'count'], name='analytics_rollup_brand_key'),
        ),
        ops.AddIndex(
            model_name='AnalyticsRollup',
            index=Index(fields=['brand_id', 'product', 'component', 'method', 'type', 'hour', 'count'], name='analytics_rollup_brand_product'),
        ),
        ops.RunSQL(_BACKFILL, reverse_sql='DELETE FROM "analytics_method_rollup"'),
    ]

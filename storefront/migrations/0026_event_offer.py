"""What an event offers: device marks, event prices and limited drops.

Hand-written. A device's ``mark`` (six Crockford base32 symbols, the prefix of its receipt numbers)
is unique; it is nullable only for the devices registered before it, which the backfill gives a
random mark each, so every device has one. An event price is unique per (event, variant) and read
by (event, updated_at) for the changes since a pack; a cleared price keeps its row with a NULL
price. A drop's handle is unique per brand (public: a brand's site reads it), and a SKU is in one
drop of an event at most (unique (event, variant)). Every foreign key leads an index. Index
fields are column names (Tortoise 1.1 migration writer does not map relation names to columns).
"""

import secrets

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from storefront.ids import new_id
from storefront.sql import placeholder, uuid_param

# The alphabet as this migration made marks with (not read from the code, which may change).
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


async def give_marks(apps, schema_editor) -> None:
    client = schema_editor.client
    dialect = client.capabilities.dialect
    rows = await client.execute_query_dict('SELECT "id" FROM "event_device" WHERE "mark" IS NULL')
    used: set[str] = set()
    update = f'UPDATE "event_device" SET "mark" = {placeholder(dialect, 1)} WHERE "id" = {placeholder(dialect, 2)}'
    for row in rows:
        mark = ""
        while not mark or mark in used:
            mark = "".join(secrets.choice(_ALPHABET) for _ in range(6))
        used.add(mark)
        await client.execute_query(update, [mark, uuid_param(dialect, row["id"])])


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0025_event_sync')]

    initial = False

    operations = [
        ops.AddField(
            model_name='EventDevice',
            name='mark',
            field=fields.CharField(max_length=6, null=True, unique=True),
        ),
        ops.RunPython(give_marks, ops.RunPython.noop),
        ops.CreateModel(
            name='EventPrice',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('stallkit.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='prices', on_delete=OnDelete.CASCADE)),
                ('variant', fields.ForeignKeyField('stallkit.Variant', source_field='variant_id', db_constraint=True, to_field='id', related_name='event_prices', on_delete=OnDelete.CASCADE)),
                ('price_minor', fields.BigIntField(null=True)),
                ('currency', fields.CharField(max_length=3)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'event_price', 'app': 'stallkit', 'unique_together': (('event', 'variant'),), 'indexes': [Index(fields=['event_id', 'updated_at'], name='event_price_changes'), Index(fields=['variant_id'], name='event_price_variant_id')], 'pk_attr': 'id', 'table_description': 'The stall price of one SKU at one event.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventDrop',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='event_drops', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('stallkit.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='drops', on_delete=OnDelete.CASCADE)),
                ('handle', fields.CharField(max_length=80)),
                ('name', fields.CharField(max_length=200)),
                ('quantity', fields.IntField()),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'event_drop', 'app': 'stallkit', 'unique_together': (('brand', 'handle'),), 'indexes': [Index(fields=['event_id', 'id'], name='event_drop_event')], 'pk_attr': 'id', 'table_description': 'A limited drop sold at the stall of an event and online.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventDropSku',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('drop', fields.ForeignKeyField('stallkit.EventDrop', source_field='drop_id', db_constraint=True, to_field='id', related_name='skus', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('stallkit.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='drop_skus', on_delete=OnDelete.CASCADE)),
                ('variant', fields.ForeignKeyField('stallkit.Variant', source_field='variant_id', db_constraint=True, to_field='id', related_name='event_drop_skus', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'event_drop_sku', 'app': 'stallkit', 'unique_together': (('event', 'variant'),), 'indexes': [Index(fields=['drop_id'], name='event_drop_sku_drop_id'), Index(fields=['variant_id'], name='event_drop_sku_variant_id')], 'pk_attr': 'id', 'table_description': 'A SKU of a drop, in one drop of an event at most.'},
            bases=['Model'],
        ),
    ]

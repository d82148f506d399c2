"""Pop-up events: the event with its stall location, its allocation lines and its devices.

Hand-written. An event handle is unique per brand, and each event owns one stall location
(unique, restricted: the stall explains the event stock). A device keeps only the SHA-256 of its
token (unique: the look-up index). Every foreign key leads an index. Index fields are column
names (Tortoise 1.1 migration writer does not map relation names to columns).
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from storefront.ids import new_id


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0023_credit_redemption')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Event',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('handle', fields.CharField(max_length=80)),
                ('name', fields.CharField(max_length=200)),
                ('venue', fields.CharField(max_length=200)),
                ('timezone', fields.CharField(max_length=64)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(default='open', max_length=8)),
                ('location', fields.OneToOneField('stallkit.Location', source_field='location_id', db_constraint=True, to_field='id', related_name='event', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'event', 'app': 'stallkit', 'unique_together': (('brand', 'handle'),), 'indexes': [Index(fields=['brand_id', 'id'], name='event_brand_page')], 'pk_attr': 'id', 'table_description': 'A pop-up event and the stall location that holds its stock.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventAllocation',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('stallkit.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='allocations', on_delete=OnDelete.CASCADE)),
                ('variant', fields.ForeignKeyField('stallkit.Variant', source_field='variant_id', db_constraint=True, to_field='id', related_name='event_allocations', on_delete=OnDelete.CASCADE)),
                ('from_location', fields.ForeignKeyField('stallkit.Location', source_field='from_location_id', db_constraint=True, to_field='id', related_name='event_allocations', on_delete=OnDelete.CASCADE)),
                ('quantity', fields.IntField()),
                ('reason', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'event_allocation', 'app': 'stallkit', 'indexes': [Index(fields=['event_id', 'id'], name='event_allocation_event'), Index(fields=['variant_id'], name='event_allocation_variant_id'), Index(fields=['from_location_id'], name='event_allocation_from_location_id')], 'pk_attr': 'id', 'table_description': 'One line of an allocation, as moved: append-only, like the movements it caused.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventDevice',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('stallkit.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='devices', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('token_hash', fields.CharField(max_length=64, unique=True)),
                ('idempotency_key', fields.CharField(max_length=200, null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'event_device', 'app': 'stallkit', 'unique_together': (('event', 'idempotency_key'),), 'indexes': [Index(fields=['event_id', 'id'], name='event_device_event')], 'pk_attr': 'id', 'table_description': 'A till device of one event, its token kept as a hash.'},
            bases=['Model'],
        ),
    ]

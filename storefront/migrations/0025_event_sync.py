"""The sync journal of stall devices: entries as received, flags for the merchant, and stall tenders.

Hand-written. An entry's id is the till's own UUID (the primary key: a replay collides on it)
and its sequence number is unique per device. A flag's key is unique, so a batch sent again
never flags twice. Every foreign key leads an index. Index fields are column names (Tortoise
1.1 migration writer does not map relation names to columns).
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from storefront.ids import new_id


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0024_events')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EventEntry',
            fields=[
                ('id', fields.UUIDField(primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('stallkit.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.CASCADE)),
                ('device', fields.ForeignKeyField('stallkit.EventDevice', source_field='device_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.CASCADE)),
                ('seq', fields.BigIntField()),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('kind', fields.CharField(max_length=64)),
                ('payload', fields.TextField()),
                ('content_hash', fields.CharField(max_length=64)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(max_length=10)),
                ('detail', fields.CharField(default='', max_length=500)),
                ('late', fields.BooleanField(default=False)),
                ('order_id', fields.UUIDField(null=True)),
            ],
            options={'table': 'event_entry', 'app': 'stallkit', 'unique_together': (('device', 'seq'),), 'indexes': [Index(fields=['event_id', 'id'], name='event_entry_event')], 'pk_attr': 'id', 'table_description': 'A stall device journal entry as received at sync.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventFlag',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('stallkit.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='flags', on_delete=OnDelete.CASCADE)),
                ('device_id', fields.UUIDField(null=True)),
                ('entry_id', fields.UUIDField(null=True)),
                ('kind', fields.CharField(max_length=32)),
                ('detail', fields.CharField(max_length=500)),
                ('key', fields.CharField(max_length=200, unique=True)),
                ('payload', fields.TextField(default='')),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'event_flag', 'app': 'stallkit', 'indexes': [Index(fields=['event_id', 'id'], name='event_flag_event')], 'pk_attr': 'id', 'table_description': 'Something the merchant should see about a stall journal.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventTender',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('stallkit.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='tenders', on_delete=OnDelete.CASCADE)),
                ('entry_id', fields.UUIDField()),
                ('order_id', fields.UUIDField(null=True)),
                ('direction', fields.CharField(max_length=8)),
                ('kind', fields.CharField(max_length=16)),
                ('amount_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('reference', fields.CharField(default='', max_length=100)),
                ('code_hint', fields.CharField(default='', max_length=4)),
            ],
            options={'table': 'event_tender', 'app': 'stallkit', 'indexes': [Index(fields=['event_id'], name='event_tender_event_id'), Index(fields=['entry_id'], name='event_tender_entry_id')], 'pk_attr': 'id', 'table_description': 'How a stall sale was paid or a refund given back, one row per tender.'},
            bases=['Model'],
        ),
    ]

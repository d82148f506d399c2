"""Store credit at the stall: offline lookups on credits, event holds and stall redemptions.

Hand-written. A credit gains its offline lookup (nullable: credits minted before it have none and
cannot go offline), indexed with its brand, since a stall names a credit by it at sync, and whether
a stall issued it (NOT NULL with a database default: every credit before it was issued online).
An event hold is unique per (event, credit) and paged per event by when its cap last changed,
which is what a syncing till asks. A stall redemption is unique per (brand, idempotency key): a
retry finds the first answer. The event has no foreign key (events sit above credits). Every
foreign key leads an index; index fields are column names.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from storefront.ids import new_id


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0026_event_offer')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Credit',
            name='offline_lookup',
            field=fields.CharField(max_length=64, null=True),
        ),
        ops.AddField(
            model_name='Credit',
            name='stall_issued',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddIndex(
            model_name='Credit',
            index=Index(fields=['brand_id', 'offline_lookup'], name='credit_offline_lookup'),
        ),
        ops.CreateModel(
            name='EventHold',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                (
                    'brand',
                    fields.ForeignKeyField(
                        'stallkit.Brand',
                        source_field='brand_id',
                        db_constraint=True,
                        to_field='id',
                        related_name='credit_event_holds',
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ('event_id', fields.UUIDField()),
                (
                    'credit',
                    fields.ForeignKeyField(
                        'stallkit.Credit',
                        source_field='credit_id',
                        db_constraint=True,
                        to_field='id',
                        related_name='event_holds',
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ('cap_minor', fields.BigIntField(default=0)),
                ('held_minor', fields.BigIntField(default=0)),
                ('redeemed_minor', fields.BigIntField(default=0)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('changes', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                'table': 'credit_event_hold',
                'app': 'stallkit',
                'unique_together': (('event_id', 'credit'),),
                'indexes': [
                    Index(fields=['brand_id', 'event_id', 'updated_at'], name='credit_event_hold_event'),
                    Index(fields=['credit_id'], name='credit_event_hold_credit_id'),
                ],
                'pk_attr': 'id',
                'table_description': 'What one credit has set aside for one pop-up event.',
            },
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StallRedemption',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                (
                    'brand',
                    fields.ForeignKeyField(
                        'stallkit.Brand',
                        source_field='brand_id',
                        db_constraint=True,
                        to_field='id',
                        related_name='stall_redemptions',
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ('event_id', fields.UUIDField()),
                (
                    'credit',
                    fields.ForeignKeyField(
                        'stallkit.Credit',
                        source_field='credit_id',
                        db_constraint=True,
                        to_field='id',
                        related_name='stall_redemptions',
                        null=True,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ('idempotency_key', fields.CharField(max_length=200)),
                ('currency', fields.CharField(max_length=3)),
                ('amount_minor', fields.BigIntField()),
                ('redeemed_minor', fields.BigIntField()),
                ('shortfall_minor', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                'table': 'credit_stall_redemption',
                'app': 'stallkit',
                'unique_together': (('brand', 'idempotency_key'),),
                'indexes': [
                    Index(fields=['brand_id', 'event_id', 'id'], name='credit_stall_redemption_event'),
                    Index(fields=['credit_id'], name='credit_stall_redemption_credit_id'),
                ],
                'pk_attr': 'id',
                'table_description': 'One credit tender of a stall sale, as redeemed at sync.',
            },
            bases=['Model'],
        ),
    ]

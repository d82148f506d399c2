"""Store credit: trade-in rules per brand, credits (one per code), their lots and the append-only ledger.

Hand-written. A credit keeps only a keyed hash of its code (unique: the look-up index). Lots cache
what their entries add up to; the expiry index answers the housekeeping job's "which lots with
money left are past their expiry". Entries are unique per (brand, idempotency key, seq), which is
what makes a replayed operation write nothing; (credit_id, id) pages a credit's ledger, and
(brand_id, hold_key) finds what settled a hold. Every foreign key leads an index. Index fields
are column names (Tortoise 1.1's migration writer does not map relation names to columns).
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from storefront.ids import new_id


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0019_variant_swatch')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TradeInRules',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('brand', fields.OneToOneField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='trade_in_rules', on_delete=OnDelete.CASCADE)),
                ('rules', fields.JSONField()),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'trade_in_rules', 'app': 'stallkit', 'pk_attr': 'id', 'table_description': 'The valuation rules of one brand (no row: the defaults).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Credit',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='credits', on_delete=OnDelete.CASCADE)),
                ('code_hash', fields.CharField(max_length=64, unique=True)),
                ('code_hint', fields.CharField(max_length=4)),
                ('currency', fields.CharField(max_length=3)),
                ('status', fields.CharField(default='active', max_length=8)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'credit', 'app': 'stallkit', 'indexes': [Index(fields=['brand_id', 'id'], name='credit_brand_page')], 'pk_attr': 'id', 'table_description': 'A store credit: one code, kept as a keyed hash.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CreditLot',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('credit', fields.ForeignKeyField('stallkit.Credit', source_field='credit_id', db_constraint=True, to_field='id', related_name='lots', on_delete=OnDelete.CASCADE)),
                ('amount_minor', fields.BigIntField()),
                ('remaining_minor', fields.BigIntField()),
                ('held_minor', fields.BigIntField(default=0)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'credit_lot', 'app': 'stallkit', 'indexes': [Index(fields=['credit_id'], name='credit_lot_credit_id'), Index(fields=['expires_at', 'remaining_minor'], name='credit_lot_expiry')], 'pk_attr': 'id', 'table_description': 'An amount of a credit with its own expiry.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CreditEntry',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='credit_entries', on_delete=OnDelete.CASCADE)),
                ('credit', fields.ForeignKeyField('stallkit.Credit', source_field='credit_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.CASCADE)),
                ('lot', fields.ForeignKeyField('stallkit.CreditLot', source_field='lot_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=8)),
                ('amount_minor', fields.BigIntField()),
                ('held_minor', fields.BigIntField(default=0)),
                ('idempotency_key', fields.CharField(max_length=200)),
                ('seq', fields.SmallIntField(default=0)),
                ('hold_key', fields.CharField(default='', max_length=200)),
                ('reason', fields.CharField(default='', max_length=200)),
                ('actor', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'credit_entry', 'app': 'stallkit', 'unique_together': (('brand', 'idempotency_key', 'seq'),), 'indexes': [Index(fields=['credit_id', 'id'], name='credit_entry_credit_page'), Index(fields=['lot_id'], name='credit_entry_lot_id'), Index(fields=['brand_id', 'hold_key'], name='credit_entry_hold')], 'pk_attr': 'id', 'table_description': 'One append-only ledger entry: what an operation did to one lot.'},
            bases=['Model'],
        ),
    ]

"""Trade-ins: the bag offered for credit, every step it took, and its photos.

Hand-written. A trade-in keeps the quote as first made and the current one (JSON), the credit it
earned once accepted and the SKU it was listed under. (brand_id, status, id) pages the staff queue
by status, (brand_id, id) the whole queue. Steps and photos are read per trade-in in id order.
A photo is unique per (trade-in, sha256): the same bytes sent twice are one photo. Every foreign
key leads an index; index fields are column names.
"""

from uuid import uuid4

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from storefront.ids import new_id


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0020_credits')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TradeIn',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='trade_ins', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharField(default='quoted', max_length=10)),
                ('category', fields.CharField(max_length=40)),
                ('size_class', fields.CharField(max_length=16)),
                ('material', fields.CharField(max_length=80)),
                ('quoted_grade', fields.CharField(max_length=1)),
                ('grade', fields.CharField(max_length=1)),
                ('own_brand', fields.BooleanField()),
                ('product_handle', fields.CharField(null=True, max_length=80)),
                ('description', fields.TextField(default='')),
                ('email', fields.CharField(default='', max_length=254)),
                ('spend_on_new', fields.BooleanField(default=False)),
                ('first_quote', fields.JSONField()),
                ('quote', fields.JSONField()),
                ('valid_until', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('credit', fields.ForeignKeyField('stallkit.Credit', source_field='credit_id', db_constraint=True, to_field='id', related_name='trade_ins', null=True, on_delete=OnDelete.RESTRICT)),
                ('listed_sku', fields.CharField(null=True, max_length=64)),
                ('received_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'trade_in', 'app': 'stallkit', 'indexes': [Index(fields=['brand_id', 'id'], name='trade_in_brand_page'), Index(fields=['brand_id', 'status', 'id'], name='trade_in_queue'), Index(fields=['credit_id'], name='trade_in_credit_id')], 'pk_attr': 'id', 'table_description': 'A bag offered for store credit.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TradeInStep',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('trade_in', fields.ForeignKeyField('stallkit.TradeIn', source_field='trade_in_id', db_constraint=True, to_field='id', related_name='steps', on_delete=OnDelete.CASCADE)),
                ('from_status', fields.CharField(default='', max_length=10)),
                ('to_status', fields.CharField(max_length=10)),
                ('grade', fields.CharField(max_length=1)),
                ('actor', fields.CharField(max_length=64)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('note', fields.TextField(default='')),
                ('quote', fields.JSONField(null=True)),
            ],
            options={'table': 'trade_in_step', 'app': 'stallkit', 'indexes': [Index(fields=['trade_in_id', 'id'], name='trade_in_step_trade_in')], 'pk_attr': 'id', 'table_description': 'One step of a trade-in, with who and when.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TradeInPhoto',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('trade_in', fields.ForeignKeyField('stallkit.TradeIn', source_field='trade_in_id', db_constraint=True, to_field='id', related_name='photos', on_delete=OnDelete.CASCADE)),
                ('storage_key', fields.CharField(max_length=120)),
                ('content_type', fields.CharField(max_length=16)),
                ('size_bytes', fields.IntField()),
                ('sha256', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'trade_in_photo', 'app': 'stallkit', 'unique_together': (('trade_in', 'sha256'),), 'indexes': [Index(fields=['trade_in_id', 'id'], name='trade_in_photo_trade_in')], 'pk_attr': 'id', 'table_description': 'A photo of a traded-in bag, its bytes in media storage.'},
            bases=['Model'],
        ),
    ]

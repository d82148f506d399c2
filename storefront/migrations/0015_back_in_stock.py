"""Back-in-stock requests: a shopper's "tell me when it's back" for one variant, by email.

Hand-written. One row per (brand, variant, email): the unique constraint is what keeps a request
asked twice as one. The brand's mailer pages its due requests by (brand, status, id); the variant
index serves the cascade when a variant goes. Index fields are column names (Tortoise 1.1's
migration writer does not map relation names to columns).
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from storefront.ids import new_id


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0014_fulfilment_contact')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BackInStockRequest',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='back_in_stock_requests', on_delete=OnDelete.CASCADE)),
                ('variant', fields.ForeignKeyField('stallkit.Variant', source_field='variant_id', db_constraint=True, to_field='id', related_name='back_in_stock_requests', on_delete=OnDelete.CASCADE)),
                ('email', fields.CharField(max_length=254)),
                ('status', fields.CharField(default='waiting', max_length=8)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'back_in_stock_request', 'app': 'stallkit', 'unique_together': (('brand', 'variant', 'email'),), 'indexes': [Index(fields=['brand_id', 'status', 'id'], name='back_in_stock_brand_status_page'), Index(fields=['variant_id'], name='back_in_stock_variant_id')], 'pk_attr': 'id', 'table_description': 'A shopper\'s "tell me when it\'s back" for one variant: one row per brand, variant and email.'},
            bases=['Model'],
        ),
    ]

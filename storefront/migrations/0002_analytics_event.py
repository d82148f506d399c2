from tortoise import migrations
from tortoise.migrations import operations as ops
from storefront.ids import new_id
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('stallkit', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AnalyticsEvent',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='analytics_events', on_delete=OnDelete.CASCADE)),
                ('type', fields.CharField(max_length=20)),
                ('component', fields.CharField(max_length=40)),
                ('product', fields.CharField(max_length=80)),
                ('variant', fields.CharField(null=True, max_length=64)),
                ('method', fields.CharField(null=True, max_length=16)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'analytics_event', 'app': 'stallkit', 'indexes': [Index(fields=['brand_id', 'received_at'], name='analytics_event_brand_received'), Index(fields=['brand_id', 'type'], name='analytics_event_brand_type')], 'pk_attr': 'id', 'table_description': 'One component event: impression, variant_select, fulfilment_select, add_to_cart, checkout_start or purchase.'},
            bases=['Model'],
        ),
    ]

"""The index "pairs well with" reads in price order: a brand's variants by currency and price.

Hand-written, like 0006: index fields are column names.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('stallkit', '0007_analytics_rollups')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Variant',
            index=Index(fields=['brand_id', 'currency', 'price_minor'], name='variant_brand_price'),
        ),
    ]

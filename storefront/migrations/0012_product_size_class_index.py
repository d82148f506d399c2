"""The index "pairs well with" counts by: a brand's products of one size class.

Hand-written, like 0006 and 0008: index fields are column names.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('stallkit', '0011_column_limits')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Product',
            index=Index(fields=['brand_id', 'size_class'], name='product_brand_size_class'),
        ),
    ]

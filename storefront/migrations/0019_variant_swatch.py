"""A variant's swatch colour, so the picker shows a round swatch of the colour beside its name.

Hand-written. The column is NOT NULL with ``db_default=''``: variants made before it have no
swatch colour and the picker names them in words alone. No index: it is read with its variant row.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0018_analytics_rollup_partitions')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Variant',
            name='swatch',
            field=fields.CharField(max_length=7, default='', db_default=''),
        ),
    ]

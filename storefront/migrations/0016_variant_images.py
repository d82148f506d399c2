"""A variant's own images, so the gallery shows the colour the shopper chose.

Hand-written. The column is NOT NULL with ``db_default='[]'``: variants made before it have no
images of their own and keep showing the product's. No index: it is read with its variant row.
"""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0015_back_in_stock')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Variant',
            name='images',
            field=fields.JSONField(
                default=list,
                db_default='[]',
                encoder=functools.partial(dumps, separators=(',', ':')),
                decoder=loads,
            ),
        ),
    ]

"""A brand's product page address on its own site, and the returns promise it publishes.

Hand-written. NOT NULL columns with ``db_default``: brands made before them link to
``/products/{handle}`` and publish the statutory 14-day window with returns paid by the shopper
(see ``storefront.tenancy.product_urls`` and ``storefront.tenancy.returns_policy``). No index:
read with the brand's row.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0016_variant_images')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Brand',
            name='product_url_template',
            field=fields.CharField(max_length=200, default='/products/{handle}', db_default='/products/{handle}'),
        ),
        ops.AddField(
            model_name='Brand',
            name='return_window_days',
            field=fields.IntField(default=14, db_default=14),
        ),
        ops.AddField(
            model_name='Brand',
            name='free_returns',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]

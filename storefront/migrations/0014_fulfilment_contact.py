"""The shopper's details at checkout: delivery address, phone, collector, pickup code, order page token.

Hand-written. Text columns are NOT NULL with ``db_default=""``, so orders placed before checkout
asked for them read as "not given" (they had only a postcode); the pickup code and the order
page's token hash are NULL for them. Pickup codes are looked up among a brand's open pickups,
through the order: few rows, so no index.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


def _text(max_length: int) -> fields.CharField:
    return fields.CharField(max_length=max_length, default="", db_default="")


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0013_analytics_daily_rollups')]

    initial = False

    operations = [
        ops.AddField(model_name='Fulfilment', name='recipient', field=_text(200)),
        ops.AddField(model_name='Fulfilment', name='address_line1', field=_text(200)),
        ops.AddField(model_name='Fulfilment', name='address_line2', field=_text(200)),
        ops.AddField(model_name='Fulfilment', name='city', field=_text(100)),
        ops.AddField(model_name='Fulfilment', name='country', field=_text(2)),
        ops.AddField(model_name='Fulfilment', name='phone', field=_text(16)),
        ops.AddField(model_name='Fulfilment', name='collector', field=_text(200)),
        ops.AddField(model_name='Fulfilment', name='pickup_code', field=fields.CharField(max_length=6, null=True)),
        ops.AddField(model_name='Order', name='status_token_hash', field=fields.CharField(max_length=64, null=True)),
    ]

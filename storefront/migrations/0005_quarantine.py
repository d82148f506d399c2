from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('stallkit', '0004_checkout')]

    initial = False

    operations = [
        ops.AddField(
            model_name='StockLevel',
            name='quarantined',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='StockMovement',
            name='quarantined_delta',
            field=fields.IntField(default=0, db_default=0),
        ),
    ]

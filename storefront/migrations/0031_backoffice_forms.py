"""Back-office forms acted on, by the key each was rendered with (unique per brand).

Hand-written. The unique (brand_id, key) leads with the brand, so it also serves as the foreign
key's index.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from storefront.ids import new_id


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0030_credit_settles')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FormClaim',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                (
                    'brand',
                    fields.ForeignKeyField(
                        'stallkit.Brand',
                        source_field='brand_id',
                        db_constraint=True,
                        to_field='id',
                        related_name='backoffice_form_claims',
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ('key', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                'table': 'backoffice_form_claim',
                'app': 'stallkit',
                'unique_together': (('brand', 'key'),),
                'pk_attr': 'id',
            },
            bases=['Model'],
        ),
    ]

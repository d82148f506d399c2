"""Store credit spent at checkout: credits applied to carts, credits holding part of an order, refunds onto credit.

Hand-written. A cart credit is unique per (cart, credit): applying a code twice changes nothing. An
order credit names the hold in the credit ledger that payment redeems or cancellation releases. The
order keeps what credit pays (``credit_minor``), a return what it gave back onto credit and whether
the shopper chose store credit for the rest (with the credit that issued). New columns are NOT NULL
with a database default, so orders and returns from before read as paid and refunded without credit.
Every foreign key leads an index; index fields are column names.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from storefront.ids import new_id


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0022_variant_condition')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CartCredit',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('cart', fields.ForeignKeyField('stallkit.Cart', source_field='cart_id', db_constraint=True, to_field='id', related_name='credits', on_delete=OnDelete.CASCADE)),
                ('credit', fields.ForeignKeyField('stallkit.Credit', source_field='credit_id', db_constraint=True, to_field='id', related_name='carts', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'cart_credit', 'app': 'stallkit', 'unique_together': (('cart', 'credit'),), 'indexes': [Index(fields=['cart_id'], name='cart_credit_cart_id'), Index(fields=['credit_id'], name='cart_credit_credit_id')], 'pk_attr': 'id', 'table_description': 'A store credit applied to a cart (nothing held).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderCredit',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('stallkit.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='credits', on_delete=OnDelete.CASCADE)),
                ('credit', fields.ForeignKeyField('stallkit.Credit', source_field='credit_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.CASCADE)),
                ('amount_minor', fields.BigIntField()),
                ('status', fields.CharField(default='held', max_length=10)),
                ('hold_key', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'order_credit', 'app': 'stallkit', 'indexes': [Index(fields=['order_id'], name='order_credit_order_id'), Index(fields=['credit_id'], name='order_credit_credit_id')], 'pk_attr': 'id', 'table_description': 'Store credit paying part of an order, held then redeemed or released.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Order',
            name='credit_minor',
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Return',
            name='refund_to',
            field=fields.CharField(max_length=12, default='original', db_default='original'),
        ),
        ops.AddField(
            model_name='Return',
            name='credit_minor',
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Return',
            name='credit_id',
            field=fields.UUIDField(null=True),
        ),
    ]

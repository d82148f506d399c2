"""Dated pickup points: a pop-up stall is a pickup point only while its event runs.

Hand-written. Both columns are nullable: every pickup point before this one is a shop, open by its
weekly hours for as long as it exists.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("stallkit", "0027_offline_credit")]

    initial = False

    operations = [
        ops.AddField(model_name="PickupPoint", name="opens_at", field=fields.DatetimeField(null=True)),
        ops.AddField(model_name="PickupPoint", name="closes_at", field=fields.DatetimeField(null=True)),
    ]

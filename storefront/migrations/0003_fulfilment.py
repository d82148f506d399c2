from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from storefront.ids import new_id
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('stallkit', '0002_analytics_event')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CourierZone',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='courier_zones', on_delete=OnDelete.CASCADE)),
                ('hub', fields.ForeignKeyField('stallkit.Location', source_field='hub_id', db_constraint=True, to_field='id', related_name='courier_zones', on_delete=OnDelete.CASCADE)),
                ('handle', fields.CharField(max_length=80)),
                ('name', fields.CharField(max_length=200)),
                ('postcode_prefixes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('radius_m', fields.IntField(null=True)),
                ('same_day_cutoff', fields.CharField(null=True, max_length=5)),
                ('delivery_windows', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('delivery_days', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'courier_zone', 'app': 'stallkit', 'unique_together': (('brand', 'handle'),), 'pk_attr': 'id', 'table_description': 'Where a courier delivers from a hub: by postcode prefix, or within ``radius_m`` of the hub.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CourierRate',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('zone', fields.ForeignKeyField('stallkit.CourierZone', source_field='zone_id', db_constraint=True, to_field='id', related_name='rates', on_delete=OnDelete.CASCADE)),
                ('price_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('effective_from', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('effective_to', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'courier_rate', 'app': 'stallkit', 'pk_attr': 'id', 'table_description': "A zone's price from ``effective_from`` (until ``effective_to`` if given). Never updated."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Microfactory',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='microfactories', on_delete=OnDelete.CASCADE)),
                ('location', fields.ForeignKeyField('stallkit.Location', source_field='location_id', db_constraint=True, to_field='id', related_name='microfactories', on_delete=OnDelete.CASCADE)),
                ('daily_capacity', fields.IntField()),
                ('lead_time_working_days', fields.IntField()),
                ('closed_weekdays', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('closed_dates', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'microfactory', 'app': 'stallkit', 'unique_together': (('brand', 'location'),), 'pk_attr': 'id', 'table_description': 'A workroom making pieces to order: ``daily_capacity`` starts a day, ``lead_time_working_days`` each.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CapacityBooking',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('microfactory', fields.ForeignKeyField('stallkit.Microfactory', source_field='microfactory_id', db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('units', fields.IntField(default=0)),
            ],
            options={'table': 'capacity_booking', 'app': 'stallkit', 'unique_together': (('microfactory', 'day'),), 'pk_attr': 'id', 'table_description': 'Units whose production starts at a microfactory on ``day`` (checkout books them).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PersonalisationOption',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='personalisation_options', on_delete=OnDelete.CASCADE)),
                ('handle', fields.CharField(max_length=80)),
                ('kind', fields.CharField(max_length=16)),
                ('label', fields.CharField(default='', max_length=200)),
                ('allowed_values', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('pattern', fields.CharField(default='', max_length=100)),
                ('max_length', fields.IntField(null=True)),
                ('price_minor', fields.BigIntField(default=0)),
                ('currency', fields.CharField(max_length=3)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'personalisation_option', 'app': 'stallkit', 'unique_together': (('brand', 'handle'),), 'pk_attr': 'id', 'table_description': 'A monogram or thread colour a made-to-order piece can carry, at ``price_minor``.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PickupPoint',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_id, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='pickup_points', on_delete=OnDelete.CASCADE)),
                ('location', fields.ForeignKeyField('stallkit.Location', source_field='location_id', db_constraint=True, to_field='id', related_name='pickup_points', on_delete=OnDelete.CASCADE)),
                ('prep_minutes', fields.IntField()),
                ('enabled', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'pickup_point', 'app': 'stallkit', 'unique_together': (('brand', 'location'),), 'pk_attr': 'id', 'table_description': 'A shop where orders can be collected, ``prep_minutes`` of opening time after they are placed.'},
            bases=['Model'],
        ),
    ]

"""Running KPI counters per brand and method (and per reason), filled from the orders already placed;
and the order's ``shopper_ref``, which the cap on unpaid checkouts per shopper counts by.

Hand-written. ``order_kpi_counter`` and ``order_kpi_reason`` hold the sums the KPIs are worked
out from (see storefront/orders/kpi_counters.py); the backfill computes them per brand with the
same two grouped queries that define them in SQL (``storefront.orders.kpis.summary_sql``, the one
piece of application code this migration uses), so a database upgraded with orders in it reads the
same KPIs as before. Brands that already have counters are left alone, so running it again
counts nothing twice.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from storefront.orders.kpis import summary_sql
from storefront.sql import placeholder, uuid_param

# The counters as this migration made them (not read from the code, which may grow later).
_SUMS = ("orders", "fulfilled", "on_time", "promised_minutes", "actual_minutes", "revenue", "refunded", "fees",
         "returned_units", "damaged_units")  # fmt: skip
_COUNTERS = ("brand_id", "method", *_SUMS)


async def fill_counters(apps, schema_editor) -> None:
    client = schema_editor.client
    dialect = client.capabilities.dialect
    totals_sql, reasons_sql = summary_sql(dialect)
    counter_sql = (
        f'INSERT INTO "order_kpi_counter" ({", ".join(_COUNTERS)}) '
        f"VALUES ({', '.join(placeholder(dialect, i + 1) for i in range(len(_COUNTERS)))})"
    )
    reason_sql = (
        'INSERT INTO "order_kpi_reason" (brand_id, method, reason, units) '
        f"VALUES ({', '.join(placeholder(dialect, i + 1) for i in range(4))})"
    )
    uncounted = 'SELECT "id" FROM "brand" WHERE "id" NOT IN (SELECT "brand_id" FROM "order_kpi_counter")'
    for brand in await client.execute_query_dict(uncounted):
        brand_id = uuid_param(dialect, brand["id"])
        totals = await client.execute_query_dict(totals_sql, [brand_id])
        reasons = await client.execute_query_dict(reasons_sql, [brand_id]) if totals else []
        for row in totals:
            await client.execute_query(counter_sql, [brand_id, row["method"], *(int(row[n] or 0) for n in _SUMS)])
        for row in reasons:
            if int(row["units"] or 0):
                await client.execute_query(reason_sql, [brand_id, row["method"], row["reason"], int(row["units"])])


async def empty_counters(apps, schema_editor) -> None:
    await schema_editor.client.execute_query('DELETE FROM "order_kpi_reason"')
    await schema_editor.client.execute_query('DELETE FROM "order_kpi_counter"')


def _sum() -> fields.BigIntField:
    return fields.BigIntField(default=0)


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0009_analytics_method_rollup')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OrderKpiCounter',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='kpi_counters', on_delete=OnDelete.CASCADE)),
                ('method', fields.CharField(max_length=16)),
                *((name, _sum()) for name in _SUMS),
            ],
            options={'table': 'order_kpi_counter', 'app': 'stallkit', 'unique_together': (('brand', 'method'),), 'pk_attr': 'id', 'table_description': "A brand's running KPI sums for one fulfilment method."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderKpiReason',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('brand', fields.ForeignKeyField('stallkit.Brand', source_field='brand_id', db_constraint=True, to_field='id', related_name='kpi_reasons', on_delete=OnDelete.CASCADE)),
                ('method', fields.CharField(max_length=16)),
                ('reason', fields.CharField(max_length=24)),
                ('units', fields.BigIntField(default=0)),
            ],
            options={'table': 'order_kpi_reason', 'app': 'stallkit', 'unique_together': (('brand', 'method', 'reason'),), 'pk_attr': 'id', 'table_description': 'Returned units by reason under one method.'},
            bases=['Model'],
        ),
        ops.RunPython(fill_counters, empty_counters),
        # Who checked out, for the cap on unpaid holds per shopper (storefront/checkout/limits.py).
        ops.AddField(model_name='Order', name='shopper_ref', field=fields.CharField(max_length=64, null=True)),
    ]

"""Column limits that agree with the schemas that fill them.

Hand-written. An order line keeps the title the shopper bought, "<product title> — <variant
title>", and both titles may be 200 characters: at 300 the longest pair failed every checkout
of it on PostgreSQL. Widened to 403 rather than cut, since the line is the record of the sale
(receipts, returns and exchanges read it back). PostgreSQL widens a varchar in place, without
rewriting the table or its indexes. SQLite ignores a VARCHAR's length, and Tortoise 1.1 alters
a SQLite column by rebuilding its table, which drops the table's indexes (order_line's three
from 0006): there only the migration state learns the new length.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class AlterFieldOnPostgres(ops.AlterField):
    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None and state_editor.client.capabilities.dialect == "postgres":
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None and state_editor.client.capabilities.dialect == "postgres":
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0010_order_kpi_counters')]

    initial = False

    operations = [
        AlterFieldOnPostgres(
            model_name='OrderLine',
            name='title',
            field=fields.CharField(max_length=403),
        ),
    ]

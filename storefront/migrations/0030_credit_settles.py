"""Each whole settle of a checkout's credit hold names the hold, once: the guard the one-statement ledger needs.

Hand-written. ``credit_entry.settles`` is nullable: entries written before it settled their holds
under the credit's lock, and a settle now still reads those first, so they are left NULL. Unique
with ``seq`` per brand (NULLs never collide), so two settles of one hold cannot both be written.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint


class Migration(migrations.Migration):
    dependencies = [("stallkit", "0029_staff_accounts")]

    initial = False

    operations = [
        ops.AddField(model_name="CreditEntry", name="settles", field=fields.CharField(max_length=200, null=True)),
        ops.AddConstraint(model_name="CreditEntry", constraint=UniqueConstraint(fields=("brand", "settles", "seq"))),
    ]

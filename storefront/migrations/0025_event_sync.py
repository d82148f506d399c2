"""The sync journal of stall devices (filled by the sync work).

Hand-written.
"""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0024_events')]

    initial = False

    operations: list[object] = []

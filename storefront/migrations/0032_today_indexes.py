"""Indexes for the back office's first page: a brand's orders by when they were paid, fulfilments by step.

Hand-written. Most fulfilments are fulfilled, so the few that wait on staff are found through
(status, order_id) and joined to their brand's orders; index fields are column names.
"""

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("stallkit", "0031_backoffice_forms")]

    initial = False

    operations = [
        ops.AddIndex(model_name="Order", index=Index(fields=["brand_id", "paid_at"], name="order_brand_paid_at")),
        ops.AddIndex(
            model_name="Fulfilment", index=Index(fields=["status", "order_id"], name="fulfilment_status_order")
        ),
    ]

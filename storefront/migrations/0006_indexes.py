"""Indexes for a brand's growth: every foreign-key column, (brand_id, id) for cursor pages, and the purge jobs.

Hand-written. Index fields are column names (Tortoise 1.1's migration writer does not map
relation names to columns); each index matches one in its model's ``Meta.indexes``.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('stallkit', '0005_quarantine')]

    initial = False

    operations = [
        ops.AddIndex(model_name='ApiKey', index=Index(fields=['brand_id'], name='api_key_brand_id')),
        ops.AddIndex(model_name='MaterialDisclosure', index=Index(fields=['product_id'], name='material_disclosure_product_id')),
        ops.AddIndex(model_name='Product', index=Index(fields=['brand_id', 'id'], name='product_brand_page')),
        ops.AddIndex(model_name='ProvenanceStep', index=Index(fields=['product_id'], name='provenance_step_product_id')),
        ops.AddIndex(model_name='Variant', index=Index(fields=['product_id'], name='variant_product_id')),
        ops.AddIndex(model_name='Location', index=Index(fields=['brand_id', 'id'], name='location_brand_page')),
        ops.AddIndex(model_name='StockLevel', index=Index(fields=['location_id'], name='stock_level_location_id')),
        ops.AddIndex(model_name='StockLevel', index=Index(fields=['brand_id', 'id'], name='stock_level_brand_page')),
        ops.AddIndex(model_name='StockMovement', index=Index(fields=['variant_id'], name='stock_movement_variant_id')),
        ops.AddIndex(model_name='StockMovement', index=Index(fields=['location_id'], name='stock_movement_location_id')),
        ops.AddIndex(model_name='StockMovement', index=Index(fields=['brand_id', 'id'], name='stock_movement_brand_page')),
        ops.AddIndex(model_name='Look', index=Index(fields=['lookbook_id'], name='look_lookbook_id')),
        ops.AddIndex(model_name='LookItem', index=Index(fields=['look_id'], name='look_item_look_id')),
        ops.AddIndex(model_name='LookItem', index=Index(fields=['product_id'], name='look_item_product_id')),
        ops.AddIndex(model_name='LookItem', index=Index(fields=['variant_id'], name='look_item_variant_id')),
        ops.AddIndex(model_name='Lookbook', index=Index(fields=['brand_id', 'id'], name='lookbook_brand_page')),
        ops.AddIndex(model_name='IdempotencyRecord', index=Index(fields=['created_at'], name='idempotency_record_created_at')),
        ops.AddIndex(model_name='CourierRate', index=Index(fields=['zone_id'], name='courier_rate_zone_id')),
        ops.AddIndex(model_name='CourierZone', index=Index(fields=['hub_id'], name='courier_zone_hub_id')),
        ops.AddIndex(model_name='CourierZone', index=Index(fields=['brand_id', 'id'], name='courier_zone_brand_page')),
        ops.AddIndex(model_name='Microfactory', index=Index(fields=['location_id'], name='microfactory_location_id')),
        ops.AddIndex(model_name='Microfactory', index=Index(fields=['brand_id', 'id'], name='microfactory_brand_page')),
        ops.AddIndex(model_name='PersonalisationOption', index=Index(fields=['brand_id', 'id'], name='personalisation_option_brand_page')),
        ops.AddIndex(model_name='PickupPoint', index=Index(fields=['location_id'], name='pickup_point_location_id')),
        ops.AddIndex(model_name='PickupPoint', index=Index(fields=['brand_id', 'id'], name='pickup_point_brand_page')),
        ops.AddIndex(model_name='Cart', index=Index(fields=['brand_id'], name='cart_brand_id')),
        ops.AddIndex(model_name='Cart', index=Index(fields=['status', 'updated_at'], name='cart_status_updated_at')),
        ops.AddIndex(model_name='CartLine', index=Index(fields=['cart_id'], name='cart_line_cart_id')),
        ops.AddIndex(model_name='CartLine', index=Index(fields=['variant_id'], name='cart_line_variant_id')),
        ops.AddIndex(model_name='CapacityHold', index=Index(fields=['order_id'], name='capacity_hold_order_id')),
        ops.AddIndex(model_name='CapacityHold', index=Index(fields=['line_id'], name='capacity_hold_line_id')),
        ops.AddIndex(model_name='CapacityHold', index=Index(fields=['microfactory_id'], name='capacity_hold_microfactory_id')),
        ops.AddIndex(model_name='Fulfilment', index=Index(fields=['order_id'], name='fulfilment_order_id')),
        ops.AddIndex(model_name='Order', index=Index(fields=['cart_id'], name='order_cart_id')),
        ops.AddIndex(model_name='Order', index=Index(fields=['exchange_of_id'], name='order_exchange_of_id')),
        ops.AddIndex(model_name='Order', index=Index(fields=['brand_id', 'id'], name='order_brand_page')),
        ops.AddIndex(model_name='Order', index=Index(fields=['brand_id', 'status', 'id'], name='order_brand_status_page')),
        ops.AddIndex(model_name='OrderEvent', index=Index(fields=['order_id'], name='order_event_order_id')),
        ops.AddIndex(model_name='OrderLine', index=Index(fields=['order_id'], name='order_line_order_id')),
        ops.AddIndex(model_name='OrderLine', index=Index(fields=['fulfilment_id'], name='order_line_fulfilment_id')),
        ops.AddIndex(model_name='OrderLine', index=Index(fields=['variant_id'], name='order_line_variant_id')),
        ops.AddIndex(model_name='Return', index=Index(fields=['order_id'], name='order_return_order_id')),
        ops.AddIndex(model_name='ReturnLine', index=Index(fields=['order_return_id'], name='return_line_order_return_id')),
        ops.AddIndex(model_name='ReturnLine', index=Index(fields=['line_id'], name='return_line_line_id')),
        ops.AddIndex(model_name='StockHold', index=Index(fields=['order_id'], name='stock_hold_order_id')),
        ops.AddIndex(model_name='StockHold', index=Index(fields=['line_id'], name='stock_hold_line_id')),
        ops.AddIndex(model_name='StockHold', index=Index(fields=['variant_id'], name='stock_hold_variant_id')),
        ops.AddIndex(model_name='StockHold', index=Index(fields=['location_id'], name='stock_hold_location_id')),
    ]

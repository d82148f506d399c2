"""Analytics: product-page component events (impression ... purchase) and the funnel they make."""

from storefront.analytics import service
from storefront.analytics.schemas import MAX_BATCH, EventBatch, EventIn

__all__ = ["MAX_BATCH", "EventBatch", "EventIn", "service"]

"""The request an action answers, as the context every component loader takes.

An action answers the very fragments ``GET /v1/components/{name}`` renders, so it loads them
the same way: the caller from the publishable key, the brand, the read caches, and links back
to this API carrying the key, so the fragment it answers posts its next form here too.
The page to come back to (``return_to``, put in the action's query by :meth:`Links.action`)
and the page's cart are kept on those links, so a corrected form still returns to the
brand's page.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from components.context import Links, LoadContext, link_key, page_url
from storefront.api.deps import ReadCaches
from storefront.tenancy import service as tenancy
from storefront.tenancy.principals import principal_from


async def load_context(
    request: Request[Any, Any, Any], product: str | None = None, variant: str | None = None
) -> LoadContext:
    """``product`` and ``variant`` come from the form; empty ones count as absent."""
    principal = principal_from(request.scope)
    caches: ReadCaches = request.app.state.read_caches
    brand = await tenancy.read_brand(principal.brand_id, version=principal.catalog_version, cache=caches.brands)
    return LoadContext(
        principal=principal,
        brand=brand,
        caches=caches,
        shared=request.app.state.component_caches,
        # The configured public URL, never the request's Host (see components.api._headers).
        links=Links(
            api_base=request.app.state.settings.public_base_url,
            key=link_key(request.scope, principal),
            page=page_url(request.query_params.get("return_to"), principal),
            cart=request.query_params.get("cart") or "",
        ),
        product_handle=product or None,
        variant_sku=variant or None,
        settings=request.app.state.settings,
    )

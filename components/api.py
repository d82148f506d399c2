"""HTTP for components: the list, each component as an HTML fragment or as JSON props, and their form actions.

Responses are cacheable by browsers and CDNs: an ETag over (props, theme, templates, media
type), ``Cache-Control`` with a short max-age and stale-while-revalidate, and ``Vary`` on what
changes the body. The rendered body is kept per catalogue version, so a revalidation that
answers 304 costs a dictionary lookup. Components that depend on the instant or the shopper
(``cacheable=False``: a promise, a cart) are rendered for every request and marked
``private, no-cache``; they keep their ETag, so a revalidation of an unchanged body is a 304.

Besides ``product`` and ``variant`` a component may read ``lookbook``, ``method``,
``postcode``, ``location`` and ``cart`` (:data:`components.context.PARAM_NAMES`). Empty values
count as absent: an htmx form sends its empty fields.

``return_to`` (a page on one of the brand's allowed origins) is for a brand's server rendering
the fragment into its own page: links and forms then lead back to that page, and a publishable
key sent as a bearer header is written into them like one sent as ``?key=``
(:mod:`components.context`). Such a fragment is cached per page URL, like any other parameter;
the embed loader's requests carry none, so its hit rate is untouched.

``POST /v1/components/{name}``, ``/checkout/confirm`` and ``/checkout/credit`` are the components'
form actions (:mod:`components.actions`). They share this controller because a second
controller on the same path would clash with this one's ``OPTIONS`` route.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import PathParameter, QueryParameter

from components import actions
from components.caches import ComponentCaches, Rendered
from components.component import Component
from components.context import MAX_PAGE_URL, Links, LoadContext, link_key, page_url
from components.registry import all_components
from components.rendering import Renderer, render_html
from components.theming import resolve_theme, theme_fingerprint
from storefront.api.deps import ReadCaches
from storefront.errors import FieldError, InvalidInput, NotFound
from storefront.ids import END
from storefront.params import HandleFilter, SkuFilter
from storefront.payments.api import Gateway
from storefront.tenancy import service as tenancy
from storefront.tenancy.principals import SHOPPER, Reader, principal_from
from storefront.tenancy.schemas import BrandOut

CACHE_CONTROL = "public, max-age=30, stale-while-revalidate=300"
PRIVATE_CACHE_CONTROL = "private, no-cache"
VARY = "Accept, Authorization, Origin"
HTML = "text/html"
JSON = "application/json"

ComponentName = Annotated[str, PathParameter(pattern=r"^[a-z][a-z-]{0,40}$")]
MethodQuery = Annotated[
    str | None, QueryParameter(pattern=r"^(pickup|courier|made_to_order)?$", description="a fulfilment method")
]
# Loose on purpose: the fulfilment components answer what a shopper typed in words (200, which htmx swaps),
# never a 400 that would leave the last promise on screen; only control characters and lengths no field allows fail.
PostcodeQuery = Annotated[
    str | None, QueryParameter(pattern=r"^[^\x00-\x1f\x7f]{0,16}" + END, description="for a courier, as typed")
]
LocationQuery = Annotated[
    str | None, QueryParameter(pattern=r"^([a-z0-9]+(-[a-z0-9]+)*)?$", max_length=80, description="a pickup shop")
]
OrderQuery = Annotated[
    str | None, QueryParameter(pattern=r"^([0-9a-fA-F-]{36})?" + END, description="an order id (order-status)")
]
TokenQuery = Annotated[
    str | None,
    QueryParameter(pattern=r"^([A-Za-z0-9_-]{16,64})?" + END, description="the order link's token (order-status)"),
]
RefreshQuery = Annotated[
    bool,
    QueryParameter(
        description="a display fetching itself again after the page's bag changed: answered no-cache, so a browser "
        "revalidates (304 when unchanged) instead of reusing its public copy"
    ),
]
CartQuery = Annotated[
    str | None,
    QueryParameter(pattern=r"^([0-9a-fA-F-]{36})?$", description="the shopper's cart id (mini-cart, checkout)"),
]

ReturnToQuery = Annotated[
    str | None,
    QueryParameter(
        max_length=MAX_PAGE_URL,
        description="the brand's page this fragment is rendered into, on one of its allowed origins (no-script pages)",
    ),
]


class ComponentInfo(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    title: str
    interactive: bool
    needs_product: bool
    props_schema: dict[str, Any]


def _headers(scope: Any) -> tuple[str, str | None]:
    """Accept and If-None-Match in one pass over the raw headers.

    Never Host: links in a fragment come from the configured public URL, because a fragment is
    ``Cache-Control: public`` and a forged Host would otherwise be cached into it for everyone.
    """
    accept, if_none_match = "", None
    for name, value in scope["headers"]:
        if name == b"accept":
            accept = value.decode("latin-1")
        elif name == b"if-none-match":
            if_none_match = value.decode("latin-1")
    return accept, if_none_match


class ComponentController(Controller):
    path = "/v1/components"
    tags = ["components"]
    opt = SHOPPER  # fragments and their form actions are the shopper's, with the publishable key

    @get("/", summary="List components with the JSON schema of their props")
    async def list_components(self, principal: Reader) -> list[ComponentInfo]:
        return [
            ComponentInfo(
                name=c.name,
                title=c.title,
                interactive=c.interactive,
                needs_product=c.needs_product,
                props_schema=c.props_schema(),
            )
            for c in all_components().values()
        ]

    @get(
        "/{name:str}",
        summary="A component as an HTML fragment, or its props with Accept: application/json",
        media_type=HTML,
    )
    async def component(
        self,
        request: Request[Any, Any, Any],
        name: ComponentName,
        product: HandleFilter = None,
        variant: SkuFilter = None,
        lookbook: HandleFilter = None,
        method: MethodQuery = None,
        postcode: PostcodeQuery = None,
        location: LocationQuery = None,
        cart: CartQuery = None,
        order: OrderQuery = None,
        token: TokenQuery = None,
        return_to: ReturnToQuery = None,
        refresh: RefreshQuery = False,
    ) -> Response[bytes]:
        # The hot path of every embed and every revalidation: the caller and caches come straight
        # from the scope and app state, and headers are read in one pass. Injected dependencies
        # cost a task group per request here (measured: 304s at 0.42x the bare endpoint, 0.83x without).
        principal = principal_from(request.scope)
        caches: ReadCaches = request.app.state.read_caches
        shared: ComponentCaches = request.app.state.component_caches
        component = all_components().get(name)
        if component is None:
            raise NotFound(f"no component named {name!r}; GET /v1/components lists them")
        accept, if_none_match = _headers(request.scope)
        as_json = "application/json" in accept and "text/html" not in accept
        key = link_key(request.scope, principal)
        page = page_url(return_to, principal)
        if return_to and not page:
            raise InvalidInput(
                "return_to must be a page on one of the brand's allowed origins",
                errors=[FieldError("query.return_to", "not on an allowed origin")],
            )
        api_base = request.app.state.settings.public_base_url
        given = {
            "lookbook": lookbook, "method": method, "postcode": postcode, "location": location, "cart": cart,
            "order": order, "token": token,
        }  # fmt: skip
        params = {k: v for k, v in given.items() if v}
        cache_key = (
            "component",
            principal.brand_id,
            name,
            product,
            variant,
            as_json,
            api_base,
            key,
            page,
            *params.items(),
        )

        async def render() -> Rendered:
            brand = await tenancy.read_brand(principal.brand_id, version=principal.catalog_version, cache=caches.brands)
            ctx = LoadContext(
                principal=principal,
                brand=brand,
                caches=caches,
                shared=shared,
                links=Links(api_base=api_base, key=key, page=page, cart=cart or ""),
                product_handle=product,
                variant_sku=variant,
                params=params,
                settings=request.app.state.settings,
            )
            props = await component.load(ctx)
            return _render(request.app.state.renderer, component, props, brand, as_json)

        if component.cacheable:
            rendered = await shared.fragments.get_or_load(cache_key, principal.catalog_version, render)
            cache_control = PRIVATE_CACHE_CONTROL if refresh else CACHE_CONTROL
        else:
            rendered, cache_control = await render(), PRIVATE_CACHE_CONTROL
        headers = {"ETag": rendered.etag, "Cache-Control": cache_control, "Vary": VARY}
        if _matches(if_none_match, rendered.etag):
            return Response(content=b"", status_code=304, headers=headers, media_type=rendered.media_type)
        return Response(content=rendered.body, headers=headers, media_type=rendered.media_type)

    @post(
        "/{name:str}",
        summary="A component's form action (add-to-cart, personalise, checkout); answers the component's fragment",
        description=actions.ACTIONS_DESCRIPTION,
        media_type=HTML,
        status_code=200,
    )
    async def action(self, request: Request[Any, Any, Any], gateway: Gateway, name: ComponentName) -> Response[bytes]:
        return await actions.dispatch(request, name, gateway=gateway)

    @post(
        "/checkout/confirm",
        summary="The checkout's payment step: confirm the payment and answer the checkout fragment",
        media_type=HTML,
        status_code=200,
    )
    async def confirm(self, request: Request[Any, Any, Any], gateway: Gateway) -> Response[bytes]:
        return await actions.dispatch(request, "checkout/confirm", gateway=gateway)

    @post(
        "/checkout/credit",
        summary="The checkout's store credit: apply a code or take one off, and answer the checkout fragment",
        description="Form fields `cart`, and `credit_code` to apply, or `remove` (the id the cart lists a credit "
        "under). Rate-limited per client like a credit look-up; a code that cannot apply is said beside the field.",
        media_type=HTML,
        status_code=200,
    )
    async def credit(self, request: Request[Any, Any, Any], gateway: Gateway) -> Response[bytes]:
        return await actions.dispatch(request, "checkout/credit", gateway=gateway)


def _render(
    renderer: Renderer, component: Component, props: msgspec.Struct, brand: BrandOut, as_json: bool
) -> Rendered:
    props_json = msgspec.json.encode(props)
    if as_json:
        return Rendered(etag=_etag(b"json", props_json), body=props_json, media_type=JSON)
    theme = resolve_theme(brand.theme)
    html = render_html(renderer, component, props, brand)
    etag = _etag(
        b"html", props_json, theme_fingerprint(theme, brand.theme_tokens).encode(), renderer.version(theme).encode()
    )
    return Rendered(etag=etag, body=html.encode(), media_type=HTML)


def _etag(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return f'"{digest.hexdigest()[:32]}"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in candidates or "*" in candidates

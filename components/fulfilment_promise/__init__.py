"""``fulfilment-promise``: when the chosen variant can be had, in words read at a glance.

"Order within 2 h 14 min for delivery today 18:00-21:00" (an en dash in the window), "Ready to
collect at Market Street from 15:00", "Made for you, ships by 4 Dec". :func:`promise_text` writes them: a pure function
of the engine's :class:`~storefront.fulfilment.promise.Quote`, the instant and the locale (the
clock is passed in, never read), with every time and day in the fulfilling location's zone,
since that is where the shop opens and the courier drives. Times and dates are formatted by
Babel for the brand's locale; the words are English, like every component's.

Query parameters: ``method`` (default: the first way the variant can be had, as
``fulfilment-options`` lists them), ``postcode`` for a courier, ``location`` to collect from one
shop. A promise depends on the instant asked, so this component is never cached
(``cacheable=False``). The product page is cached per catalogue version, so it embeds the promise
*pending*: the same template, which htmx replaces on load with this component's fresh answer.

When no promise can be made the fragment explains why in plain words, and what *can* be had
instead ("We don't deliver to SW1A 1AA by courier yet; you can collect it at Market Street
instead."). How a refusal swaps follows the one rule :mod:`components.actions` sets for forms
(htmx 2 swaps no 4xx): what a shopper typed is answered **200 with the component and its words**,
so htmx swaps it in place of the promise it replaces and no earlier promise stays on screen. A
postcode that cannot be one (``E2 7R``) is refused in words ("Enter a full UK postcode, like
E2 7RG."), never like a good postcode we don't serve. The words live in
:mod:`storefront.fulfilment.messages`, shared with the cart's field errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Literal, TypedDict, cast
from zoneinfo import ZoneInfo

import msgspec
from babel.dates import format_date, format_skeleton, format_time

from components import fulfilment_options, loaders
from components.component import Component
from components.context import Links, LoadContext
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.clock import utcnow
from storefront.errors import InvalidInput
from storefront.fulfilment import messages, quoting
from storefront.fulfilment.promise import Quote, Unavailable
from storefront.fulfilment.rules import Method
from storefront.money import Money
from storefront.tenancy.schemas import BrandOut

COUNTDOWN_LIMIT = timedelta(hours=24)  # beyond it "Order by Friday 14:00" reads better than "Order within 50 h"
NAMED_DAYS = 6  # days ahead named by weekday ("on Friday"); later ones by date ("on 14 Dec")

EN_DASH = "\u2013"  # between the times of a window: 18:00-21:00

PromiseStatus = Literal["pending", "promised", "unavailable"]

PENDING_TEXT = "See when it can be yours"  # a link to the promise as of now (followed on load by htmx)
NOTHING_TEXT = fulfilment_options.NOTHING_TEXT
REASON_TEXT = messages.REASON_TEXT  # the engine's reasons in words


class Refused(msgspec.Struct, frozen=True, kw_only=True):
    """No promise for ``method``: the engine's reason, or ``postcode_invalid`` when it was never asked."""

    method: Method
    reason: str


class FulfilmentPromiseProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    sku: str
    method: Method | None
    status: PromiseStatus
    headline: str  # the promise, or why there is none, in words
    price: Money | None  # what this way costs (zero: free); None unless promised
    earliest: datetime | None  # UTC, for <time datetime>
    latest: datetime | None
    cutoff: datetime | None
    timezone: str | None  # the fulfilling location's
    location: str | None  # handle of the shop, hub or microfactory
    rule: str | None
    rule_text: str  # how the engine worked it out, for "How we work this out"
    reason: str | None  # why not, when unavailable: the engine's reason, or postcode_invalid
    refresh_url: str  # this component for the same choice: htmx fetches it when pending
    locale: str


# --- words ----------------------------------------------------------------------------------


def countdown(remaining: timedelta) -> str:
    """``2 h 14 min``, ``45 min``, ``3 h``: whole minutes, rounded down so the shopper is never late."""
    minutes = int(remaining.total_seconds() // 60)
    if minutes < 1:
        return "less than 1 min"
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def day_word(when: datetime, now: datetime, tz: ZoneInfo, locale: str) -> str:
    """``today``, ``tomorrow``, a weekday within :data:`NAMED_DAYS`, else a short date; by the calendar in ``tz``."""
    day, today = when.astimezone(tz).date(), now.astimezone(tz).date()
    ahead = (day - today).days
    if ahead == 0:
        return "today"
    if ahead == 1:
        return "tomorrow"
    if 1 < ahead <= NAMED_DAYS:
        return format_date(day, "EEEE", locale=locale)
    return format_skeleton("MMMd", day, locale=locale)


def on_day(when: datetime, now: datetime, tz: ZoneInfo, locale: str) -> str:
    """``today``, ``tomorrow``, ``on Friday``, ``on 14 Dec``."""
    word = day_word(when, now, tz, locale)
    return word if word in ("today", "tomorrow") else f"on {word}"


def clock_time(when: datetime, tz: ZoneInfo, locale: str) -> str:
    """The wall-clock time in ``tz``, in the locale's short form (``18:00`` in en_GB, ``6:00 PM`` in en_US)."""
    return format_time(when, "short", tzinfo=tz, locale=locale)


def promise_text(quote: Quote, now: datetime, locale: str, location_name: str | None = None) -> str:
    """The promise in one sentence. Pure: the same quote, instant and locale always give the same words."""
    tz = ZoneInfo(quote.timezone)
    if quote.method == "pickup":
        where = location_name or quote.location.replace("-", " ").title()
        when = on_day(quote.earliest, now, tz, locale)
        day = "" if when == "today" else f" {when}"
        return f"Ready to collect at {where}{day} from {clock_time(quote.earliest, tz, locale)}"
    if quote.method == "courier":
        window = f"{clock_time(quote.earliest, tz, locale)}{EN_DASH}{clock_time(quote.latest, tz, locale)}"
        delivery = f"delivery {on_day(quote.earliest, now, tz, locale)} {window}"
        if quote.cutoff is None or quote.cutoff <= now:
            return delivery[0].upper() + delivery[1:]
        if quote.cutoff - now <= COUNTDOWN_LIMIT:
            return f"Order within {countdown(quote.cutoff - now)} for {delivery}"
        local = quote.cutoff.astimezone(tz)
        if (local.hour, local.minute) == (0, 0):  # midnight reads as the end of the day before
            by = f"the end of {day_word(quote.cutoff - timedelta(minutes=1), now, tz, locale)}"
        else:
            by = f"{day_word(quote.cutoff, now, tz, locale)} {clock_time(quote.cutoff, tz, locale)}"
        return f"Order by {by} for {delivery}"
    ships = format_skeleton("MMMd", quote.latest.astimezone(tz).date(), locale=locale)
    return f"Made for you, ships by {ships}"


# --- props ----------------------------------------------------------------------------------


def refresh_url(
    links: Links,
    product: ProductOut,
    variant: VariantOut,
    method: str | None,
    postcode: str | None = None,
    location: str | None = None,
) -> str:
    return links.component(
        "fulfilment-promise",
        product=product.handle,
        variant=variant.sku,
        method=method,
        postcode=postcode or None,
        location=location or None,
    )


class _Common(TypedDict):
    """The props every answer shares (so ``**common`` type-checks field by field)."""

    product: str
    sku: str
    method: Method | None
    refresh_url: str
    locale: str


def build(
    product: ProductOut,
    variant: VariantOut,
    links: Links,
    brand: BrandOut,
    result: Quote | Unavailable | Refused | None,
    now: datetime | None = None,
    *,
    method: Method | None = None,
    postcode: str | None = None,
    location: str | None = None,
    location_names: Mapping[str, str] | None = None,
    alternatives: Sequence[str] = (),
) -> FulfilmentPromiseProps:
    """``result`` None is *pending* (the product page's placeholder), else the engine's answer at ``now``.

    ``now`` is the instant the quote was made for; the promise's words count down from it.
    ``alternatives`` are the other ways to have it (:func:`fulfilment_options.alternatives`),
    named when this one is refused.
    """
    method = result.method if result is not None else method
    common: _Common = {
        "product": product.handle,
        "sku": variant.sku,
        "method": method,
        "refresh_url": refresh_url(links, product, variant, method, postcode, location),
        "locale": brand.locale,
    }
    if isinstance(result, Quote):
        if now is None:
            raise ValueError("a promised quote needs the instant it was made for")
        return FulfilmentPromiseProps(
            **common,
            status="promised",
            headline=promise_text(result, now, brand.locale, (location_names or {}).get(result.location)),
            price=result.price,
            earliest=result.earliest,
            latest=result.latest,
            cutoff=result.cutoff,
            timezone=result.timezone,
            location=result.location,
            rule=result.rule,
            rule_text=result.rule_text,
            reason=None,
        )
    status: PromiseStatus = "pending" if result is None and method is not None else "unavailable"
    if result is not None:
        headline = messages.with_alternatives(messages.reason_text(result.reason, postcode), alternatives)
    else:
        headline = PENDING_TEXT if method is not None else NOTHING_TEXT
    return FulfilmentPromiseProps(
        **common,
        status=status,
        headline=headline,
        price=None,
        earliest=None,
        latest=None,
        cutoff=None,
        timezone=None,
        location=None,
        rule=None,
        rule_text="",
        reason=result.reason if result is not None else None,
    )


async def answer(
    ctx: LoadContext, variant: VariantOut, method: Method, postcode: str | None, location: str | None, now: datetime
) -> Quote | Refused:
    """The engine's quote, or why there is none (a :class:`Refused`, not an exception)."""
    try:
        return await quoting.quote(
            ctx.principal.brand_id,
            variant.sku,
            method,
            postcode=postcode,
            location=location if method == "pickup" else None,
            now=now,
            version=ctx.principal.catalog_version,
            cache=ctx.caches.quotes,
        )
    except quoting.QuoteUnavailable as exc:
        return Refused(method=method, reason=exc.code)  # the engine's reason
    except InvalidInput as exc:  # a postcode that cannot be one: the engine was not asked
        if not any(e.field == "query.postcode" for e in exc.errors):
            raise
        return Refused(method=method, reason=messages.MALFORMED_REASON)


async def load(ctx: LoadContext) -> FulfilmentPromiseProps:
    product, variant = await ctx.product_and_variant()
    postcode, location = ctx.param("postcode"), ctx.param("location")
    method = cast("Method | None", ctx.param("method"))  # checked by the endpoint
    options = fulfilment_options.build(product, variant, ctx.links, ctx.brand, await loaders.fulfilment_config(ctx))
    method = method or options.selected  # by default the first way it can be had, as the options list them
    now = utcnow()
    result = await answer(ctx, variant, method, postcode, location, now) if method is not None else None
    names = await loaders.location_names(ctx) if method == "pickup" else {}
    return build(
        product,
        variant,
        ctx.links,
        ctx.brand,
        result,
        now,
        postcode=postcode,
        location=location,
        location_names=names,
        alternatives=fulfilment_options.alternatives(options, besides=method) if isinstance(result, Refused) else (),
    )


COMPONENT = Component(
    name="fulfilment-promise",
    title="Fulfilment promise",
    props_type=FulfilmentPromiseProps,
    load=load,
    cacheable=False,
)

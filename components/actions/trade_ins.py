"""``POST /v1/components/trade-in-estimator``: quote the bag described, or save the quote as a trade-in.

Posted on every change of the estimator's form (no ``intent``: a live quote, with the choices
still missing said in words, not marked as errors), by its "See my quote" button (``intent=quote``)
and by "Save this quote and bring the bag in" (``intent=save``), which creates the trade-in
through :func:`storefront.credits.trade_ins.start_trade_in`. Both answer the estimator; a choice
the form never offered is said beside its field. Quoting writes nothing, so a repeated change
costs one read of the brand's rules.
"""

from __future__ import annotations

from typing import Any, cast

import msgspec
from litestar import Request, Response

from components import trade_in_estimator as estimator
from components.actions.answers import answer, fragment
from components.actions.forms import form_value, sentence
from components.actions.request import load_context
from storefront.clock import utcnow
from storefront.credits import TradeInIn, TradeInItem, start_trade_in
from storefront.credits.estimates import estimate, estimator_choices
from storefront.credits.trade_in_schemas import TradeInOut
from storefront.credits.valuation import Grade, Quote, SizeClass
from storefront.decoding import split_location
from storefront.errors import StallkitError


def posted_form(values: dict[str, str]) -> estimator.EstimatorForm:
    return estimator.EstimatorForm(
        category=values.get("category", ""),
        size_class=values.get("size_class", ""),
        material=values.get("material", ""),
        condition=values.get("condition", ""),
        own_brand=values.get("own_brand", ""),
        spend_on_new=values.get("spend_on_new", "") == "1",
        email=values.get("email", ""),
    )


def item_of(form: estimator.EstimatorForm) -> TradeInItem:
    """The bag as valuation sees it; only called once every choice is one the form offers."""
    return TradeInItem(
        category=form.category,
        size_class=cast("SizeClass", form.size_class),
        material=form.material,
        grade=cast("Grade", form.condition),
        own_brand=form.own_brand == "yes",
        spend_on_new=form.spend_on_new,
    )


def trade_in_body(form: estimator.EstimatorForm) -> dict[str, object]:
    body: dict[str, object] = {
        "category": form.category,
        "size_class": form.size_class,
        "material": form.material,
        "condition": form.condition,
        "own_brand": form.own_brand == "yes",
        "spend_on_new": form.spend_on_new,
    }
    if form.email:
        body["email"] = form.email
    return body


async def estimate_trade_in(request: Request[Any, Any, Any]) -> Response[bytes]:
    form = await request.form()
    names = ("product", "category", "size_class", "material", "condition", "own_brand", "spend_on_new", "email")
    values = {name: form_value(form, name) for name in names}
    intent = form_value(form, "intent")
    ctx = await load_context(request)
    brand_id = ctx.principal.brand_id
    choices = await estimator_choices(brand_id)
    posted = posted_form(values)
    errors, missing = estimator.form_problems(choices, posted)
    if intent:  # a button was pressed: what is still missing is now an error beside its field
        errors.update({field: estimator.FIELD_WORDS[field] for field in missing})
    quote: Quote | None = None
    saved: TradeInOut | None = None
    message: str | None = None
    if not errors and not missing:
        now = utcnow()
        if intent == "save":
            try:
                data = msgspec.convert(trade_in_body(posted), TradeInIn)
            except msgspec.ValidationError as exc:
                _, path = split_location(str(exc))
                field = path.lstrip("$.") or "email"
                errors[field] = estimator.FIELD_WORDS.get(field, sentence(str(exc)))
            else:
                try:
                    saved = await start_trade_in(brand_id, data, actor=ctx.principal.actor, now=now)
                except StallkitError as exc:
                    message = sentence(exc.detail)
        if saved is None and not errors:
            quote = await estimate(brand_id, item_of(posted), now)
    props = estimator.build(
        choices,
        ctx.links,
        ctx.brand,
        form=posted,
        quote=quote,
        saved=saved,
        errors=errors,
        missing=missing,
        message=message,
        product=values["product"] or None,
    )
    return answer(fragment(request, ctx, estimator.NAME, props))

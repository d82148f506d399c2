"""``POST /v1/components/credit-balance``: look up the posted ``credit_code`` and answer the balance component.

The code comes in the body only, is checked for typing mistakes before any read
(:func:`storefront.credits.service.parse_code`), is never logged, and the answer is no-store
(:func:`components.actions.answers.answer`). A refused code is said beside the field in the same
words the checkout's credit field uses (:data:`components.actions.checkout.CODE_WORDS`). The
middleware has already spent this client's ``credit_lookups`` allowance for the post.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from components import credit_balance
from components.actions.answers import answer, fragment
from components.actions.checkout import CODE_WORDS
from components.actions.forms import form_value, sentence
from components.actions.request import load_context
from storefront.clock import utcnow
from storefront.credits import codes, service
from storefront.errors import StallkitError

EMPTY = "Enter the code printed on your credit slip or receipt."


async def check_balance(request: Request[Any, Any, Any]) -> Response[bytes]:
    form = await request.form()
    ctx = await load_context(request)
    product = form_value(form, "product") or None
    # Read raw and cut at what no code exceeds, so a typo's words name the code and not our field limit.
    text = form_value(form, "credit_code")
    errors: dict[str, str] = {}
    props = None
    if not text:
        errors["credit_code"] = EMPTY
    elif ctx.settings is not None:
        try:
            normalised = service.parse_code(text, field="body.credit_code")  # before anything is read
            key = codes.settings_key(ctx.settings)
            credit = await service.look_up(ctx.principal.brand_id, normalised, key, utcnow())
        except StallkitError as exc:
            errors["credit_code"] = CODE_WORDS.get(exc.code, sentence(exc.detail))
        else:
            ending = codes.display_hint(normalised)
            props = credit_balance.build(ctx.links, ctx.brand, credit=credit, ending=ending, product=product)
    if props is None:
        props = credit_balance.build(ctx.links, ctx.brand, code=text, errors=errors, product=product)
    return answer(fragment(request, ctx, credit_balance.NAME, props))

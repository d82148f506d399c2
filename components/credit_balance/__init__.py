"""``credit-balance``: a shopper types a credit code and sees what it is worth now, in words.

The code is a bearer instrument, so it travels only in a form's body: the form posts to
``POST /v1/components/credit-balance`` (:mod:`components.actions.balance`), never puts the code in
a URL, and the answer is ``Cache-Control: no-store`` (the idempotency store keeps no such answer
either). That path spends the same per-client ``credit_lookups`` allowance as
``GET /v1/credits/{code}`` (:mod:`storefront.api.ratelimit`), so the form is no cheaper way to guess.

A code with a typing mistake is said to be one before any look-up (its check symbol,
:func:`storefront.credits.service.parse_code`); a code nobody issued is said to be unknown. After a
look-up the code is not written back into the page: the credit is named by its last four symbols.
The balance, what is set aside for a checkout not yet paid, each lot's remaining amount and its
expiry, and the status are all said in words.

The fragment itself holds no code and no shopper's data, so ``GET`` is cached like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import msgspec

from components.component import Component
from components.context import Links, LoadContext
from storefront.credits.schemas import CreditOut
from storefront.money import Money
from storefront.tenancy.schemas import BrandOut

NAME = "credit-balance"
ID_PREFIX = "sk-credit-balance"
STATUS_WORDS: dict[str, str] = {
    "active": "Ready to spend.",
    "spent": "All spent: there is nothing left on this credit.",
    "expired": "Expired: this credit can no longer be spent.",
}


class LotView(msgspec.Struct, frozen=True, kw_only=True):
    remaining: Money
    expires_at: datetime | None  # None: never expires


class BalanceView(msgspec.Struct, frozen=True, kw_only=True):
    ending: str  # the code's last four symbols: enough to tell credits apart, not to spend one
    status: str
    status_text: str
    balance: Money
    held: Money
    lots: list[LotView]


class CreditBalanceProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str | None  # the product of the page it sits on, if any
    id_prefix: str
    action_url: str
    code: str  # what was typed, kept only when it has to be corrected
    result: BalanceView | None
    said: str  # the short announcement of a refused look-up (the template says a found credit's itself)
    errors: dict[str, str] = {}
    locale: str


def balance_view(credit: CreditOut, ending: str) -> BalanceView:
    return BalanceView(
        ending=ending,
        status=credit.status,
        status_text=STATUS_WORDS.get(credit.status, credit.status),
        balance=credit.balance,
        held=credit.held,
        lots=[LotView(remaining=lot.remaining, expires_at=lot.expires_at) for lot in credit.lots],
    )


def build(
    links: Links,
    brand: BrandOut,
    *,
    credit: CreditOut | None = None,
    ending: str = "",
    code: str = "",
    errors: Mapping[str, str] | None = None,
    said: str = "",
    product: str | None = None,
    id_prefix: str = ID_PREFIX,
) -> CreditBalanceProps:
    """The form, and the credit looked up (``ending`` names it), or the typed ``code`` with what is wrong with it."""
    errors = dict(errors or {})
    return CreditBalanceProps(
        product=product,
        id_prefix=id_prefix,
        action_url=links.action(NAME),
        code=code if errors else "",
        result=balance_view(credit, ending) if credit is not None else None,
        said=said or " ".join(errors.values()),
        errors=errors,
        locale=brand.locale,
    )


async def load(ctx: LoadContext) -> CreditBalanceProps:
    return build(ctx.links, ctx.brand, product=ctx.product_handle)


COMPONENT = Component(
    name=NAME,
    title="Credit balance",
    props_type=CreditBalanceProps,
    load=load,
    needs_product=False,
    interactive=True,
)

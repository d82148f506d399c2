"""The till's pages: one Jinja environment, the money filter, and the amounts staff type.

The page and its htmx fragments render the same templates (a fragment is the page's include), so
what a swap shows is what a reload shows. Money is formatted here only, with Babel in the brand's
locale; the till does not import the components' filter (popup never imports components), so this
is its own small one over the same kernel (``storefront.money.exponent``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Response

from popup.till.errors import SaleRefused
from storefront.money import exponent

TEMPLATES = Path(__file__).parent / "templates"
HTML = "text/html; charset=utf-8"
MAX_AMOUNT = 10**12


def minor_to_text(amount: int, currency: str, locale: str = "en_GB") -> str:
    """``12500, "GBP"`` -> ``£125.00``."""
    return format_currency(Decimal(amount).scaleb(-exponent(currency)), currency, locale=locale)


def amount_field(amount: int, currency: str) -> str:
    """An amount as staff type it back into a field: ``125.00`` (no symbol, no grouping)."""
    places = exponent(currency)
    return f"{Decimal(amount).scaleb(-places):.{places}f}"


def parse_amount(text: str, currency: str, what: str) -> int | None:
    """What staff typed (``20``, ``20.5``, ``20.50``) in minor units; None for an empty field."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None
    places = exponent(currency)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise SaleRefused(f"{what}: type an amount such as 20 or 20.50") from None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -places:  # type: ignore[operator]
        raise SaleRefused(f"{what}: type an amount such as 20 or 20.50")
    minor = int(value.scaleb(places))
    if minor > MAX_AMOUNT:
        raise SaleRefused(f"{what}: that amount is too large")
    return minor


class Pages:
    """Renders the till's templates; one per app."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["money"] = lambda amount, currency: minor_to_text(amount, currency, self.locale)
        self.env.filters["amount_field"] = amount_field

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context)

    def response(
        self, name: str, *, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any
    ) -> Response[str]:
        return Response(self.render(name, **context), status_code=status_code, media_type=HTML, headers=headers)

"""Jinja filters: the only place money and dates are formatted for people (Babel, per brand locale)."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date

from storefront.money import Money, display


def money(value: Money, locale: str = "en_GB") -> str:
    """``Money(12500, "GBP")`` -> ``£125.00`` (en_GB), ``125,00 €`` (fr_FR)."""
    return display(value, locale)


def long_date(value: date | datetime | None, locale: str = "en_GB") -> str:
    if value is None:
        return ""
    return format_date(value, format="long", locale=locale)


FILTERS = {"money": money, "long_date": long_date}

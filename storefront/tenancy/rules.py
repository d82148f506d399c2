"""Brand settings checked, when they are written, against the libraries that will read them.

A brand's locale reaches Babel on every page a component renders, its timezone zoneinfo on
every promise, its currency every price and the payment provider, its theme tokens the
stylesheet of every fragment. A value they refuse is
well-formed enough to store (``je_UN`` fits the locale pattern), so if it were only found out
at render time it would make every page of the brand fail from the write on. Each rule here
asks the same library the readers ask, and answers a message, or None when the value is usable.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Mapping
from datetime import date

from babel import Locale, UnknownLocaleError
from babel.numbers import get_territory_currencies

from storefront.errors import FieldError
from storefront.tenancy.product_urls import product_url_problem
from storefront.tenancy.tokens import is_token_name, is_token_value


def locale_problem(locale: str) -> str | None:
    """Why Babel cannot format for ``locale``, or None.

    ``Locale.parse`` is what the formatting filters call; it also resolves a region Babel has no
    file for (``sr_RS`` to ``sr_Cyrl_RS``) and refuses one it cannot place (``fr_JP``), but
    guesses a language for none (``und``), which would format in a language nobody chose.
    """
    try:
        parsed = Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return f"unknown locale {locale!r}: Babel has no data for it"
    if parsed.language != locale.split("_")[0]:  # "und" (undetermined) parses as a guess: en_US
        return f"unknown locale {locale!r}: it names no language Babel has"
    return None


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone_problem(name: str) -> str | None:
    """Why ``name`` is not an IANA zone of the tz database, or None.

    Membership rather than ``ZoneInfo(name)`` alone: that also opens whatever file the name
    reaches on this machine (``localtime``, ``posixrules``), which another machine may not have.
    """
    if name not in _zones():
        return f"unknown IANA timezone {name!r}"
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return f"unknown IANA timezone {name!r}"
    return None


@functools.cache
def _tender(on: date) -> frozenset[str]:
    """Every currency that is legal tender somewhere on ``on``, by Babel's (CLDR's) territory data."""
    territories = [str(code) for code in Locale("en").territories]  # ISO 3166 codes and UN regions ("001")
    return frozenset(code for t in territories for code in get_territory_currencies(t, start_date=on, tender=True))


def currency_problem(code: str, *, on: date) -> str | None:
    """Why nothing can be priced and paid in ``code`` on ``on``, or None.

    ``XYZ`` matches the ISO 4217 shape and ``DEM`` is a real code, but no one can pay in either
    today, so a brand set up in one could sell nothing.
    """
    if code not in _tender(on):
        return f"{code!r} is not a currency in use"
    return None


def token_problems(tokens: Mapping[str, str]) -> list[FieldError]:
    """Theme tokens the stylesheet would not write (see :mod:`.tokens`): refused, not dropped unseen."""
    return [
        FieldError(
            f"body.theme_tokens.{name}",
            "not a colour, lengths or a font stack"
            if is_token_name(name)
            else "token names are 1-40 lower-case letters, digits and hyphens",
        )
        for name, value in tokens.items()
        if not (is_token_name(name) and is_token_value(value))
    ]


def setting_errors(
    *,
    on: date,
    locale: str | None = None,
    timezone: str | None = None,
    currency: str | None = None,
    theme_tokens: Mapping[str, str] | None = None,
    product_url_template: str | None = None,
) -> list[FieldError]:
    """Every setting given (None: not being set) that its reader can't use, named as in the brand's body."""
    problems = (
        ("body.locale", locale_problem(locale) if locale is not None else None),
        ("body.timezone", timezone_problem(timezone) if timezone is not None else None),
        ("body.currency", currency_problem(currency, on=on) if currency is not None else None),
        (
            "body.product_url_template",
            product_url_problem(product_url_template) if product_url_template is not None else None,
        ),
    )
    found = [FieldError(field, problem) for field, problem in problems if problem is not None]
    return found + token_problems(theme_tokens or {})

"""Pure fulfilment rules: clocks and weeks as minutes, postcode coverage, rates by date, personalisation.

Nothing here reads the clock or the database. Configuration is stored as people write it
(``"14:00"``, ``{"mon": [["10:00", "18:00"]]}``, ``["E1", "N16"]``); the functions here check it
and compile it once into the plain integers the promise engine works in (minutes after local
midnight, weekday numbers with Monday 0).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from itertools import pairwise
from typing import Literal

from storefront.inventory import COURIER_KINDS as COURIER_KINDS
from storefront.inventory import PICKUP_KINDS as PICKUP_KINDS
from storefront.inventory import WEEKDAYS

Method = Literal["pickup", "courier", "made_to_order"]
METHODS: tuple[Method, ...] = ("pickup", "courier", "made_to_order")
PersonalisationKind = Literal["monogram", "thread_colour"]

# A day's intervals as (open, close) minutes after local midnight, sorted; a week is seven of
# them, Monday first (``date.weekday()`` order).
Interval = tuple[int, int]
Week = tuple[tuple[Interval, ...], ...]
CLOSED_WEEK: Week = ((),) * 7

HUB_KINDS = COURIER_KINDS  # a courier run starts where couriers collect from
MICROFACTORY_KINDS = frozenset({"microfactory"})

_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


# --- clocks and weeks -------------------------------------------------------------------------


def minutes(clock: str) -> int | None:
    """``"14:30"`` as 870 minutes after midnight, or None if it is not 24-hour ``HH:MM``."""
    match = _CLOCK.fullmatch(clock)
    return int(match.group(1)) * 60 + int(match.group(2)) if match else None


def clock(minute: int) -> str:
    """870 as ``"14:30"``."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def weekday_numbers(days: Iterable[str]) -> frozenset[int]:
    """``["mon", "sat"]`` as ``{0, 5}``; unknown names are left out (check them first)."""
    return frozenset(WEEKDAYS.index(d) for d in days if d in WEEKDAYS)


def compile_week(hours: Mapping[str, Sequence[Sequence[str]]]) -> Week:
    """A location's stored opening hours as a :data:`Week`; bad pairs are skipped, days sorted."""
    week: list[tuple[Interval, ...]] = []
    for day in WEEKDAYS:
        pairs = []
        for pair in hours.get(day, ()):
            if len(pair) != 2:
                continue
            opens, closes = minutes(pair[0]), minutes(pair[1])
            if opens is not None and closes is not None and opens < closes:
                pairs.append((opens, closes))
        week.append(tuple(sorted(pairs)))
    return tuple(week)


def windows_problems(windows: Sequence[Sequence[str]]) -> list[tuple[str, str]]:
    """Faults in a list of ``[start, end]`` delivery windows, as ``(path, message)`` with paths like ``[0]``."""
    problems: list[tuple[str, str]] = []
    spans: list[tuple[int, int, int]] = []
    for i, pair in enumerate(windows):
        if len(pair) != 2:
            problems.append((f"[{i}]", "must be a [start, end] pair"))
            continue
        start, end = minutes(pair[0]), minutes(pair[1])
        if start is None or end is None:
            problems.append((f"[{i}]", "times must be 24-hour HH:MM"))
        elif start >= end:
            problems.append((f"[{i}]", "must start before it ends"))
        else:
            spans.append((start, end, i))
    spans.sort()
    for (_, end_a, i_a), (start_b, _, i_b) in pairwise(spans):
        if start_b < end_a:
            problems.append((f"[{i_b}]", f"overlaps [{i_a}]"))
    return problems


def compile_windows(windows: Sequence[Sequence[str]]) -> tuple[Interval, ...]:
    """Checked windows as sorted (start, end) minutes; bad pairs are skipped."""
    out = []
    for pair in windows:
        start, end = minutes(pair[0]), minutes(pair[1])
        if start is not None and end is not None and start < end:
            out.append((start, end))
    return tuple(sorted(out))


# --- postcodes and distance -------------------------------------------------------------------

# A full UK postcode without its space: outward code (area letters, district) + inward code
# (sector digit, two unit letters). The inward code is always the last three characters.
_UK_FULL = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")
_PREFIX = re.compile(r"[A-Z0-9]{1,8}")


def normalise_postcode(postcode: str) -> str:
    """Upper case with every space removed: ``" e2 7rg"`` -> ``"E27RG"``."""
    return "".join(postcode.split()).upper()


def outward_code(postcode: str) -> str:
    """The district part of a postcode: ``"E2 7RG"`` -> ``"E2"``, ``"E14"`` -> ``"E14"``; other codes whole."""
    code = normalise_postcode(postcode)
    return code[:-3] if _UK_FULL.fullmatch(code) else code


def display_postcode(postcode: str) -> str:
    """Upper case, one space before a UK inward code: ``"e28aa"`` -> ``"E2 8AA"``; other codes unspaced."""
    code = normalise_postcode(postcode)
    outward = outward_code(code)
    return f"{outward} {code[len(outward) :]}" if outward != code else code


_NUMERIC_POSTCODE = re.compile(r"[0-9]{4,10}")  # ZIP, PLZ and the like, which zones match by leading digits


def postcode_is_whole(postcode: str) -> bool:
    """Whether a courier can be sent to ``postcode`` as typed: a full UK postcode, or an all-digit code.

    A district alone (``E2``) or a typo (``E2 7R``) is not an address: it is refused in words before
    any zone is asked, so "enter a full postcode" and "we don't deliver there" are never confused.
    """
    code = normalise_postcode(postcode)
    return bool(_UK_FULL.fullmatch(code) or _NUMERIC_POSTCODE.fullmatch(code))


def prefix_problem(prefix: str) -> str | None:
    if not _PREFIX.fullmatch(prefix):
        return "must be 1-8 upper-case letters or digits, e.g. E1 or N16"
    return None


def postcode_covered(postcode: str, prefixes: Iterable[str]) -> bool:
    """Whether a zone listing ``prefixes`` serves ``postcode``.

    A prefix names a UK district (``E1``) or a whole area (``E``), and matches whole units only:
    ``E1`` serves ``E1 6AN`` but not ``E14 3AB`` (another district) nor ``E1W 1AA``; ``E``
    serves every ``E<digit>...`` district but not ``EC1``. For all-digit codes (ZIP, PLZ), a
    prefix is a plain leading-digits match: ``100`` serves ``10001``.
    """
    code = normalise_postcode(postcode)
    if not code:
        return False
    outward = outward_code(code)
    numeric = code.isdigit()
    for prefix in prefixes:
        if outward == prefix:
            return True
        if numeric:
            if code.startswith(prefix):
                return True
        elif prefix.isalpha() and outward.startswith(prefix) and outward[len(prefix) : len(prefix) + 1].isdigit():
            return True
    return False


EARTH_RADIUS_M = 6_371_000


def distance_m(lat1_e6: int, lon1_e6: int, lat2_e6: int, lon2_e6: int) -> int:
    """Great-circle distance in whole metres between two micro-degree points (haversine)."""
    phi1, phi2 = math.radians(lat1_e6 / 1e6), math.radians(lat2_e6 / 1e6)
    d_phi = phi2 - phi1
    d_lambda = math.radians((lon2_e6 - lon1_e6) / 1e6)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a))))


# --- rates ------------------------------------------------------------------------------------


def current_rate_index(rates: Sequence[tuple[datetime, datetime | None]], now: datetime) -> int | None:
    """Which of ``(effective_from, effective_to)`` rates applies at ``now``, or None.

    Rates are never edited: a change is a new row. The rate in force is the latest-starting one
    whose span ``[effective_from, effective_to)`` holds ``now``, so a dated promotion wins over the
    standing rate while it runs and the standing rate applies again afterwards.
    """
    best: int | None = None
    for i, (starts, ends) in enumerate(rates):
        if starts <= now and (ends is None or now < ends) and (best is None or starts >= rates[best][0]):
            best = i
    return best


# --- microfactories ---------------------------------------------------------------------------


def closed_dates_problems(dates: Sequence[date]) -> list[tuple[str, str]]:
    seen: set[date] = set()
    problems = []
    for i, day in enumerate(dates):
        if day in seen:
            problems.append((f"[{i}]", "listed twice"))
        seen.add(day)
    return problems


# --- personalisation --------------------------------------------------------------------------


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a usable regular expression for a personalisation value, or None."""
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"not a regular expression: {exc}"
    return None


def personalisation_value(value: str, *, kind: str) -> str:
    """The value as it will be stitched, read before it is checked: a monogram in capitals.

    Shoppers type ``ada``; a monogram is stitched ``ADA``, and a brand's pattern (``^[A-Z]{1,3}$``)
    is written for that, so a lower-case monogram is taken, not refused. Other values are as given.
    """
    return value.strip().upper() if kind == "monogram" else value


LETTER_SAMPLES = (("letters", "A"), ("numbers", "1"))  # what a pattern is tried on, to say what it takes


def _pattern_words(pattern: str) -> str:
    """What ``pattern`` lets a shopper type, in words (never the expression itself)."""
    takes = {name: any(re.fullmatch(pattern, sample * n) for n in range(1, 9)) for name, sample in LETTER_SAMPLES}
    if takes["letters"] and takes["numbers"]:
        return "use only letters and numbers"
    if takes["letters"]:
        return "use only the letters A to Z"
    if takes["numbers"]:
        return "use only numbers"
    return "can't be stitched as written"


def personalisation_problem(
    value: str, *, allowed_values: Sequence[str], pattern: str, max_length: int | None
) -> str | None:
    """Why ``value`` cannot be embroidered or stitched under an option, or None; in words a shopper reads.

    An option lists its allowed values (thread colours), or gives a pattern and a length
    (a monogram: ``^[A-Z]{1,3}$``, 3); a value is checked against whichever it has, after
    :func:`personalisation_value`. The limit is counted in letters, the word the form uses too.
    """
    if max_length is not None and len(value) > max_length:
        return f"at most {max_length} letters"
    if allowed_values and value not in allowed_values:
        return f"must be one of {', '.join(allowed_values)}"
    if not value:
        return "must not be empty"
    if pattern and re.fullmatch(pattern, value) is None:
        return _pattern_words(pattern)
    return None


# --- back in stock ----------------------------------------------------------------------------

RestockStatus = Literal["waiting", "due"]
RESTOCK_STATUSES: tuple[RestockStatus, ...] = ("waiting", "due")


def restock_status(*, available: int, made_to_order: bool) -> RestockStatus:
    """Whether a back-in-stock request is ``due``: the variant can be had online again.

    Sellable units at a shop or warehouse (``VariantStock.available``), or making it to order, are
    what the buy box offers; stall stock is sold at the stall, so it does not count. A due request
    stays due: telling the shopper is the brand mailer's job, and asking again keeps the one row.
    """
    return "due" if available > 0 or made_to_order else "waiting"


def normalise_email(email: str) -> str:
    """``" Ada@Example.COM "`` -> ``"ada@example.com"``: the same address asked twice is one request."""
    return email.strip().lower()

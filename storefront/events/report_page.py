"""The event report as a page: the same figures as the JSON, drawn as bar charts a stall owner reads.

Charts are inline SVG drawn from the figures here (no script, no CDN), each with its numbers beside
it in words, so the page prints, works without JavaScript and reads out to a screen reader. Rendered
beside the report it draws rather than as a component, since the storefront may not import the
components; the back office will show this same page behind staff sign-in.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from storefront.events.report import EventReport
from storefront.money import Money, display

TEMPLATES = Path(__file__).parent / "templates"
TENDER_WORDS = {"cash": "Cash", "card_terminal": "Card (stall terminal)", "credit": "Store credit"}


class Bar(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    value: int
    text: str  # the value as people read it
    share: float  # 0..1 of the chart's largest value


class StockBar(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    allocated: Bar
    sold: Bar
    remaining: Bar


def bars(items: list[tuple[str, int, str]]) -> list[Bar]:
    """Bars scaled to the largest value (a chart of zeros draws empty bars, not a division by zero)."""
    top = max((abs(value) for _, value, _ in items), default=0) or 1
    return [Bar(label=label, value=value, text=text, share=max(value, 0) / top) for label, value, text in items]


def page_context(report: EventReport, locale: str) -> dict[str, object]:
    figures = report.figures
    currency = figures.currency

    def money(amount: int) -> str:
        return display(Money(amount=amount, currency=currency), locale)

    zone = ZoneInfo(report.event.timezone)
    top_stock = max((max(s.allocated, s.sold, s.remaining) for s in figures.stock), default=0) or 1

    def stock_bar(label: str, value: int) -> Bar:
        return Bar(label=label, value=value, text=str(value), share=max(value, 0) / top_stock)

    return {
        "report": report,
        "money": money,
        "when": lambda at: format_datetime(at.astimezone(zone), format="medium", locale=locale),
        "hours": bars([(f.hour[11:16], f.amount, f"{f.sales} sales, {money(f.amount)}") for f in figures.by_hour]),
        "mix": bars([(TENDER_WORDS.get(t.kind, t.kind), t.paid, money(t.paid)) for t in figures.payment_mix]),
        "stock": [
            StockBar(
                sku=s.sku,
                allocated=stock_bar("allocated", s.allocated),
                sold=stock_bar("sold", s.sold),
                remaining=stock_bar("remaining", s.remaining),
            )
            for s in figures.stock
        ],
    }


_ENV = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_report(report: EventReport, locale: str) -> str:
    return _ENV.get_template("event-report.html.jinja").render(**page_context(report, locale))

"""The printable credit slip: what a shop hands over with a credit, on A6 or a receipt printer.

It says, in words a person reads out at a till, what the bearer holds: the brand, the code in
groups of four (and its QR code, drawn here, so a till can scan it), the balance, what each lot
has left and until when, and where it can be spent. The page names the code, so it is answered
``no-store`` and only to a secret key: staff print it from the back office or their till.

Rendered here, beside the ledger it reads, rather than as a component: the storefront may not
import the components. Money and dates are formatted by Babel in the brand's locale, as the
components' filters do.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import msgspec
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from storefront.credits import codes, service
from storefront.credits.schemas import CreditOut
from storefront.money import display
from storefront.qr import qr_svg
from storefront.tenancy import BrandOut
from storefront.tenancy import service as tenancy

TEMPLATES = Path(__file__).parent / "templates"
STATUS_WORDS = {
    "active": "Ready to spend",
    "spent": "Spent: nothing is left on it",
    "expired": "Expired: it can no longer be spent",
}


class SlipLot(msgspec.Struct, frozen=True, kw_only=True):
    remaining: str  # "£35.00"
    expires: str  # "Use by 2 December 2028", or "Never expires"


class Slip(msgspec.Struct, frozen=True, kw_only=True):
    brand: str
    code: str  # as printed: SKC-7K3M-...
    groups: list[str]  # the code in the groups it is read out in
    qr_svg: str
    balance: str
    status: str
    lots: list[SlipLot]
    spend_at: list[str]


def _date(value: datetime, brand: BrandOut) -> str:
    return format_date(value.astimezone(ZoneInfo(brand.timezone)), format="long", locale=brand.locale)


def spend_at(brand: BrandOut) -> list[str]:
    """Where the bearer can use it: the brand's shops and stalls, and each site it sells from (its allowed origins)."""
    sites = [host for origin in brand.allowed_origins if (host := urlsplit(origin).hostname)]
    places = ["In our shops and at our pop-up stalls: show this slip at the till."]
    places += [f"Online at {site}: enter the code at checkout." for site in dict.fromkeys(sites)]
    return places


def build_slip(brand: BrandOut, normalised: str, credit: CreditOut) -> Slip:
    code, groups = codes.printed(normalised), codes.groups(normalised)
    locale = brand.locale
    return Slip(
        brand=brand.name,
        code=code,
        groups=groups,
        qr_svg=qr_svg(code, label=f"Credit code {code}"),
        balance=display(credit.balance, locale),
        status=STATUS_WORDS.get(credit.status, credit.status),
        lots=[
            SlipLot(
                remaining=display(lot.remaining, locale),
                expires=f"Use by {_date(lot.expires_at, brand)}" if lot.expires_at else "Never expires",
            )
            for lot in credit.lots
        ],
        spend_at=spend_at(brand),
    )


_ENV = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_slip(slip: Slip) -> str:
    return _ENV.get_template("credit-slip.html.jinja").render(
        slip=slip,
        qr=Markup(slip.qr_svg),  # noqa: S704 - drawn by segno from the code's own symbols
    )


async def credit_slip(brand_id: uuid.UUID, text: str, code_key: bytes, now: datetime) -> str:
    """The slip for the brand's credit with this code: a typo is a 422 and an unknown code a 404, as in a look-up."""
    normalised = service.parse_code(text)
    credit = await service.look_up(brand_id, normalised, code_key, now)
    return render_slip(build_slip(await tenancy.read_brand(brand_id), normalised, credit))

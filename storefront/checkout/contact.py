"""Who receives the order and who collects it: the pure rules checkout applies to the shopper's details.

A courier fee and promise were quoted for one zone, so an address the zone does not serve
would be a parcel nobody can deliver, found out after payment; it is refused here, before
anything is held or charged. Each rule answers in the shopper's words, against the field the
shopper can change (``body.address.postcode``...), and every bad field at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import msgspec

from storefront.checkout.schemas import CheckoutIn
from storefront.errors import FieldError, raise_field_errors
from storefront.fulfilment import rules

Method = Literal["pickup", "courier", "made_to_order"]
SHIPPED: frozenset[str] = frozenset({"courier", "made_to_order"})

# Countries whose national numbers start with a trunk 0 that E.164 drops: "07700 900123" in GB
# is "+447700900123". Elsewhere a shopper types the "+" and the country code themselves.
TRUNK_ZERO_CODES: dict[str, str] = {
    "GB": "44",
    "IE": "353",
    "FR": "33",
    "DE": "49",
    "NL": "31",
    "BE": "32",
    "AT": "43",
    "CH": "41",
    "SE": "46",
}
_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")


class Need(msgspec.Struct, frozen=True, kw_only=True):
    """One fulfilment of the bag as checkout will place it: its method and, for a courier, its zone."""

    method: Method
    lines: str  # which bags, in words: "the Noa micro bag"
    zone_name: str = ""
    quoted_postcode: str | None = None  # the postcode the courier line was quoted for
    prefixes: tuple[str, ...] = ()  # the zone's postcode prefixes; none for a zone by radius


class Address(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    line1: str
    line2: str
    city: str
    postcode: str  # display form: "E2 8AA"
    country: str  # upper-case alpha-2


class Contact(msgspec.Struct, frozen=True, kw_only=True):
    """What the order stores: the address and phone only if something ships, the collector only for pickups."""

    address: Address | None = None
    phone: str | None = None
    collector: str | None = None


def display_postcode(postcode: str) -> str:
    """Upper case, one space before a UK inward code: ``"e28aa"`` -> ``"E2 8AA"``; other codes unspaced."""
    code = rules.normalise_postcode(postcode)
    outward = rules.outward_code(code)
    return f"{outward} {code[len(outward) :]}" if outward != code else code


def normalise_phone(phone: str, country: str | None) -> str | None:
    """E.164 (``+`` and 8 to 15 digits), or None when it cannot be one."""
    text = _PHONE_PUNCTUATION.sub("", phone)
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+"):
        digits = text[1:]
    elif text.startswith("0") and country in TRUNK_ZERO_CODES:
        digits = TRUNK_ZERO_CODES[country] + text[1:]
    else:
        return None
    if not (digits.isascii() and digits.isdigit()) or digits.startswith("0") or not 8 <= len(digits) <= 15:
        return None
    return "+" + digits


def covers(need: Need, postcode: str) -> bool:
    """Whether the courier quoted for ``need`` delivers to ``postcode``: the quoted one, or any its zone lists."""
    code = rules.normalise_postcode(postcode)
    if need.quoted_postcode is not None and code == rules.normalise_postcode(need.quoted_postcode):
        return True
    return bool(need.prefixes) and rules.postcode_covered(code, need.prefixes)


def contact(data: CheckoutIn, needs: Sequence[Need]) -> Contact:
    """The shopper's details as stored, checked against what each fulfilment needs; a 422 lists every problem."""
    errors: list[FieldError] = []
    shipped = [n for n in needs if n.method in SHIPPED]
    pickup = any(n.method == "pickup" for n in needs)
    address: Address | None = None
    phone: str | None = None
    if shipped:
        if data.address is None:
            errors.append(FieldError("body.address", "Enter the delivery address."))
        else:
            a = data.address
            postcode = display_postcode(a.postcode)
            address = Address(
                name=a.name.strip(),
                line1=a.line1.strip(),
                line2=a.line2.strip(),
                city=a.city.strip(),
                postcode=postcode,
                country=a.country.upper(),
            )
            for field, value in (("name", address.name), ("line1", address.line1), ("city", address.city)):
                if not value:
                    errors.append(FieldError(f"body.address.{field}", _REQUIRED[field]))
            for need in shipped:
                if need.method == "courier" and not covers(need, postcode):
                    where = f" in {need.zone_name}" if need.zone_name else ""
                    errors.append(
                        FieldError(
                            "body.address.postcode",
                            f"Our courier for {need.lines} delivers only{where}, and not to {postcode}. "
                            "Use an address there, or choose another way to get it.",
                        )
                    )
                    break
        if data.phone is None:
            errors.append(FieldError("body.phone", "Enter a phone number for the courier."))
        else:
            phone = normalise_phone(data.phone, address.country if address else None)
            if phone is None:
                errors.append(
                    FieldError("body.phone", "Enter a phone number with its country code, like +44 7700 900123.")
                )
    collector: str | None = None
    if pickup:
        collector = (data.collector or "").strip() or data.name.strip() or None  # the buyer, unless told otherwise
        if collector is None:
            errors.append(FieldError("body.collector", "Enter the name of the person collecting it."))
    raise_field_errors(errors)
    return Contact(address=address, phone=phone, collector=collector)


_REQUIRED = {
    "name": "Enter the name of the person receiving it.",
    "line1": "Enter the first line of the address.",
    "city": "Enter the town or city.",
}

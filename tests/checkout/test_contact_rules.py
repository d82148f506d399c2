"""The rules for the shopper's details at checkout: pure, no database."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.checkout.contact import Need, contact, covers, display_postcode, normalise_phone
from storefront.checkout.schemas import CheckoutIn
from storefront.errors import InvalidInput
from storefront.orders.placing import PICKUP_ALPHABET, draw_pickup_code

EAST = Need(
    method="courier", lines="the Noa bag", zone_name="East London", quoted_postcode="E28AA", prefixes=("E1", "E2")
)
RADIUS = Need(method="courier", lines="the Noa bag", zone_name="Near the hub", quoted_postcode="E28AA")
MADE = Need(method="made_to_order", lines="the Ida tote")
PICKUP = Need(method="pickup", lines="the Noa bag")
ADDRESS = {"name": "Ada Lovelace", "line1": "12 Columbia Road", "city": "London", "postcode": "e2 7rg", "country": "gb"}


def body(**fields: Any) -> CheckoutIn:
    return msgspec.convert({"email": "ada@example.com", **fields}, CheckoutIn)


def problems(data: CheckoutIn, needs: list[Need]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        contact(data, needs)
    return {e.field: e.message for e in caught.value.errors}


def test_postcodes_are_shown_as_people_write_them() -> None:
    assert display_postcode("e2 8aa") == "E2 8AA"
    assert display_postcode(" E28AA ") == "E2 8AA"
    assert display_postcode("ec1a1bb") == "EC1A 1BB"
    assert display_postcode("10001") == "10001"


@given(st.from_regex(r"[A-Z]{1,2}[0-9][0-9]?[0-9][A-Z]{2}", fullmatch=True), st.booleans())
def test_display_postcode_is_stable(code: str, lower: bool) -> None:
    shown = display_postcode(code.lower() if lower else code)
    assert display_postcode(shown) == shown and shown.replace(" ", "") == code


def test_phone_numbers_are_stored_as_e164() -> None:
    assert normalise_phone("07700 900123", "GB") == "+447700900123"
    assert normalise_phone("+44 (7700) 900-123", None) == "+447700900123"
    assert normalise_phone("0044 7700 900123", "FR") == "+447700900123"
    assert normalise_phone("06 12 34 56 78", "FR") == "+33612345678"
    assert normalise_phone("07700 900123", None) is None  # whose trunk zero? ask for the country code
    assert normalise_phone("+44 77", "GB") is None  # too short
    assert normalise_phone("+1234567890123456", "GB") is None  # E.164 stops at 15 digits
    full_width = "+44 " + "".join(chr(0xFF10 + int(d)) for d in "7700900123")
    assert normalise_phone(full_width, "GB") is None  # full-width digits are digits, but not ASCII ones
    assert normalise_phone("call me", "GB") is None


@given(st.text(max_size=24), st.sampled_from(["GB", "FR", None]))
def test_a_normalised_phone_is_always_e164(text: str, country: str | None) -> None:
    phone = normalise_phone(text, country)
    if phone is not None:
        assert phone[0] == "+" and phone[1:].isascii() and phone[1:].isdigit() and 8 <= len(phone) - 1 <= 15
        assert normalise_phone(phone, None) == phone


def test_a_courier_zone_covers_its_prefixes_and_the_quoted_postcode() -> None:
    assert covers(EAST, "E2 7RG") and covers(EAST, "e1 6an") and not covers(EAST, "E14 3AB")
    assert covers(RADIUS, "e2 8aa") and not covers(RADIUS, "E2 7RG")  # a zone by radius: only what was quoted


def test_a_courier_line_needs_an_address_in_its_zone_and_a_phone() -> None:
    got = contact(body(address=ADDRESS, phone="07700 900123"), [EAST])
    assert got.address is not None and got.address.postcode == "E2 7RG" and got.address.country == "GB"
    assert got.phone == "+447700900123" and got.collector is None
    assert problems(body(), [EAST]) == {
        "body.address": "Enter the delivery address.",
        "body.phone": "Enter a phone number for the courier.",
    }
    far = problems(body(address={**ADDRESS, "postcode": "N16 8AA"}, phone="07700 900123"), [EAST])
    assert far == {
        "body.address.postcode": "Our courier for the Noa bag delivers only in East London, and not to N16 8AA. "
        "Use an address there, or choose another way to get it."
    }


def test_blank_lines_and_a_phone_without_country_code_are_named() -> None:
    blank = {**ADDRESS, "name": "  ", "city": " ", "country": "US"}
    assert set(problems(body(address=blank, phone="0123 456 789"), [EAST])) == {
        "body.address.name",
        "body.address.city",
        "body.phone",
    }


def test_made_to_order_ships_so_it_needs_an_address_but_no_zone() -> None:
    far = {**ADDRESS, "postcode": "N16 8AA"}
    got = contact(body(address=far, phone="+44 7700 900123"), [MADE])
    assert got.address is not None and got.address.postcode == "N16 8AA"
    assert set(problems(body(), [MADE])) == {"body.address", "body.phone"}


def test_pickup_needs_a_collector_and_ignores_an_address() -> None:
    got = contact(body(collector=" Grace ", address=ADDRESS, phone="nonsense"), [PICKUP])
    assert (got.collector, got.address, got.phone) == ("Grace", None, None)
    assert contact(body(name="Ada"), [PICKUP]).collector == "Ada"  # the buyer, unless told otherwise
    assert problems(body(), [PICKUP]) == {"body.collector": "Enter the name of the person collecting it."}


def test_a_mixed_bag_asks_for_everything_at_once() -> None:
    assert set(problems(body(), [PICKUP, EAST, MADE])) == {"body.address", "body.phone", "body.collector"}


def test_the_schema_refuses_control_characters_and_bad_countries() -> None:
    for bad in ({**ADDRESS, "line1": "12\x00 Road"}, {**ADDRESS, "country": "GBR"}, {**ADDRESS, "city": "x\n"}):
        with pytest.raises(msgspec.ValidationError):
            body(address=bad)


@given(st.randoms(use_true_random=False))
def test_pickup_codes_use_the_unambiguous_alphabet(random: Any) -> None:
    code = draw_pickup_code(random.choice)
    assert len(code) == 6 and set(code) <= set(PICKUP_ALPHABET) and not set(code) & set("01OI")

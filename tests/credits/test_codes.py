"""Credit codes, pure: long and random, typable, self-checking, normalised, and stored only as a keyed hash."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.credits import codes

KEY = codes.hashing_key("k" * 48)
SHAPE = re.compile(r"^SKC(-[0-9A-HJKMNP-TV-Z]{4}){6}$")


def test_a_code_is_grouped_crockford_base32_with_at_least_100_random_bits() -> None:
    code = codes.generate()
    assert SHAPE.match(code), code
    assert codes.RANDOM_SYMBOLS * math.log2(len(codes.ALPHABET)) >= 100
    assert len({codes.generate() for _ in range(200)}) == 200


def test_a_code_parses_back_to_its_symbols() -> None:
    code = codes.generate()
    assert codes.parse(code) == code.replace("-", "")


@given(st.data())
def test_case_spaces_dashes_and_misread_letters_do_not_matter(data: st.DataObject) -> None:
    code = codes.generate()
    symbols = code.replace("-", "")
    typed = "".join(
        data.draw(st.sampled_from([c.lower(), c, f" {c}", f"{c}-"]), label=c)
        for c in symbols.replace("0", "O").replace("1", data.draw(st.sampled_from(["I", "l", "1"])))
    )
    assert codes.parse(typed) == symbols


@given(position=st.integers(0, 26), replacement=st.sampled_from(codes.ALPHABET))
def test_every_single_mistyped_symbol_is_caught(position: int, replacement: str) -> None:
    symbols = codes.parse(codes.generate())
    if symbols[position] == replacement:
        return
    typo = symbols[:position] + replacement + symbols[position + 1 :]
    with pytest.raises(codes.BadCode, match="typing mistake"):
        codes.parse(typo)


def test_most_swapped_neighbours_are_caught() -> None:
    caught = total = 0
    for _ in range(300):
        symbols = codes.parse(codes.generate())
        for i in range(len(symbols) - 1):
            if symbols[i] != symbols[i + 1]:
                total += 1
                swapped = symbols[:i] + symbols[i + 1] + symbols[i] + symbols[i + 2 :]
                caught += codes.check_symbol(swapped[:-1]) != swapped[-1]
    assert caught / total > 0.98


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "24 letters"),
        ("SKC-1234", "24 letters"),
        ("SKC-ABCD-EFGH-JKMN-PQRS-TVWX-YZ0U", "only letters and digits"),  # U is not Crockford
        ("SKC-ABCD-EFGH-JKMN-PQRS-TVWX-YZ0*", "only letters and digits"),
        ("S" * 100, "too long"),
    ],
)
def test_what_cannot_be_a_code_is_refused_in_words(text: str, why: str) -> None:
    with pytest.raises(codes.BadCode, match=why):
        codes.parse(text)


def test_a_device_prefix_is_part_of_the_code_and_of_its_check() -> None:
    code = codes.generate("SKC7D")
    assert code.startswith("SKC7D-")
    symbols = codes.parse(code)
    with pytest.raises(codes.BadCode):
        codes.parse("SKC8D" + symbols[5:])
    with pytest.raises(ValueError, match="prefix"):
        codes.generate("SKI")  # I is not a symbol


def test_only_a_keyed_hash_is_kept_and_it_depends_on_the_key() -> None:
    symbols = codes.parse(codes.generate())
    stored = codes.code_hash(KEY, symbols)
    assert symbols not in stored and len(stored) == 64
    assert codes.same_hash(stored, codes.code_hash(KEY, symbols))
    assert stored != codes.code_hash(codes.hashing_key("x" * 48), symbols)
    with pytest.raises(ValueError, match="secret"):
        codes.hashing_key("")

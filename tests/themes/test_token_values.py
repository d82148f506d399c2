"""Theme token values are accepted by what they are (colours, lengths, font stacks), never by a deny-list.

The properties say what no accepted value can hold, whatever a brand sends; the examples pin
the shapes a brand does send, and the attacks that got past the old deny-list. All pure but the
last, which follows a hostile token from the API to a rendered fragment.
"""

from __future__ import annotations

import re

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.theming import available_themes, compile_css, load_theme, merged_tokens
from storefront.tenancy import Brand, bump_catalog_version
from storefront.tenancy.schemas import CreatedBrand
from storefront.tenancy.tokens import MAX_LENGTH, UNITS, is_token_name, is_token_value
from tests.conftest import auth
from tests.factories import product_body

ALLOWED_FUNCTIONS = ("rgb", "rgba", "hsl", "hsla")
# Fragments an attacker would splice together; the property tests mix them with ordinary text.
HOSTILE = [
    "url(",
    "URL(",
    "image-set(",
    "-webkit-image-set(",
    "image(",
    "cross-fade(",
    "element(",
    "attr(",
    "var(",
    "env(",
    "expression(",
    "src(",
    "\\",
    "\\75 rl(",
    ";",
    "{",
    "}",
    "<",
    ">",
    "</style>",
    "@import",
    "@",
    "!important",
    ":",
    "/*",
    "*/",
    "'",
    '"',
    "(",
    ")",
    "&",
    "\n",
    "\r",
    "\t",
    "\x00",
    "\u00a0",
    "\u2028",
    "\uff08",  # a full-width parenthesis
    "http://tracker.example/p.gif",
    "//tracker.example",
    "rgb(",
    "#fff",
    "#c00",
    "1px",
    "2rem",
    "0",
    "50%",
    ",",
    " ",
    "  ",
    "serif",
    "'Segoe UI'",
    "red",
    "1x",
]


def assert_harmless(value: str) -> None:
    """What no accepted value may hold: the invariants the allow-list exists for."""
    assert len(value) <= MAX_LENGTH
    assert value.isascii() and value.isprintable(), value
    for forbidden in (";", "{", "}", "<", ">", "@", "\\", "!", ":", "&", "/*", "*/", "  "):
        assert forbidden not in value, (forbidden, value)
    # Every "(" opens one of the colour functions, and holds only numbers, units and separators.
    for match in re.finditer(r"\(", value):
        before = re.search(r"([A-Za-z-]*)$", value[: match.start()])
        assert before is not None and before.group(1).lower() in ALLOWED_FUNCTIONS, value
        inside = value[match.end() : value.index(")", match.end())]
        assert re.fullmatch(r"[0-9.+%deg ,/-]*", inside, re.IGNORECASE), value
    assert value.count("(") == value.count(")"), value
    # Quotes only wrap a whole family name between commas, never open across one.
    for family in value.split(","):
        family = family.strip()
        if "'" in family or '"' in family:
            assert family[0] == family[-1] and family[0] in "'\"", value
            assert family[0] not in family[1:-1], value


@given(st.text(max_size=MAX_LENGTH + 20))
def test_no_accepted_text_holds_anything_but_a_token_shape(value: str) -> None:
    if is_token_value(value):
        assert_harmless(value)


@given(st.lists(st.sampled_from(HOSTILE) | st.text(alphabet="abcdefrgbhslurlimage-set0123456789 .,#%()", max_size=8)))
def test_spliced_attacks_are_refused_or_harmless(parts: list[str]) -> None:
    value = "".join(parts)
    if is_token_value(value):
        assert_harmless(value)


NUMBER = st.one_of(
    st.integers(0, 9999).map(str),
    st.tuples(st.integers(0, 999), st.integers(0, 9999)).map(lambda t: f"{t[0]}.{t[1]}"),
)
LENGTH = st.tuples(NUMBER, st.sampled_from(["", *UNITS])).map("".join)
HEX = st.sampled_from([3, 4, 6, 8]).flatmap(
    lambda n: st.text(alphabet="0123456789abcdefABCDEF", min_size=n, max_size=n).map(lambda h: "#" + h)
)
RGB = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)).map(
    lambda c: f"rgb({c[0]}, {c[1]}, {c[2]})"
)
HSLA = st.tuples(st.integers(0, 360), st.integers(0, 100), st.integers(0, 100), NUMBER).map(
    lambda c: f"hsl({c[0]}deg {c[1]}% {c[2]}% / {c[3]})"
)
WORD = st.from_regex(r"-?[a-z][a-z0-9-]{0,12}", fullmatch=True)
FAMILY = st.one_of(
    WORD,
    st.from_regex(r"[A-Z][a-z]{1,10}( [A-Z][a-z]{1,10}){0,2}", fullmatch=True).flatmap(
        lambda name: st.sampled_from([f"'{name}'", f'"{name}"'])
    ),
)
FONT_STACK = st.lists(FAMILY, min_size=1, max_size=6).map(", ".join)


@given(st.one_of(HEX, RGB, HSLA, LENGTH, st.lists(LENGTH, min_size=1, max_size=4).map(" ".join), FONT_STACK))
def test_every_shape_a_token_is_for_is_accepted(value: str) -> None:
    assert is_token_value(value), value
    assert_harmless(value)
    css = compile_css(load_theme("default"), {"color-accent": value})
    assert f"--sk-color-accent: {value};" in css


@pytest.mark.parametrize("name", available_themes())
def test_every_shipped_token_is_a_token_shape(name: str) -> None:
    """The grammar covers what the themes themselves use, so a brand can copy any of it."""
    for key, value in load_theme(name).tokens:
        assert is_token_name(key) and is_token_value(value), (name, key, value)


@pytest.mark.parametrize(
    "value",
    [
        'image-set("https://tracker.example/p.gif" 1x)',
        "-webkit-image-set(url(https://tracker.example/p.gif) 1x)",
        "url(https://tracker.example/p.gif)",
        "u\\72l(https://tracker.example/p.gif)",  # an escaped "url("
        "expression(alert(1))",
        "var(--secret)",
        "attr(data-x)",
        "red !important",
        "#fff; background: red",
        "'Inter'; } body { display: none",
        "'Inter\", serif",
        "'Inter",
        "rgb(1, 2, url(x))",
        "rgb(1, 2, 3",
        "1px\n",
        "serif\n",
        "1\u0661px",  # an Arabic-Indic digit
        "\uff08",
        "",
        "1" * (MAX_LENGTH + 1),
    ],
)
def test_known_attacks_are_refused(value: str) -> None:
    assert not is_token_value(value)


def test_a_refused_value_leaves_the_theme_token_in_place() -> None:
    theme = load_theme("default")
    defaults = dict(theme.tokens)
    attack = 'image-set("https://tracker.example/p.gif" 1x)'
    tokens = merged_tokens(theme, {"color-surface": attack, "color-accent": "hsl(20 60% 30%)"})
    assert tokens["color-surface"] == defaults["color-surface"]
    assert tokens["color-accent"] == "hsl(20 60% 30%)"
    assert "tracker.example" not in compile_css(theme, {"color-surface": attack})


async def test_a_brands_hostile_token_never_reaches_its_fragments(
    client: httpx.AsyncClient, brand: CreatedBrand
) -> None:
    made = await client.post("/v1/products", json=product_body(title="Ivo Micro Bag"), headers=auth(brand.secret_key))
    assert made.status_code == 201, made.text
    attack = 'image-set("https://tracker.example/p.gif" 1x)'
    # Stored before writes were checked (the API now refuses it): the stylesheet still drops it.
    await Brand.filter(id=brand.brand.id).update(theme_tokens={"color-surface": attack, "color-accent": "#c00"})
    await bump_catalog_version(brand.brand.id)
    fragment = await client.get(
        "/v1/components/price", params={"product": "ivo-micro-bag"}, headers=auth(brand.publishable_key)
    )
    assert fragment.status_code == 200, fragment.text
    root = fragment.text.split(">", 1)[0]
    assert "--sk-color-accent: #c00;" in root
    assert "tracker.example" not in fragment.text and "image-set" not in fragment.text


async def test_a_brand_cannot_store_a_token_the_stylesheet_would_drop(
    client: httpx.AsyncClient, brand: CreatedBrand
) -> None:
    """Refused at write time with the token named, rather than stored and silently left out of every page."""
    response = await client.patch(
        "/v1/brand",
        json={"theme_tokens": {"accent": 'image-set("http://evil.example/x.png" 1x)', "radius": "6px"}},
        headers=auth(brand.secret_key),
    )
    assert response.status_code == 422, response.text
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["body.theme_tokens.accent"], fields
    fine = await client.patch("/v1/brand", json={"theme_tokens": {"radius": "6px"}}, headers=auth(brand.secret_key))
    assert fine.status_code == 200, fine.text

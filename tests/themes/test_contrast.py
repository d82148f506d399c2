"""Every theme's colour tokens meet WCAG 2.2 AA contrast (1.4.3 for text, 1.4.11 for focus rings and markers)."""

from __future__ import annotations

import re

import pytest

from components.theming import available_themes, load_theme

HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")

# (foreground, background, minimum ratio)
PAIRS = [
    ("color-text", "color-surface", 4.5),
    ("color-text", "color-surface-alt", 4.5),
    ("color-muted", "color-surface", 4.5),
    ("color-muted", "color-surface-alt", 4.5),
    ("color-accent-contrast", "color-accent", 4.5),
    ("color-accent", "color-surface", 4.5),  # links and labels are set in the accent colour
    ("color-sale", "color-surface", 4.5),
    ("color-focus", "color-surface", 3.0),  # non-text: the focus outline
    ("color-positive", "color-surface", 3.0),  # non-text: the in-stock dot (the words say it too)
]


def luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_formula_matches_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#fff", "#fff") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic AA grey


def test_there_are_several_themes() -> None:
    assert {"default", "atelier", "noir"} <= set(available_themes())


@pytest.mark.parametrize("theme_name", available_themes())
@pytest.mark.parametrize(("fg", "bg", "minimum"), PAIRS, ids=[f"{fg}-on-{bg}" for fg, bg, _ in PAIRS])
def test_contrast(theme_name: str, fg: str, bg: str, minimum: float) -> None:
    tokens = dict(load_theme(theme_name).tokens)
    assert HEX.match(tokens[fg]) and HEX.match(tokens[bg]), f"{theme_name}: {fg} and {bg} must be hex colours"
    ratio = contrast(tokens[fg], tokens[bg])
    assert ratio >= minimum, f"{theme_name}: {fg} {tokens[fg]} on {bg} {tokens[bg]} is {ratio:.2f}:1 < {minimum}:1"

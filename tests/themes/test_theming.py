"""Themes: token inheritance, the compiled stylesheet, unsafe overrides, cycles, template overrides, HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from components import theming
from components.theming import UnknownTheme, available_themes, compile_css, load_theme, merged_tokens
from tests.conftest import MakeBrand, auth
from tests.factories import product_body
from themes import THEMES_DIR

Client = httpx.AsyncClient


def test_child_theme_merges_its_parents_tokens() -> None:
    default = dict(load_theme("default").tokens)
    atelier = load_theme("atelier")
    tokens = dict(atelier.tokens)
    assert atelier.chain == ("atelier", "default")
    assert set(tokens) == set(default)  # nothing lost, nothing invented
    assert tokens["radius"] == "0" != default["radius"]  # the child's own value wins
    assert tokens["font-size"] == default["font-size"]  # inherited untouched


def test_every_theme_defines_only_tokens_the_default_has() -> None:
    """A token only a child defines would be unset under the default theme's CSS."""
    default = set(dict(load_theme("default").tokens))
    for name in available_themes():
        assert set(dict(load_theme(name).tokens)) == default, name


@pytest.mark.parametrize("name", available_themes())
def test_compiled_css_is_layered_and_holds_every_token(name: str) -> None:
    theme = load_theme(name)
    css = compile_css(theme, {})
    assert css.startswith("@layer stallkit {\n.sk-root {\n")
    assert css.rstrip().endswith("}")
    assert css.count("{") == css.count("}"), "a theme's components.css has unbalanced braces"
    for key, value in theme.tokens:
        assert f"--sk-{key}: {value};" in css
    used = set(re.findall(r"var\(--sk-([a-z0-9-]+)\)", css))
    assert used <= set(dict(theme.tokens)), f"CSS uses undefined tokens: {used - set(dict(theme.tokens))}"


def test_parent_css_comes_before_the_childs() -> None:
    css = compile_css(load_theme("noir"), {})
    base = (THEMES_DIR / "default" / "static" / "components.css").read_text()
    own = (THEMES_DIR / "noir" / "static" / "components.css").read_text()
    assert css.index(base) < css.index(own)


def test_base_css_stays_compact_and_scoped() -> None:
    css = (THEMES_DIR / "default" / "static" / "components.css").read_text()
    assert len(css.encode()) < 12 * 1024
    for name in available_themes():
        path = THEMES_DIR / name / "static" / "components.css"
        if not path.is_file():
            continue
        text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.DOTALL)
        text = re.sub(r"\{[^{}]*\}", "{}", text)  # drop declaration blocks, keep selectors and at-rules
        for selector in re.findall(r"([^{}]+)\{\}", text):
            for part in _split_selector_list(selector):
                if part.startswith("@") or not part:
                    continue
                assert ".sk-" in part, f"{name}: selector {part!r} is not scoped to .sk- classes"


def _split_selector_list(selector: str) -> list[str]:
    """Top-level commas only: ``:where(h1, h2)`` stays whole."""
    parts, depth, current = [], 0, ""
    for char in selector:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


def test_unsafe_overrides_are_dropped() -> None:
    theme = load_theme("default")
    defaults = dict(theme.tokens)
    tokens = merged_tokens(
        theme,
        {
            "color-accent": "red; } body { visibility: hidden",
            "color-text": "url(https://tracker.example/p.gif)",
            "color-muted": "#000}",
            "color-border": "#000;",
            "Bad Name": "#ffffff",
            "color-sale": "#cc0000",
            "radius": "0",
        },
    )
    assert tokens["color-sale"] == "#cc0000"
    assert tokens["radius"] == "0"
    for key in ("color-accent", "color-text", "color-muted", "color-border"):
        assert tokens[key] == defaults[key]
    assert "Bad Name" not in tokens
    css = compile_css(theme, {"color-accent": "red; } body { visibility: hidden", "color-sale": "#cc0000"})
    assert "--sk-color-sale: #cc0000;" in css
    assert "visibility: hidden" not in css


@pytest.fixture
def fake_themes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(theming, "THEMES_DIR", tmp_path)
    load_theme.cache_clear()
    (tmp_path / "default").mkdir()
    (tmp_path / "default" / "theme.toml").write_text('[tokens]\ncolor-text = "#000000"\n')
    yield tmp_path
    load_theme.cache_clear()


def _theme(root: Path, name: str, toml: str) -> None:
    (root / name).mkdir()
    (root / name / "theme.toml").write_text(toml)


def test_a_theme_extending_itself_raises(fake_themes: Path) -> None:
    _theme(fake_themes, "loop", 'extends = "loop"\n')
    with pytest.raises(UnknownTheme, match="extends itself"):
        load_theme("loop")


def test_a_cycle_through_two_themes_raises(fake_themes: Path) -> None:
    _theme(fake_themes, "ping", 'extends = "pong"\n')
    _theme(fake_themes, "pong", 'extends = "ping"\n')
    with pytest.raises(UnknownTheme):
        load_theme("ping")


def test_a_missing_parent_raises_and_resolve_falls_back(fake_themes: Path) -> None:
    _theme(fake_themes, "orphan", 'extends = "nowhere"\n')
    with pytest.raises(UnknownTheme, match="nowhere"):
        load_theme("orphan")
    assert theming.resolve_theme("orphan").name == "default"


async def test_theme_css_is_served_with_etag_and_revalidates(client: Client) -> None:
    first = await client.get("/static/themes/noir.css")
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/css")
    assert first.text == compile_css(load_theme("noir"), {})
    etag = first.headers["etag"]
    assert etag.startswith('"') and "max-age" in first.headers["cache-control"]
    again = await client.get("/static/themes/noir.css", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    other = await client.get("/static/themes/atelier.css", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag


async def test_unknown_theme_css_is_404(client: Client) -> None:
    assert (await client.get("/static/themes/nope.css")).status_code == 404
    assert (await client.get("/static/themes/..%2Fdefault.css")).status_code in (400, 404)


async def test_atelier_brand_gets_the_atelier_price_template(client: Client, make_brand: MakeBrand) -> None:
    """themes/atelier/templates/price/ is found before the components' own price template."""
    atelier, plain = await make_brand(), await make_brand()
    sale_sku = {}
    for brand in (atelier, plain):
        body = product_body(title="Ivo Micro Bag")
        made = await client.post("/v1/products", json=body, headers=auth(brand.secret_key))
        assert made.status_code == 201, made.text
        sale_sku[brand.publishable_key] = made.json()["variants"][1]["sku"]  # the one with a compare-at price
    patched = await client.patch("/v1/brand", json={"theme": "atelier"}, headers=auth(atelier.secret_key))
    assert patched.status_code == 200, patched.text

    async def price(key: str) -> str:
        response = await client.get(
            "/v1/components/price", params={"product": "ivo-micro-bag", "variant": sale_sku[key]}, headers=auth(key)
        )
        assert response.status_code == 200, response.text
        return response.text

    themed = await price(atelier.publishable_key)
    assert "sk-theme-atelier" in themed
    assert "sk-price--atelier" in themed
    assert "% off" in themed and "Now" in themed

    default = await price(plain.publishable_key)
    assert "sk-theme-default" in default
    assert "sk-price--atelier" not in default
    assert "Save " in default

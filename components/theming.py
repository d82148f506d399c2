"""Themes: ``themes/<name>/theme.toml`` tokens compiled to CSS custom properties.

A theme may ``extends`` another; tokens merge parent first, then child, then the brand's own
overrides (``theme_tokens`` on the brand). Template overrides are found along the same chain
(brand theme, its parents, then the components' own templates).
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from storefront.events.pack import PackTheme
from storefront.tenancy.tokens import is_token_name, is_token_value
from themes import THEMES_DIR

COMPONENTS_DIR = Path(__file__).parent
DEFAULT_THEME = "default"


class UnknownTheme(LookupError):
    pass


@dataclass(frozen=True)
class Theme:
    name: str
    chain: tuple[str, ...]  # this theme first, then its parents, ending with "default"
    tokens: tuple[tuple[str, str], ...]

    @property
    def template_dirs(self) -> list[Path]:
        return [THEMES_DIR / name / "templates" for name in self.chain if (THEMES_DIR / name / "templates").is_dir()]


def available_themes() -> list[str]:
    return sorted(p.parent.name for p in THEMES_DIR.glob("*/theme.toml"))


@cache
def load_theme(name: str) -> Theme:
    """The theme with its parents' tokens merged in; cached, since themes are files shipped with the code."""
    chain: list[str] = []
    tokens: dict[str, str] = {}
    current: str | None = name
    while current is not None:
        if current in chain:
            raise UnknownTheme(f"theme {name!r} extends itself through {current!r}")
        path = THEMES_DIR / current / "theme.toml"
        if not path.is_file():
            raise UnknownTheme(f"no theme named {current!r}")
        data = tomllib.loads(path.read_text())
        chain.append(current)
        tokens = {**{str(k): str(v) for k, v in data.get("tokens", {}).items()}, **tokens}
        current = data.get("extends") or (None if current == DEFAULT_THEME else DEFAULT_THEME)
    return Theme(name=name, chain=tuple(chain), tokens=tuple(sorted(tokens.items())))


def resolve_theme(name: str) -> Theme:
    """The brand's theme, or the default when the brand names one that doesn't exist (never a 500)."""
    try:
        return load_theme(name)
    except UnknownTheme:
        return load_theme(DEFAULT_THEME)


def merged_tokens(theme: Theme, overrides: dict[str, str]) -> dict[str, str]:
    """Theme tokens with the brand's overrides; a name or value that is not a token's shape is dropped, not escaped.

    See :mod:`components.tokens` for the shapes: an allow-list, since CSS offers too many ways to
    load or read something for a deny-list to keep up.
    """
    tokens = dict(theme.tokens)
    for key, value in overrides.items():
        if is_token_name(key) and is_token_value(value):
            tokens[key] = value
    return tokens


def pack_theme(name: str, overrides: Mapping[str, str]) -> PackTheme:
    """The brand's theme as the event pack carries it (tokens resolved as for the CSS), for a till offline.

    ``components.plugin`` gives it to the storefront's pack route (``storefront.events.packs``),
    which may not import themes itself.
    """
    theme = resolve_theme(name)
    return PackTheme(name=theme.name, tokens=merged_tokens(theme, dict(overrides)))


def compile_css(theme: Theme, overrides: dict[str, str]) -> str:
    """The theme's stylesheet: tokens as ``--sk-*`` custom properties inside ``@layer stallkit``."""
    tokens = merged_tokens(theme, overrides)
    lines = [f"  --sk-{key}: {value};" for key, value in sorted(tokens.items())]
    base = _base_css(theme)
    return "@layer stallkit {\n.sk-root {\n" + "\n".join(lines) + "\n}\n" + base + "\n}\n"


@cache
def _base_css(theme: Theme) -> str:
    """Each theme in the chain may ship ``static/components.css``; parents first so children win.

    A component may ship its own stylesheet beside its template (``components/<folder>/*.css``,
    and ``components/*.css`` for parts several share); these come right after the default
    theme's base, so every theme gets them and any theme can restyle them.

    Read once per theme: the files ship with the code, and this runs for every theme CSS request
    and every component render.
    """
    parts = []
    for name in reversed(theme.chain):
        css = THEMES_DIR / name / "static" / "components.css"
        if css.is_file():
            parts.append(css.read_text())
        if name == DEFAULT_THEME:
            parts.extend(path.read_text() for path in component_stylesheets())
    return "\n".join(parts)


def component_stylesheets() -> list[Path]:
    """The components' own CSS: shared parts first, then each component's, in a stable order."""
    return sorted(COMPONENTS_DIR.glob("*.css")) + sorted(COMPONENTS_DIR.glob("*/*.css"))


def theme_fingerprint(theme: Theme, overrides: dict[str, str]) -> str:
    """Changes whenever the compiled CSS would: part of every component ETag."""
    return hashlib.sha256(compile_css(theme, overrides).encode()).hexdigest()[:16]

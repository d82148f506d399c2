"""Render props through Jinja, with theme template overrides found first.

One Jinja environment per theme (brand theme, its parents, then the components' own folder on
the search path), built once per app. Templates receive ``props`` (and ``locale`` for the
filters) and nothing else: no queries, no services.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import msgspec
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from components.filters import FILTERS
from components.structured_data import product_group
from components.theming import Theme, merged_tokens, resolve_theme
from storefront.tenancy.schemas import BrandOut

COMPONENTS_DIR = Path(__file__).parent


class Renderer:
    """Per-app cache of Jinja environments, keyed by theme."""

    def __init__(self) -> None:
        self._environments: dict[str, tuple[Environment, str]] = {}

    def environment(self, theme: Theme) -> tuple[Environment, str]:
        """The theme's environment and a version string of every template it can see."""
        cached = self._environments.get(theme.name)
        if cached is None:
            dirs = [*theme.template_dirs, COMPONENTS_DIR]
            env = Environment(
                loader=ChoiceLoader([FileSystemLoader(str(d)) for d in dirs]),
                autoescape=select_autoescape(default=True, default_for_string=True),
                undefined=StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                auto_reload=False,
            )
            env.filters.update(FILTERS)
            env.globals["to_json"] = _to_json
            env.globals["product_group"] = product_group  # the product page's JSON-LD, from its props
            cached = (env, _templates_version(dirs))
            self._environments[theme.name] = cached
        return cached

    def render(self, theme: Theme, template: str, props: msgspec.Struct, locale: str) -> str:
        env, _ = self.environment(theme)
        return env.get_template(template).render(props=props, locale=locale)

    def render_root(self, theme: Theme, component: Any, inner: str, overrides: dict[str, str]) -> str:
        """Wrap a fragment in the ``sk-root`` element that scopes styles and carries brand tokens."""
        env, _ = self.environment(theme)
        return env.get_template("_root.html.jinja").render(
            component=component,
            inner=Markup(inner),  # noqa: S704 - our own autoescaped render output
            theme=theme.name,
            overrides=overrides,
        )

    def version(self, theme: Theme) -> str:
        return self.environment(theme)[1]


def render_html(renderer: Renderer, component: Any, props: msgspec.Struct, brand: BrandOut) -> str:
    """A component's fragment for ``brand``: its theme, with the brand's token overrides on the root."""
    theme = resolve_theme(brand.theme)
    tokens = merged_tokens(theme, brand.theme_tokens)
    overrides = {k: v for k, v in tokens.items() if dict(theme.tokens).get(k) != v}
    inner = renderer.render(theme, component.template, props, brand.locale)
    return renderer.render_root(theme, component, inner, overrides)


def _templates_version(dirs: list[Path]) -> str:
    digest = hashlib.sha256()
    for directory in dirs:
        for path in sorted(directory.rglob("*.jinja")):
            digest.update(str(path.relative_to(directory)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _to_json(value: Any) -> str:
    """JSON for a ``<script type="application/ld+json">`` block.

    Every ``<``, ``>`` and ``&`` becomes a JSON unicode escape, so neither ``</script>`` nor
    ``<!--<script`` (which would make the parser miss the real end tag) can appear in it.
    """
    text = msgspec.json.encode(value).decode()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

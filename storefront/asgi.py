"""Composition root for ASGI servers: ``uvicorn storefront.asgi:app``.

Settings are read from the environment here, once; everything below receives them.
Components are mounted here, and only here: the storefront never imports them.
"""

from __future__ import annotations

from components.plugin import ComponentsPlugin
from storefront.app import create_app
from storefront.settings import Settings

app = create_app(Settings.from_env().with_secret(), plugins=[ComponentsPlugin()])

"""Composition root for ASGI servers: ``uvicorn storefront.asgi:app``.

Settings are read from the environment here, once; everything below receives them.
Components are mounted here (and only here) when the components package provides its plugin.
"""

from __future__ import annotations

from storefront.app import create_app
from storefront.settings import Settings

app = create_app(Settings.from_env().with_secret())

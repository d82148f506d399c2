"""Themes are data (``<name>/theme.toml`` plus optional templates); this package only locates them."""

from pathlib import Path

THEMES_DIR = Path(__file__).parent

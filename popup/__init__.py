"""The pop-up stall app (its own issue fills this package).

It shares code with the storefront (money, the sync protocol), never tables: an import-linter
contract in pyproject.toml enforces it.
"""

"""Product-page components (the product-page components issue fills this package).

Rules that already hold: components build their props from storefront services and schemas,
never from models (an import-linter contract in pyproject.toml enforces it).
"""

"""Catalogue: products, variants and what the product page discloses about them."""

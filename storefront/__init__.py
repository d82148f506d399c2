"""Stallkit storefront: the headless commerce core (catalogue, tenancy, stock, lookbooks)."""

"""Inventory: locations and stock, kept as a ledger of movements with a cached level."""

"""Fulfilment: pickup points, courier zones, microfactories, and the promise each makes.

The configuration is data (``models``); what a customer is promised is computed by a pure
engine (``promise``) from rules the service loads, so every promise can be tested at any
instant, in any timezone, without a database.
"""

"""Tenancy: brands (the tenants) and their API keys."""

"""Lookbooks: styled looks whose items link to products (shoppable hotspots)."""

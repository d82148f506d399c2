"""Receiving a stall device's journal at sync: judging each entry, applying it through the ledgers, answering.

``entries`` (pure) tells new entries from replays and conflicts; ``batch`` runs one batch in
one transaction; ``apply_*`` turn each kind of entry into the owning domains' calls (orders,
stock, credits); ``progress`` answers ``acked_seq`` and the gaps; ``updates`` what changed.
"""

from storefront.events.ingest import entries
from storefront.events.ingest.batch import sync

__all__ = ["entries", "sync"]

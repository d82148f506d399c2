"""The till's sync client: the journal to the storefront, exactly once, whatever the network does.

``sync(store, Storefront(url), SyncTarget(event_id, tokens), clock=...)`` sends every pending entry
and answers a :class:`SyncReport`; :class:`BackgroundSync` does it in a thread while the till sells.
"""

from popup.sync.background import BackgroundSync
from popup.sync.client import SyncFailed, SyncReport, SyncTarget, batch_key, send_batch, sync
from popup.sync.transport import Answer, Storefront, Unreachable

__all__ = [
    "Answer",
    "BackgroundSync",
    "Storefront",
    "SyncFailed",
    "SyncReport",
    "SyncTarget",
    "Unreachable",
    "batch_key",
    "send_batch",
    "sync",
]

"""The pop-up till's durable local store: one SQLite file per data directory, and its journal.

``TillStore.open(data_dir, device_id=..., clock=...)`` locks the directory, upgrades the schema
and answers the store; ``record(kind, payload, apply)`` commits an action's state change with its
journal entry; ``pending``/``mark_synced``/``note_sync_error``/``status`` serve the sync client;
``export_pending``/``import_export`` carry unsynced entries to another till; ``reset`` clears the
store for a new pack once nothing would be lost.
"""

from popup.store.entries import Entry, canonical_json, content_hash
from popup.store.errors import (
    AckBeyondJournal,
    DeviceMismatch,
    ExportFileInvalid,
    ImportConflict,
    InvalidTillInput,
    ResetRefused,
    StoreTooNew,
    StoreUnsafe,
    TillAlreadyOpen,
    TillStoreError,
)
from popup.store.migrations import CURRENT_VERSION
from popup.store.reports import ExportReport, ImportReport, TillStatus
from popup.store.store import DATABASE_FILE, Apply, TillStore

__all__ = [
    "CURRENT_VERSION",
    "DATABASE_FILE",
    "AckBeyondJournal",
    "Apply",
    "DeviceMismatch",
    "Entry",
    "ExportFileInvalid",
    "ExportReport",
    "ImportConflict",
    "ImportReport",
    "InvalidTillInput",
    "ResetRefused",
    "StoreTooNew",
    "StoreUnsafe",
    "TillAlreadyOpen",
    "TillStatus",
    "TillStore",
    "TillStoreError",
    "canonical_json",
    "content_hash",
]

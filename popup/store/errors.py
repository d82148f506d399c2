"""What the till's store refuses, as domain errors a later piece maps to problem details.

They subclass the storefront's hierarchy (``storefront.errors``), so the one mapping to RFC 9457
problems gives each a stable code and a status without knowing the till exists. Their lines are
not in the storefront's error-tree docstring: that tree lists the storefront's and the
components' errors only.
"""

from __future__ import annotations

from storefront.errors import Conflict, InvalidInput, StallkitError


class TillStoreError(StallkitError):
    """The root of the till store's errors: the data directory cannot be used as it is."""

    code = "till_store_error"
    title = "The till's local store cannot be used"


class StoreUnsafe(TillStoreError):
    """SQLite did not take a durability setting, so "paid" on screen could be a lie."""

    code = "till_store_unsafe"
    title = "The till's local store cannot guarantee durability"


class StoreTooNew(TillStoreError):
    """The data directory was written by a newer till; this code cannot read it safely."""

    code = "till_store_too_new"
    title = "The till's local store is newer than this till"


class TillAlreadyOpen(Conflict):
    """Another till process (or this one, twice) holds the data directory."""

    code = "till_already_open"
    title = "The till's data directory is already open"


class DeviceMismatch(Conflict):
    """The data directory holds another device's journal."""

    code = "till_device_mismatch"
    title = "The data directory belongs to another device"


class ResetRefused(Conflict):
    """A reset would lose entries that exist nowhere else."""

    code = "till_entries_unsaved"
    title = "Entries are neither synced nor exported"


class AckBeyondJournal(Conflict):
    """The server acknowledged a sequence number this store never wrote."""

    code = "till_ack_beyond_journal"
    title = "Acknowledged an entry the till does not have"


class ImportConflict(Conflict):
    """An imported entry contradicts one the store already holds."""

    code = "till_import_conflict"
    title = "The export contradicts the till's journal"


class InvalidTillInput(InvalidInput):
    """An action's kind, payload or instant cannot be journalled as given."""

    code = "till_input_invalid"
    title = "Invalid till input"


class ExportFileInvalid(InvalidInput):
    """An export file is truncated, altered or not an export at all."""

    code = "till_export_invalid"
    title = "The export file is damaged"

"""The export file: a till's unsynced entries carried on a USB stick to a till that can sync.

When a till cannot reach the storefront before the stall packs up (or its disk is failing), its
pending entries leave as a file and are imported into another till's store, which syncs them
with the same guarantees, because every entry keeps its id, device, sequence number, instant and
hash. The file is JSON lines: a header (format, version, device, entry count), one entry a line,
and a trailing line with the SHA-256 of everything before it, so a truncated or altered file is
refused whole rather than half imported. It is written to a temporary file, fsynced and renamed
over the target, so a crash mid-export leaves the previous file or none, never a torn one.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import Annotated, Final, Literal, TypeVar

import msgspec

from popup.store.entries import Entry, Instant, Sha256, content_hash
from popup.store.errors import ExportFileInvalid

FORMAT: Final = "stallkit-till-export"
VERSION: Final = 1

T = TypeVar("T")


class ExportHeader(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    format: Literal["stallkit-till-export"]
    version: Literal[1]
    device_id: uuid.UUID  # the till that wrote the file; each entry names its own device
    entries: Annotated[int, msgspec.Meta(ge=0)]
    exported_at: Instant


class ExportTrailer(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    checksum: Sha256  # of every byte before this line


def write_export(path: Path, header: ExportHeader, entries: list[Entry]) -> str:
    """Write the file durably; answer its checksum."""
    body = b"".join(msgspec.json.encode(item) + b"\n" for item in [header, *entries])
    checksum = hashlib.sha256(body).hexdigest()
    data = body + msgspec.json.encode(ExportTrailer(checksum=checksum)) + b"\n"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)
    return checksum


def read_export(path: Path) -> tuple[ExportHeader, list[Entry], str]:
    """The file's header, entries and checksum; :class:`ExportFileInvalid` unless it is whole and intact."""
    data = path.read_bytes()
    if not data.endswith(b"\n"):
        raise ExportFileInvalid(f"{path} is truncated: it does not end with a complete line")
    lines = data.split(b"\n")[:-1]
    if len(lines) < 2:
        raise ExportFileInvalid(f"{path} is truncated: it needs a header line and a checksum line")
    trailer = _decode(lines[-1], ExportTrailer, path, "is truncated: its last line is not the checksum line")
    body = data[: len(data) - len(lines[-1]) - 1]
    if hashlib.sha256(body).hexdigest() != trailer.checksum:
        raise ExportFileInvalid(f"{path} does not match its checksum: it was altered or damaged")
    header = _decode(lines[0], ExportHeader, path, "has no valid header line")
    entries = [_decode(line, Entry, path, f"has an invalid entry on line {n}") for n, line in enumerate(lines[1:-1], 2)]
    if len(entries) != header.entries:
        raise ExportFileInvalid(f"{path} announces {header.entries} entries but holds {len(entries)}")
    for item in entries:
        if content_hash(item.payload) != item.content_hash:
            raise ExportFileInvalid(f"{path}: entry {item.id} does not match its content hash")
    return header, entries, trailer.checksum


def _decode(line: bytes, kind: type[T], path: Path, problem: str) -> T:
    try:
        return msgspec.json.decode(line, type=kind)
    except msgspec.DecodeError as exc:  # not JSON, or not the shape (a ValidationError)
        raise ExportFileInvalid(f"{path} {problem}: {exc}") from exc


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable: without this, a power cut can bring the old name back."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

"""SKIP, part one: a file's source fingerprint — what its records' graphs are a function of.

A record's graph depends on its file's bytes and on the settings that shape the mapping: the base IRI its IRIs are
minted under, the map an export is read through, and lodfilm's own mapping (:data:`lodfilm.mapping.MAPPING_VERSION`).
The fingerprint digests all four, so a change to any one of them makes the file be read again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from lodfilm.mapping import MAPPING_VERSION
from lodfilm.records import MAX_FILE_BYTES
from lodfilm.records.maps import ExportMap


def settings_digest(*, base: str, export_map: ExportMap | None) -> bytes:
    """The part of every fingerprint that the run's settings give (the same for every file of one import)."""
    settings = f"lodfilm-mapping {MAPPING_VERSION}\0base {base}\0map {export_map.digest if export_map else '-'}\0"
    return hashlib.sha256(settings.encode()).digest()


def fingerprint(path: Path, settings: bytes) -> str | None:
    """``sha256:…`` of the settings digest and the file's bytes; None when the file cannot be read or is over the
    size limit (such a file is read, and refused, as before: it is never skipped)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return "sha256:" + hashlib.sha256(settings + data).hexdigest()

"""SKIP, part one: a file's source fingerprint — what its records' graphs are a function of.

A record's graph depends on its file's bytes and on the settings that shape the mapping: the base IRI its IRIs are
minted under, the map an export is read through, and lodfilm's own mapping (:data:`lodfilm.mapping.MAPPING_VERSION`).
The fingerprint digests all four, so a change to any one of them makes the file be read again.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from lodfilm.mapping import MAPPING_VERSION
from lodfilm.records import MAX_FILE_BYTES
from lodfilm.records.maps import ExportMap


def settings_digest(*, base: str, export_map: ExportMap | None) -> bytes:
    """The part of every fingerprint that the run's settings give (the same for every file of one import)."""
    settings = f"lodfilm-mapping {MAPPING_VERSION}\0base {base}\0map {export_map.digest if export_map else '-'}\0"
    return hashlib.sha256(settings.encode()).digest()


def fingerprint(path: Path, settings: bytes) -> str | None:
    """``sha256:…`` of the settings digest and the file's bytes; None when the file is not a regular file, cannot
    be read or is over the size limit (such a file is read, and refused, as before: it is never skipped). A device
    or a FIFO is never opened here (``/dev/zero`` would never end)."""
    digest = hashlib.sha256(settings)
    try:
        with open(path, "rb", opener=regular_only) as data:
            while chunk := data.read(1 << 20):
                digest.update(chunk)
                if data.tell() > MAX_FILE_BYTES:
                    return None
    except OSError:
        return None
    return "sha256:" + digest.hexdigest()


def regular_only(path: str, flags: int) -> int:
    """Open ``path`` only if it is a regular file, checked on the descriptor itself (no race with a swap), and
    without blocking on a FIFO."""
    fd = os.open(path, flags | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{path}: not a regular file")
    return fd

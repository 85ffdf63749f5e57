"""SKIP, part one: a file's source fingerprint — what its records' graphs are a function of.

A record's graph depends on its file's bytes and on the settings that shape the mapping: the base IRI its IRIs are
minted under, the map an export is read through, and lodfilm's own mapping (:data:`lodfilm.mapping.MAPPING_VERSION`).
The fingerprint digests all four, so a change to any one of them makes the file be read again.

Hashing every file's bytes is what a sync of a large archive would spend most of its time on, so a file's
fingerprint is remembered beside its status (size, mtime, ctime, inode, device), as git's index does, and hashed
again only when that status differs (:class:`KnownFiles`). Any write to a file moves its ctime, which no program can
set back, so a changed byte is never missed — except within one tick of the file system's clock, which is why a
status is only remembered once the file has been left alone for :data:`SETTLED_NS` (git's "racily clean" entries).
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from pathlib import Path

from lodfilm.importing.sources import loaded, marshalled
from lodfilm.iris import path_token
from lodfilm.mapping import MAPPING_VERSION
from lodfilm.records import MAX_FILE_BYTES
from lodfilm.records.maps import ExportMap

#: how long a file must have been left alone before its status is trusted to tell its bytes (coarser than any
#: file system's timestamps: FAT's are 2 s)
SETTLED_NS = 3_000_000_000
FORMAT = 2  # of the file that :class:`KnownFiles` keeps

Status = tuple[int, int, int, int, int]  # size, mtime_ns, ctime_ns, inode, device


def settings_digest(*, base: str, export_map: ExportMap | None) -> bytes:
    """The part of every fingerprint that the run's settings give (the same for every file of one import)."""
    settings = f"lodfilm-mapping {MAPPING_VERSION}\0base {base}\0map {export_map.digest if export_map else '-'}\0"
    return hashlib.sha256(settings.encode()).digest()


def fingerprint(path: Path | str, settings: bytes) -> str | None:
    """``sha256:…`` of the settings digest and the file's bytes; None when the file is not a regular file, cannot
    be read or is over the size limit (such a file is read, and refused, as before: it is never skipped). A device
    or a FIFO is never opened here (``/dev/zero`` would never end)."""
    return hashed(path, settings)[0]


def hashed(path: Path | str, settings: bytes) -> tuple[str | None, Status | None]:
    """The fingerprint, and the file's status as it was before its bytes were read (None when not a regular
    file): a write during the read moves the ctime, so that status never vouches for bytes it did not see."""
    digest = hashlib.sha256(settings)
    try:
        with open(path, "rb", opener=regular_only) as data:
            status = status_of(os.fstat(data.fileno()))
            while chunk := data.read(1 << 20):
                digest.update(chunk)
                if data.tell() > MAX_FILE_BYTES:
                    return None, None
    except OSError:
        return None, None
    return "sha256:" + digest.hexdigest(), status


def status_of(info: os.stat_result) -> Status:
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev


def regular_only(path: str, flags: int) -> int:
    """Open ``path`` only if it is a regular file, checked on the descriptor itself (no race with a swap), and
    without blocking on a FIFO."""
    fd = os.open(path, flags | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{path}: not a regular file")
    return fd


class KnownFiles:
    """The fingerprints of files as last hashed, by resolved path, with the status each had then and the settings
    digest it was made with, kept in one file (``location``; None: nothing is remembered). A file whose status is
    what it was is not read; any other is hashed. The file only ever speeds a run up: lost, stale or unreadable,
    every file is hashed, as before."""

    def __init__(self, location: Path | None) -> None:
        self.location = location
        self.entries: dict[str, tuple[Status, bytes, bytes]] = {}  # path → status, settings, sha-256 digest
        self.changed = False
        self.tokens: dict[str, str] = {}  # path → its token
        if location is not None:
            self.entries, self.tokens = load(location)

    def fingerprint(self, real: Path | str, settings: bytes) -> str | None:
        """:func:`fingerprint` of the file, from memory when its status has not changed since it was hashed."""
        name = os.fspath(real)
        entry = self.entries.get(name)
        if entry is not None:
            try:
                now = status_of(os.stat(name))
            except OSError:
                now = None
            if entry[0] == now and entry[1] == settings:
                return "sha256:" + entry[2].hex()
        found, status = hashed(name, settings)
        if found is not None and status is not None and time.time_ns() - max(status[1], status[2]) > SETTLED_NS:
            self.entries[name] = (status, settings, bytes.fromhex(found.removeprefix("sha256:")))
            self.changed = True
        elif entry is not None:
            del self.entries[name]
            self.changed = True
        return found

    def token(self, real: str) -> str:
        """The file's token (:func:`lodfilm.iris.path_token`: what its records' keys and sources name it by),
        remembered with its fingerprint: a digest of each of 100,000 paths was a tenth of a sync."""
        found = self.tokens.get(real)
        if found is None:
            found = self.tokens[real] = path_token(real)
            self.changed = self.changed or real in self.entries  # only a remembered file's token is kept
        return found

    def save(self) -> None:
        """Write what was learnt (atomically: a reader finds the old file or the new one)."""
        if self.location is None or not self.changed:
            return
        # tokens only of files still remembered: the file does not grow with paths long gone
        tokens = {name: self.tokens[name] for name in self.entries if name in self.tokens}
        if marshalled(self.location, (FORMAT, self.entries, tokens)):
            self.changed = False


def load(location: Path) -> tuple[dict[str, tuple[Status, bytes, bytes]], dict[str, str]]:
    """The entries and tokens a file :meth:`KnownFiles.save` wrote; none when it is missing or not one."""
    try:
        kept = loaded(location)
    except (OSError, EOFError, ValueError, TypeError):
        return {}, {}
    if not (isinstance(kept, tuple) and len(kept) == 3 and kept[0] == FORMAT and isinstance(kept[1], dict)
            and isinstance(kept[2], dict)):
        return {}, {}
    return kept[1], kept[2]

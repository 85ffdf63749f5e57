"""Where each checkpoint's index lives, and building it once: ``{folder}/{generation}.sqlite``.

The folder is ``{store}/index/`` for an embedded store and a local cache folder per SPARQL server for a remote
one (as for dumps). A checkpoint's index is built the first time it is asked for, into a temporary file renamed
into place, so several processes may race to build it and every reader still sees one whole file.

When an import publishes a new checkpoint while an index is open, the new one is built in a background thread and
the old one keeps answering until it is ready (lists a minute stale rather than every list waiting a minute); with
no index open yet (a server's first request) the caller waits for the build. Indexes of older checkpoints are
removed once a newer one is in place (a reader that still has one open keeps reading it: POSIX keeps an unlinked
open file).
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from lodfilm.index.build import SLICE, build
from lodfilm.index.database import Index
from lodfilm.store.base import Store

SAFE = re.compile(r"[^A-Za-z0-9_.-]")
KEEP = 2  # this checkpoint's index and the one before (a server that has not yet switched)
log = logging.getLogger("lodfilm.index")


class Indexes:
    """The indexes of one store's checkpoints, in ``folder``."""

    def __init__(self, folder: Path, *, slice_size: int = SLICE, background: bool = True) -> None:
        self.folder = folder
        self.slice_size = slice_size  # films per SELECT while building (smaller for a server that caps answers)
        self.background = background
        self._lock = threading.Lock()
        self._open: Index | None = None
        self._building: str | None = None

    def path(self, generation: str) -> Path:
        return self.folder / f"{SAFE.sub('_', generation)}.sqlite"

    def current(self, store: Store, generation: str) -> Index:
        """The index of checkpoint ``generation`` of ``store`` — or, while that one is being built in the
        background, the previous checkpoint's."""
        index = self._open
        if index is not None and index.generation == generation:
            return index
        with self._lock:
            if self._open is not None and self._open.generation == generation:
                return self._open
            if self.path(generation).is_file():
                return self._switch(generation)
            if self._open is None or not self.background:
                build(store, self.path(generation), generation, slice_size=self.slice_size)
                return self._switch(generation)
            if self._building != generation:
                self._building = generation
                threading.Thread(target=self._build, args=(store, generation), daemon=True,
                                 name=f"lodfilm-index-{generation}").start()
            return self._open

    def _build(self, store: Store, generation: str) -> None:
        try:
            build(store, self.path(generation), generation, slice_size=self.slice_size)
        except Exception:  # the old index keeps answering; the next request after a new checkpoint tries again
            log.exception("building the index of checkpoint %s failed", generation)
        finally:
            with self._lock:
                if self._building == generation:
                    self._building = None

    def _switch(self, generation: str) -> Index:
        target = self.path(generation)
        self._open = Index(target)
        self._prune(keep=target)
        return self._open

    def _prune(self, keep: Path) -> None:
        older = sorted((p for p in self.folder.glob("*.sqlite") if p != keep), key=lambda p: p.stat().st_mtime)
        for path in older[: max(0, len(older) - (KEEP - 1))]:
            path.unlink(missing_ok=True)

"""PRUNE (``lodfilm import --prune PATH...``): the stored records whose file, under one of the paths, is gone.

Only files under the paths given count, and only files that no longer exist: a record of a file that is still
there, or of a file elsewhere, is never pruned. Without ``--prune`` the pipeline removes only records that left a
file it read (issue 13).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from lodfilm.changelog import RecordSource


def under(file: str, folders: list[Path]) -> bool:
    path = Path(file)
    return any(path == folder or folder in path.parents for folder in folders)


def gone(sources: dict[str, RecordSource], paths: Iterable[Path]) -> list[str]:
    """The records (IRIs, sorted) that came from a file under ``paths`` which no longer exists."""
    folders = [Path(os.path.realpath(p)) for p in paths]
    return sorted(record for record, source in sources.items()
                  if under(source.file, folders) and not os.path.lexists(source.file))

"""PRUNE (``lodfilm import --prune PATH...``): the stored records whose file, under one of the paths, is gone.

Only files under the paths given count, and only files that no longer exist: a record of a file that is still
there, or of a file elsewhere, is never pruned. Without ``--prune`` the pipeline removes only records that left a
file it read (issue 13).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from lodfilm.changelog import RecordSource, token
from lodfilm.importing.sources import SourceTable


def gone(sources: Mapping[str, RecordSource], paths: Iterable[Path]) -> list[str]:
    """The records (IRIs, sorted) that came from a file under ``paths`` which no longer exists.

    A source names its file by tokens (:func:`lodfilm.changelog.place`), not by its path: a record is under a
    folder when the folder's token is among its file's folders', and its file is gone when no entry under that
    folder, of any kind, has the file's token."""
    folders = [os.path.realpath(p) for p in paths]
    wanted = {token(folder) for folder in folders}
    present = {token(folder) for folder in folders if os.path.lexists(folder)}
    for folder in folders:
        for top, dirs, files in os.walk(folder):
            present.update(token(os.path.join(top, name)) for name in [*dirs, *files])
    found: list[str] = []
    for file, held in SourceTable.of(sources).by_file.items():  # a file's records share its place
        if file in present:
            continue
        folders_of = next(iter(held.values()))[1][1:].split(".")[1:]
        if file in wanted or wanted.intersection(folders_of):
            found.extend(held)
    return sorted(found)

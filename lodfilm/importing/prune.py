"""PRUNE (``lodfilm import --prune PATH...``): the stored records whose file, under one of the paths, is gone.

Only files under the paths given count, and only files that no longer exist: a record of a file that is still
there, or of a file elsewhere, is never pruned. Without ``--prune`` the pipeline removes only records that left a
file it read (issue 13).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from lodfilm.changelog import RecordSource, token


def gone(sources: dict[str, RecordSource], paths: Iterable[Path]) -> list[str]:
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
    return sorted(record for record, source in sources.items()
                  if (source.file_token in wanted or wanted.intersection(source.folder_tokens))
                  and source.file_token not in present)

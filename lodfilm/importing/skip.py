"""SKIP, part two: which files the store already holds exactly as they are now.

Each stored record keeps the fingerprint of the file it came from (:mod:`lodfilm.changelog`). A file is unchanged
when the store holds records of it and every one of them was made from the fingerprint the file has now. The
fingerprints are written only after all of a file's records landed, and only when none of them was rejected, so a
file is skipped only when reading it again would write nothing and report nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from lodfilm.changelog import RecordSource, token
from lodfilm.importing.sources import SourceTable


class UnchangedFiles:
    """The stored records by the file they came from, to tell an unchanged file before it is read."""

    def __init__(self, sources: Mapping[str, RecordSource]) -> None:
        self.table = SourceTable.of(sources)

    def records_of(self, file: str) -> dict[str, RecordSource]:
        """The stored records that came from ``file`` (a resolved path), with their sources."""
        return self.table.of_file(token(file))

    def unchanged(self, file: str, fingerprint: str | None, known: str | None = None) -> dict[str, str | None] | None:
        """The file's stored records (and the film each is about) when all were made from ``fingerprint``; None
        when it must be read. ``known``: the file's token, when the caller has it."""
        held = self.table.by_file.get(known or token(file))
        if fingerprint is None or not held or any(kept[0] != fingerprint for kept in held.values()):
            return None
        return {graph: kept[2] for graph, kept in held.items()}

"""Errors lodfilm reports to people, and the one table that maps each family to an exit code.

Every error a user can cause carries *where* it happened as attributes (file, record, field), the way
``SyntaxError`` carries filename and line: tests assert them, and ``str()`` is the one line the CLI prints.
"""

from __future__ import annotations

from dataclasses import dataclass


class LodfilmError(Exception):
    """Base of every error lodfilm raises on purpose (anything else is a bug and keeps its traceback)."""


@dataclass(eq=False)
class RecordError(LodfilmError):
    """A record could not be read, or broke a shape.

    ``path`` is the input file as given, ``record`` names the record inside it (a title, a row or list position),
    ``field`` the record field at fault (as named in the README's record schema), ``reason`` what is wrong;
    ``more`` the record's other problems, each a (field, reason), so that one line lists them all.
    """

    path: str
    record: str | None
    field: str | None
    reason: str
    more: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        # The attributes keep what was found whole; the line cuts a record's label and field (they come from the
        # file: a 10,000-character title, a typo'd key of a page's length) and, as a backstop, the reason.
        parts = [self.path, shorten(self.record or ""), shorten(self.field or ""), shorten(self.reason, MAX_REASON)]
        line = ": ".join(one_line(part) for part in parts if part)
        others = "; ".join(one_line(f"{shorten(field)}: {shorten(reason, MAX_REASON)}") for field, reason in self.more)
        return f"{line}; {others}" if others else line


# How much of a value from a file a message shows: enough to find it in the file, never a page of it.
MAX_QUOTED = 60
MAX_LABEL = 80
MAX_REASON = 400


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with ``…``."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(value: object) -> str:
    """A value from a file as a message quotes it: ``'Narnia'``; a long one cut, with its length, so the
    message stays one readable line (``'xxxxxxxx…' (10000 characters)``)."""
    text = str(value)
    if len(text) <= MAX_QUOTED:
        return repr(text)
    return f"{text[: MAX_QUOTED - 1] + '…'!r} ({len(text)} characters)"


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped: an error is one line, whatever a record
    holds."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class QueryError(LodfilmError):
    """A SPARQL query the store could not parse or run."""


class QueryRefused(QueryError):
    """A query lodfilm will not run on a user's behalf (updates, SERVICE, LOAD)."""


class QueryTimeout(QueryError):
    """A query that ran past its time limit and was stopped (or could not start in time)."""


class StoreError(LodfilmError):
    """The store could not be opened or written (locked by another process, unreadable, full)."""


class UsageError(LodfilmError):
    """A command was asked for something that cannot be done (an unknown format, a missing path)."""


# One table: error family -> process exit code. ``1`` is reserved for "some records were rejected".
EXIT_CODES: dict[type[LodfilmError], int] = {
    RecordError: 1,
    UsageError: 2,
    QueryRefused: 3,
    QueryTimeout: 3,
    QueryError: 3,
    StoreError: 4,
}


def exit_code(error: LodfilmError) -> int:
    """The exit code for ``error``: the most specific family in ``EXIT_CODES`` wins."""
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1

"""What an import remembers of every record it reads, held in a temporary SQLite file once it is large.

An import must remember something of each record until its run or its file ends: the claims that decide which film
each later record is about (:class:`~lodfilm.identity.FilmIdentities`), the keys a file has given
(:class:`~lodfilm.importing.keys.FileKeys`), the film each record of a file not yet settled is about, the films
counted in the report. Held as Python objects these are ~1.5 KB a record, and they pin the allocator's arenas
between the graphs made and freed for every batch, so a 60,000-row table took 2.25× the memory of a 6,000-row one.

So these are :class:`SpilledDict` and :class:`SpilledSet`: a plain dict until it holds :data:`LIMIT` entries, then a
table in a private temporary SQLite database (``sqlite3.connect("")``: a file SQLite deletes when it is closed, with
its own small page cache). Keys are strings, values anything :mod:`marshal` writes (tuples, strings, numbers,
None). A few thousand records never touch SQLite; past that, memory stays what the page cache and a fixed 1 MiB
:class:`Filter` hold. Two things keep it about as fast as the dicts were: entries are written to SQLite 500 at a
time in one statement, and the filter answers "not held" (what a record new to the run mostly asks) without asking
SQLite — each question to the sqlite3 module lets go of the GIL, and the import's writer thread may keep it.

What a file leaves for the store when it is settled, one source line a record, is :class:`SpilledLines`: a list
until it holds :data:`LIMIT` lines, then an unnamed temporary file the store reads them back from.
"""

from __future__ import annotations

import marshal
import sqlite3
import tempfile
import weakref
from collections.abc import ItemsView, Iterable, Iterator, MutableMapping, MutableSet, ValuesView
from collections.abc import Set as AbstractSet
from typing import IO, Any

#: entries held as a dict before they move to SQLite
LIMIT = 2_000
#: entries set before they are written to SQLite together
PENDING = 500
#: bits of the filter that answers "not held" without asking SQLite (a fixed 1 MiB however many entries)
FILTER_BITS = 1 << 23
MASK = FILTER_BITS - 1
#: SQLite's page cache for one spilled table, in KiB (negative cache_size)
CACHE_KIB = 2_048


class SpilledDict(MutableMapping[str, Any]):
    """A dict of strings to marshal-able values that moves to a temporary SQLite table past ``limit`` entries.
    Iteration is in key order once spilled (insertion order before); :meth:`under` lists the keys with a prefix."""

    def __init__(self, items: Iterable[tuple[str, Any]] = (), *, limit: int = LIMIT) -> None:
        self.limit = limit
        self._dict: dict[str, Any] | None = {}
        self._db: sqlite3.Connection | None = None
        #: entries set since the last write to SQLite, written PENDING at a time (one statement, not one each)
        self._pending: dict[str, Any] = {}
        self._filter: Filter | None = None
        for key, value in items:
            self[key] = value

    @property
    def spilled(self) -> bool:
        return self._db is not None

    def _spill(self) -> None:
        assert self._dict is not None
        db = sqlite3.connect("", isolation_level=None)
        db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE held (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID")
        # one transaction, never committed (the file goes with the connection): a commit every few hundred
        # entries wrote every dirty page out again, 5 µs an entry where this is under 3
        db.execute("BEGIN")
        db.executemany("INSERT INTO held VALUES (?, ?)", ((k, marshal.dumps(v)) for k, v in self._dict.items()))
        self._filter = Filter(self._dict)
        self._db, self._dict = db, None

    def __getitem__(self, key: str) -> Any:
        if self._dict is not None:
            return self._dict[key]
        if key in self._pending:
            return self._pending[key]
        assert self._db is not None and self._filter is not None
        if key not in self._filter:
            raise KeyError(key)
        row = self._db.execute("SELECT value FROM held WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return marshal.loads(row[0])

    def __setitem__(self, key: str, value: Any) -> None:
        if self._dict is not None:
            self._dict[key] = value
            if len(self._dict) > self.limit:
                self._spill()
            return
        assert self._filter is not None
        self._filter.add(key)
        self._pending[key] = value
        if len(self._pending) >= PENDING:
            self._write()

    def _write(self) -> None:
        """Write the pending entries to SQLite."""
        if self._pending and self._db is not None:
            # one statement of many rows, not executemany: the sqlite3 module lets go of the GIL for each row it
            # steps, and the import's writer thread may then keep it for a switch interval
            rows = [(k, marshal.dumps(v)) for k, v in self._pending.items()]
            self._db.execute(f"INSERT OR REPLACE INTO held VALUES {', '.join(['(?, ?)'] * len(rows))}",
                             [part for row in rows for part in row])
        self._pending = {}

    def __delitem__(self, key: str) -> None:
        if self._dict is not None:
            del self._dict[key]
            return
        assert self._db is not None
        pending = self._pending.pop(key, self) is not self
        if self._db.execute("DELETE FROM held WHERE key = ?", (key,)).rowcount == 0 and not pending:
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if self._dict is not None:
            return key in self._dict
        assert self._db is not None and self._filter is not None
        return key in self._pending or isinstance(key, str) and key in self._filter and \
            self._db.execute("SELECT 1 FROM held WHERE key = ?", (key,)).fetchone() is not None

    def __iter__(self) -> Iterator[str]:
        # fetched a page at a time, so the table may change while it is walked
        return (key for key, _ in self.pairs())

    def __len__(self) -> int:
        if self._dict is not None:
            return len(self._dict)
        assert self._db is not None
        self._write()
        count: int = self._db.execute("SELECT count(*) FROM held").fetchone()[0]
        return count

    def items(self) -> ItemsView[str, Any]:
        return Pairs(self)

    def values(self) -> ValuesView[Any]:
        return Values(self)

    def pairs(self) -> Iterator[tuple[str, Any]]:
        """Every entry, read from SQLite a page at a time (not a lookup a key)."""
        if self._dict is not None:
            yield from list(self._dict.items())
            return
        assert self._db is not None
        self._write()
        last: str | None = None
        while True:
            rows = self._db.execute("SELECT key, value FROM held WHERE ?1 IS NULL OR key > ?1 ORDER BY key LIMIT 1000",
                                    (last,)).fetchall()
            if not rows:
                return
            for key, value in rows:
                yield key, marshal.loads(value)
            last = rows[-1][0]

    def under(self, prefix: str) -> Iterator[tuple[str, Any]]:
        """The entries whose key starts with ``prefix``."""
        if self._dict is not None:
            yield from [(k, v) for k, v in self._dict.items() if k.startswith(prefix)]
            return
        assert self._db is not None
        self._write()
        # keys from the prefix up to the prefix with its last code point's successor: an index range, not a scan
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else None
        rows = self._db.execute("SELECT key, value FROM held WHERE key >= ? AND (? IS NULL OR key < ?) ORDER BY key",
                                (prefix, end, end)).fetchall()
        for key, value in rows:
            yield key, marshal.loads(value)

    def close(self) -> None:
        """Let the temporary file go (SQLite deletes it); the mapping is empty afterwards."""
        if self._db is not None:
            self._db.close()
        self._db, self._dict, self._pending, self._filter = None, {}, {}, None


class Filter:
    """The keys a spilled table holds, as a Bloom filter: a key it does not hold is told without asking SQLite
    (a record new to the run, nearly every one, asks of claims and keys it has none of). Asking SQLite costs some
    microseconds, and more: each call lets go of the GIL, and the import's writer thread may keep it for up to
    a switch interval (60,000 rows: 5-10 s of the main thread's time waiting). A key once added is never taken
    out (a removed key answers "maybe", and SQLite says no)."""

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self.bits = bytearray(FILTER_BITS // 8)
        for key in keys:
            self.add(key)

    # Three places a key, made from str's own hash (cached on the string) by double hashing; written out, as this
    # is asked for every record several times.
    def add(self, key: str) -> None:
        first = hash(key) & 0xFFFFFFFFFFFFFFFF
        step, bits = (first >> 32) | 1, self.bits
        for place in (first & MASK, (first + step) & MASK, (first + 2 * step) & MASK):
            bits[place >> 3] |= 1 << (place & 7)

    def __contains__(self, key: str) -> bool:
        first = hash(key) & 0xFFFFFFFFFFFFFFFF
        step, bits = (first >> 32) | 1, self.bits
        place = first & MASK
        if not bits[place >> 3] & (1 << (place & 7)):
            return False
        place = (first + step) & MASK
        if not bits[place >> 3] & (1 << (place & 7)):
            return False
        place = (first + 2 * step) & MASK
        return bool(bits[place >> 3] & (1 << (place & 7)))


class Pairs(ItemsView[str, Any]):
    _mapping: SpilledDict

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return self._mapping.pairs()


class Values(ValuesView[Any]):
    _mapping: SpilledDict

    def __iter__(self) -> Iterator[Any]:
        return (value for _, value in self._mapping.pairs())


class SpilledSet(MutableSet[str]):
    """A set of strings kept as a :class:`SpilledDict`'s keys."""

    def __init__(self, values: Iterable[str] = (), *, limit: int = LIMIT) -> None:
        self._held = SpilledDict(((v, None) for v in values), limit=limit)

    def __contains__(self, value: object) -> bool:
        return value in self._held

    def __iter__(self) -> Iterator[str]:
        return iter(self._held)

    def __len__(self) -> int:
        return len(self._held)

    def add(self, value: str) -> None:
        self._held[value] = None

    def discard(self, value: str) -> None:
        self._held.pop(value, None)

    def close(self) -> None:
        self._held.close()

    def __repr__(self) -> str:
        return f"SpilledSet({len(self)} values)"


class SpilledLines(AbstractSet[str]):
    """Distinct lines, written one by one, that move to an unnamed temporary file past ``limit``: a file's settled
    sources (:func:`~lodfilm.importing.events.sources_settled`), one line a record, which a 60,000-row table made
    into 18 MB of strings held until the store had them. Once spilled they are read back from the file in the order
    written, each time they are walked; asking whether a line is there reads them all (only tests ask).

    The lines must be distinct (each is a different record's): nothing here drops a repeated one. Call
    :meth:`done` when the last is added; a set of a few lines is then just that, a frozenset."""

    def __init__(self, *, limit: int = LIMIT) -> None:
        self.limit = limit
        self._held: list[str] = []
        self._file: IO[bytes] | None = None
        self._count = 0

    @property
    def spilled(self) -> bool:
        return self._file is not None

    def add(self, line: str) -> None:
        if self._file is None:
            self._held.append(line)
            if len(self._held) >= self.limit:
                self._file = tempfile.TemporaryFile()
                # closed (and so gone) when the lines are no longer wanted: once the store has them
                weakref.finalize(self, self._file.close)
                self._file.writelines(f"{held}\n".encode() for held in self._held)
                self._held = []
        else:
            self._file.write(f"{line}\n".encode())
        self._count += 1

    def done(self) -> AbstractSet[str]:
        """The lines: a frozenset when they are few, else these, written out and ready to be read."""
        if self._file is None:
            return frozenset(self._held)
        self._file.flush()
        return self

    def __iter__(self) -> Iterator[str]:
        if self._file is None:
            yield from self._held
            return
        self._file.seek(0)
        for line in self._file:
            yield line[:-1].decode()

    def __len__(self) -> int:
        return self._count

    def __contains__(self, line: object) -> bool:
        return any(held == line for held in self)

    def __repr__(self) -> str:
        return f"SpilledLines({self._count} lines)"

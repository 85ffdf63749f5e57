"""READ: every input format becomes the same record model (:mod:`lodfilm.records.model`).

:func:`read_path` is the one entry point: it picks a reader by file suffix and yields, for each record in the
file, either a :class:`~lodfilm.records.model.Film` or the :class:`~lodfilm.errors.RecordError` that rejected it,
so one bad record never hides the others.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from pydantic import ValidationError

from lodfilm.errors import RecordError, UsageError, quote
from lodfilm.records.model import (
    IMDB_COMPANY,
    IMDB_NAME,
    IMDB_TITLE,
    ISNI,
    LANGUAGE_PATTERN,
    URL_PATTERN,
    VIAF,
    WIKIDATA,
    Film,
)

if TYPE_CHECKING:
    from lodfilm.records.maps import ExportMap

# The largest file lodfilm reads: far above any real film record, small enough that a runaway file (or a YAML
# alias bomb) cannot take the machine's memory.
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class RecordRef:
    """Where a record sits: its file, its position there (``None`` for one-record files), and a label."""

    path: str
    position: int | None
    label: str


@dataclass(frozen=True)
class AsIs:
    """A record graph lodfilm published itself (read back from one of its dumps), taken as it is: its IRI, the
    film it is about, and its triples as N-Triples lines. It is checked against the shapes like any record, but
    not mapped again, so a dump re-imported into an empty store gives the very same graph."""

    graph_iri: str
    film_iri: str
    lines: frozenset[str]


@dataclass(frozen=True)
class ReadResult:
    ref: RecordRef
    film: Film | None
    error: RecordError | None
    graph: AsIs | None = None

    @property
    def ok(self) -> bool:
        return self.film is not None or self.graph is not None


def field_name(loc: tuple[Any, ...]) -> str:
    """Pydantic's error location as the record schema writes it: ``cast[2].character``. A key that is not plain
    printable text (a typo with a newline in it) is shown quoted, so the error stays one line."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part)
            shown = text if text and text.isprintable() and text.strip() == text else repr(text)
            out += ("." if out else "") + shown
    return out or "record"


def make_film(data: dict[str, Any], path: str, record: str) -> Film:
    """Build a Film from plain data, turning the model's complaints into one RecordError that lists them all
    (a field the model does not know first: it is usually a typo, and the complaint about the field it misspells
    follows from it)."""
    try:
        return Film.model_validate(data)
    except ValidationError as exc:
        errors = sorted(exc.errors(include_url=False), key=lambda e: e["type"] != "extra_forbidden")
        problems = [(field_name(e["loc"]), model_reason(e)) for e in errors]
        (field, reason), *more = problems
        raise RecordError(path, record, field, reason, tuple(more)) from None


# What a value that does not match one of the model's patterns is not, in words (pydantic would print the pattern).
PATTERN_REASONS = {
    URL_PATTERN: "is not a web address (http:// or https://, no spaces)",
    LANGUAGE_PATTERN: "is not a BCP 47 language tag (like fr, pt-BR)",
    WIKIDATA: "is not a Wikidata id (Q followed by digits)",
    IMDB_TITLE: "is not an IMDb title id (tt followed by 7 to 10 digits)",
    IMDB_NAME: "is not an IMDb name id (nm followed by 7 to 10 digits)",
    IMDB_COMPANY: "is not an IMDb company id (co followed by 7 to 10 digits)",
    ISNI: "is not an ISNI (16 digits, the last may be X)",
    VIAF: "is not a VIAF id (digits)",
}


def model_reason(error: Any) -> str:
    """One of pydantic's complaints as lodfilm words it: the value it refuses and why."""
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field of a film record (see the record schema in the README)"
    reason = str(error["msg"]).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        reason = PATTERN_REASONS.get(str(error.get("ctx", {}).get("pattern", "")), reason)
    value = error.get("input")
    if kind.startswith(("string_", "int_", "float_", "greater_", "less_", "date_", "literal_", "bool_", "url_")) \
            and isinstance(value, str | int | float) and not isinstance(value, bool):
        reason = f"{quote(value)} {reason}" if reason.startswith("is ") else \
            f"{quote(value)}: {reason[:1].lower()}{reason[1:]}"
    return reason


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing what no film record can be (empty, oversized, unreadable, not a regular file).

    The file is opened without blocking and checked once open (``fstat``), so a FIFO cannot hang the import and a
    device cannot be read (``/dev/zero`` never ends); at most one byte past the limit is read, whatever the file
    says its size is."""
    with opened(path) as (stream, said):
        try:
            # A file may say less than it holds (one that grows, a /proc file says 0): read one byte past the limit.
            raw = stream.read(MAX_FILE_BYTES + 1) if said <= MAX_FILE_BYTES else b""
        except OSError as exc:
            raise RecordError(str(path), None, None, f"cannot read file: {exc.strerror or exc}") from None
    size = max(said, len(raw))
    if size > MAX_FILE_BYTES:
        raise RecordError(str(path), None, None, f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit")
    if not raw.strip():
        raise RecordError(str(path), None, None, "file is empty")
    return raw


@contextlib.contextmanager
def opened(path: Path) -> Iterator[tuple[BinaryIO, int]]:
    """The file open for reading, and the size it says it has; a RecordError for what cannot be read or is not a
    regular file (opened without blocking, so a FIFO is refused rather than waited on)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise RecordError(str(path), None, None, f"cannot read file: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as stream:
        try:
            info = os.fstat(fd)
        except OSError as exc:  # pragma: no cover - fstat of an open file
            raise RecordError(str(path), None, None, f"cannot read file: {exc.strerror or exc}") from None
        if not stat.S_ISREG(info.st_mode):
            raise RecordError(str(path), None, None, f"not a regular file ({kind_of_file(info.st_mode)}); not read")
        yield stream, info.st_size


#: bytes of a table read at once, to check it and to read its lines
PIECE = 1 << 20


def table_lines(path: Path) -> Iterator[str]:
    """A table's lines, read from its file as they are asked for: a 60,000-row table's text is never held whole
    (it was 0.2 KB a row for as long as the table was read). Read only a file :func:`sound_text` passed; lines
    split where ``io.StringIO(text, newline="")`` splits them, as :mod:`csv` wants."""
    with opened(path) as (stream, _):
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            yield from text
        except UnicodeDecodeError as exc:  # changed since it was checked
            raise csv.Error(f"the file changed while it was read, and is no longer UTF-8 text ({exc.reason})") \
                from None


def sound_text(path: Path) -> bool:
    """Whether the file is UTF-8 text of some non-blank content, with no NUL, within the size limit: what
    ``decode(read_bytes(path))`` accepts, read in pieces and kept nowhere."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    size, blank = 0, True
    try:
        with opened(path) as (stream, said):
            if said > MAX_FILE_BYTES:
                return False
            while piece := stream.read(PIECE):
                size += len(piece)
                if size > MAX_FILE_BYTES or "\x00" in decoder.decode(piece):
                    return False
                blank = blank and not piece.strip()
            decoder.decode(b"", final=True)
    except (RecordError, OSError, UnicodeDecodeError):
        return False
    return not blank


def kind_of_file(mode: int) -> str:
    """What a file that is not a regular one is, as a message names it."""
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


def decode(raw: bytes, path: Path) -> str:
    """UTF-8 text (a byte-order mark is allowed); anything else is named, with the offset of the bad byte."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordError(
            str(path), None, None, f"not UTF-8 text (bad byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from None
    if "\x00" in text:
        raise RecordError(str(path), None, None, "binary data, not a text record")
    return text


READERS = {
    ".txt": "page",
    ".yaml": "structured",
    ".yml": "structured",
    ".json": "structured",
    ".jsonl": "structured",
    ".ndjson": "structured",
    ".csv": "table",
    ".tsv": "table",
    ".ttl": "rdf",
    ".nt": "rdf",
    ".nq": "rdf",
    ".jsonld": "rdf",
}
KNOWN_FORMATS = (".txt pages, .yaml/.yml/.json/.jsonl records, .csv/.tsv tables, and .ttl/.nt/.nq/.jsonld "
                 "schema.org RDF")
# What a map (``--map``) reads: the archive's own tables and JSON/YAML exports.
MAPPED = {"structured", "table"}


class Input:
    """A file to read: ``path`` as the user named it (what messages show), ``real`` its resolved absolute path
    (what its records are keyed by, and what tells whether two names are one file).

    Both are kept as text and made :class:`~pathlib.Path` objects only when asked: a sync of 100,000 unchanged
    files needs neither, and two ``Path`` objects a file cost it ~3 s."""

    def __init__(self, path: Path | str, real: Path | str) -> None:
        self.path_text = os.fspath(path)
        self.real_text = os.fspath(real)

    @cached_property
    def path(self) -> Path:
        return Path(self.path_text)

    @cached_property
    def real(self) -> Path:
        return Path(self.real_text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Input) and (self.path_text, self.real_text) == (other.path_text, other.real_text)

    def __hash__(self) -> int:
        return hash((self.path_text, self.real_text))

    def __repr__(self) -> str:
        return f"Input({self.path_text!r}, {self.real_text!r})"


def check_paths(paths: list[Path]) -> None:
    """Refuse the whole run when a path given does not exist: a typo is a usage error, caught before anything is
    read or stored."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    unknown = [str(p) for p in paths if not p.is_dir() and p.suffix.lower() not in READERS]
    if unknown:
        raise UsageError(f"unknown format: {', '.join(unknown)} (lodfilm reads {KNOWN_FORMATS})")


def record_files(paths: list[Path]) -> tuple[list[Input], list[RecordError]]:
    """The files to read under ``paths``, and the files refused before reading.

    Folders are walked (sorted; only suffixes lodfilm reads are taken; links to folders are not followed); a
    file given by name is read whatever its suffix, so a wrong one is reported. A link inside a folder that leads
    out of it is refused, not read: importing a folder reads that folder. A file reached twice (named twice, or by
    name and in a folder, or through a link) is read once. Raises :class:`UsageError` when a path does not exist.
    """
    check_paths(paths)
    inputs: list[Input] = []
    refused: list[RecordError] = []
    seen: set[str] = set()

    def add(path: Path | str, real: Path | str) -> None:
        key = os.fspath(real)
        if key not in seen:
            seen.add(key)
            inputs.append(Input(path, key))

    for path in paths:
        if not path.is_dir():
            add(path, path.resolve())
            continue
        root = os.fspath(path.resolve())
        given = "" if os.fspath(path) == "." else os.fspath(path)  # as ``Path(".") / name`` writes it: ``name``
        for relative, link, folder_here in walk(path):
            # The walk does not follow links to folders, so every folder on the way is a real one under the root:
            # only a link itself can lead elsewhere, and only links cost a resolve().
            if not link:
                if not folder_here:  # a FIFO or a device is taken, so that reading it refuses it aloud
                    add(joined(given, relative), joined(root, relative))
                continue
            found = path / relative
            real = found.resolve()
            if not real.is_relative_to(path.resolve()):
                refused.append(RecordError(str(found), None, None,
                                           f"a link that leads out of {path} (to {real}); not read"))
            elif not real.is_dir():
                add(found, real)
    return inputs, refused


def joined(head: str, relative: str) -> str:
    """``os.path.join(head, relative)`` for a relative path under a folder, at a third of its cost (three joins a
    file were a second of a sync of 100,000 files)."""
    if not head:
        return relative
    return head + relative if head.endswith(os.sep) else head + os.sep + relative


def walk(folder: Path) -> list[tuple[str, bool, bool]]:
    """The entries under ``folder`` whose suffix lodfilm reads, as (path relative to it, is a link, is a folder), in
    the order of their parts (as ``sorted(folder.rglob("*"))`` gives them, at a fraction of the cost for a folder
    of 100,000 files: each entry's kind comes with its directory listing); links to folders are listed, not
    followed."""
    found: list[tuple[tuple[str, ...], str, bool, bool]] = []
    pending: list[tuple[str, tuple[str, ...]]] = [(os.fspath(folder), ())]
    while pending:
        directory, parts = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue  # a folder that cannot be listed holds nothing to read (as rglob skips it)
        for entry in entries:
            link = entry.is_symlink()
            folder_here = not link and entry.is_dir(follow_symlinks=False)
            if folder_here:
                pending.append((entry.path, (*parts, entry.name)))
            if os.path.splitext(entry.name)[1].lower() in READERS:
                found.append(((*parts, entry.name), os.sep.join((*parts, entry.name)), link, folder_here))
    found.sort()
    return [(relative, link, folder_here) for _, relative, link, folder_here in found]


def read_path(path: Path, *, export_map: ExportMap | None = None, notes: list[str] | None = None
              ) -> Iterator[ReadResult]:
    """Every record in one file, read or rejected. Never raises for bad content.

    With ``export_map``, tables and JSON/YAML files are read as the archive's own export, through the map;
    ``notes`` gets what a reader says of the file as a whole (columns the map neither takes nor ignores)."""
    from lodfilm.records import maps, page, rdf, structured, table

    kind = READERS.get(path.suffix.lower())
    if kind is None:
        error = RecordError(str(path), None, None, f"unknown file type {quote(path.suffix)} (lodfilm reads "
                                                   f"{KNOWN_FORMATS})")
        yield ReadResult(RecordRef(str(path), None, path.name), None, error)
        return
    if kind == "table" and sound_text(path):  # read line by line, as its reader asks
        lines = table_lines(path)
        yield from maps.read(lines, path, export_map, notes) if export_map is not None else table.read(lines, path)
        return
    try:  # read whole; a table that is not sound text is refused here, as any other file
        text = decode(read_bytes(path), path)
    except RecordError as error:
        yield ReadResult(RecordRef(str(path), None, path.name), None, error)
        return
    if export_map is not None and kind in MAPPED:
        yield from maps.read(text, path, export_map, notes)
    elif kind == "rdf":
        yield from rdf.read(text, path, notes)
    else:
        reader = {"page": page.read, "structured": structured.read, "table": table.read}[kind]
        yield from reader(text, path)

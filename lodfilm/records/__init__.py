"""READ: every input format becomes the same record model (:mod:`lodfilm.records.model`).

:func:`read_path` is the one entry point: it picks a reader by file suffix and yields, for each record in the
file, either a :class:`~lodfilm.records.model.Film` or the :class:`~lodfilm.errors.RecordError` that rejected it,
so one bad record never hides the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lodfilm.errors import RecordError
from lodfilm.records.model import Film

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
class ReadResult:
    ref: RecordRef
    film: Film | None
    error: RecordError | None

    @property
    def ok(self) -> bool:
        return self.film is not None


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
    """Build a Film from plain data, turning the model's complaints into one RecordError (first problem first)."""
    try:
        return Film.model_validate(data)
    except ValidationError as exc:
        # A field the model does not know comes first: it is usually a typo (``directer``), and the "required"
        # complaint about the field it misspells follows from it.
        errors = sorted(exc.errors(include_url=False), key=lambda e: e["type"] != "extra_forbidden")
        first = errors[0]
        reason = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "missing":
            reason = "is required"
        elif first["type"] == "extra_forbidden":
            reason = "is not a field of a film record (see the record schema in the README)"
        if len(errors) > 1:
            reason += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
        raise RecordError(path, record, field_name(first["loc"]), reason) from None


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing what no film record can be (empty, oversized, unreadable)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise RecordError(
                str(path), None, None, f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise RecordError(str(path), None, None, f"cannot read file: {exc.strerror or exc}") from None
    if not raw.strip():
        raise RecordError(str(path), None, None, "file is empty")
    return raw


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
    ".csv": "table",
}


def record_files(paths: list[Path]) -> list[Path]:
    """Files to read under ``paths`` (folders are walked; only suffixes lodfilm reads are taken), sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in READERS)
        else:
            found.append(path)
    return found


def read_path(path: Path) -> Iterator[ReadResult]:
    """Every record in one file, read or rejected. Never raises for bad content."""
    from lodfilm.records import page, structured, table

    kind = READERS.get(path.suffix.lower())
    if kind is None:
        error = RecordError(
            str(path),
            None,
            None,
            f"unknown file type {path.suffix!r} (lodfilm reads "
            ".txt pages, .yaml/.yml/.json records and .csv tables)",
        )
        yield ReadResult(RecordRef(str(path), None, path.name), None, error)
        return
    try:
        text = decode(read_bytes(path), path)
    except RecordError as error:
        yield ReadResult(RecordRef(str(path), None, path.name), None, error)
        return
    reader = {"page": page.read, "structured": structured.read, "table": table.read}[kind]
    yield from reader(text, path)

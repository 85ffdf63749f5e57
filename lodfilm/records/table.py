"""CSV tables → :class:`Film`, one film per row; multi-valued cells are split on `` | ``.

Columns are the record fields (``title``, ``directors``, ``countries``, ``runtime_minutes``, ``year``…). Two
conventions of film-festival tables are understood:

* with an ``original_title`` column, that is the film's title and ``title`` is its English title;
* with a ``status`` column (``winner``, ``finalist``, ``official selection``), ``year`` is the prize edition's
  year, not the film's, and the prize is named by a ``prize`` column or, failing that, by the table's name
  (see :data:`lodfilm.settings.TABLE_PRIZES`).

``source_url`` holds the row's sources.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from lodfilm.errors import RecordError, quote, shorten
from lodfilm.records import ReadResult, RecordRef, make_film
from lodfilm.records.model import Film

SEPARATOR = " | "
# Columns beyond the record fields that festival tables use (see the module docstring).
TABLE_ONLY = {"original_title", "source_url", "status", "prize"}
TABLE_FIELDS = set(Film.model_fields) | TABLE_ONLY


def known_column(column: str) -> bool:
    """A record field (``rating.value`` for a nested one), or one of the festival tables' own columns."""
    from lodfilm.records.maps import field_annotation

    if column in TABLE_FIELDS:
        return True
    try:
        field_annotation(column)
    except KeyError:
        return False
    return "." in column


def split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(SEPARATOR.strip()) if part.strip()]


LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")


def lines_of(text: str) -> Iterator[str]:
    """The lines of ``text`` one at a time, each with its ending, split where ``io.StringIO(text, newline="")``
    splits them (``\\n``, ``\\r\\n``, a lone ``\\r``), which is what :mod:`csv` wants. A StringIO copies the
    whole text into a buffer of its own, four bytes a character once one name is not Latin-1: a 60,000-row table
    held twice over for as long as it is read. These are slices, made as the reader asks."""
    return (match.group() for match in LINE.finditer(text))


# Cell separators a table may use: spreadsheets in locales whose decimal mark is a comma (French, German, Dutch…)
# save "CSV" with semicolons, and some exports use tabs.
DELIMITERS = (",", ";", "\t")


def header_delimiter(line: str) -> str:
    """The separator a table's header line uses: whichever of ``,`` ``;`` and tab it has most of outside quotes
    (a comma when none, or on a tie). Column names seldom hold a separator; when one does (``Director, Co``), the
    real separator still comes between every pair of columns."""
    outside, quoted = [], False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(char)
    text = "".join(outside)
    counts = {delimiter: text.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first (the comma) on a tie
    return best if counts[best] else ","


# Excel's hint, a first line "sep=;" before the header, naming the separator.
EXCEL_SEPARATOR = re.compile(r"sep=(.)\r?\n?", re.I)


class Rows(Protocol):
    """What the table readers ask of a :func:`csv.reader`: its rows, and the line it has read to."""

    @property
    def line_num(self) -> int: ...

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


class AfterHint:
    """A :func:`csv.reader` after Excel's ``sep=`` line: its ``line_num`` counts that line too, so messages name
    the file's own lines."""

    def __init__(self, reader: Rows) -> None:
        self.reader = reader

    def __iter__(self) -> AfterHint:
        return self

    def __next__(self) -> list[str]:
        return next(self.reader)

    @property
    def line_num(self) -> int:
        return self.reader.line_num + 1


def table_reader(text: str | Iterable[str], path: Path) -> Rows:
    """A :func:`csv.reader` over a table's whole text or its lines, separating cells as its header line (or an
    Excel ``sep=;`` line before it) does. A ``.tsv`` file is tab-separated values as IANA's
    text/tab-separated-values has them (IMDb's datasets): no quoting, so a title that starts with a quote mark is
    read as written."""
    lines = iter(lines_of(text) if isinstance(text, str) else text)
    if path.suffix.lower() == ".tsv":
        return csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    first = next(lines, None)
    if first is None:
        return csv.reader(())
    hint = EXCEL_SEPARATOR.fullmatch(first.lstrip("\ufeff"))
    if hint is not None:
        return AfterHint(csv.reader(lines, delimiter=hint.group(1)))
    return csv.reader(itertools.chain((first,), lines), delimiter=header_delimiter(first))


def read(text: str | Iterable[str], path: Path) -> Iterator[ReadResult]:
    """Every row of a table: ``text`` is its whole text, or its lines (:func:`lodfilm.records.table_lines`)."""
    from lodfilm.settings import table_prize

    try:  # (the header line is read to choose the separator: a file that changed under us fails here)
        rows = table_reader(text, path)
        header = [h.strip().lstrip("\ufeff") for h in next(rows)]
    except (StopIteration, csv.Error) as exc:
        error = RecordError(str(path), None, None, f"not a CSV table: {exc or 'no header row'}")
        yield ReadResult(RecordRef(str(path), None, path.name), None, error)
        return
    refused = check_header(header, str(path))
    if refused is not None:
        yield ReadResult(RecordRef(str(path), None, path.name), None, refused)
        return
    prize = table_prize(path)
    line = 1
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            line = rows.line_num
            error = RecordError(str(path), f"line {line}", None, f"not a CSV row: {exc}")
            yield ReadResult(RecordRef(str(path), line, f"line {line}"), None, error)
            return
        line = rows.line_num
        if not any(c.strip() for c in cells):
            continue
        row = dict(zip(header, cells, strict=False))
        label = f"line {line}"
        title = (row.get("original_title") or row.get("title") or "").strip()
        if title:
            label += f" ({shorten(title)})"
        ref = RecordRef(str(path), line, label)
        if len(cells) != len(header):
            error = RecordError(
                str(path), label, None, f"has {len(cells)} cells, the header has {len(header)}"
            )
            yield ReadResult(ref, None, error)
            continue
        try:
            yield ReadResult(ref, make_film(row_data(row, prize, str(path), label), str(path), label), None)
        except RecordError as error:
            yield ReadResult(ref, None, error)


def check_header(header: list[str], path: str) -> RecordError | None:
    """The header's problems as one error, or None. A header naming no record field at all is not a film table,
    and its cells are not printed (it may be any file's first line)."""
    if not TABLE_FIELDS.intersection(header):
        return RecordError(path, "header", None, "not a film table: no column names a record field "
                           "(see the CSV columns in the README)")
    missing = [] if "title" in header or "original_title" in header else ["title"]
    unknown = list(dict.fromkeys(h for h in header if not known_column(h)))
    twice = [h for h, n in Counter(header).items() if n > 1]
    if not (missing or unknown or twice):
        return None
    problems = []
    if missing:
        problems.append("missing column(s) " + ", ".join(missing))
    if unknown:
        problems.append("unknown column(s) " + listed(unknown))
    if twice:
        # csv.DictReader-style reading would keep the last cell of a repeated column silently.
        problems.append("repeated column(s) " + listed(twice))
    return RecordError(path, "header", shorten((missing or unknown or twice)[0]),
                       "; ".join(problems) + " (see the CSV columns in the README)")


def listed(columns: list[str], most: int = 5) -> str:
    """Column names as a message lists them: quoted when odd, cut when long, at most ``most`` of them."""
    shown = [c if c.isidentifier() and len(c) <= 40 else quote(c) for c in columns[:most]]
    more = f" and {len(columns) - most} more" if len(columns) > most else ""
    return ", ".join(shown) + more


def row_data(row: dict[str, str], prize: str | None, path: str, label: str) -> dict[str, Any]:
    """One row as plain data for :class:`Film`."""
    from lodfilm.records.maps import is_list_field, put

    data: dict[str, Any] = {}
    for column, cell in row.items():
        cell = cell.strip()
        if not cell or column in ("original_title", "source_url", "status", "prize", "title", "year"):
            continue
        put(data, column, split(cell) if is_list_field(column) else cell)
    title, original = row.get("title", "").strip(), row.get("original_title", "").strip()
    if original:
        data["title"] = original
        if title and title != original:
            data.setdefault("alternate_titles", []).insert(0, {"text": title, "language": "en"})
    elif title:
        data["title"] = title
    year = row.get("year", "").strip()
    status = row.get("status", "").strip()
    if status:
        name = row.get("prize", "").strip() or prize
        if not name:
            raise RecordError(path, label, "prize", "a status needs a prize: add a 'prize' column")
        data["selections"] = [{"prize": name, "year": year or None, "status": status.lower()}]
    elif year:
        data["year"] = year
    urls = split(row.get("source_url", ""))
    if urls:
        data["sources"] = [{"url": url} for url in urls]
    return data

"""A table's lines are read one at a time, split exactly where a StringIO would split them for :mod:`csv`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from lodfilm.records.table import lines_of

TEXTS = [
    "",
    "title,year\n",
    "title,year\nA,2001",
    "title,year\r\nA,2001\r\nB,2002\r\n",
    "title,year\rA,2001\rB,2002",
    'title,year\n"two\nlines",2001\n"cr\r\nlf",2002\n"lone\rcr",2003\n',
    "title,year\n\n\nA,2001\n\r\n",
    "title\u2028x,year\nÉté\u0085,1999\n",
]


@pytest.mark.parametrize("text", TEXTS)
def test_lines_are_those_a_stringio_gives(text: str) -> None:
    assert list(lines_of(text)) == list(io.StringIO(text, newline=""))
    assert list(csv.reader(lines_of(text))) == list(csv.reader(io.StringIO(text, newline="")))


def test_lines_are_made_as_asked() -> None:
    lines = lines_of("a\nb\n")
    assert next(lines) == "a\n"
    assert list(lines) == ["b\n"]


@pytest.mark.parametrize("text", [t for t in TEXTS if t.strip()])
@pytest.mark.parametrize("piece", [3, 1 << 20], ids=["3-byte pieces", "1 MiB pieces"])
def test_a_table_file_is_read_by_its_lines_as_a_stringio_splits_them(text: str, piece: int, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import lodfilm.records as records

    monkeypatch.setattr(records, "PIECE", piece)  # a character split between two pieces is still one character
    table = tmp_path / "films.csv"
    table.write_bytes(b"\xef\xbb\xbf" + text.encode())  # a byte-order mark is allowed, and not part of a line
    assert records.sound_text(table)
    assert list(records.table_lines(table)) == list(io.StringIO(text, newline=""))


@pytest.mark.parametrize(("data", "reason"), [
    (b"title,year\nA,2001\n\xff\xfe,2002\n", "not UTF-8 text (bad byte 0xff at offset 18)"),
    (b"title,year\nA\x00,2001\n", "binary data, not a text record"),
    (b" \n\r\n\t", "file is empty"),
])
def test_a_table_that_is_not_sound_text_is_refused_whole_as_before(data: bytes, reason: str, tmp_path: Path) -> None:
    from lodfilm.records import read_path, sound_text

    table = tmp_path / "films.csv"
    table.write_bytes(data)
    assert not sound_text(table)
    results = list(read_path(table))
    assert [(r.film, r.error.reason if r.error else None) for r in results] == [(None, reason)]


def test_a_table_that_stops_being_text_while_read_ends_with_one_error(tmp_path: Path) -> None:
    from lodfilm.records import table_lines
    from lodfilm.records.table import read

    table = tmp_path / "films.csv"
    # as if rewritten after it was checked: the bad byte past the first piece the reader decodes (8 KiB)
    rows = b"".join(b"Film %d,2001\n" % n for n in range(2_000))
    table.write_bytes(b"title,year\n" + rows + b"\xff,2002\n")
    results = list(read(table_lines(table), table))
    assert results[0].film is not None and results[0].film.title == "Film 0"
    assert sum(r.film is not None for r in results) > 100 and all(r.error is None for r in results[:-1])
    assert results[-1].error is not None and "no longer UTF-8 text" in results[-1].error.reason


@pytest.mark.parametrize("mapped", [False, True])
def test_a_table_bad_from_its_header_while_read_is_one_error_not_a_crash(tmp_path: Path, mapped: bool) -> None:
    """The header line is read first, to choose the separator: a file rewritten after its check and bad from its
    first bytes is one error naming the file, from lodfilm's table reader and the mapped one alike."""
    from lodfilm.records import maps, table_lines
    from lodfilm.records.table import read

    table = tmp_path / "films.csv"
    table.write_bytes(b"title,\xffyear\nFilm,2001\n")
    if mapped:
        export_map = maps.ExportMap(tmp_path / "m.yaml", {"title": "title"})
        results = list(maps.read(table_lines(table), table, export_map))
    else:
        results = list(read(table_lines(table), table))
    assert len(results) == 1 and results[0].film is None and results[0].error is not None
    assert results[0].error.path == str(table) and "no longer UTF-8 text" in results[0].error.reason

"""A file's records are read one at a time through the import (issue 14: a 60,000-row table imports with flat
memory): the pipeline looks ahead only until it knows whether the file holds several records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lodfilm.pipeline import peek_multi
from lodfilm.records import ReadResult, RecordRef, read_path


def counted(results: list[ReadResult], drawn: list[int]) -> Iterator[ReadResult]:
    for result in results:
        drawn[0] += 1
        yield result


def test_a_table_is_looked_into_one_row_ahead(tmp_path: Path) -> None:
    table = tmp_path / "films.csv"
    table.write_text("title,year\n" + "".join(f"Film {i},{1950 + i % 70}\n" for i in range(500)))
    drawn = [0]
    results, multi = peek_multi(counted(list(read_path(table)), drawn))
    assert multi is True and drawn[0] == 1
    assert sum(1 for _ in results) == 500 and drawn[0] == 500


def test_a_single_record_is_not_several(tmp_path: Path) -> None:
    record = tmp_path / "film.yaml"
    record.write_text("title: Alone\nyear: 2001\n")
    results, multi = peek_multi(iter(list(read_path(record))))
    assert multi is False and [r.film.title for r in results if r.film] == ["Alone"]


def test_errors_before_the_first_record_are_kept_in_order() -> None:
    error = ReadResult(RecordRef("x.csv", None, "x.csv"), None, None)
    rows = [ReadResult(RecordRef("x.csv", n, f"line {n}"), None, None) for n in (2, 3)]
    results, multi = peek_multi(iter([error, *rows]))
    assert multi is True and list(results) == [error, *rows]

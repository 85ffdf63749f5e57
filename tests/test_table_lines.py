"""A table's lines are read one at a time, split exactly where a StringIO would split them for :mod:`csv`."""

from __future__ import annotations

import csv
import io

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

"""Runtimes, years and dates as archives write them, read the same in every input form."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil import parser as dateutil_parser
from hypothesis import given, settings
from hypothesis import strategies as st

from lodfilm.records.values import (
    FULL_DATE_FORMATS,
    latest_year,
    minutes,
    read_date,
    release_date,
    text_date,
    year_and_date,
)


@pytest.mark.parametrize("value", [95, 95.0, "95", "95.0", "95 min", "95 mins", "1h 35", "1 h 35 min", "95'",
                                   "95’", "1h35m", "1:35", "PT1H35M", "PT95M", "P0DT1H35M"])
def test_runtimes(value: object) -> None:
    assert minutes(value) == 95


@pytest.mark.parametrize(("value", "reason"), [
    ("-5 min", "'-5 min' is not a number of minutes"),
    ("0", "'0' is not a runtime"),
    (95.5, "'95.5' is not a whole number of minutes"),
    ("abc", "'abc' is not a number of minutes"),
    (True, "'True' is not a number of minutes"),
    ("9" * 5000, "is not a number of minutes"),
])
def test_runtimes_refused_name_the_value(value: object, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        minutes(value)
    assert reason in str(caught.value)
    assert len(str(caught.value)) < 200  # a long value is cut when quoted


@pytest.mark.parametrize(("value", "year", "date"), [
    (1998, 1998, None), ("1998", 1998, None), (1998.0, 1998, None),
    ("1998-06-12", 1998, dt.date(1998, 6, 12)), ("Jun 12 1998", 1998, dt.date(1998, 6, 12)),
    ("12 June 1998", 1998, dt.date(1998, 6, 12)), ("June 12, 1998", 1998, dt.date(1998, 6, 12)),
    ("June 1998", 1998, None), (dt.date(1998, 6, 12), 1998, dt.date(1998, 6, 12)),
])
def test_years_and_their_dates(value: object, year: int, date: dt.date | None) -> None:
    assert year_and_date(value) == (year, date)


@pytest.mark.parametrize(("value", "reason"), [
    ("20l1", "'20l1' is not a year"),
    ("Friday", "'Friday' is not a year"),
    ("2010-02-30", "'2010-02-30' is not a year"),
    (12, "'12' is not a year (four digits)"),
    (1850, "'1850' is before 1870"),
])
def test_years_refused_name_the_value(value: object, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        year_and_date(value)
    assert reason in str(caught.value)


def test_a_year_more_than_five_years_ahead_is_in_the_future() -> None:
    ahead = latest_year() + 1
    with pytest.raises(ValueError, match=f"^{ahead} is in the future"):
        year_and_date(str(ahead))
    assert year_and_date(latest_year()) == (latest_year(), None)


def test_a_release_date_needs_its_day() -> None:
    assert release_date("Jun 12 1998") == dt.date(1998, 6, 12)
    with pytest.raises(ValueError, match="'June 1998' is not a date"):
        release_date("June 1998")


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(2030, 12, 31)),
       st.sampled_from(FULL_DATE_FORMATS))
def test_the_fast_date_forms_read_as_dateutil_reads_them(date: dt.date, form: str) -> None:
    """The forms read with strptime (for speed) give the date dateutil gives, the reader the others go to."""
    text = date.strftime(form)
    assert read_date(text) == (date.year, date)
    assert dateutil_parser.parse(text, dayfirst=True).date() == date


@pytest.mark.parametrize(("text", "expected"), [
    ("JUN 12 1998", dt.date(1998, 6, 12)),
    ("sept 3, 2001", dt.date(2001, 9, 3)),
    ("3  September   2001", dt.date(2001, 9, 3)),
    ("May 1 1950", dt.date(1950, 5, 1)),
    ("Feb 29 2000", dt.date(2000, 2, 29)),
])
def test_english_month_names_read_in_any_case_and_spacing(text: str, expected: dt.date) -> None:
    assert text_date(text) == expected
    assert read_date(text) == (expected.year, expected)


@pytest.mark.parametrize("text", ["Feb 30 1998", "Jun 0 1998", "Feb 29 1999", "Juin 12 1998", "Jun 123 1998",
                                  "12 1998 June"])
def test_texts_the_fast_reader_refuses_go_to_dateutil_and_read_as_before(text: str) -> None:
    """No day that does not exist, no month name that is not English: the fast reader says None, and read_date
    gives what dateutil alone gives (a refused date, or only what dateutil is sure of)."""
    assert text_date(text) is None
    try:
        first, second = (dateutil_parser.parse(text, default=d, dayfirst=True)
                         for d in (dt.datetime(2001, 1, 1), dt.datetime(2002, 2, 2)))
    except (ValueError, OverflowError):
        assert read_date(text) == (None, None)
    else:
        assert read_date(text)[0] == (first.year if first.year == second.year else None)

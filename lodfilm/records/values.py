"""Values as archives write them → the record model's values: runtimes, years and dates.

One set of readers for every input form (pages, YAML/JSON, CSV, mapped exports), so ``95 min`` means the same in a
page and in a spreadsheet. Each raises :class:`ValueError` with a message that names the value and the reason
(``'20l1' is not a year``); the record model turns that into a :class:`~lodfilm.errors.RecordError` naming the
file, record and field.

Textual dates (``Jun 12 1998``, ``12 June 1998``) are read by ``python-dateutil``'s parser; lodfilm only decides
what is a year, what is a full date, and refuses what is neither (dateutil would fill a missing day or month from
today's date, which would invent a release date).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from typing import Any

from dateutil import parser as dateutil_parser

from lodfilm.errors import quote

MINUTES = re.compile(r"^(?P<n>\d+(?:[.,]0+)?)\s*(?:min|mins|minutes|min\.|m|'|’|′)?$", re.I)
HOURS = re.compile(r"^(?P<h>\d+)\s*(?:h|hr|hrs|hours?)\.?\s*(?:(?P<m>\d+)\s*(?:min|mins|minutes|min\.|m|'|’)?)?$",
                   re.I)
ISO_DURATION = re.compile(r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$", re.I)
CLOCK = re.compile(r"^(?P<h>\d{1,2}):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?$")
YEAR = re.compile(r"^\d{4}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_MINUTES = 100_000
# How far ahead a film's year may be: films are announced a few years before release, not decades.
YEARS_AHEAD = 5
EARLIEST_YEAR = 1870


def minutes(value: Any) -> int:
    """``95``, ``95.0``, ``"95 min"``, ``"1h 35"``, ``"95'"``, ``"1:35"``, ``"PT1H35M"`` (xsd:duration, as RDF
    publishes runtimes) → 95."""
    if isinstance(value, bool):
        raise ValueError(f"{quote(value)} is not a number of minutes")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise ValueError(f"{quote(value)} is not a whole number of minutes")
        number = int(value)
    elif isinstance(value, str):
        number = minutes_of_text(value.strip())
    else:
        raise ValueError(f"{quote(value)} is not a number of minutes")
    if not 0 < number <= MAX_MINUTES:
        raise ValueError(f"{quote(value)} is not a runtime (more than 0 and at most {MAX_MINUTES} minutes)")
    return number


def minutes_of_text(text: str) -> int:
    try:
        match = MINUTES.match(text)
        if match:
            return int(match["n"].replace(",", ".").split(".")[0])
        match = HOURS.match(text)
        if match:
            return int(match["h"]) * 60 + int(match["m"] or 0)
        match = ISO_DURATION.match(text)
        if match and len(text) > 2 and text.upper() != "PT":
            seconds = int(match["s"] or 0)
            return (int(match["d"] or 0) * 1440 + int(match["h"] or 0) * 60 + int(match["m"] or 0)
                    + (1 if seconds >= 30 else 0) + seconds // 60)
        match = CLOCK.match(text)
        if match:
            return int(match["h"]) * 60 + int(match["m"]) + (1 if int(match["s"] or 0) >= 30 else 0)
    except ValueError:  # int() refuses thousands of digits
        pass
    raise ValueError(f"{quote(text)} is not a number of minutes")


def latest_year(today: dt.date | None = None) -> int:
    return (today or dt.date.today()).year + YEARS_AHEAD


def check_year(year: int, original: Any) -> int:
    if year > latest_year():
        raise ValueError(f"{year} is in the future (a film's year is at most {latest_year()})")
    if year < EARLIEST_YEAR:
        raise ValueError(f"{quote(original)} is before {EARLIEST_YEAR}, the first films")
    return year


def year_and_date(value: Any) -> tuple[int, dt.date | None]:
    """A film's year as archives write it → (year, the full date when one was given).

    ``1998``, ``"1998"``, ``1998.0`` → (1998, None); ``"1998-06-12"``, ``"Jun 12 1998"``, ``"12 June 1998"``,
    a date → (1998, 1998-06-12)."""
    if isinstance(value, bool):
        raise ValueError(f"{quote(value)} is not a year")
    if isinstance(value, dt.datetime):
        return check_year(value.year, value), value.date()
    if isinstance(value, dt.date):
        return check_year(value.year, value), value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    if isinstance(value, int):
        if not 1000 <= value <= 9999:
            raise ValueError(f"{quote(value)} is not a year (four digits)")
        return check_year(value, value), None
    if not isinstance(value, str):
        raise ValueError(f"{quote(value)} is not a year")
    text = value.strip()
    if YEAR.match(text):
        return check_year(int(text), value), None
    if re.fullmatch(r"\d{4}\.0+", text):
        return check_year(int(text[:4]), value), None
    year, date = read_date(text)
    if year is None:
        raise ValueError(f"{quote(value)} is not a year")
    return check_year(year, value), date


def release_date(value: Any) -> dt.date:
    """A full date (``1998-06-12``, ``Jun 12 1998``, ``12 June 1998``, a date) → the date."""
    if isinstance(value, dt.datetime):
        found: dt.date | None = value.date()
    elif isinstance(value, dt.date):
        found = value
    elif isinstance(value, str):
        found = read_date(value.strip())[1]
    else:
        found = None
    if found is None:
        raise ValueError(f"{quote(value)} is not a date (year, month and day)")
    check_year(found.year, value)
    return found


# Two defaults that differ in every field: a field dateutil took from the default, not the text, differs
# between the two parses.
_DEFAULTS = (dt.datetime(2001, 1, 1), dt.datetime(2002, 2, 2))


# Full dates in the forms exports write most (``Jun 12 1998``, ``June 12, 1998``, ``12 June 1998``; the strftime
# forms below), read exactly and fast: dateutil parses each text twice (~0.3 ms), strptime takes ~25 us and reads
# month names in the process's locale. Exports name months in English whatever the locale of the machine that
# reads them; any other text goes to dateutil as before.
FULL_DATE_FORMATS = ("%b %d %Y", "%B %d %Y", "%d %B %Y", "%d %b %Y", "%b %d, %Y", "%B %d, %Y")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december")
MONTHS = {**{name: n for n, name in enumerate(_MONTH_NAMES, 1)},
          **{name[:3]: n for n, name in enumerate(_MONTH_NAMES, 1)}, "sept": 9}
TEXT_DATE = re.compile(r"(?:(?P<month>[A-Za-z]{3,9})\s+(?P<day>\d{1,2}),?"
                       r"|(?P<day_first>\d{1,2})\s+(?P<month_after>[A-Za-z]{3,9}))\s+(?P<year>\d{4})", re.ASCII)


def text_date(text: str) -> dt.date | None:
    """``Jun 12 1998``, ``June 12, 1998``, ``12 June 1998`` → the date; None for any other text (or no such day)."""
    match = TEXT_DATE.fullmatch(text)
    if match is None:
        return None
    month = MONTHS.get((match["month"] or match["month_after"]).lower())
    if month is None:
        return None
    try:
        return dt.date(int(match["year"]), month, int(match["day"] or match["day_first"]))
    except ValueError:
        return None


@functools.lru_cache(maxsize=8192)
def read_date(text: str) -> tuple[int | None, dt.date | None]:
    """(the year, the full date) that ``text`` writes: ``12 June 1998`` → (1998, 1998-06-12); ``June 1998`` →
    (1998, None); anything else → (None, None). ISO dates are read exactly; textual ones by dateutil, twice with
    two different defaults, so a date missing its day or its month is not completed with the default's."""
    if ISO_DATE.match(text):
        try:
            date = dt.date.fromisoformat(text)
        except ValueError:
            return None, None
        return date.year, date
    if not text or len(text) > 40 or not re.search(r"\d{4}", text):
        return None, None
    written = text_date(text)
    if written is not None:
        return written.year, written
    try:
        first, second = (dateutil_parser.parse(text, default=d, dayfirst=True) for d in _DEFAULTS)
    except (ValueError, OverflowError):
        return None, None
    if first.year != second.year:
        return None, None
    return first.year, (first.date() if first == second else None)

"""What the three harvesting doors (``/activity``, ``/ldes``, ``/oai``) read from the change log, in one shape.

The log (:mod:`lodfilm.changelog`) is a sequence of events — one create, update or delete of a record, in the
order they were written. Each door is a view of that sequence: AS2 pages it by position, LDES by time, OAI-PMH
folds it into one item per film. This module is what they share: the event's shape as the doors need it, its
time in UTC, and the per-film fold. It depends on no web framework, so each door is testable over a plain list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

KINDS = ("create", "update", "delete")


class Change(Protocol):
    """One event of the change log, as the doors read it (``lodfilm.changelog.Event`` has this shape)."""

    @property
    def seq(self) -> int: ...

    @property
    def time(self) -> object: ...  # a datetime, an ISO 8601 text or seconds since the epoch

    @property
    def kind(self) -> str: ...

    @property
    def record(self) -> str: ...

    @property
    def film(self) -> str | None: ...  # the doors read only events that name one

    @property
    def hash(self) -> str | None: ...  # None for a delete


C = TypeVar("C", bound=Change)


def moment(change: Change) -> dt.datetime:
    """The event's time as an aware UTC datetime, whatever form the log keeps it in."""
    when = change.time
    if isinstance(when, dt.datetime):
        found = when
    elif isinstance(when, int | float):
        found = dt.datetime.fromtimestamp(when, dt.UTC)
    elif isinstance(when, str):
        found = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
    else:
        raise TypeError(f"event {change.seq}: a time of type {type(when).__name__} is not understood")
    if found.tzinfo is None:
        found = found.replace(tzinfo=dt.UTC)  # the log writes UTC
    return found.astimezone(dt.UTC)


def film_of(change: Change) -> str:
    """The film an event changed (the doors are only given events that name one)."""
    if change.film is None:
        raise ValueError(f"event {change.seq} names no film")
    return change.film


#: events on one page of ``/activity`` and of ``/ldes`` (both page the log by position, so one page size)
PAGE_SIZE = 100


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    """How many pages ``total`` events fill: at least one, so a feed's first and last page always exist."""
    return max(1, -(-total // size))


def is_full(number: int, total: int, size: int = PAGE_SIZE) -> bool:
    """Whether page ``number`` holds all ``size`` events it ever will: the log only grows, so a full page never
    changes and may be cached for a long time."""
    return (number + 1) * size <= total


def page_slice(changes: Sequence[C], number: int, size: int = PAGE_SIZE) -> Sequence[C] | None:
    """The events on page ``number`` (from 0), or None when there is no such page. Page 0 always exists, empty
    when the log is."""
    if number < 0 or number >= page_count(len(changes), size):
        return None
    return changes[number * size : (number + 1) * size]


def stamp(when: dt.datetime) -> str:
    """``2026-12-02T06:30:01Z``: UTC to the second, the form OAI-PMH datestamps and our feeds use."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def precise(when: dt.datetime) -> str:
    """UTC, with the fraction of a second where the time has one (``…T06:30:01.5Z``, else ``…T06:30:01Z``)."""
    return when.astimezone(dt.UTC).isoformat(timespec="auto").replace("+00:00", "Z")


@dataclass(frozen=True)
class FilmState:
    """A film as a harvester of whole items (OAI-PMH) sees it: its newest event, and whether it is gone."""

    film: str
    seq: int
    time: dt.datetime
    deleted: bool


def film_states(changes: Iterable[Change], live: set[str]) -> list[FilmState]:
    """One state per film that has any event, ordered by its newest event (oldest change first).

    A film is deleted when the store no longer describes it (``live`` is the set of films it does describe):
    a record's delete leaves the film alive when another record still describes it."""
    newest: dict[str, Change] = {}
    for change in changes:
        if change.film is not None:
            newest[change.film] = change
    states = [FilmState(film, c.seq, moment(c), film not in live) for film, c in newest.items()]
    return sorted(states, key=lambda s: s.seq)

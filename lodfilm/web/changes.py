"""The change log as the web's harvesting doors read it: every event about a film, and the films the store
describes now. (The log itself is :mod:`lodfilm.changelog`; this is only its reading, kept between checkpoints.)

The log only grows, so when the server moves to a new checkpoint only the events after the newest one it holds
are read (at 10k films, reading the whole log took 2 s on every new checkpoint). A log that is shorter than what
is held (a store made anew at the same place) is read again whole.
"""

from __future__ import annotations

import threading

from flask import abort, current_app

from lodfilm import changelog
from lodfilm.publish.changes import Change, page_count, page_slice
from lodfilm.web.site import Site


class Reading:
    """The events read so far (all of them, film or not, so sequence numbers stay contiguous), and for which
    checkpoint."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation: str | None = None
        self.events: list[changelog.Event] = []

    def up_to_date(self, here: Site) -> list[changelog.Event]:
        generation = here.generation
        with self.lock:
            if generation != self.generation:
                last = self.events[-1].seq if self.events else 0
                if changelog.latest(here.store) < last:
                    self.events, last = [], 0
                self.events = self.events + changelog.events(here.store, after=last)
                self.generation = generation
            return self.events


def reading() -> Reading:
    found: Reading = current_app.extensions.setdefault("lodfilm.changes", Reading())
    return found


def log(here: Site) -> list[Change]:
    """Every event of the log that names a film, oldest first. (An event of a record about no film has nothing a
    harvester of films could fetch; leaving them out is the same on every reading, so positions in the feeds
    stay fixed.)"""
    return here.cached("change log", lambda: [e for e in reading().up_to_date(here) if e.film is not None])


def live(here: Site) -> set[str]:
    """The films the store describes now (a film with events that is not here was deleted). Its own query, not
    the film list's: that one sorts every film by name, which the doors do not need."""
    return here.cached("live films", lambda: {row["f"] for row in here.store.select(
        "SELECT ?f WHERE { ?f a schema:Movie }")})


def page_of(events: list[Change], number: int, *, door: str, start: str) -> list[Change]:
    """The events of a door's page ``number``; past the last page a 404 that says which pages there are and where
    the door starts (``/activity`` and ``/ldes`` page the same log the same way)."""
    chosen = page_slice(events, number)
    if chosen is None:
        abort(404, description=f"there is no {door} page {number}: pages are 0 to {page_count(len(events)) - 1}; "
                               f"start at {start}")
    return list(chosen)

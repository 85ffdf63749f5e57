"""The change log as the web's harvesting doors read it: every event about a film, once per checkpoint, and the
films the store describes now. (The log itself is :mod:`lodfilm.changelog`; this is only its cached reading.)"""

from __future__ import annotations

from lodfilm import changelog
from lodfilm.publish.changes import Change
from lodfilm.web.site import Site


def log(here: Site) -> list[Change]:
    """Every event of the log that names a film, oldest first, read once per checkpoint served. (An event of a
    record about no film has nothing a harvester of films could fetch; leaving them out is the same on every
    reading, so positions in the feeds stay fixed.)"""
    return here.cached("change log", lambda: [e for e in changelog.events(here.store) if e.film is not None])


def live(here: Site) -> set[str]:
    """The films the store describes now (a film with events that is not here was deleted)."""
    return here.cached("live films", lambda: {row["iri"] for row in here.films()})

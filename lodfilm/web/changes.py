"""The change log as the web's harvesting doors read it: every event, once per checkpoint, and the films the
store describes now. (The log itself is :mod:`lodfilm.changelog`; this is only its cached reading.)"""

from __future__ import annotations

import importlib

from lodfilm.publish.changes import Change
from lodfilm.web.site import Site


def log(here: Site) -> list[Change]:
    """Every event of the log, oldest first, read once per checkpoint served."""
    # (imported by name until branch sync's lodfilm.changelog is merged here)
    changelog = importlib.import_module("lodfilm.changelog")
    return here.cached("change log", lambda: list(changelog.events(here.store)))


def live(here: Site) -> set[str]:
    """The films the store describes now (a film with events that is not here was deleted)."""
    return here.cached("live films", lambda: {row["iri"] for row in here.films()})

"""The change log as an Activity Streams 2.0 feed in the shape of IIIF Change Discovery 1.0.

https://iiif.io/api/discovery/1.0/ — an ``OrderedCollection`` whose ``first`` and ``last`` name
``OrderedCollectionPage``s; each page lists ``Create``/``Update``/``Delete`` activities oldest first, with
``endTime`` and the changed ``object``. A harvester reads from ``last`` backwards (``prev``) until it reaches
an activity it has seen.

Pages hold a fixed number of activities by position in the log, so a full page never changes (it can be cached
for a year) and only the last one grows. Events are numbered from 0 in log order; page ``n`` holds numbers
``n * size`` to ``n * size + size - 1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lodfilm.publish.changes import PAGE_SIZE, Change, film_of, moment, page_count, precise

MEDIA_TYPE = 'application/ld+json;profile="https://www.w3.org/ns/activitystreams"'
CONTEXT = ["https://www.w3.org/ns/activitystreams", "http://iiif.io/api/discovery/1/context.json"]
ACTIVITY_TYPES = {"create": "Create", "update": "Update", "delete": "Delete"}


def collection_iri(base: str) -> str:
    return f"{base}activity"


def page_iri(base: str, number: int) -> str:
    return f"{base}activity/page/{number}"


def collection(base: str, total: int, size: int = PAGE_SIZE) -> dict[str, Any]:
    """The feed's entry point."""
    return {
        "@context": CONTEXT,
        "id": collection_iri(base),
        "type": "OrderedCollection",
        "totalItems": total,
        "first": {"id": page_iri(base, 0), "type": "OrderedCollectionPage"},
        "last": {"id": page_iri(base, page_count(total, size) - 1), "type": "OrderedCollectionPage"},
    }


def activity(base: str, change: Change) -> dict[str, Any]:
    """One event as an activity: its kind, when it ended, and the film it changed."""
    if change.kind not in ACTIVITY_TYPES:
        raise ValueError(f"event {change.seq}: unknown kind {change.kind!r}")
    return {
        "id": f"{base}activity/{change.seq}",
        "type": ACTIVITY_TYPES[change.kind],
        "object": {"id": film_of(change), "type": "Movie"},
        "endTime": precise(moment(change)),
    }


def page(base: str, number: int, events: Sequence[Change], total: int, size: int = PAGE_SIZE) -> dict[str, Any]:
    """Page ``number``: ``events`` are the log's events numbered ``number * size`` onwards (at most ``size``)."""
    last = page_count(total, size) - 1
    if not 0 <= number <= last:
        raise IndexError(f"there is no page {number}: pages are 0 to {last}")
    body: dict[str, Any] = {
        "@context": CONTEXT,
        "id": page_iri(base, number),
        "type": "OrderedCollectionPage",
        "partOf": {"id": collection_iri(base), "type": "OrderedCollection"},
        "startIndex": number * size,
    }
    if number > 0:
        body["prev"] = {"id": page_iri(base, number - 1), "type": "OrderedCollectionPage"}
    if number < last:
        body["next"] = {"id": page_iri(base, number + 1), "type": "OrderedCollectionPage"}
    body["orderedItems"] = [activity(base, change) for change in events[:size]]
    return body

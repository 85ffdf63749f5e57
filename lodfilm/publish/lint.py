"""What a search engine will make of each film's embedded JSON-LD: Google's Movie structured-data rules.

Errors are what makes a film ineligible for the Movie rich result (no ``name``, no ``image``); warnings are what
Google recommends (``dateCreated``, ``director``, ``review``, ``aggregateRating``; a trailer ``VideoObject`` with
``name``, ``thumbnailUrl`` and ``uploadDate``). The lint never invents a value a record lacks. It may name a value
that is exact but derived — a YouTube trailer's thumbnail follows from its video id — and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

YOUTUBE_ID = re.compile(r"(?:youtube(?:-nocookie)?\.com/(?:embed/|watch\?(?:.*&)?v=|v/)|youtu\.be/)([\w-]{11})")


@dataclass(frozen=True)
class Finding:
    level: str  # "error" or "warning"
    film: str  # the film's IRI
    title: str
    message: str

    def line(self, where: str = "") -> str:
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.title} <{self.film}>: {self.level}: {self.message}"


def youtube_thumbnail(url: str) -> str | None:
    """The thumbnail YouTube serves for a video, from the video id in any of its URL forms; None otherwise."""
    match = YOUTUBE_ID.search(url)
    return f"https://i.ytimg.com/vi/{match[1]}/hqdefault.jpg" if match else None


def values(node: dict[str, Any], key: str) -> list[Any]:
    value = node.get(key)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def lint_movie(movie: dict[str, Any]) -> list[Finding]:
    """Findings for one framed ``Movie`` (as :func:`lodfilm.publish.jsonld.film_jsonld` makes it)."""
    iri = str(movie.get("@id", ""))
    title = str(values(movie, "name")[0]) if values(movie, "name") else "(no name)"
    out: list[Finding] = []

    def add(level: str, message: str) -> None:
        out.append(Finding(level, iri, title, message))

    if not values(movie, "name"):
        add("error", "missing name: not eligible for the Movie carousel")
    if not values(movie, "image"):
        add("error", "missing image (a poster or still): not eligible for the Movie carousel")
    if not values(movie, "dateCreated"):
        add("warning", "missing dateCreated (recommended)")
    directors = values(movie, "director")
    if not directors:
        add("warning", "missing director (recommended)")
    elif any(isinstance(d, dict) and not values(d, "name") for d in directors):
        add("warning", "a director has no name")
    if not values(movie, "review"):
        add("warning", "missing review (recommended)")
    if not values(movie, "aggregateRating"):
        add("warning", "missing aggregateRating (recommended)")
    for trailer in values(movie, "trailer"):
        if not isinstance(trailer, dict):
            continue
        url = next((str(v) for k in ("embedUrl", "contentUrl", "url") for v in values(trailer, k)), "")
        if not values(trailer, "name"):
            add("warning", "trailer VideoObject has no name")
        if not values(trailer, "thumbnailUrl"):
            derived = youtube_thumbnail(url)
            if derived:
                add("warning", f"trailer has no thumbnailUrl in the record; lodfilm derives {derived} from the "
                               "YouTube video id (exact, not invented)")
            else:
                add("warning", "trailer VideoObject has no thumbnailUrl")
        elif any(str(v) == youtube_thumbnail(url) for v in values(trailer, "thumbnailUrl")):
            add("warning", "trailer thumbnailUrl is derived from the YouTube video id (exact, not in the record)")
        if not values(trailer, "uploadDate"):
            add("warning", "trailer VideoObject has no uploadDate")
    return out

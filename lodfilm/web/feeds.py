"""What the harvesting doors' answers share over HTTP: how long a page of a feed may be cached.

A full page of a feed (AS2 or LDES) holds the same events for ever, so it is cacheable for a year and marked
``immutable``; the last page grows and the entry point changes with every sync, so they are cached briefly."""

from __future__ import annotations

from flask import Response

IMMUTABLE_SECONDS = 365 * 24 * 3600
GROWING_SECONDS = 10


def cache_for(response: Response, *, full: bool) -> Response:
    response.cache_control.public = True
    if full:
        response.cache_control.max_age = IMMUTABLE_SECONDS
        response.cache_control.immutable = True
    else:
        response.cache_control.max_age = GROWING_SECONDS
    return response

"""One data function, many renderers: a resource's document graph → HTML, Turtle, JSON-LD, N-Triples, RDF/XML,
with content negotiation, alternates, validators (ETag, Last-Modified) and caching of the rendered bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from urllib.parse import quote

from flask import Response, current_app, request

from lodfilm.publish.formats import Format, format_for_name, format_for_suffix, media_types, negotiate
from lodfilm.web.errors import NotAcceptable
from lodfilm.web.site import Site

PAGE_FORMATS = media_types("html", "rdf")


def site() -> Site:
    found: Site = current_app.extensions["lodfilm"]
    return found


def split_suffix(key: str) -> tuple[str, Format | None]:
    """``illegal-2010.ttl`` → (``illegal-2010``, Turtle); slugs never hold a dot, so a suffix is a format."""
    stem, dot, suffix = key.rpartition(".")
    if dot and "/" not in suffix:
        fmt = format_for_suffix(suffix)
        if fmt is not None and fmt.kind in ("html", "rdf"):
            return stem, fmt
    return key, None


def chosen_format(explicit: Format | None, offered: list[str] = PAGE_FORMATS) -> tuple[Format, bool]:
    """The format to answer in, and whether it was negotiated (then the answer varies by Accept)."""
    name = request.args.get("format")
    if name:
        fmt = format_for_name(name)
        if fmt is None or fmt.media_type not in offered:
            raise NotAcceptable(f"unknown format {name!r}: use one of " + ", ".join(
                f.name for f in (format_for_name(n) for n in ("html", "ttl", "jsonld", "nt", "rdfxml")) if f
                and f.media_type in offered))
        return fmt, False
    if explicit is not None:
        return explicit, False
    media_type = negotiate(request.headers.get("Accept"), offered)
    if media_type is None:
        raise NotAcceptable("this resource is available as " + ", ".join(offered))
    fmt = next(f for f in (format_for_suffix(s) for s in ("html", "ttl", "jsonld", "nt", "rdf")) if f
               and f.media_type == media_type)
    return fmt, True


def respond(body: bytes, fmt: Format, *, negotiated: bool, iri: str | None = None,
            modified: dt.datetime | float | None = None, alternates: bool = True) -> Response:
    response = Response(body, 200, content_type=fmt.content_type)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if modified is not None:
        response.last_modified = (modified if isinstance(modified, dt.datetime)
                                  else dt.datetime.fromtimestamp(modified, dt.UTC))
    if negotiated:
        response.vary.add("Accept")
    if iri is not None and alternates:
        uri = header_uri(iri)
        links = [f'<{uri}>; rel="canonical"'] + [
            f'<{uri}.{f.suffix}>; rel="alternate"; type="{f.media_type}"'
            for f in (format_for_suffix(s) for s in ("html", "ttl", "jsonld", "nt", "rdf")) if f
        ]
        response.headers["Link"] = ", ".join(links)
    response.cache_control.public = True
    response.cache_control.max_age = 60
    response.make_conditional(request)
    return response


def header_uri(iri: str) -> str:
    """An IRI as a URI for an HTTP header, which must be ASCII: ``film/светът-2008`` → ``film/%D1%81…-2008``."""
    return quote(iri, safe=":/?#[]@!$&'()*+,;=%~")


def rendered(key: str, make: Callable[[], bytes]) -> bytes:
    return site().cached(f"render {key}", make)

"""One data function, many renderers: a resource's document graph → HTML, Turtle, JSON-LD, N-Triples, RDF/XML,
with content negotiation, alternates, validators (ETag, Last-Modified), conditional requests and caching of the
rendered bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from urllib.parse import quote

from flask import Response, current_app, request
from werkzeug.http import parse_date, parse_etags

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
    return response  # conditional requests: see ``preconditions``, run on every answer


def preconditions(response: Response) -> Response:
    """Answer ``If-Match``, ``If-Unmodified-Since``, ``If-None-Match`` and ``If-Modified-Since`` on every GET
    or HEAD whose answer has a validator (resources, lists, dumps, VoID), in the order of RFC 9110 §13.2.2.

    werkzeug's ``make_conditional`` (which ``send_file`` still calls, for ``Range``) gets two of these wrong: it
    answers ``If-Match: *`` with 412 although the resource exists (§13.1.1), keeps the body on its 412, and
    ignores ``If-Unmodified-Since`` (§13.1.4). So its verdict is replaced here, and a 412 has no body.
    Preconditions apply only where the answer without them would be 2xx (§13.2.1): a 404 stays a 404.
    """
    if request.method not in ("GET", "HEAD") or response.status_code not in (200, 206, 304, 412):
        return response
    etag, _ = response.get_etag()
    modified = response.last_modified
    if etag is None and modified is None:
        return response
    status = precondition_status(etag, modified)
    if status is None:
        if response.status_code in (304, 412):  # werkzeug's verdict, on the full body: the request stands
            response.status_code = 200
        return response
    response.status_code = status
    if status == 412:
        response.close()  # a dump's open file
        response.set_data(b"")
        for name in ("Content-Type", "Content-Range", "Content-Encoding"):
            response.headers.pop(name, None)
    return response


def precondition_status(etag: str | None, modified: dt.datetime | None) -> int | None:
    """412, 304, or None (the request stands) for the current representation's ``etag`` and ``modified``."""
    headers = request.headers
    if_match = headers.get("If-Match", "").strip()
    if if_match:  # §13.1.1: true for "*" (the resource exists), or a strong match of one listed tag
        tags = parse_etags(if_match)
        if not (tags.star_tag or (etag is not None and tags.is_strong(etag))):
            return 412
    elif (since := parse_date(headers.get("If-Unmodified-Since"))) is not None and modified is not None:
        if modified.replace(microsecond=0) > since:  # §13.1.4: modified after the client's date
            return 412
    if_none_match = headers.get("If-None-Match", "").strip()
    if if_none_match:  # §13.1.2: false for "*" or a weak match of one listed tag; GET and HEAD then get 304
        tags = parse_etags(if_none_match)
        if tags.star_tag or (etag is not None and tags.contains_weak(etag)):
            return 304
    elif (since := parse_date(headers.get("If-Modified-Since"))) is not None and modified is not None:
        if modified.replace(microsecond=0) <= since:  # §13.1.3: not modified since the client's copy
            return 304
    return None


def header_uri(iri: str) -> str:
    """An IRI as a URI for an HTTP header, which must be ASCII: ``film/светът-2008`` → ``film/%D1%81…-2008``."""
    return quote(iri, safe=":/?#[]@!$&'()*+,;=%~")


def rendered(key: str, make: Callable[[], bytes]) -> bytes:
    return site().cached(f"render {key}", make)

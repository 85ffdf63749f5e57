"""The one URL builder for pages: every link and form action to one of our own IRIs or routes is written as a
path-absolute URL (``/film/illegal-2010``, ``/search``), so a page works from whatever address served it.

Why: the base IRI names the data (``http://localhost:8080/`` by default), and the server may be reached by
another address — ``http://127.0.0.1:8080/`` as ``lodfilm serve`` prints it, a port given with ``--port``, a proxy.
An absolute link to the base would then leave the page's origin, and an absolute form action would be blocked by
the page's own ``Content-Security-Policy: form-action 'self'``. The IRIs a page *shows* (``IRI <code>…</code>``,
``rel="canonical"``) stay the IRIs, and the data (Turtle, JSON-LD, VoID, sitemap) keeps absolute IRIs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode, urlsplit


class Urls:
    """Links for pages of the site published at ``base``."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.path = urlsplit(base).path or "/"  # routes are mounted under the base IRI's path

    def href(self, iri: str) -> str:
        """A link to ``iri``: path-absolute when it is one of ours (under the base), else the IRI as it is."""
        if iri.startswith(self.base):
            return self.path + iri[len(self.base):]
        return iri

    def route(self, name: str = "") -> str:
        """A link to one of our routes, named as under the base: ``route("search")`` → ``/search``."""
        return self.path + name.lstrip("/")

    def route_with(self, name: str, params: Mapping[str, str | Sequence[str] | None]) -> str:
        """A link to one of our routes with a query string, parameters left out where None or empty, a list
        given as the parameter repeated: ``route_with("sparql", {"query": "ASK {}", "format": "csv"})`` →
        ``/sparql?query=ASK+%7B%7D&format=csv``; ``{"country": ["FR", "BE"]}`` → ``?country=FR&country=BE``."""
        given = {key: value for key, value in params.items() if value is not None and value != []}
        return self.route(name) + (f"?{urlencode(given, doseq=True)}" if given else "")

    def for_templates(self) -> dict[str, object]:
        """What templates get: ``href(iri)``, ``route(name)`` and ``route_with(name, params)``."""
        return {"href": self.href, "route": self.route, "route_with": self.route_with}


def with_query(path: str, params: list[tuple[str, str]]) -> str:
    """``path`` with ``params`` as its query string (in order, repeated names kept): ``/films?decade=2010s``."""
    return path + ("?" + urlencode(params) if params else "")


def absolute(host_url: str, path: str) -> str:
    """A path-absolute link made absolute against the address the request came by (``request.host_url``), for
    the ``next`` of a JSON list and the ``Link`` header, which clients follow without a page to resolve them in."""
    return host_url.rstrip("/") + path

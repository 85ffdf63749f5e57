"""Paging for every list: the page asked for (``page=N``, 1 by default; anything else is the client's mistake),
the page's links (``rel=prev/next`` and the JSON twin, in the page and in the ``Link`` header), and the one JSON
shape of a list: ``{"total", "page", "pages", "next", "prev", "items", ...}``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, request

from lodfilm.errors import UsageError
from lodfilm.publish.formats import BadAccept, negotiate
from lodfilm.web.urls import absolute, with_query

PAGE_SIZE = 50
LIST_TYPES = ["text/html", "application/json"]


def page_number() -> int:
    """``page`` from the query string: a whole number from 1; ``page=abc``, ``page=0``, ``page=-1`` → 400."""
    values = request.args.getlist("page")
    if not values:
        return 1
    raw = values[-1]
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        raise UsageError(f"page={shown!r} is not a page number: pages are numbered 1, 2, 3…")
    return int(raw)


@dataclass(frozen=True)
class Page:
    """Page ``number`` of a list of ``total`` items, ``size`` a page."""

    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def check(self) -> None:
        """404 for a page past the end (page 1 always exists, even of an empty list: it says "0 results")."""
        if self.number > self.pages:
            abort(404, description=f"page={self.number} is past the end: this list has {self.total} items in "
                                   f"{self.pages} page{'s' if self.pages != 1 else ''}")


@dataclass(frozen=True)
class Links:
    """The links of one page of a list: ``path`` is the HTML page's, ``twin`` its JSON twin's (both without the
    query), ``params`` the query without ``page``."""

    path: str
    twin: str
    params: list[tuple[str, str]]
    page: Page

    def html(self, number: int) -> str:
        return with_query(self.path, self._with_page(number))

    def json(self, number: int) -> str:
        return with_query(self.twin, self._with_page(number))

    def _with_page(self, number: int) -> list[tuple[str, str]]:
        return self.params + ([("page", str(number))] if number > 1 else [])

    @property
    def prev(self) -> int | None:
        return self.page.number - 1 if self.page.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.page.number + 1 if self.page.number < self.page.pages else None

    def header(self, as_json: bool) -> str:
        """The ``Link`` header: next, prev (of the same kind as the answer) and the other twin."""
        host = request.host_url
        here = self.json if as_json else self.html
        links = [f'<{absolute(host, here(n))}>; rel="{rel}"' for rel, n in (("prev", self.prev), ("next", self.next))
                 if n is not None]
        if as_json:
            links.append(f'<{absolute(host, self.html(self.page.number))}>; rel="alternate"; type="text/html"')
        else:
            links.append(f'<{absolute(host, self.json(self.page.number))}>; rel="alternate"; '
                         'type="application/json"')
        return ", ".join(links)


def current_params() -> list[tuple[str, str]]:
    """The request's query parameters in order, without ``page``."""
    return [(k, v) for k, v in request.args.items(multi=True) if k != "page"]


def wants_json(suffixed: bool, offered: list[str] = LIST_TYPES) -> bool:
    """Whether to answer with the JSON twin: asked for by its ``.json`` URL, or by ``Accept`` (when JSON ranks
    above every other type in ``offered``)."""
    if suffixed:
        return True
    try:
        return negotiate(request.headers.get("Accept"), offered) == "application/json"
    except BadAccept:
        return False


def json_list(links: Links, items: list[dict[str, Any]], **extra: Any) -> Response:
    host = request.host_url
    body = {
        "total": links.page.total, "page": links.page.number, "pages": links.page.pages,
        "next": absolute(host, links.json(links.next)) if links.next else None,
        "prev": absolute(host, links.json(links.prev)) if links.prev else None,
        "items": items, **extra,
    }
    response = Response(json.dumps(body, ensure_ascii=False), 200, content_type="application/json")
    finish(response, links, as_json=True)
    return response


def finish(response: Response, links: Links, *, as_json: bool, vary: bool = True) -> Response:
    """Add the list's ``Link`` header (after any links the response has already) and ``Vary: Accept``."""
    header = links.header(as_json)
    existing = response.headers.get("Link")
    response.headers["Link"] = f"{existing}, {header}" if existing else header
    if vary:
        response.vary.add("Accept")
    return response

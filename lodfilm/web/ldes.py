"""``/ldes``: the change log as a Linked Data Event Stream (TREE pages by time), in every RDF format the site
negotiates; the graphs are built by :mod:`lodfilm.publish.ldes`, the members' triples kept by
:mod:`lodfilm.versions`."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort

from lodfilm.publish import ldes
from lodfilm.publish.changes import PAGE_SIZE, Change, is_full
from lodfilm.publish.formats import media_types, serialize_graph
from lodfilm.versions import Versions, folder_for
from lodfilm.web.changes import live, log, page_of
from lodfilm.web.feeds import cache_for
from lodfilm.web.render import chosen_format, respond, site
from lodfilm.web.site import Site

bp = Blueprint("ldes", __name__)
RDF_TYPES = media_types("rdf")


def versions(here: Site) -> Versions:
    """The kept versions, beside the store (or in a folder of this machine's, for a SPARQL server's store),
    brought up to date once per checkpoint served."""
    folder = folder_for(here.store) or here.settings.store
    kept = here.cached("ldes versions", lambda: Versions(folder))
    here.cached("ldes versions kept", lambda: kept.keep_current(here.store, log(here), live(here)))
    return kept


def kept(here: Site, events: list[Change]) -> dict[int, bytes]:
    return versions(here).get(e for e in events if e.kind != "delete")


def rdf(key: str, make: Callable[[], bytes], root: str, *, full: bool) -> Response:
    """The N-Triples ``make()`` builds, in the negotiated format; rendered once per checkpoint and format."""
    fmt, negotiated = chosen_format(None, offered=RDF_TYPES)
    body = site().cached(f"ldes {key} {fmt.name}", lambda: serialize_graph(make(), fmt.media_type, root=root))
    return cache_for(respond(body, fmt, negotiated=negotiated), full=full)


@bp.get("/ldes")
def stream() -> Response:
    here = site()
    return rdf("stream", lambda: ldes.stream(here.iris.base), ldes.stream_iri(here.iris.base), full=False)


@bp.get("/ldes/view")
def root() -> Response:
    here = site()
    events = log(here)
    firsts = events[:: PAGE_SIZE]
    return rdf("view", lambda: ldes.view(here.iris.base, firsts), ldes.view_iri(here.iris.base), full=False)


@bp.get("/ldes/page/<int:number>")
def page(number: int) -> Response:
    here = site()
    events = log(here)
    chosen = page_of(events, number, door="LDES", start=ldes.stream_iri(here.iris.base))
    following = (number + 1) * PAGE_SIZE
    after = events[following] if following < len(events) else None

    def make() -> bytes:
        return ldes.page(here.iris.base, number, chosen, total=len(events), versions=kept(here, chosen),
                         next_first=after)

    return rdf(f"page {number}", make, ldes.page_iri(here.iris.base, number), full=is_full(number, len(events)))


@bp.get("/ldes/member/<int:seq>")
def member(seq: int) -> Response:
    here = site()
    found = [e for e in log(here) if e.seq == seq]
    if not found:
        abort(404, description=f"there is no LDES member {seq}; see {ldes.stream_iri(here.iris.base)}")
    return rdf(f"member {seq}", lambda: ldes.member(here.iris.base, found[0], kept(here, found).get(seq)),
               ldes.member_iri(here.iris.base, seq), full=True)

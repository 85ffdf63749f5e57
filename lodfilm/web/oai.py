"""``/oai``: the OAI-PMH 2.0 repository over GET and POST (form); the protocol is :mod:`lodfilm.publish.oai`,
the metadata formats :mod:`lodfilm.publish.oai_metadata`. Each item is a film; the store is asked for the
fields of a page of films at once."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

from flask import Blueprint, Response, request
from lxml import etree

from lodfilm.publish.changes import Change
from lodfilm.publish.documents import is_iri
from lodfilm.publish.oai import answer
from lodfilm.publish.oai_metadata import CROSSWALKS, FORMATS, FilmFields, Provider
from lodfilm.web.changes import live, log
from lodfilm.web.render import site
from lodfilm.web.site import Site

bp = Blueprint("oai", __name__)

FIELDS = """SELECT ?f ?p ?v WHERE { VALUES ?f { FILMS }
  { ?f ?p ?v . VALUES ?p { schema:name schema:alternateName schema:dateCreated schema:description
                           schema:inLanguage schema:genre } FILTER(isLiteral(?v)) }
  UNION { ?f ?p ?x . VALUES ?p { schema:director schema:countryOfOrigin } ?x schema:name ?v } }"""
#: schema.org property → the FilmFields list it fills
SLOTS = {"name": "titles", "alternateName": "alternates", "dateCreated": "year", "description": "descriptions",
         "director": "directors",
         "countryOfOrigin": "countries", "inLanguage": "languages", "genre": "genres"}


class SiteRepository:
    """The repository as :mod:`lodfilm.publish.oai` sees it, over the checkpoint being served."""

    formats = FORMATS

    def __init__(self, here: Site) -> None:
        self.here = here
        self.name = here.settings.title
        self.base_url = f"{here.iris.base}oai"
        self.admin_email = admin_email(here)
        self.provider = Provider(here.settings.title, here.settings.license)

    def changes(self) -> Sequence[Change]:
        return log(self.here)

    def live(self) -> set[str]:
        return live(self.here)

    def metadata(self, films: Sequence[str], prefix: str) -> dict[str, etree._Element]:
        crosswalk = CROSSWALKS[prefix]
        return {iri: crosswalk(fields, self.provider) for iri, fields in film_fields(self.here, films).items()}


def admin_email(here: Site) -> str:
    """``LODFILM_ADMIN_EMAIL``, else the webmaster of the base IRI's host (the protocol requires an address)."""
    configured = here.settings.admin_email
    if configured:
        return configured
    host = urlsplit(here.iris.base).hostname or "localhost"
    return f"webmaster@{host if '.' in host else host + '.localdomain'}"


def film_fields(here: Site, films: Sequence[str]) -> dict[str, FilmFields]:
    """The crosswalks' fields of each film the store describes, in one query per hundred films."""
    wanted = [f for f in films if is_iri(f) and f in live(here)]
    found: dict[str, dict[str, list[str]]] = {f: {} for f in wanted}
    for start in range(0, len(wanted), 100):
        chunk = wanted[start : start + 100]
        for row in here.store.select(FIELDS.replace("FILMS", " ".join(f"<{f}>" for f in chunk))):
            name = row["p"].rpartition("/")[2]
            values = found[row["f"]].setdefault(SLOTS[name], [])
            if row["v"] not in values:
                values.append(row["v"])
    return {iri: fields_of(iri, slots) for iri, slots in found.items()}


def fields_of(iri: str, slots: dict[str, list[str]]) -> FilmFields:
    """The film's name first, then its other titles; the other lists sorted, so an answer is reproducible."""
    def sorted_(name: str) -> list[str]:
        return sorted(slots.get(name, []))

    return FilmFields(iri=iri, titles=sorted_("titles") + sorted_("alternates"),
                      year=min(slots.get("year", []), default=None), descriptions=sorted_("descriptions"),
                      directors=sorted_("directors"), countries=sorted_("countries"),
                      languages=sorted_("languages"), genres=sorted_("genres"))


def response_date(here: Site) -> dt.datetime:
    """The time of the checkpoint the answer is read from, not the moment of the answer.

    A harvester passes a response's ``responseDate`` as its next ``from``. An import stamps all its events with
    the time it began, and the server sees them only when the import's checkpoint is published, minutes later on
    a large store: a harvest in between, dated by the clock, would be later than those events though it could not
    see them, and the next harvest ``from`` it would miss them. Every event the checkpoint lacks is stamped later
    than the checkpoint itself, so its time is a safe ``from``."""
    return dt.datetime.fromtimestamp(min(time.time(), here.store.modified), dt.UTC)


@bp.route("/oai", methods=["GET", "POST"])
def endpoint() -> Response:
    """Arguments come from the query string (GET) or the form body (POST), never both mixed."""
    params = request.form.to_dict(flat=False) if request.method == "POST" else request.args.to_dict(flat=False)
    here = site()
    body = answer(params, SiteRepository(here), now=response_date(here))
    response = Response(body, 200, content_type="text/xml; charset=utf-8")
    response.cache_control.no_cache = True  # every answer carries its own responseDate
    return response

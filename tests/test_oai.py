"""OAI-PMH 2.0 (lodfilm.publish.oai): each verb, the arguments and errors as the protocol defines them, paging
with resumption tokens, deleted items; every answer validated against the protocol's XML Schema."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence

import pytest
from flask.testing import FlaskClient
from lxml import etree
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from lodfilm import pipeline
from lodfilm.publish.oai import Token, answer
from lodfilm.publish.oai_metadata import CROSSWALKS, EDM, FORMATS, ORE, FilmFields, Provider
from lodfilm.settings import Settings
from lodfilm.store import open_store
from lodfilm.web import close_app, create_app
from tests.conftest import SEED_PAGE
from tests.doors import T0, Event, event, valid_oai

NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}
BASE = "http://films.example.org/"
FILM = f"{BASE}film/"


class Repository:
    """A repository over a list of events; films with a name in ``names`` are the store's live films."""

    name = "Test archive"
    base_url = "http://films.example.org/oai"
    admin_email = "archive@films.example.org"
    formats = FORMATS

    def __init__(self, events: list[Event], names: dict[str, str]) -> None:
        self.events = events
        self.names = names

    def changes(self) -> Sequence[Event]:
        return self.events

    def live(self) -> set[str]:
        return set(self.names)

    def metadata(self, films: Sequence[str], prefix: str) -> dict[str, etree._Element]:
        provider = Provider("Test archive", "http://creativecommons.org/publicdomain/zero/1.0/")
        return {f: CROSSWALKS[prefix](FilmFields(iri=f, titles=[self.names[f]], year="2010",
                                                 directors=["Olivier Masset-Depasse"]), provider)
                for f in films if f in self.names}


def repository() -> Repository:
    """Films a..e created; b updated; c deleted (the store no longer has it)."""
    events = [event(1, "create", "a"), event(2, "create", "b"), event(3, "create", "c"), event(4, "create", "d"),
              event(5, "create", "e"), event(6, "update", "b"), event(7, "delete", "c")]
    return Repository(events, {FILM + k: f"Film {k}" for k in "abde"})


def ask(repo: Repository, page_size: int = 100, **args: str | list[str]) -> etree._Element:
    params = {k.rstrip("_"): v if isinstance(v, list) else [v] for k, v in args.items()}
    return valid_oai(answer(params, repo, now=T0 + dt.timedelta(days=1), page_size=page_size))


def error(root: etree._Element) -> tuple[str, str]:
    found = root.find("o:error", NS)
    assert found is not None, etree.tostring(root).decode()
    return found.get("code", ""), found.text or ""


def identifiers(root: etree._Element) -> list[tuple[str, str | None]]:
    return [(h.findtext("o:identifier", namespaces=NS) or "", h.get("status"))
            for h in root.iter("{http://www.openarchives.org/OAI/2.0/}header")]


def test_identify_says_persistent_deletes_seconds_granularity_and_the_earliest_datestamp() -> None:
    root = ask(repository(), verb="Identify")
    node = root.find("o:Identify", NS)
    assert node is not None
    assert node.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert node.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert node.findtext("o:earliestDatestamp", namespaces=NS) == "2026-12-01T10:01:00Z"
    assert node.findtext("o:baseURL", namespaces=NS) == "http://films.example.org/oai"
    assert root.find("o:request", NS).get("verb") == "Identify"  # type: ignore[union-attr]


def test_list_metadata_formats_offers_oai_dc_and_edm() -> None:
    root = ask(repository(), verb="ListMetadataFormats")
    assert [p.text for p in root.iter(f"{{{NS['o']}}}metadataPrefix")] == ["oai_dc", "edm"]
    assert error(ask(repository(), verb="ListMetadataFormats", identifier=FILM + "zz"))[0] == "idDoesNotExist"


def test_list_sets_answers_no_set_hierarchy() -> None:
    assert error(ask(repository(), verb="ListSets"))[0] == "noSetHierarchy"
    assert error(ask(repository(), verb="ListRecords", metadataPrefix="oai_dc", set="lux"))[0] == "noSetHierarchy"


def test_list_identifiers_orders_by_last_change_and_marks_the_deleted_film() -> None:
    root = ask(repository(), verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert identifiers(root) == [(FILM + "a", None), (FILM + "d", None), (FILM + "e", None),
                                 (FILM + "b", None), (FILM + "c", "deleted")]
    datestamps = [d.text for d in root.iter(f"{{{NS['o']}}}datestamp")]
    assert datestamps[-1] == "2026-12-01T10:07:00Z"


def test_list_records_in_oai_dc_carries_title_creator_and_no_metadata_for_the_deleted() -> None:
    root = ask(repository(), verb="ListRecords", metadataPrefix="oai_dc")
    records = root.findall(".//o:record", NS)
    assert len(records) == 5
    first = records[0]
    assert first.findtext(".//dc:title", namespaces=NS) == "Film a"
    assert first.findtext(".//dc:creator", namespaces=NS) == "Olivier Masset-Depasse"
    assert first.findtext(".//dc:type", namespaces=NS) == "MovingImage"
    assert records[-1].find("o:metadata", NS) is None
    assert records[-1].find("o:header", NS).get("status") == "deleted"  # type: ignore[union-attr]


def test_get_record_in_edm_is_rdf_with_a_provided_cho_and_its_aggregation() -> None:
    root = ask(repository(), verb="GetRecord", identifier=FILM + "a", metadataPrefix="edm")
    rdf = root.find(".//{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF")
    assert rdf is not None
    graph = Graph().parse(data=etree.tostring(rdf), format="xml")
    film = URIRef(FILM + "a")
    assert (film, RDF.type, URIRef(EDM + "ProvidedCHO")) in graph
    assert (film, URIRef(EDM + "type"), Literal("VIDEO")) in graph
    aggregation = graph.value(None, URIRef(EDM + "aggregatedCHO"), film)
    assert aggregation is not None and (aggregation, RDF.type, URIRef(ORE + "Aggregation")) in graph
    assert graph.value(aggregation, URIRef(EDM + "isShownAt")) == film
    assert graph.value(aggregation, URIRef(EDM + "dataProvider")) == Literal("Test archive")
    assert graph.value(aggregation, URIRef(EDM + "rights")) == URIRef(
        "http://creativecommons.org/publicdomain/zero/1.0/")


def test_from_and_until_select_by_datestamp_inclusive_to_the_second_or_the_day() -> None:
    repo = repository()
    later = ask(repo, verb="ListIdentifiers", metadataPrefix="oai_dc", from_="2026-12-01T10:05:00Z")
    assert identifiers(later) == [(FILM + "e", None), (FILM + "b", None), (FILM + "c", "deleted")]
    early = ask(repo, verb="ListIdentifiers", metadataPrefix="oai_dc", until="2026-12-01T10:04:00Z")
    assert identifiers(early) == [(FILM + "a", None), (FILM + "d", None)]
    day = ask(repo, verb="ListIdentifiers", metadataPrefix="oai_dc", from_="2026-12-01", until="2026-12-01")
    assert len(identifiers(day)) == 5
    assert error(ask(repo, verb="ListIdentifiers", metadataPrefix="oai_dc", from_="2026-12-02"))[0] \
        == "noRecordsMatch"


@pytest.mark.parametrize("args", [
    {"from_": "2026-12-01T10:00:00"},  # no Z
    {"from_": "yesterday"},
    {"from_": "2026-12-01", "until": "2026-12-01T10:00:00Z"},  # granularities differ
    {"from_": "2026-12-02", "until": "2026-12-01"},  # from after until
    {"colour": "blue"},
    {"metadataPrefix": ["oai_dc", "edm"]},  # repeated
])
def test_bad_arguments_are_bad_argument_and_the_request_is_echoed_without_them(args: dict[str, str]) -> None:
    params: dict[str, str | list[str]] = {"verb": "ListRecords", "metadataPrefix": "oai_dc", **args}
    root = ask(repository(), **params)
    code, message = error(root)
    assert code == "badArgument", message
    if "colour" in args or isinstance(args.get("metadataPrefix"), list):
        assert root.find("o:request", NS).attrib == {}  # type: ignore[union-attr]


def test_missing_required_arguments_are_named() -> None:
    code, message = error(ask(repository(), verb="GetRecord", identifier=FILM + "a"))
    assert (code, "metadataPrefix" in message) == ("badArgument", True)
    assert error(ask(repository(), verb="ListRecords"))[0] == "badArgument"


def test_bad_verbs() -> None:
    assert error(ask(repository()))[0] == "badVerb"
    code, message = error(ask(repository(), verb="ListEverything"))
    assert code == "badVerb" and "ListEverything" in message
    assert error(ask(repository(), verb=["Identify", "Identify"]))[0] == "badVerb"


def test_unknown_format_and_unknown_identifier() -> None:
    assert error(ask(repository(), verb="ListRecords", metadataPrefix="marc21"))[0] == "cannotDisseminateFormat"
    assert error(ask(repository(), verb="GetRecord", identifier=FILM + "zz", metadataPrefix="oai_dc"))[0] \
        == "idDoesNotExist"
    assert error(ask(repository(), verb="GetRecord", identifier=FILM + "a", metadataPrefix="marc21"))[0] \
        == "cannotDisseminateFormat"


def test_resumption_tokens_page_the_list_with_size_and_cursor_and_end_empty() -> None:
    repo = repository()
    seen: list[str] = []
    root = ask(repo, page_size=2, verb="ListIdentifiers", metadataPrefix="oai_dc")
    cursors = []
    while True:
        seen += [i for i, _ in identifiers(root)]
        token = root.find(".//o:resumptionToken", NS)
        assert token is not None and token.get("completeListSize") == "5"
        cursors.append(token.get("cursor"))
        if not token.text:
            break
        root = ask(repo, page_size=2, verb="ListIdentifiers", resumptionToken=token.text)
    assert cursors == ["0", "2", "4"]
    assert seen == [FILM + k for k in "adebc"]


def test_a_list_in_progress_is_the_list_as_it_was_when_it_began() -> None:
    repo = repository()
    root = ask(repo, page_size=2, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = root.find(".//o:resumptionToken", NS).text  # type: ignore[union-attr]
    repo.events.append(event(8, "update", "a"))  # film a moves to the end of the current list
    rest = ask(repo, page_size=2, verb="ListIdentifiers", resumptionToken=token)  # type: ignore[arg-type]
    assert [i for i, _ in identifiers(rest)] == [FILM + "e", FILM + "b"]


@pytest.mark.parametrize("token", ["garbage", Token("ListRecords", "oai_dc", None, None, 0, 7).encode(),
                                   Token("ListIdentifiers", "oai_dc", None, None, 99, 7).encode()])
def test_bad_resumption_tokens(token: str) -> None:
    """Not ours, issued for another verb, or pointing past the list."""
    assert error(ask(repository(), verb="ListIdentifiers", resumptionToken=token))[0] == "badResumptionToken"
    assert error(ask(repository(), verb="ListIdentifiers", resumptionToken=token, metadataPrefix="oai_dc"))[0] \
        == "badArgument"  # the token is exclusive


def test_user_values_cannot_change_the_document() -> None:
    value = '"><error code="badVerb">x</error><x a="'
    root = ask(repository(), verb="GetRecord", identifier=value, metadataPrefix="oai_dc")
    assert [e.get("code") for e in root.findall("o:error", NS)] == ["idDoesNotExist"]
    assert value in (root.findtext("o:error", namespaces=NS) or "")


def test_an_empty_repository_answers_no_records_match() -> None:
    empty = Repository([], {})
    assert error(ask(empty, verb="ListRecords", metadataPrefix="oai_dc"))[0] == "noRecordsMatch"
    assert ask(empty, verb="Identify").findtext(".//o:earliestDatestamp", namespaces=NS) == "1970-01-01T00:00:00Z"


# -- /oai over a real store ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    store_dir = tmp_path_factory.mktemp("oai") / "store"
    store = open_store(store_dir)
    try:
        assert not pipeline.run([SEED_PAGE], base=BASE, store=store, progress=False).errors
    finally:
        store.close()
    app = create_app(Settings(store=store_dir, base=BASE))
    yield app.test_client()
    close_app(app)


def test_get_record_over_http_crosswalks_the_stored_film(client: FlaskClient) -> None:
    reply = client.get(f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier={BASE}film/illegal-2010")
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "text/xml; charset=utf-8"
    root = valid_oai(reply.data)
    assert root.findtext(".//dc:title", namespaces=NS) == "Illégal"
    assert [t.text for t in root.iterfind(".//dc:title", NS)] == ["Illégal", "Illegal"]
    assert root.findtext(".//dc:creator", namespaces=NS) == "Olivier Masset-Depasse"
    assert root.findtext(".//dc:date", namespaces=NS) == "2010"
    assert {c.text for c in root.iterfind(".//dc:coverage", NS)} == {"Belgium", "France", "Luxembourg"}
    assert root.findtext(".//dc:rights", namespaces=NS) == "http://creativecommons.org/publicdomain/zero/1.0/"


def test_post_form_is_answered_as_get(client: FlaskClient) -> None:
    args = {"verb": "ListIdentifiers", "metadataPrefix": "edm"}
    by_get = valid_oai(client.get("/oai", query_string=args).data)
    by_post = valid_oai(client.post("/oai", data=args).data)
    assert identifiers(by_get) == identifiers(by_post) == [(f"{BASE}film/illegal-2010", None)]


def test_identify_over_http_names_the_base_url_and_an_admin_address(client: FlaskClient) -> None:
    root = valid_oai(client.get("/oai?verb=Identify").data)
    assert root.findtext(".//o:baseURL", namespaces=NS) == f"{BASE}oai"
    assert root.findtext(".//o:adminEmail", namespaces=NS) == "webmaster@films.example.org"


def test_protocol_errors_over_http_are_200_with_the_error_code(client: FlaskClient) -> None:
    for query, code in (("", "badVerb"), ("?verb=Delete", "badVerb"),
                        ("?verb=ListRecords&metadataPrefix=oai_dc&from=2999-01-01", "noRecordsMatch"),
                        ("?verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=x", "badArgument"),
                        ("?verb=ListRecords&resumptionToken=x", "badResumptionToken")):
        reply = client.get("/oai" + query)
        assert reply.status_code == 200
        assert error(valid_oai(reply.data))[0] == code, query


def test_the_home_page_and_the_void_description_link_all_three_doors(client: FlaskClient) -> None:
    home = client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    for link in ('href="/activity"', 'href="/ldes"', 'href="/oai?verb=Identify"'):
        assert link in home, link
    void = Graph().parse(data=client.get("/.well-known/void?format=ttl").data, format="turtle")
    dataset = URIRef(f"{BASE}.well-known/void#dataset")
    dcat = "http://www.w3.org/ns/dcat#"
    distributions = set(void.objects(dataset, URIRef(dcat + "distribution")))
    for path, spec in (("activity", "https://iiif.io/api/discovery/1.0/"),
                       ("ldes", "https://w3id.org/ldes/specification"),
                       ("oai", "http://www.openarchives.org/OAI/2.0/openarchivesprotocol.htm")):
        assert URIRef(BASE + path) in distributions
        assert void.value(URIRef(BASE + path), URIRef("http://purl.org/dc/terms/conformsTo")) == URIRef(spec)
    page = client.get("/.well-known/void", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/oai"' in page and "IIIF Change Discovery" in page


def test_the_response_date_is_the_served_checkpoints_time_so_a_next_from_misses_nothing(client: FlaskClient) -> None:
    """An import stamps its events with the time it began and is seen at its checkpoint: a responseDate later
    than the checkpoint could pass over events written meanwhile."""
    time.sleep(1.2)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    date = valid_oai(client.get("/oai?verb=Identify").data).findtext("o:responseDate", namespaces=NS) or ""
    served = dt.datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    site = client.application.extensions["lodfilm"]
    assert served == dt.datetime.fromtimestamp(site.store.modified, dt.UTC).replace(microsecond=0)
    assert served < before

"""The three doors over a SPARQL server as the store (Oxigraph's server on 127.0.0.1): the change log the imports
write there is read back through the same protocol, so the feeds are the same as over the embedded store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Namespace, URIRef

from lodfilm.publish import ldes
from lodfilm.settings import Settings
from lodfilm.web import close_app, create_app
from tests.conftest import BASE, SEED_YAML
from tests.doors import three_films, valid_oai
from tests.test_store_contract import import_, server_settings, wipe

TREE = Namespace(ldes.TREE)
OAI = {"o": "http://www.openarchives.org/OAI/2.0/"}


@pytest.fixture
def client(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[FlaskClient]:
    """Three films imported into the server, then one film's file removed and ``--prune``: 4 events."""
    location = server_settings("oxigraph", request, monkeypatch)
    wipe(location)
    pages = three_films(tmp_path / "records", SEED_YAML)
    assert import_(location, tmp_path / "records")[0] == 0
    pages[0].unlink()
    status, out, err = import_(location, "--prune", tmp_path / "records")
    assert status == 0 and "1 removed" in out, (out, err)
    app = create_app(Settings.load(store=location, base=BASE))
    try:
        yield app.test_client()
    finally:
        close_app(app)
        wipe(location)


def test_the_feeds_read_the_servers_change_log(client: FlaskClient) -> None:
    feed = json.loads(client.get("/activity/page/0").data)
    kinds = [(a["type"], a["object"]["id"].removeprefix(f"{BASE}film/")) for a in feed["orderedItems"]]
    assert kinds == [("Create", "film-2011-2011"), ("Create", "film-2012-2012"), ("Create", "film-2013-2013"),
                     ("Delete", "film-2011-2011")]
    root = valid_oai(client.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc").data)
    headers = [(h.findtext("o:identifier", namespaces=OAI), h.get("status")) for h in root.iterfind(".//o:header", OAI)]
    assert headers == [(f"{BASE}film/film-2012-2012", None), (f"{BASE}film/film-2013-2013", None),
                       (f"{BASE}film/film-2011-2011", "deleted")]
    page = Graph().parse(data=client.get("/ldes/page/0", headers={"Accept": "text/turtle"}).data, format="turtle")
    members = set(page.objects(URIRef(f"{BASE}ldes"), TREE.member))
    assert len(members) == 4
    assert (URIRef(f"{BASE}ldes/member/2"), URIRef("http://schema.org/name"), None) in page

"""The Activity Streams 2.0 change feed (IIIF Change Discovery 1.0): the documents (lodfilm.publish.activity) over
plain events, and ``/activity`` in-process over a real store that saw creates, an update and a delete."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from lodfilm.publish import activity, changes
from lodfilm.settings import Settings
from lodfilm.web import close_app, create_app
from tests.conftest import SEED_YAML
from tests.doors import event, sync, three_films, update_one_delete_one

BASE = "http://films.example.org/"


def test_an_empty_log_is_a_collection_of_one_empty_page() -> None:
    body = activity.collection(BASE, 0)
    assert body["totalItems"] == 0 and body["type"] == "OrderedCollection"
    assert body["first"]["id"] == body["last"]["id"] == f"{BASE}activity/page/0"
    page = activity.page(BASE, 0, [], 0)
    assert page["orderedItems"] == [] and "prev" not in page and "next" not in page


def test_pages_hold_a_fixed_number_of_activities_and_link_both_ways() -> None:
    events = [event(n, "create", f"f{n}") for n in range(1, 251)]
    body = activity.collection(BASE, len(events), size=100)
    assert body["last"]["id"] == f"{BASE}activity/page/2"
    middle = activity.page(BASE, 1, events[100:200], len(events), size=100)
    assert middle["startIndex"] == 100
    assert middle["prev"]["id"] == f"{BASE}activity/page/0" and middle["next"]["id"] == f"{BASE}activity/page/2"
    assert middle["partOf"] == {"id": f"{BASE}activity", "type": "OrderedCollection"}
    assert [a["object"]["id"] for a in middle["orderedItems"]][:2] == [f"{BASE}film/f101", f"{BASE}film/f102"]
    last = activity.page(BASE, 2, events[200:], len(events), size=100)
    assert "next" not in last and len(last["orderedItems"]) == 50
    assert changes.is_full(1, 250, 100) and not changes.is_full(2, 250, 100)
    with pytest.raises(IndexError, match="no page 3"):
        activity.page(BASE, 3, [], len(events), size=100)


def test_each_kind_of_event_is_its_activity_with_its_end_time() -> None:
    items = [activity.activity(BASE, event(n, kind, "a", seconds=n + 0.25))
             for n, kind in enumerate(("create", "update", "delete"), start=1)]
    assert [i["type"] for i in items] == ["Create", "Update", "Delete"]
    assert items[0]["endTime"] == "2026-12-01T10:00:01.250000Z"
    assert items[2]["object"] == {"id": f"{BASE}film/a", "type": "Movie"}
    assert items[2]["id"] == f"{BASE}activity/3"


# -- /activity over a real store --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """A store that saw three creates, then an update of Film 2012 and the delete of Film 2013 (pruned)."""
    root = tmp_path_factory.mktemp("activity")
    pages = three_films(root / "records", SEED_YAML)
    store_dir = root / "store"
    sync(root / "records", store_dir, BASE)
    time.sleep(1.1)  # the log's times are to the second
    update_one_delete_one(pages)
    sync(root / "records", store_dir, BASE, prune=True)
    app = create_app(Settings(store=store_dir, base=BASE))
    yield app.test_client()
    close_app(app)


def test_the_feed_lists_the_creates_then_the_update_and_the_delete(client: FlaskClient) -> None:
    reply = client.get("/activity")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == activity.MEDIA_TYPE
    body = json.loads(reply.data)
    assert body["totalItems"] == 5
    page = json.loads(client.get(body["last"]["id"].removeprefix(BASE.rstrip("/"))).data)
    got = [(a["type"], a["object"]["id"].removeprefix(f"{BASE}film/")) for a in page["orderedItems"]]
    assert got[:3] == [("Create", "film-2011-2011"), ("Create", "film-2012-2012"), ("Create", "film-2013-2013")]
    assert sorted(got[3:]) == [("Delete", "film-2013-2013"), ("Update", "film-2012-2012")]
    assert page["orderedItems"][3]["endTime"] > page["orderedItems"][0]["endTime"]


def test_the_growing_page_and_the_collection_are_cached_briefly(client: FlaskClient) -> None:
    for path in ("/activity", "/activity/page/0"):
        reply = client.get(path)
        assert reply.headers["Cache-Control"] == "public, max-age=10", path
        assert reply.headers["ETag"]


def test_a_page_past_the_last_is_404_naming_it(client: FlaskClient) -> None:
    reply = client.get("/activity/page/7", headers={"Accept": "application/json"})
    assert reply.status_code == 404
    assert "no activity page 7" in reply.get_data(as_text=True)
    assert client.get("/activity/page/-1").status_code == 404
    assert client.get("/activity/page/x").status_code == 404


def test_a_304_for_a_page_the_client_has(client: FlaskClient) -> None:
    etag = client.get("/activity/page/0").headers["ETag"]
    assert client.get("/activity/page/0", headers={"If-None-Match": etag}).status_code == 304




def test_both_position_paged_doors_slice_the_log_alike() -> None:
    events = [event(n, "create", f"f{n}") for n in range(1, 251)]
    assert changes.page_slice(events, 0, 100) == events[:100]
    assert changes.page_slice(events, 2, 100) == events[200:]
    assert changes.page_slice(events, 3, 100) is None and changes.page_slice(events, -1, 100) is None
    assert changes.page_slice([], 0, 100) == [] and changes.page_slice([], 1, 100) is None
    assert changes.page_count(0) == 1 and changes.page_count(250, 100) == 3 and changes.page_count(300, 100) == 3

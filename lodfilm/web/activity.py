"""``/activity``: the change log as an Activity Streams 2.0 feed, IIIF Change Discovery 1.0
(https://iiif.io/api/discovery/1.0/); the documents are built by :mod:`lodfilm.publish.activity`."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response

from lodfilm.publish import activity
from lodfilm.publish.changes import is_full
from lodfilm.web.changes import log, page_of
from lodfilm.web.feeds import cache_for
from lodfilm.web.render import site

bp = Blueprint("activity", __name__)


def as_json(document: dict[str, Any]) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=1).encode()
    response = Response(body, 200, content_type=activity.MEDIA_TYPE)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return response


@bp.get("/activity")
def collection() -> Response:
    here = site()
    return cache_for(as_json(activity.collection(here.iris.base, len(log(here)))), full=False)


@bp.get("/activity/page/<int:number>")
def page(number: int) -> Response:
    here = site()
    events = log(here)
    chosen = page_of(events, number, door="activity", start=activity.collection_iri(here.iris.base))
    document = activity.page(here.iris.base, number, chosen, len(events))
    return cache_for(as_json(document), full=is_full(number, len(events)))

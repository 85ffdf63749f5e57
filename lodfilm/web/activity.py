"""``/activity``: the change log as an Activity Streams 2.0 feed, IIIF Change Discovery 1.0
(https://iiif.io/api/discovery/1.0/); the documents are built by :mod:`lodfilm.publish.activity`."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, abort

from lodfilm.publish import activity
from lodfilm.web.changes import log
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
    pages = activity.page_count(len(events))
    if number >= pages:
        abort(404, description=f"there is no activity page {number}: pages are 0 to {pages - 1}; "
                               f"start at {activity.collection_iri(here.iris.base)}")
    size = activity.PAGE_SIZE
    start = number * size
    document = activity.page(here.iris.base, number, events[start : start + size], len(events))
    return cache_for(as_json(document), full=activity.is_full(number, len(events)))

"""``/reconcile``: the W3C Reconciliation Service API 0.2 over HTTP (OpenRefine and other clients).

* ``GET /reconcile`` — the service manifest; ``GET``/``POST`` with ``queries=`` (form or query string) — a batch
  of reconciliation queries; ``extend=`` — a data extension query. A JSON body (``Content-Type:
  application/json``) may hold ``{"queries": …}``, ``{"extend": …}`` or the query batch itself.
* ``/reconcile/suggest/entity|property|type?prefix=…&cursor=…`` — auto-completion;
* ``/reconcile/preview?id=film/…`` — a small HTML card of an entity, made to sit in a client's ``<iframe>``;
* ``/reconcile/properties?type=Movie&limit=…`` — the properties data extension can fetch.

Every JSON answer also comes as JSONP when a ``callback`` names a JavaScript function; CORS is the app's (any
origin). Errors are 400 with a message naming the query and field (413 for a batch over ``batchSize``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from lodfilm.errors import UsageError
from lodfilm.reconcile import ReconcileError, Service
from lodfilm.reconcile.service import parse_json
from lodfilm.web.render import site
from lodfilm.web.urls import Urls, absolute

bp = Blueprint("reconcile", __name__)
CALLBACK = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$")
# A preview is shown inside a client's page (OpenRefine's iframe): it may be framed, and holds no script.
PREVIEW_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; base-uri 'none'; "
               "frame-ancestors *")


def service() -> Service:
    return site().reconciliation


def answer(data: Any) -> Response:
    """``data`` as JSON, or as JSONP when the request names a ``callback``."""
    body = json.dumps(data, ensure_ascii=False)
    callback = request.args.get("callback")
    if callback is None:
        return Response(body, content_type="application/json")
    if not CALLBACK.match(callback):
        raise ReconcileError(f"callback {callback[:60]!r} is not a JavaScript function name")
    return Response(f"/**/{callback}({body});", content_type="application/javascript; charset=utf-8")


def field(name: str) -> str | None:
    """A form field, else the query string's."""
    value = request.form.get(name) if request.method == "POST" else None
    return value if value is not None else request.args.get(name)


def cursor() -> int:
    text = request.args.get("cursor", "0")
    if not text.isdigit() or int(text) > 10_000:
        raise ReconcileError(f"cursor {text[:40]!r} is not a number of suggestions to skip (0–10000)")
    return int(text)


@bp.route("/reconcile", methods=["GET", "POST"])
def endpoint() -> Response:
    here = service()
    if request.method == "POST" and request.mimetype == "application/json":
        body = parse_json("the JSON body", request.get_data(as_text=True))
        if isinstance(body, dict) and set(body) == {"extend"}:
            return answer(here.extend(body["extend"]))
        if isinstance(body, dict) and set(body) == {"queries"}:
            body = body["queries"]
            if isinstance(body, str):
                body = parse_json("queries", body)
        return answer(here.reconcile_batch(body))
    queries, extend = field("queries"), field("extend")
    if queries is not None:
        return answer(here.reconcile_batch(parse_json("queries", queries)))
    if extend is not None:
        return answer(here.extend(parse_json("extend", extend)))
    return answer(here.manifest(root()))


def root() -> str:
    return absolute(request.host_url, Urls(site().iris.base).route("reconcile"))


@bp.get("/reconcile/suggest/<kind>")
def suggest(kind: str) -> Response:
    prefix = request.args.get("prefix", "")[:200]
    here = service()
    if kind == "entity":
        return answer(here.suggest_entities(prefix, cursor(), request.args.get("type")))
    if kind == "property":
        return answer(here.suggest_properties(prefix, cursor()))
    if kind == "type":
        return answer(here.suggest_types(prefix, cursor()))
    abort(404)


@bp.get("/reconcile/properties")
def properties() -> Response:
    limit_text = request.args.get("limit")
    if limit_text is not None and not limit_text.isdigit():
        raise ReconcileError(f"limit {limit_text[:40]!r} is not a number")
    type_id = request.args.get("type")
    if not type_id:
        raise ReconcileError("give the type whose properties to propose: ?type=Movie")
    return answer(Service.propose_properties(type_id, int(limit_text) if limit_text else None))


@bp.get("/reconcile/preview")
def preview() -> Response:
    identifier = request.args.get("id", "")
    if not identifier:
        raise UsageError("give the id of the entity to preview: ?id=film/…")
    card = service().preview(identifier)
    if card is None:
        abort(404, f"{identifier[:100]!r} is not an entity of this service")
    response = Response(render_template("reconcile_preview.html", card=card), content_type="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response

"""PUBLISH over HTTP: the Flask application factory and its blueprints, one per URL family.

* ``resources`` — the dereferenceable IRIs (film, person, organization, country, record);
* ``browse`` — home page, ``/films``, ``/people``, ``/search``;
* ``sparql`` — the SPARQL 1.1 Protocol endpoint;
* ``harvest`` — dumps, VoID, sitemap, robots.txt;
* ``activity``, ``ldes``, ``oai`` — the change log for harvesters: an Activity Streams 2.0 feed (IIIF Change
  Discovery), a Linked Data Event Stream, an OAI-PMH 2.0 repository;
* ``vocabulary`` — the credits table (FIAFcore classes, Wikidata properties) as HTML and SKOS;
* ``charts`` — the collection's charts as SVG images, each with its JSON twin;
* ``server`` — waitress, sized and timed against hostile clients (``lodfilm serve``).

``pages`` adds what every page carries (record text with its emphasis, description and OpenGraph tags, favicon).

Routes are mounted under the base IRI's path, so ``{base}film/x`` is the resource ``{base}film/x`` whatever host
name the request came by.
"""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Flask, Response, request
from flask_cors import CORS
from werkzeug.exceptions import RequestURITooLarge

from lodfilm.settings import Settings
from lodfilm.store.embedded import EmbeddedStore
from lodfilm.store.remote import RemoteStore
from lodfilm.web import (
    activity,
    browse,
    charts,
    errors,
    harvest,
    ldes,
    oai,
    pages,
    reconcile,
    render,
    resources,
    sparql,
    vocabulary,
)
from lodfilm.web.site import Site

MAX_REQUEST_BYTES = 1024 * 1024  # a query or form larger than this is refused with 413
# A request target (path and query) longer than this is refused with 414, as nginx and Apache do past 8 KB:
# no IRI lodfilm mints is near it, and a GET query that long belongs in a POST.
MAX_TARGET_BYTES = 8 * 1024

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def create_app(settings: Settings | None = None, store: EmbeddedStore | RemoteStore | None = None) -> Flask:
    """The web app over ``settings.store`` (its newest checkpoint, or the SPARQL server ``settings.remote``),
    or over ``store`` when given."""
    settings = settings or Settings.load()
    app = Flask(__name__, static_url_path=urlparse(settings.base).path.rstrip("/") + "/static")
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.config["MAX_FORM_MEMORY_SIZE"] = MAX_REQUEST_BYTES
    app.extensions["lodfilm"] = Site(settings, store)
    prefix = urlparse(settings.base).path.rstrip("/") or None
    for blueprint in (browse.bp, resources.bp, sparql.bp, harvest.bp, vocabulary.bp, charts.bp, reconcile.bp,
                      activity.bp, ldes.bp, oai.bp):
        app.register_blueprint(blueprint, url_prefix=prefix)
    # Public, read-only data: any origin may read it; no credentials are ever involved.
    # ``send_wildcard``: answer ``Access-Control-Allow-Origin: *``, not an echo of each Origin (which would make
    # every answer vary by Origin and split shared caches for no gain).
    CORS(app, origins="*", send_wildcard=True, methods=["GET", "HEAD", "POST", "OPTIONS"], supports_credentials=False,
         expose_headers=["Link", "Lodfilm-Truncated", "ETag", "Last-Modified"], max_age=86400)
    errors.register(app)
    pages.register(app)
    app.before_request(refuse_long_targets)
    app.after_request(render.preconditions)

    @app.context_processor
    def globals_for_templates() -> dict[str, str]:
        return {"base": settings.base, "site_title": settings.title}

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        if response.mimetype == "text/html":
            response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
            if "Content-Security-Policy" not in response.headers:  # a view's own policy (a framed preview) stands
                response.headers["Content-Security-Policy"] = CSP
                response.headers["X-Frame-Options"] = "DENY"
        return response

    return app


def refuse_long_targets() -> None:
    """414 for a request target over ``MAX_TARGET_BYTES`` as the client sent it (still percent-encoded)."""
    target = request.environ.get("REQUEST_URI") or request.full_path
    if len(target) > MAX_TARGET_BYTES:
        raise RequestURITooLarge(f"the request target is {len(target)} bytes long; at most {MAX_TARGET_BYTES} "
                                 "are served (send a long SPARQL query by POST)")


def start_app(app: Flask) -> None:
    """Start what the first query would otherwise start (the query workers), so a server is ready, and says what
    it lacks, before it answers anyone."""
    site: Site = app.extensions["lodfilm"]
    site.start()


def close_app(app: Flask) -> None:
    """Stop the query workers and close the store (tests and the server's shutdown)."""
    site: Site = app.extensions["lodfilm"]
    site.close()

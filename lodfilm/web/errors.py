"""The one table from error to HTTP status, and the one error shape every URL answers with.

A client that prefers HTML gets a page; one that prefers JSON gets ``{"error": {"status", "title",
"message"}}``; anything else (curl, SPARQL clients) gets the message as plain text. Only lodfilm's own error
families become 4xx: anything unexpected is a 500 with its traceback in the server log, never dressed as the
client's mistake.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from lodfilm.errors import (
    LodfilmError,
    QueryError,
    QueryRefused,
    QueryTimeout,
    StoreError,
    UsageError,
    one_line,
)
from lodfilm.publish.formats import BadAccept, negotiate
from lodfilm.reconcile.service import BatchTooLarge

STATUS: dict[type[Exception], int] = {
    QueryRefused: 403,
    QueryTimeout: 503,
    QueryError: 400,
    UsageError: 400,
    StoreError: 503,
    BadAccept: 400,
}

log = logging.getLogger("lodfilm.web")


class NotAcceptable(UsageError):
    """No format we have is one the client accepts (406)."""


STATUS[NotAcceptable] = 406
STATUS[BatchTooLarge] = 413


@dataclass(eq=False)
class NotAnIri(UsageError):
    """A resource path that, decoded, is no IRI (RFC 3987): malformed percent-encoding (``%zz``, a lone ``%``),
    bytes that are not UTF-8 (``%ff%fe``), control characters (``%00``). Nothing can be stored under it (400).

    ``path`` is the path as the client sent it, ``reason`` what is wrong with it.
    """

    path: str
    reason: str

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        path = self.path if len(self.path) <= 200 else self.path[:200] + "…"
        return f"{one_line(path)}: not an IRI: {one_line(self.reason)}"


STATUS[NotAnIri] = 400


def status_of(error: Exception) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_response(status: int, title: str, message: str) -> Response:
    try:
        wanted = negotiate(request.headers.get("Accept"), ["text/plain", "text/html", "application/json"])
    except BadAccept:
        wanted = "text/plain"
    if wanted == "text/html":
        body = render_template("error.html", status=status, title=title, message=message)
        response = Response(body, status, content_type="text/html; charset=utf-8")
    elif wanted == "application/json":
        data = {"error": {"status": status, "title": title, "message": message}}
        response = Response(json.dumps(data, ensure_ascii=False), status, content_type="application/json")
    else:
        response = Response(f"{title}: {message}\n", status, content_type="text/plain; charset=utf-8")
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response


def register(app: Flask) -> None:
    @app.errorhandler(LodfilmError)
    @app.errorhandler(BadAccept)
    def lodfilm_error(error: Exception) -> Response:
        status = status_of(error)
        title = {403: "Refused", 406: "Not acceptable", 413: "Too large", 503: "Unavailable"}.get(status, "Bad request")
        return error_response(status, title, str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        response = error_response(error.code or 500, error.name, error.description or "")
        if error.code == 405 and error.response is None:
            allowed = error.get_headers()
            for key, value in allowed:
                if key.lower() == "allow":
                    response.headers["Allow"] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unexpected error serving %s", request.path)
        return error_response(500, "Internal server error", "the server failed; the error is in its log")

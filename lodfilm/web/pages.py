"""What every HTML page carries beside its own content: record text shown as text (with its emphasis), a
description and OpenGraph tags for link previews, and a favicon.

Record text is untrusted: it reaches a page escaped, always. The one piece of markup records use on purpose is
emphasis (``*Chambre froide*`` in the seed page's synopsis, as in Markdown): after escaping, ``*like this*``
becomes ``<em>like this</em>`` and ``**this**`` ``<strong>this</strong>``. Only asterisks are read — not a
Markdown library, which would also read links, HTML, entities and backslashes that archives never meant as
markup — and the tags put in are our own, around text already escaped, so markup in a record never reaches a page.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from flask import Flask, Response, current_app, request, send_from_directory
from markupsafe import Markup, escape

from lodfilm.web.render import site

# ``*x*`` and ``**x**`` where Markdown would read emphasis: the opening run is not preceded by a word character or
# another asterisk, the text inside neither starts nor ends with a space and holds no asterisk or line break, and
# the closing run is not followed by a word character (so ``2*3*4`` and ``* a list item`` stay as they are).
EMPHASIS = re.compile(r"(?<![\w*])(\*{1,2})(?=[^\s*])([^*\n]*?[^\s*])\1(?![\w*])")
TAGS = {"*": "em", "**": "strong"}
DESCRIPTION_CHARS = 200  # about what a link preview or a search result shows of a description


def emphasis(text: str) -> Markup:
    """``text`` escaped, with its ``*emphasis*`` and ``**strong emphasis**`` as HTML."""
    escaped = str(escape(text))
    return Markup(EMPHASIS.sub(lambda m: f"<{TAGS[m[1]]}>{m[2]}</{TAGS[m[1]]}>", escaped))


def paragraphs(text: str) -> Markup:
    """``text`` as paragraphs (split at blank lines), each escaped and with its emphasis."""
    parts = [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]
    return Markup("\n").join(Markup("<p>%s</p>") % emphasis(part) for part in parts)


def plain(text: str) -> str:
    """``text`` as a preview shows it: emphasis marks dropped, white space run together."""
    return " ".join(EMPHASIS.sub(lambda m: m[2], text).split())


def summary(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """The start of ``text`` (plain) up to ``limit`` characters: whole sentences where they fit, else cut at a
    word with an ellipsis."""
    text = plain(text)
    if len(text) <= limit:
        return text
    sentences = re.split(r"(?<=[.!?])\s+", text)
    kept = ""
    for sentence in sentences:
        if len(kept) + len(sentence) + 1 > limit:
            break
        kept = f"{kept} {sentence}".strip()
    if kept:
        return kept
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def page_url() -> str:
    """The address this page is known by, under the base IRI (``og:url``): the base names the data, whatever
    address served the request (routes are mounted under the base's path, so ``request.path`` includes it)."""
    query = request.query_string.decode("latin-1")
    return urljoin(site().iris.base, request.path) + (f"?{query}" if query else "")


def favicon() -> Response:
    """``/favicon.ico`` for clients that ask there without reading the page's ``<link rel="icon">`` (feed
    readers, crawlers, browsers showing a Turtle file): the same SVG, so they get an icon rather than a 404."""
    assert current_app.static_folder is not None
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)


def register(app: Flask) -> None:
    """The filters (``emphasis``, ``paragraphs``, ``plain``, ``summary``), ``page_url`` for templates, and
    ``/favicon.ico`` (where browsers look, at the root of the host, whatever the base's path)."""
    for name, function in (("emphasis", emphasis), ("paragraphs", paragraphs), ("plain", plain),
                           ("summary", summary)):
        app.add_template_filter(function, name)
    app.add_template_global(page_url, "page_url")
    app.add_url_rule("/favicon.ico", "favicon", favicon, methods=["GET"])

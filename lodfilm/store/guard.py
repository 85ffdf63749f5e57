"""What lodfilm will not run on a user's behalf: updates, ``LOAD`` and ``SERVICE``.

pyoxigraph fetches ``SERVICE`` and ``LOAD`` targets over HTTP from inside ``Store.query``/``Store.update``, with no
switch to turn that off. So the query is refused on its *tokens*, as the SPARQL grammar reads them: after the
``\\uXXXX`` escapes are decoded (SPARQL 1.1 §19.2 decodes them before parsing, so ``\\u0053ERVICE`` is
``SERVICE``), and outside strings, IRIs, comments, variables and prefixed names — so a film called "Service" or
a variable ``?load`` is no reason to refuse.
"""

from __future__ import annotations

import re

from lodfilm.errors import QueryRefused

ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<long_string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
    | (?P<string>'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<variable>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
    | (?P<name>[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*(?::[^\s{}()\[\],;]*)?|:[^\s{}()\[\],;]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

UPDATE_KEYWORDS = {"INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


def decode_escapes(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = int(match[1] or match[2], 16)
        return chr(code) if code <= 0x10FFFF else match[0]

    return ESCAPE.sub(replace, text)


def keywords(text: str) -> list[str]:
    """The bare words of a query (keywords and function names), upper-cased, in order."""
    out: list[str] = []
    for match in TOKEN.finditer(decode_escapes(text)):
        if match.lastgroup == "name" and ":" not in match[0]:
            out.append(match[0].upper())
    return out


def check_query(text: str) -> None:
    """Raise :class:`QueryRefused` for an update, ``LOAD`` or ``SERVICE``; otherwise return."""
    words = set(keywords(text))
    if "SERVICE" in words:
        raise QueryRefused("SERVICE is not allowed: this endpoint does not query other endpoints for you")
    if "LOAD" in words:
        raise QueryRefused("LOAD is not allowed: this endpoint is read-only and fetches nothing")
    found = sorted(words & UPDATE_KEYWORDS)
    if found:
        raise QueryRefused(f"updates are not allowed ({found[0]}): this endpoint is read-only")

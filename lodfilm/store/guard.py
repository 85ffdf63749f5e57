"""What the endpoint will not run on a user's behalf: updates, ``LOAD``, ``SERVICE``, and ``FROM`` naming a graph
that is not one of the store's records — decided on the parsed query, and on the very text the engine then runs.

pyoxigraph fetches ``SERVICE`` targets over HTTP from inside ``Store.query``, and a SPARQL server may fetch ``FROM``
graphs. A check that reads the text one way while the engine reads it another can be walked around: the first
guard decoded ``\\uXXXX`` escapes everywhere (SPARQL 1.1 §19.2) while pyoxigraph decodes them only inside strings
and IRIs (as SPARQL 1.2 does), so ``"\\u000a#"`` was to the guard a newline and a comment hiding the ``SERVICE``
after it, and to the engine a string followed by ``SERVICE``. So:

1. :func:`decode` applies §19.2's pre-pass **once**, and the decoded text is what is sent to the engine: no escape
   is left for two readers to read apart. A text whose decoding spells another escape (``\\u005Cu0053``) is
   refused, as is a carriage return with no line feed after it (pyoxigraph ends a comment there; rdflib's parser
   does not).
2. :func:`needs_check` is the fast path: a text with none of the words that begin the refused constructs cannot
   be read as one by any engine, so it needs no parse. ``SERVICE`` is looked for anywhere, even inside words
   (pyoxigraph reads ``?s ?p trueSERVICE <…> {}`` as ``true`` then ``SERVICE``); the others at a word's start.
   Over-matching costs only a parse.
3. :meth:`Guard.check` parses with rdflib's SPARQL parser and walks the tree (``ServiceGraphPattern``,
   ``DatasetClause``, an update's operations). A token scan gives a second opinion that must agree: a bare word
   that holds ``SERVICE`` or an update keyword, or a count of ``FROM`` that differs from the parse's, is refused.
   A bypass would have to fool two readers at once and still be read as ``SERVICE`` by the engine — and the
   embedded store's query workers have no network at all where the system allows it
   (:mod:`lodfilm.store.workers`).

The parse costs 2-30 ms of CPU under the GIL: the web runs it in a query worker process, never in a page thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lodfilm.errors import QueryError, QueryRefused
from lodfilm.vocab import PREFIXES

# SPARQL 1.1 §19.2: \u + 4 hex digits, \U + 8 hex digits, anywhere in the text.
ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Anything any reader might take for an escape after decoding: rdflib's parser also takes \U with 4 digits.
ANY_ESCAPE = re.compile(r"\\[uU][0-9A-Fa-f]{4}")
LONE_CR = re.compile(r"\r(?!\n)")

UPDATE_WORDS = ("INSERT", "DELETE", "DROP", "CLEAR", "CREATE", "ADD", "MOVE", "COPY", "WITH", "LOAD")
# The fast path: SERVICE anywhere (it is what pyoxigraph acts on); the others at the start of a word that is not a
# variable or a prefixed name's local part (``?from``, ``schema:address``), any case. Python's IGNORECASE also
# takes ſ (U+017F) for s and K (U+212A) for k: an over-match, which only costs a parse.
TRIGGERS = re.compile("SERVICE|(?<![A-Za-z0-9_:?$])(?:FROM|" + "|".join(UPDATE_WORDS) + ")", re.IGNORECASE)

# The token scan for the second opinion, as the SPARQL grammar's terminals read a text (after decoding).
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

XSD = "http://www.w3.org/2001/XMLSchema#"
UPDATES = {"InsertData": "INSERT DATA", "DeleteData": "DELETE DATA", "DeleteWhere": "DELETE WHERE",
           "Modify": "DELETE/INSERT", "Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP", "Create": "CREATE",
           "Add": "ADD", "Move": "MOVE", "Copy": "COPY"}
FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}

SERVICE_REFUSED = "SERVICE is not allowed: this endpoint does not query other endpoints for you"
LOAD_REFUSED = "LOAD is not allowed: this endpoint is read-only and fetches nothing"


def decode(text: str) -> str:
    """``text`` with its codepoint escapes decoded (SPARQL 1.1 §19.2): what lodfilm sends to an engine.

    :class:`QueryError` for an escape that is not a character (a surrogate, past U+10FFFF), a decoding that spells
    another escape, or a carriage return not followed by a line feed."""
    def replace(match: re.Match[str]) -> str:
        code = int(match[1] or match[2], 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QueryError(f"malformed query: {match[0]} (at offset {match.start()}) is not a character")
        return chr(code)

    decoded = ESCAPE.sub(replace, text) if "\\" in text else text
    again = ANY_ESCAPE.search(decoded)
    if again:
        raise QueryError(f"malformed query: the escapes decode to another escape, {again[0]} (write the character "
                         "itself, or \\\\ for a backslash in a string)")
    cr = LONE_CR.search(decoded)
    if cr:
        raise QueryError(f"malformed query: a carriage return not followed by a line feed (at offset {cr.start()}): "
                         "end lines with LF or CRLF")
    return decoded


def needs_check(decoded: str) -> bool:
    """Whether a decoded text holds a word that may begin a refused construct (and so must be parsed)."""
    return TRIGGERS.search(decoded) is not None


@dataclass(frozen=True)
class Parsed:
    """What the parse says of a query: its form and the parts the row cap needs, so no text scan guesses them."""

    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    limit: int | None  # the query's own top-level LIMIT
    trailing_values: bool  # a VALUES block after the query (no LIMIT may be appended to the text)


@dataclass(frozen=True)
class Guard:
    """The refusals for one store: ``base`` is its base IRI (``FROM`` may name ``{base}record/…``); ``remote``
    says the engine is a SPARQL server, which may read more than SPARQL 1.1 (Virtuoso's ``bif:`` functions, for
    one) — for it, calls of functions outside XSD's casts are refused too."""

    base: str
    remote: bool = False

    def check(self, decoded: str) -> Parsed:
        """Parse a decoded text and refuse what it must not run (:class:`QueryRefused`, or :class:`QueryError`
        when it does not parse); otherwise what the parse says of it."""
        from pyparsing import ParseBaseException
        from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

        try:
            tree = parseQuery(decoded)
        except ParseBaseException as exc:
            try:
                update = parseUpdate(decoded)
            except (ParseBaseException, RecursionError):
                raise QueryError(f"malformed query: {exc}") from None
            operations = [node.name for node in walk(update) if node.name in UPDATES]
            if "Load" in operations:
                raise QueryRefused(LOAD_REFUSED) from None
            found = UPDATES[operations[0]] if operations else "an update"
            raise QueryRefused(f"updates are not allowed ({found}): this endpoint is read-only") from None
        except RecursionError:
            raise QueryError("malformed query: it is nested too deeply to be read") from None
        prologue, query = tree[0], tree[1]
        prefixes, base = declarations(prologue)
        datasets = 0
        for node in walk(query):
            if node.name == "ServiceGraphPattern":
                raise QueryRefused(SERVICE_REFUSED)
            if node.name == "DatasetClause":
                datasets += 1
                self._check_graph(dict.get(node, "default") or dict.get(node, "named"), prefixes, base)
            elif node.name == "Function" and self.remote:
                iri = resolve(dict.get(node, "iri"), prefixes, base)
                if iri is None or not iri.startswith(XSD):
                    name = f"<{iri}>" if iri else "with an undeclared prefix"
                    raise QueryRefused(f"the function {name} is not allowed: this endpoint runs SPARQL 1.1's own "
                                       "functions only")
        second_opinion(decoded, datasets)
        limit = dict.get(query, "limitoffset")
        count = dict.get(limit, "limit") if limit is not None else None
        return Parsed(form=FORMS[query.name], limit=None if count is None else int(count),
                      trailing_values=dict.get(query, "valuesClause") is not None)

    def _check_graph(self, term: Any, prefixes: dict[str, str], base: str | None) -> None:
        iri = resolve(term, prefixes, base)
        records = f"{self.base}record/"
        if iri is None or not iri.startswith(records) or "/../" in iri or "/./" in iri:
            raise QueryRefused(f"FROM {f'<{iri}>' if iri else 'with a relative or undeclared IRI'} is not allowed: "
                               f"a query may name only this store's record graphs ({records}…)")


def walk(root: Any) -> Iterator[Any]:
    """Every node (rdflib ``CompValue``) of a parse tree, depth first."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(dict.values(item))
        elif isinstance(item, ParseResults):
            stack.extend(item)
        elif isinstance(item, list | tuple):
            stack.extend(item)


def declarations(prologue: Any) -> tuple[dict[str, str], str | None]:
    """The prefixes in force (lodfilm's predeclared ones, then the query's own) and the query's BASE."""
    prefixes = dict(PREFIXES)
    base: str | None = None
    for node in walk(prologue):
        if node.name == "BaseDecl":
            base = join(base, str(dict.get(node, "iri")))
        elif node.name == "PrefixDecl":
            prefixes[str(dict.get(node, "prefix") or "")] = join(base, str(dict.get(node, "iri")))
    return prefixes, base


ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
PN_LOCAL_ESCAPE = re.compile(r"\\(.)")


def join(base: str | None, iri: str) -> str:
    from urllib.parse import urljoin

    return iri if ABSOLUTE.match(iri) or base is None else urljoin(base, iri)


def resolve(term: Any, prefixes: dict[str, str], base: str | None) -> str | None:
    """The absolute IRI a parsed IRI or prefixed name stands for; None when it cannot be known here."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(term, CompValue) and term.name == "pname":
        namespace = prefixes.get(str(dict.get(term, "prefix") or ""))
        if namespace is None:
            return None
        local = PN_LOCAL_ESCAPE.sub(r"\1", str(dict.get(term, "localname") or ""))
        iri = namespace + local
    elif isinstance(term, str):
        iri = join(base, str(term))
    else:
        return None
    return iri if ABSOLUTE.match(iri) else None


def bare_words(decoded: str) -> Iterator[str]:
    """The bare words of a text (keywords, function names; the prefix part of a prefixed name), upper-cased."""
    for match in TOKEN.finditer(decoded):
        if match.lastgroup == "name":
            yield match[0].split(":", 1)[0].upper()


def second_opinion(decoded: str, datasets: int) -> None:
    """Refuse what the token scan reads as ``SERVICE``, an update or a ``FROM`` the parse did not see."""
    froms = 0
    for word in bare_words(decoded):
        if "SERVICE" in word:
            raise QueryRefused(SERVICE_REFUSED)
        for keyword in UPDATE_WORDS:
            if keyword in word:
                raise QueryRefused(LOAD_REFUSED if keyword == "LOAD" else
                                   f"updates are not allowed ({keyword}): this endpoint is read-only")
        if "FROM" in word:
            froms += 1
    if froms != datasets:
        raise QueryRefused("FROM is not allowed here: a query may name only this store's record graphs, each as "
                           "FROM <IRI> or FROM NAMED <IRI>")


def prepare(text: str, *, guard: Guard) -> tuple[str, Parsed | None]:
    """The whole check in one process (where no worker is at hand): the decoded text to run, and the parse if one
    was needed. The web splits it: :func:`decode` and :func:`needs_check` in the page thread, the parse in a
    worker."""
    decoded = decode(text)
    if guard.remote or needs_check(decoded):
        return decoded, guard.check(decoded)
    return decoded, None

"""OAI-PMH 2.0, the protocol: a request's arguments checked as the protocol defines them, and each verb's answer.

https://www.openarchives.org/OAI/openarchivesprotocol.html — an item is a film (its identifier is the film's
IRI), its datestamp the time of its newest event in the change log; films the store no longer describes are
answered with ``status="deleted"`` for ever (``deletedRecord`` ``persistent``). There are no sets.

Every answer is built as XML elements (lxml), never by pasting text, so no value a client sends can change the
document's structure. Errors are answered as the protocol says: HTTP 200 and ``<error code="…">``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from lxml import etree

from lodfilm.publish.changes import Change, FilmState, film_states, moment, stamp

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
PAGE_SIZE = 100
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

#: each verb's arguments: required, optional, and the exclusive one (``resumptionToken``)
VERBS: dict[str, tuple[frozenset[str], frozenset[str], str | None]] = {
    "Identify": (frozenset(), frozenset(), None),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"}), None),
    "ListSets": (frozenset(), frozenset(), "resumptionToken"),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset(), None),
    "ListIdentifiers": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}), "resumptionToken"),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}), "resumptionToken"),
}


class OaiError(Exception):
    """An OAI-PMH error condition: ``code`` is one of the protocol's codes, the message says what to change."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str


@dataclass(frozen=True)
class OaiRequest:
    verb: str
    args: Mapping[str, str]


class Repository(Protocol):
    """What the protocol needs from lodfilm: the log, which films the store describes, and their metadata."""

    @property
    def name(self) -> str: ...

    @property
    def base_url(self) -> str: ...

    @property
    def admin_email(self) -> str: ...

    @property
    def formats(self) -> Sequence[MetadataFormat]: ...

    def changes(self) -> Sequence[Change]:
        """Every event of the log, oldest first."""

    def live(self) -> set[str]:
        """The films the store describes now."""

    def metadata(self, films: Sequence[str], prefix: str) -> dict[str, etree._Element]:
        """Each film's metadata in the format ``prefix`` (films the store no longer describes are left out)."""


# -- arguments ------------------------------------------------------------------------------------------------
def parse_request(params: Mapping[str, Sequence[str]]) -> OaiRequest:
    """The verb and its arguments, or :class:`OaiError` ``badVerb``/``badArgument`` naming what is wrong."""
    verbs = list(params.get("verb", []))
    if not verbs:
        raise OaiError("badVerb", "the verb argument is missing: use one of " + ", ".join(VERBS))
    if len(verbs) > 1:
        raise OaiError("badVerb", "the verb argument is repeated")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"{verb!r} is not an OAI-PMH verb: use one of " + ", ".join(VERBS))
    required, optional, exclusive = VERBS[verb]
    args: dict[str, str] = {}
    for name, values in params.items():
        if name == "verb":
            continue
        if name not in required | optional and name != exclusive:
            raise OaiError("badArgument", f"{verb} takes no argument {name!r}")
        if len(values) != 1:
            raise OaiError("badArgument", f"the argument {name} is repeated")
        args[name] = values[0]
    if exclusive is not None and exclusive in args:
        if len(args) > 1:
            raise OaiError("badArgument", f"{exclusive} is an exclusive argument: send it with the verb only")
        return OaiRequest(verb, args)
    missing = sorted(required - set(args))
    if missing:
        raise OaiError("badArgument", f"{verb} needs the argument " + " and ".join(missing))
    return OaiRequest(verb, args)


def parse_datestamp(value: str, name: str) -> tuple[dt.datetime, bool]:
    """A ``from``/``until`` value as a UTC datetime, and whether it was given to the day only."""
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC), True
        if len(value) == 20 and value.endswith("Z") and value[10] == "T":
            return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC), False
    except ValueError:
        pass
    raise OaiError("badArgument", f"{name}={value!r} is not a UTC datestamp: write YYYY-MM-DD or "
                                  "YYYY-MM-DDThh:mm:ssZ")


def time_range(args: Mapping[str, str]) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``from`` and ``until`` as inclusive bounds in whole seconds (``until`` a day means its last second)."""
    start = end = None
    granularities = set()
    if "from" in args:
        start, by_day = parse_datestamp(args["from"], "from")
        granularities.add(by_day)
    if "until" in args:
        end, by_day = parse_datestamp(args["until"], "until")
        granularities.add(by_day)
        if by_day:
            end += dt.timedelta(days=1, seconds=-1)
    if len(granularities) > 1:
        raise OaiError("badArgument", f"from={args['from']!r} and until={args['until']!r} have different "
                                      "granularities: give both to the day or both to the second")
    if start is not None and end is not None and start > end:
        raise OaiError("badArgument", f"from={args['from']!r} is later than until={args['until']!r}")
    return start, end


# -- resumption tokens ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Token:
    """Where a list goes on: the request it continues, how far it got, and the log's length when it began (the
    list is the one as of that moment, so pages neither skip nor repeat a film that changes meanwhile)."""

    verb: str
    prefix: str
    start: str | None
    end: str | None
    cursor: int
    bound: int

    def encode(self) -> str:
        fields = [self.verb, self.prefix, self.start, self.end, self.cursor, self.bound]
        return base64.urlsafe_b64encode(json.dumps(fields, separators=(",", ":")).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, verb: str) -> Token:
        try:
            fields = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            token = cls(*fields)
            valid = (token.verb == verb and isinstance(token.prefix, str) and isinstance(token.cursor, int)
                     and isinstance(token.bound, int) and token.cursor >= 0 and token.bound >= 0
                     and all(v is None or isinstance(v, str) for v in (token.start, token.end)))
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            valid = False
        if not valid:
            raise OaiError("badResumptionToken", f"resumptionToken {text!r} is not one this repository issued "
                                                 f"for {verb}: start the list again without it")
        return token


# -- answers --------------------------------------------------------------------------------------------------
def oai(name: str) -> str:
    return f"{{{OAI}}}{name}"


def envelope(request: OaiRequest | None, base_url: str, now: dt.datetime) -> etree._Element:
    """``<OAI-PMH>`` with the response date and the request echoed (without arguments when they were bad)."""
    root = etree.Element(oai("OAI-PMH"), nsmap={None: OAI, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
    etree.SubElement(root, oai("responseDate")).text = stamp(now)
    echo = etree.SubElement(root, oai("request"))
    echo.text = base_url
    if request is not None:
        echo.set("verb", request.verb)
        for name, value in request.args.items():
            echo.set(name, value)
    return root


def answer(params: Mapping[str, Sequence[str]], repo: Repository, *, now: dt.datetime | None = None,
           page_size: int = PAGE_SIZE) -> bytes:
    """The whole OAI-PMH response to a request's arguments, as UTF-8 XML. The request is echoed with its
    arguments unless they were the fault (``badVerb``, ``badArgument``), as the protocol requires (§3.2)."""
    now = now or dt.datetime.now(dt.UTC)
    request: OaiRequest | None = None
    try:
        request = parse_request(params)
        body = VERB_ANSWERS[request.verb](request, repo, page_size)
    except OaiError as error:
        echoed = None if error.code in ("badVerb", "badArgument") else request
        root = envelope(echoed, repo.base_url, now)
        add_error(root, error)
        return serialize(root)
    root = envelope(request, repo.base_url, now)
    root.append(body)
    return serialize(root)


def add_error(root: etree._Element, error: OaiError) -> None:
    node = etree.SubElement(root, oai("error"), code=error.code)
    node.text = error.message


def serialize(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def identify(request: OaiRequest, repo: Repository, page_size: int) -> etree._Element:
    changes = repo.changes()
    node = etree.Element(oai("Identify"))
    earliest = min((moment(c) for c in changes), default=EPOCH)
    for name, value in (("repositoryName", repo.name), ("baseURL", repo.base_url), ("protocolVersion", "2.0"),
                        ("adminEmail", repo.admin_email), ("earliestDatestamp", stamp(earliest)),
                        ("deletedRecord", "persistent"), ("granularity", GRANULARITY)):
        etree.SubElement(node, oai(name)).text = value
    return node


def format_named(repo: Repository, prefix: str) -> MetadataFormat:
    for fmt in repo.formats:
        if fmt.prefix == prefix:
            return fmt
    raise OaiError("cannotDisseminateFormat", f"metadataPrefix={prefix!r} is not offered: use one of "
                   + ", ".join(f.prefix for f in repo.formats))


def state_of(repo: Repository, identifier: str) -> FilmState:
    for state in film_states(repo.changes(), repo.live()):
        if state.film == identifier:
            return state
    raise OaiError("idDoesNotExist", f"identifier={identifier!r} is not an item of this repository (an item's "
                                     "identifier is its film's IRI)")


def list_metadata_formats(request: OaiRequest, repo: Repository, page_size: int) -> etree._Element:
    if "identifier" in request.args:
        state_of(repo, request.args["identifier"])
    node = etree.Element(oai("ListMetadataFormats"))
    for fmt in repo.formats:
        entry = etree.SubElement(node, oai("metadataFormat"))
        etree.SubElement(entry, oai("metadataPrefix")).text = fmt.prefix
        etree.SubElement(entry, oai("schema")).text = fmt.schema
        etree.SubElement(entry, oai("metadataNamespace")).text = fmt.namespace
    return node


def list_sets(request: OaiRequest, repo: Repository, page_size: int) -> etree._Element:
    if "resumptionToken" in request.args:
        raise OaiError("badResumptionToken", "this repository has no sets, so it issues no resumptionToken for "
                                             "ListSets")
    raise OaiError("noSetHierarchy", "this repository has no sets: harvest it whole")


def header(state: FilmState) -> etree._Element:
    node = etree.Element(oai("header"))
    if state.deleted:
        node.set("status", "deleted")
    etree.SubElement(node, oai("identifier")).text = state.film
    etree.SubElement(node, oai("datestamp")).text = stamp(state.time)
    return node


def records(states: Sequence[FilmState], repo: Repository, prefix: str, *, with_metadata: bool
            ) -> list[etree._Element]:
    """Each state as a ``<header>`` (ListIdentifiers) or a ``<record>`` with its metadata (the others)."""
    found = repo.metadata([s.film for s in states if not s.deleted], prefix) if with_metadata else {}
    out = []
    for state in states:
        gone = state.deleted or (with_metadata and state.film not in found)
        shown = FilmState(state.film, state.seq, state.time, gone)
        if not with_metadata:
            out.append(header(shown))
            continue
        record = etree.Element(oai("record"))
        record.append(header(shown))
        if not gone:
            etree.SubElement(record, oai("metadata")).append(found[state.film])
        out.append(record)
    return out


def get_record(request: OaiRequest, repo: Repository, page_size: int) -> etree._Element:
    state = state_of(repo, request.args["identifier"])
    format_named(repo, request.args["metadataPrefix"])
    node = etree.Element(oai("GetRecord"))
    node.extend(records([state], repo, request.args["metadataPrefix"], with_metadata=True))
    return node


def list_items(request: OaiRequest, repo: Repository, page_size: int) -> etree._Element:
    """ListIdentifiers and ListRecords: the films whose datestamp is in range, a page at a time."""
    changes = repo.changes()
    if "resumptionToken" in request.args:
        token = Token.decode(request.args["resumptionToken"], request.verb)
        if token.bound > len(changes):
            raise OaiError("badResumptionToken", "this resumptionToken is from a log this repository no longer "
                                                 "has: start the list again without it")
        args = {k: v for k, v in (("from", token.start), ("until", token.end)) if v is not None}
        prefix = token.prefix
    else:
        if "set" in request.args:
            raise OaiError("noSetHierarchy", f"set={request.args['set']!r}: this repository has no sets")
        args = dict(request.args)
        prefix = args["metadataPrefix"]
        token = Token(request.verb, prefix, args.get("from"), args.get("until"), 0, len(changes))
    format_named(repo, prefix)
    start, end = time_range(args)
    states = [s for s in film_states(changes[: token.bound], repo.live())
              if (start is None or s.time.replace(microsecond=0) >= start)
              and (end is None or s.time.replace(microsecond=0) <= end)]
    if not states:
        raise OaiError("noRecordsMatch", "no film changed in the range asked for" if args else
                       "this repository holds no films yet")
    if token.cursor >= len(states):
        raise OaiError("badResumptionToken", f"this resumptionToken points past the list's {len(states)} items")
    node = etree.Element(oai(request.verb))
    chosen = states[token.cursor : token.cursor + page_size]
    node.extend(records(chosen, repo, prefix, with_metadata=request.verb == "ListRecords"))
    if token.cursor > 0 or len(states) > page_size:
        resume = etree.SubElement(node, oai("resumptionToken"), completeListSize=str(len(states)),
                                  cursor=str(token.cursor))
        after = token.cursor + len(chosen)
        if after < len(states):
            resume.text = Token(request.verb, prefix, token.start, token.end, after, token.bound).encode()
    return node


VERB_ANSWERS: dict[str, Callable[[OaiRequest, Repository, int], etree._Element]] = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_items,
    "ListRecords": list_items,
}

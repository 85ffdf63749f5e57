"""Text film pages (the LUX Prize layout of ``data/illegal-2010.txt``) → :class:`Film`.

The grammar, as the pages write it:

* an optional ``Published on *Site* (<url>)`` line (the source's publisher) and a ``[Home](#) > …`` breadcrumb;
* a header: the title line (``Original (English)``), the directors' line, then countries one per line, the
  runtime (``95 min``) and the year, in any order;
* labelled sections, ``Label: value``, where the value may sit on the label's line or on the next non-empty
  line, and a label with nothing after it is empty (the next label is never taken as its value);
* under ``Synopsis:``, the synopsis and then the paragraph(s) about the director(s), which name them;
* ``Source URL (retrieved on DD-MM-YYYY): <url>`` and a ``Links:`` list of footnoted URLs (the trailer).

Labels the reader does not know, once the credits have begun, are kept as crew credits under their own name,
so a page with an unusual credit loses nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lodfilm.errors import RecordError, quote, shorten
from lodfilm.records import ReadResult, RecordRef, make_film
from lodfilm.records.model import split_character

# Known labels (casefolded) → the record field they fill. "crew" keeps the label as the credit's role.
LABELS: dict[str, str] = {
    "synopsis": "synopsis",
    "summary": "synopsis",
    "plot": "synopsis",
    "director": "directors",
    "directors": "directors",
    "directed by": "directors",
    "direction": "directors",
    "screenplay": "screenplay",
    "script": "screenplay",
    "writer": "screenplay",
    "writers": "screenplay",
    "written by": "screenplay",
    "screenwriter": "screenplay",
    "screenwriters": "screenplay",
    "music": "music",
    "original music": "music",
    "composer": "music",
    "original score": "music",
    "producer": "producers",
    "producers": "producers",
    "produced by": "producers",
    "production": "production_companies",
    "production company": "production_companies",
    "production companies": "production_companies",
    "co-production": "coproduction_companies",
    "coproduction": "coproduction_companies",
    "co-producers": "coproduction_companies",
    "co-production companies": "coproduction_companies",
    "world sales": "world_sales",
    "international sales": "world_sales",
    "sales": "world_sales",
    "cast": "cast",
    "starring": "cast",
    "actors": "cast",
    "country": "countries",
    "countries": "countries",
    "runtime": "runtime_minutes",
    "running time": "runtime_minutes",
    "duration": "runtime_minutes",
    "year": "year",
    "production year": "year",
    "english title": "alternate_titles",
    "international title": "alternate_titles",
    "original title": "title",
    "trailer": "trailer",
    "image": "image",
    "poster": "image",
    "links": "links",
    "cinematography": "crew",
    "director of photography": "crew",
    "dop": "crew",
    "camera": "crew",
    "photography": "crew",
    "editing": "crew",
    "editor": "crew",
    "film editing": "crew",
    "sound": "crew",
    "sound design": "crew",
    "art direction": "crew",
    "production design": "crew",
    "set design": "crew",
    "costumes": "crew",
    "costume design": "crew",
    "make-up": "crew",
    "visual effects": "crew",
}
# Fields whose values are organisations rather than people.
ORGANISATION_FIELDS = {"production_companies", "coproduction_companies", "world_sales"}

LABEL_LINE = re.compile(r"^(?P<label>[^\W\d_][\w .'’&/()-]{0,48}?)\s*:\s*(?P<value>.*)$")
SOURCE_LINE = re.compile(
    r"^Source(?: URL)?\s*(?:\(retrieved(?: on)?\s*(?P<date>[^)]*)\))?\s*:\s*<?(?P<url>[^<>\s]+)>?\s*$", re.I
)
PUBLISHED_ON = re.compile(r"^Published on \*?(?P<name>[^*(]+?)\*?\s*\(<?(?P<url>[^<>()\s]+)>?\)\s*$")
BREADCRUMB = re.compile(r"^\[Home\]\(.*\)\s*>")
FOOTNOTES = re.compile(r"^(\[\d+\]\s*)+$")
URL = re.compile(r"<?(?P<url>https?://[^\s<>]+)>?")
RUNTIME = re.compile(r"^(?P<n>-?\d+)\s*(?:min|mins|minutes|min\.|'|’)$", re.I)
HOURS = re.compile(r"^(?P<h>\d+)\s*h(?:ours?)?\s*(?:(?P<m>\d+)\s*(?:min|mins|minutes|m)?)?$", re.I)
YEAR = re.compile(r"^\d{4}$")
VIDEO_HOSTS = ("youtube.com", "youtu.be", "vimeo.com", "dailymotion.com")


def read(text: str, path: Path) -> Iterator[ReadResult]:
    """One page, one record."""
    ref = RecordRef(str(path), None, path.name)
    try:
        data = parse(text, str(path))
        ref = RecordRef(str(path), None, shorten(str(data["title"])))
        film = make_film(data, str(path), ref.label)
    except RecordError as error:
        if is_film_page(text):
            yield ReadResult(ref, None, error)
        else:
            # Some other text file: its lines would be the "title" and the values quoted; print none of them.
            yield ReadResult(RecordRef(str(path), None, path.name), None, RecordError(
                str(path), None, None, "not a film page: no line reads as a runtime, a year, a country or a known "
                "label (Synopsis:, Cast:, Source URL:…)"))
        return
    yield ReadResult(ref, film, None)


def is_film_page(text: str, lines: int = 500) -> bool:
    """Whether any of the first ``lines`` lines reads as a film page's: a known label, a source or publisher line,
    a country, or a short line with a digit in it (a runtime or a year, even mistyped: ``20l1``). A page's header
    and labels come first."""
    from lodfilm.countries import country_code

    for raw in text.splitlines()[:lines]:
        line = raw.strip()
        if line and (label_field(line, credits=False) or PUBLISHED_ON.match(line)
                     or (len(line) <= 12 and re.search(r"\d", line)) or (len(line) > 2 and country_code(line))):
            return True
    return False


def parse(text: str, path: str = "<page>") -> dict[str, Any]:
    """The page's fields as plain data for :class:`Film` (which checks them)."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    data: dict[str, Any] = {}
    publisher: dict[str, str] | None = None

    start = 0
    for index, line in enumerate(lines):
        match = PUBLISHED_ON.match(line)
        if match:
            publisher = {"name": match["name"].strip(), "url": match["url"]}
            start = index + 1
            break
    body = [line for line in lines[start:] if not BREADCRUMB.match(line)]

    # Header: title, directors, then countries/runtime/year up to the first label.
    position = 0
    header: list[str] = []
    while position < len(body):
        line = body[position]
        if line and (label_field(line, credits=False) or SOURCE_LINE.match(line)):
            break
        if line and not FOOTNOTES.match(line):
            header.append(line)
        position += 1
    if not header:
        raise RecordError(path, Path(path).name, "title", "the page has no title line")
    title, english = split_character(header[0])
    data["title"] = title
    if english and english != title:
        data["alternate_titles"] = [{"text": english, "language": "en"}]
    facts = header[1:]
    if facts and not is_header_fact(facts[0]):
        data["directors"] = names(facts[0])
        facts = facts[1:]
    countries: list[str] = []
    for line in facts:
        parse_header_line(line, data, countries, path, title)
    if countries:
        data["countries"] = countries

    sections = labelled_sections(body[position:])
    crew: list[dict[str, Any]] = []
    for label, field, value in sections:
        if field == "synopsis":
            continue
        if field == "source":
            data.setdefault("sources", []).append(parse_source(value, publisher, path, title))
        elif field == "links":
            for url in URL.findall(value):
                if is_video(url) and "trailer" not in data:
                    data["trailer"] = url
                else:
                    data.setdefault("links", []).append(url)
        elif field == "crew":
            for name in names(value):
                crew.append({"role": label, "name": name})
        elif field == "cast":
            data["cast"] = [item for item in split_outside_parentheses(value, ",") if item]
        elif field in ORGANISATION_FIELDS:
            if field == "world_sales":
                data[field] = [contact(value)] if value else []
            else:
                data[field] = [name for name in split_outside_parentheses(value, ",") if name]
        elif field == "countries":
            data["countries"] = [c for c in split_outside_parentheses(value, ",") if c]
        elif field == "runtime_minutes":
            data["runtime_minutes"] = runtime(value, path, title)
        elif field == "year":
            data["year"] = year(value, path, title)
        elif field == "alternate_titles":
            data.setdefault("alternate_titles", []).append({"text": value, "language": "en"})
        elif field == "title":
            data["alternate_titles"] = [{"text": data["title"], "language": "en"}] if value else []
            data["title"] = value
        elif field in ("trailer", "image"):
            match = URL.search(value)
            if match:
                data[field] = match["url"]
            elif value:
                raise RecordError(path, title, field, f"{quote(value)} is not a web address")
        elif value:
            data[field] = names(value)
    if crew:
        data["crew"] = crew

    synopsis = [value for _, field, value in sections if field == "synopsis"]
    if synopsis:
        paragraphs = [p for p in synopsis[0].split("\n\n") if p.strip()]
        about = director_paragraphs(paragraphs[1:], data.get("directors", []))
        kept = paragraphs[: len(paragraphs) - len(about)]
        if kept:
            data["synopsis"] = "\n\n".join(kept)
            data["synopsis_language"] = "en"
        if about:
            attach_biography("\n\n".join(about), data)
    return data


def label_field(line: str, *, credits: bool) -> str | None:
    """The field a label line fills, or None when the line is not a label.

    Before the credits begin only known labels count (a synopsis sentence may contain a colon); within the
    credits any short ``Label:`` line does, and unknown ones become crew credits.
    """
    if SOURCE_LINE.match(line):
        return "source"
    match = LABEL_LINE.match(line)
    if not match:
        return None
    label = match["label"].strip().casefold()
    if label in LABELS:
        return LABELS[label]
    if credits and len(label.split()) <= 4 and not match["value"].startswith("//"):
        return "crew"
    return None


def labelled_sections(lines: list[str]) -> list[tuple[str, str, str]]:
    """(label as printed, field, value) for every label, in page order.

    The synopsis keeps its paragraphs (blank lines as ``\\n\\n``); any other value is the label's own line or,
    when that is empty, the following non-empty lines up to a blank line or the next label.
    """
    sections: list[tuple[str, str, str]] = []
    credits = False
    index = 0
    while index < len(lines):
        line = lines[index]
        field = label_field(line, credits=credits) if line else None
        if field is None:
            index += 1
            continue
        if field == "source":
            sections.append(("Source URL", field, line))
            index += 1
            continue
        match = LABEL_LINE.match(line)
        assert match is not None
        label, value = match["label"].strip(), match["value"].strip()
        index += 1
        if field not in ("synopsis", "links"):
            credits = True
        if field in ("synopsis", "links"):
            block: list[str] = [value] if value else []
            while index < len(lines) and not (lines[index] and ends_block(lines[index], field)):
                block.append(lines[index])
                index += 1
            if index < len(lines):
                credits = True  # the block ended at a label: the credits have begun, unknown labels included
            if field == "links":
                value = " ".join(block)
            else:
                value = re.sub(
                    r"\n{3,}", "\n\n", "\n".join(b for b in block if not FOOTNOTES.match(b))
                ).strip()
        elif not value:
            while index < len(lines) and not lines[index]:
                index += 1
            parts: list[str] = []
            while index < len(lines) and lines[index] and not label_field(lines[index], credits=True):
                parts.append(lines[index])
                index += 1
            value = ", ".join(parts)
        sections.append((label, field, value))
    return sections


def is_header_fact(line: str) -> bool:
    """A header line that is a runtime, a year or a country, so not the directors' line (a page may lack it)."""
    from lodfilm.countries import country_code

    return bool(re.search(r"\d", line)) or (len(line) > 2 and country_code(line) is not None)


SENTENCE_END = re.compile(r"[.!?…][\"'”’»)]*$")
ABBREVIATION = re.compile(r"(?:^|\s)(?:(?:\w\.)+|[A-Z]\w{0,3}\.)$")


def ends_block(line: str, field: str) -> bool:
    """Whether ``line`` is the label that ends a synopsis or links block.

    Any label does, except, in a synopsis, an unknown "label" whose value reads as a sentence
    (``Tania has one rule: never look back.``): that is prose with a colon in it, not a credit.
    """
    found = label_field(line, credits=True)
    if found is None:
        return False
    if field != "synopsis" or found != "crew" or label_field(line, credits=False):
        return True
    match = LABEL_LINE.match(line)
    value = match["value"].strip() if match else ""
    prose = bool(SENTENCE_END.search(value)) and not ABBREVIATION.search(value)
    return not prose


def parse_header_line(line: str, data: dict[str, Any], countries: list[str], path: str, title: str) -> None:
    """A header line after the directors: a runtime, a year, or a country."""
    if RUNTIME.match(line) or HOURS.match(line) or re.search(r"\bmin", line, re.I):
        data["runtime_minutes"] = runtime(line, path, title)
    elif re.search(r"\d", line):
        data["year"] = year(line, path, title)
    else:
        countries.append(line)


def runtime(text: str, path: str, title: str) -> int:
    """``95 min``, ``95'``, ``1h 35`` → minutes, read as every input form reads runtimes (:mod:`.values`)."""
    from lodfilm.records.values import minutes

    try:
        return minutes(text.strip())
    except ValueError as exc:
        raise RecordError(path, title, "runtime_minutes", str(exc)) from None


def year(text: str, path: str, title: str) -> int:
    text = text.strip()
    if YEAR.match(text):
        return int(text)
    raise RecordError(path, title, "year", f"{quote(text)} is not a year (four digits)")


def split_outside_parentheses(text: str, separator: str) -> list[str]:
    """Split on ``separator`` except inside parentheses: ``A (B, C), D`` → ``["A (B, C)", "D"]``."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if char == separator and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [p for p in parts if p]


def names(text: str) -> list[str]:
    """People in a credit line: comma-separated, and ``A & B Surname`` / ``A and B Surname`` shares the surname.

    ``Jacques-Henri & Olivier Bronckart`` → ``["Jacques-Henri Bronckart", "Olivier Bronckart"]``, while
    ``Kristina Grozeva & Petar Valchanov`` stays two full names.
    """
    people: list[str] = []
    for part in split_outside_parentheses(text, ","):
        joined = [p.strip() for p in re.split(r"\s+(?:&|and)\s+", part) if p.strip()]
        last = joined[-1].split() if joined else []
        for name in joined:
            if len(name.split()) == 1 and len(last) >= 2 and name != joined[-1]:
                name = f"{name} {last[-1]}"
            people.append(name)
    return people


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
WEB = re.compile(r"(?:https?://|www\.)[^\s,;<>]+", re.I)
PHONE = re.compile(r"(?:T[ée]l[ée]?(?:phone)?|Phone|Tel)\.?\s*:?\s*(?P<n>\+?[\d][\d ().-]{5,}\d)", re.I)
FAX = re.compile(r"Fax\.?\s*:?\s*(?P<n>\+?[\d][\d ().-]{5,}\d)", re.I)


def contact(text: str) -> dict[str, Any]:
    """A sales contact written on one line → organisation with address, telephone, fax, email and web site."""
    org: dict[str, Any] = {}
    rest = text
    for key, pattern in (("fax", FAX), ("telephone", PHONE)):
        match = pattern.search(rest)
        if match:
            org[key] = match["n"].strip()
            rest = rest[: match.start()] + " " + rest[match.end() :]
    match = EMAIL.search(rest)
    if match:
        org["email"] = match[0]
        rest = rest[: match.start()] + " " + rest[match.end() :]
    match = WEB.search(rest)
    if match:
        url = match[0].rstrip(".")
        org["url"] = url if url.lower().startswith("http") else f"http://{url}"
        rest = rest[: match.start()] + " " + rest[match.end() :]
    rest = " ".join(rest.split()).strip(" ,;")
    street = re.search(r"(?<![\w-])\d", rest)
    if street and street.start() > 0:
        start = street_start(rest[: street.start()])
        org["name"] = rest[:start].strip(" ,")
        org["address"] = address(rest[start:])
    else:
        org["name"] = rest
    return org


STREET_SUFFIX = re.compile(
    r"\S*(?:stra(?:ss|ß)e|str\.|gasse|weg|platz|allee|damm|straat|laan|gracht|plein|kade|vej|gade|gatan|"
    r"vägen|veien|gata|utca|ulica)\s*$",
    re.I,
)
STREET_PREFIX = re.compile(
    r"(?<!\S)(?:Via|Viale|Piazza|Piazzale|Corso|Largo|Calle|Carrer|Avenida|Avinguda|Paseo|Plaza|Rua|Ulica|ul\.)"
    r"(?:\s+\S+){0,4}\s*$"
)


def street_start(before: str) -> int:
    """Where the street begins in ``name street`` text that ends just before the first house number: at the
    number, unless the street's name comes first (``Balthasarstrasse 79``, ``Via Umberto Novaro 18``)."""
    match = STREET_SUFFIX.search(before) or STREET_PREFIX.search(before)
    if match and match.start() > 0:
        return match.start()
    return len(before)


def address(text: str) -> dict[str, str]:
    """``34 rue du Louvre, 75001 Paris, France`` → street, postal code, locality, country, by the country's own
    postal format (:mod:`lodfilm.records.addresses`)."""
    from lodfilm.records.addresses import split_address

    return split_address(text)


def parse_source(line: str, publisher: dict[str, str] | None, path: str, title: str) -> dict[str, Any]:
    match = SOURCE_LINE.match(line)
    assert match is not None
    source: dict[str, Any] = {"url": match["url"]}
    if match["date"]:
        source["retrieved"] = date(match["date"].strip(), path, title)
    if publisher:
        source["publisher"] = publisher
    return source


def date(text: str, path: str, title: str) -> dt.date:
    """``23-11-2017`` (the pages' day-month-year) or ISO ``2017-11-23``."""
    for fmt in ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise RecordError(path, title, "sources.retrieved", f"{quote(text)} is not a date (day-month-year)")


def is_video(url: str) -> bool:
    host = re.sub(r"^https?://", "", url).split("/")[0].lower()
    return any(host == h or host.endswith("." + h) for h in VIDEO_HOSTS)


def director_paragraphs(paragraphs: list[str], directors: list[str]) -> list[str]:
    """The trailing paragraphs under the synopsis that are about the director(s): from the first one that names
    a director (full name or surname) to the end."""
    keys = {d.casefold() for d in directors} | {d.split()[-1].casefold() for d in directors if d.split()}
    for index, paragraph in enumerate(paragraphs):
        first_sentence = re.split(r"(?<=[.!?])\s", paragraph, maxsplit=1)[0].casefold()
        if any(re.search(rf"(?<!\w){re.escape(k)}(?!\w)", first_sentence) for k in keys):
            return paragraphs[index:]
    return []


def attach_biography(text: str, data: dict[str, Any]) -> None:
    """Give the director paragraphs to the directors they name (to all of them when they name none alone)."""
    directors: list[str] = data.get("directors", [])
    named = [d for d in directors if d.casefold() in text.casefold()] or directors
    data["directors"] = [
        {"name": d, "description": text, "description_language": "en"} if d in named else d for d in directors
    ]

"""YAML and JSON records → :class:`Film`.

A file holds one film (a mapping), a list of films, or ``{"films": [...]}``. The fields are those of
:class:`~lodfilm.records.model.Film`; ``lodfilm schema`` prints them as JSON Schema and the README documents them.
YAML is read with the safe loader and without anchors or aliases (no record needs them, and alias expansion
is how a small YAML file takes a machine's memory).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from lodfilm.errors import RecordError, quote, shorten
from lodfilm.records import ReadResult, RecordRef, make_film
from lodfilm.records.model import Film

# libyaml's safe loader when PyYAML was built with it (many times faster), else the pure-Python one.
SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MERGE_TAG = "tag:yaml.org,2002:merge"
FIELDS = frozenset(Film.model_fields)


class RecordLoader(SafeLoader):
    """The safe loader, minding what plain YAML lets pass: a key given twice in one mapping (YAML keeps the last
    one silently) is noted in ``repeated`` (the mapping's id → the key), so the record holding it is rejected;
    an integer too long for Python to read (over ``sys.get_int_max_str_digits()`` digits), and a value tagged
    with a type it does not have (``!!bool maybe``), are syntax errors at their line, not tracebacks."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.repeated: dict[int, str] = {}

    def construct_yaml_map(self, node: yaml.Node) -> Iterator[dict[Any, Any]]:
        if not isinstance(node, yaml.MappingNode):  # ``!!map [a]``
            raise yaml.constructor.ConstructorError(None, None, "a !!map tag on what is not a mapping",
                                                    node.start_mark)
        data: dict[Any, Any] = {}
        yield data
        merges = any(key.tag == MERGE_TAG for key, _ in node.value)
        own = [key for key, _ in node.value if key.tag != MERGE_TAG]  # before construct_mapping flattens merges
        data.update(self.construct_mapping(node))
        # Without merge keys a mapping shorter than its key list gave a key twice; with them, look at every key.
        if merges or len(data) < len(own):
            key = repeated_key(self.construct_object(key_node) for key_node in own)  # constructed once, cached
            if key is not None:
                self.repeated[id(data)] = str(key)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = len(str(node.value).lstrip("+-").replace("_", ""))
        if digits > sys.get_int_max_str_digits() > 0:
            raise yaml.constructor.ConstructorError(None, None, too_long(digits), node.start_mark)
        return int(super().construct_yaml_int(node))


def checked_scalar(kind: str, construct: Any) -> Any:
    """PyYAML's constructor of an implicit scalar type, for a value tagged with that type explicitly: it trusts
    the value to look the part (``!!bool x`` is a KeyError, ``!!timestamp x`` an AttributeError, ``!!int ''`` an
    IndexError); here a value that does not is a syntax error at its line."""

    def constructor(loader: RecordLoader, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(None, None, f"a !!{kind} tag on what is not a value",
                                                    node.start_mark)
        try:
            return construct(loader, node)
        except (KeyError, IndexError, AttributeError, ValueError):
            raise yaml.constructor.ConstructorError(
                None, None, f"{quote(node.value)} is not a valid {kind}", node.start_mark) from None

    return constructor


RecordLoader.add_constructor("tag:yaml.org,2002:map", RecordLoader.construct_yaml_map)
RecordLoader.add_constructor("tag:yaml.org,2002:bool", checked_scalar("bool", SafeLoader.construct_yaml_bool))
RecordLoader.add_constructor("tag:yaml.org,2002:int", checked_scalar("int", RecordLoader.construct_yaml_int))
RecordLoader.add_constructor("tag:yaml.org,2002:float", checked_scalar("float", SafeLoader.construct_yaml_float))
RecordLoader.add_constructor("tag:yaml.org,2002:timestamp",
                             checked_scalar("timestamp", SafeLoader.construct_yaml_timestamp))


class NumberTooLong(ValueError):
    def __init__(self, digits: int) -> None:
        super().__init__(too_long(digits))


def too_long(digits: int) -> str:
    return f"a number of {digits} digits (at most {sys.get_int_max_str_digits()})"


def json_int(text: str) -> int:
    """A JSON integer, refusing one longer than Python reads (``int()`` would raise a ValueError that says to
    raise the limit, from deep in the scanner)."""
    digits = len(text.lstrip("-"))
    if digits > sys.get_int_max_str_digits() > 0:
        raise NumberTooLong(digits)
    return int(text)


def repeated_key(keys: Iterable[Any]) -> Any:
    """The first key seen twice, or None."""
    seen: set[Any] = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    return None


# Where an anchor (&a) or an alias (*a) could begin: at a line's start or after a space, a BOM or a flow indicator.
# Text with no such place has neither, and is not scanned (the scan costs a sixth of loading).
MAYBE_ANCHOR = re.compile(r"(?m)(?:^|[\s\ufeff\[{,])[&*][^\s\[\]{},]")


def refuse_aliases(text: str) -> None:
    """Refuse anchors and aliases before anything is built from them (a scan, at libyaml's speed)."""
    if not MAYBE_ANCHOR.search(text):
        return
    for token in yaml.scan(text, Loader=SafeLoader):
        if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
            raise yaml.MarkedYAMLError(
                None, None, "YAML anchors and aliases are not allowed in film records", token.start_mark
            )


def load(text: str, path: Path) -> tuple[Any, dict[int, str]]:
    """The file's data, and the mappings in it that give a key twice (id → the key); a syntax error names the
    line."""
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        repeated: dict[int, str] = {}

        def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
            obj = dict(items)
            if len(obj) < len(items):  # JSON keeps the last of a repeated key; a record must not say two things
                repeated[id(obj)] = repeated_key(key for key, _ in items)
            return obj

        try:
            if suffix == ".json":
                document = json.loads(text, object_pairs_hook=pairs, parse_int=json_int)
            else:  # JSON Lines: one value a line, blank lines between them allowed
                document = json_lines(text, pairs)
        except json.JSONDecodeError as exc:
            raise RecordError(
                str(path), None, None, f"not valid JSON: {exc.msg} at line {exc.lineno}"
            ) from None
        except RecursionError:
            raise RecordError(str(path), None, None, "not valid JSON: nested too deeply") from None
        except NumberTooLong as exc:
            raise RecordError(str(path), None, None, f"not valid JSON: {exc}") from None
        return check_text(document, path, "JSON"), repeated
    loader = RecordLoader(text)
    try:
        refuse_aliases(text)
        document = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RecordError(str(path), None, None, f"not valid YAML: {problem}{where}") from None
    except RecursionError:
        raise RecordError(str(path), None, None, "not valid YAML: nested too deeply") from None
    except (ValueError, OverflowError) as exc:
        # PyYAML's constructors raise these for scalars that only look valid (a date like 2010-02-30).
        raise RecordError(str(path), None, None, f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    return check_text(document, path, "YAML"), loader.repeated


def first_repeated(data: Any, repeated: dict[int, str]) -> tuple[Any, ...] | None:
    """Where in ``data`` a mapping gives a key twice: its location, ending with the key (None when nowhere).
    Depth-first in document order, without recursion (a document may nest as deep as the parser allowed)."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        loc, node = stack.pop()
        if isinstance(node, dict):
            if id(node) in repeated:
                return (*loc, repeated[id(node)])
            children: list[tuple[Any, Any]] = list(node.items())
        elif isinstance(node, list):
            children = list(enumerate(node))
        else:
            continue
        stack.extend(((*loc, key), value) for key, value in reversed(children))
    return None


JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")


def json_lines(text: str, pairs: Any) -> list[Any]:
    """The values of a JSON Lines file (``.jsonl``, ``.ndjson``: what databases and scrapers export), one a line
    (blank lines allowed), as one list; an error names the file's line."""
    values, start = [], 0
    for line in text.split("\n"):
        if line.strip():
            try:
                values.append(json.loads(line, object_pairs_hook=pairs, parse_int=json_int))
            except json.JSONDecodeError as exc:
                raise json.JSONDecodeError(exc.msg, text, start + exc.pos) from None
        start += len(line) + 1
    return values


def check_text(document: Any, path: Path, kind: str) -> Any:
    """Refuse strings that are not Unicode text: ``\\ud800`` escapes give lone surrogates, which no output
    (a terminal, an RDF file) can encode."""
    try:
        json.dumps(document, ensure_ascii=False, default=str, skipkeys=True).encode("utf-8")
    except UnicodeEncodeError:
        raise RecordError(
            str(path), None, None, f"not valid {kind}: an escape names a lone surrogate, not a character"
        ) from None
    except (RecursionError, ValueError):  # too deep to check, or a circular structure: not a film record
        raise RecordError(str(path), None, None, f"not valid {kind}: nested too deeply") from None
    return document


def read(text: str, path: Path) -> Iterator[ReadResult]:
    try:
        document, repeated = load(text, path)
        if isinstance(document, dict) and set(document) == {"films"}:
            if id(document) in repeated:
                raise RecordError(str(path), None, None, "the key 'films' is given twice")
            document = document["films"]
    except RecordError as error:
        yield ReadResult(RecordRef(str(path), None, path.name), None, error)
        return
    if isinstance(document, dict):
        items: list[Any] = [document]
        positions: list[int | None] = [None]
    elif isinstance(document, list) and document:
        items = document
        positions = list(range(1, len(document) + 1))
    else:
        problem = RecordError(str(path), None, None, "expected a film (a mapping) or a list of films")
        yield ReadResult(RecordRef(str(path), None, path.name), None, problem)
        return
    for item, position in zip(items, positions, strict=True):
        label = f"record {position}" if position else path.name
        if isinstance(item, dict) and isinstance(item.get("title"), str) and item["title"].strip():
            label = shorten(item["title"].strip()) + (f" (record {position})" if position else "")
        ref = RecordRef(str(path), position, label)
        if not isinstance(item, dict):
            problem = RecordError(str(path), label, None, "a film record must be a mapping of fields")
            yield ReadResult(ref, None, problem)
            continue
        if item and not FIELDS.intersection(item):
            # Not a film record at all (some other YAML or JSON file): say so without printing what it holds.
            problem = RecordError(str(path), label if position else None, None, "not a film record: none of its "
                                  "keys is a field of a film record (see the record schema in the README)")
            yield ReadResult(ref, None, problem)
            continue
        where = first_repeated(item, repeated) if repeated else None
        if where is not None:
            from lodfilm.records import field_name

            problem = RecordError(str(path), label, field_name(where), "is given twice (a key may appear once "
                                  "in a mapping; which value is meant?)")
            yield ReadResult(ref, None, problem)
            continue
        try:
            yield ReadResult(ref, make_film(item, str(path), label), None)
        except RecordError as error:
            yield ReadResult(ref, None, error)

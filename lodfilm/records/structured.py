"""YAML and JSON records → :class:`Film`.

A file holds one film (a mapping), a list of films, or ``{"films": [...]}``. The fields are those of
:class:`~lodfilm.records.model.Film`; ``lodfilm schema`` prints them as JSON Schema and the README documents them.
YAML is read with the safe loader and without anchors or aliases (no record needs them, and alias expansion
is how a small YAML file takes a machine's memory).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from lodfilm.errors import RecordError
from lodfilm.records import ReadResult, RecordRef, make_film

# libyaml's safe loader when PyYAML was built with it (many times faster), else the pure-Python one.
SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


def load(text: str, path: Path) -> Any:
    """The file's data; a syntax error names the line."""
    if path.suffix.lower() == ".json":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RecordError(
                str(path), None, None, f"not valid JSON: {exc.msg} at line {exc.lineno}"
            ) from None
        except RecursionError:
            raise RecordError(str(path), None, None, "not valid JSON: nested too deeply") from None
        return check_text(document, path, "JSON")
    try:
        refuse_aliases(text)
        document = yaml.load(text, Loader=SafeLoader)  # noqa: S506 - the safe loader
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
    return check_text(document, path, "YAML")


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
        document = load(text, path)
    except RecordError as error:
        yield ReadResult(RecordRef(str(path), None, path.name), None, error)
        return
    if isinstance(document, dict) and set(document) == {"films"}:
        document = document["films"]
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
            label = item["title"].strip() + (f" (record {position})" if position else "")
        ref = RecordRef(str(path), position, label)
        if not isinstance(item, dict):
            problem = RecordError(str(path), label, None, "a film record must be a mapping of fields")
            yield ReadResult(ref, None, problem)
            continue
        try:
            yield ReadResult(ref, make_film(item, str(path), label), None)
        except RecordError as error:
            yield ReadResult(ref, None, error)

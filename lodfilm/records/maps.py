"""Foreign exports → records, through a map: the archive's own CSV, JSON or YAML, whatever its columns are called.

A map is a short YAML file (README, "Mapping an export")::

    fields:                      # record field (the YAML record schema's names; nested ones with a dot) : source
      title: Title
      directors: Director
      rating.value: IMDB Rating
      genres: {flags: [Action, Comedy, Drama]}   # columns of 0/1 flags: each set flag gives its column's name
    constants:                   # values every record of this export gets
      rating.source: IMDb
    split: " | "                 # separator of multi-valued cells
    ignore: [US Gross]           # columns dropped on purpose

A source is a column of a table, or a key of a JSON/YAML object (nested keys with a dot: ``credits.director``);
a list of sources gives a list field every value they hold. Each source row becomes the same plain data the
YAML reader builds, so the record model checks it exactly as it checks a YAML record. A column that is neither
mapped nor ignored is reported once per file, with how many values it held, never silently dropped.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import types
import typing
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from lodfilm.errors import RecordError, UsageError, quote
from lodfilm.records import ReadResult, RecordRef, make_film
from lodfilm.records.model import Film
from lodfilm.records.table import table_reader

DEFAULT_SPLIT = " | "
# Cells that say "no value" in real exports (R writes NA, spreadsheets N/A, JSON null, IMDb's and MySQL's TSV \N).
DEFAULT_MISSING = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "-", "\\N"})
TRUE_FLAGS = frozenset({"1", "true", "yes", "y", "x", "t"})
MAP_KEYS = frozenset({"fields", "constants", "split", "ignore", "missing"})


class MapError(UsageError):
    """A map file lodfilm cannot use; ``str()`` names the file, the key and the value."""

    def __init__(self, path: Path, where: str, reason: str) -> None:
        self.path, self.where, self.reason = path, where, reason
        super().__init__(f"{path}: {where}: {reason}" if where else f"{path}: {reason}")


@dataclass(frozen=True)
class Flags:
    """A list field filled from flag columns: every column whose cell is set (1, true, yes, x) gives its name."""

    columns: tuple[str, ...]


Source = str | tuple[str, ...] | Flags


@dataclass(frozen=True)
class Step:
    """One field of a map, as done for every row: the record field (dotted), its sources, whether the field is a
    list, whether its sources are flag columns."""

    path: str
    sources: tuple[str, ...]
    many: bool
    flags: bool

    @functools.cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(self.path.split("."))

    def put(self, data: dict[str, Any], value: Any) -> None:
        place(data, self.names, value)


@dataclass(frozen=True)
class ExportMap:
    """A loaded, checked map."""

    path: Path
    fields: dict[str, Source]
    constants: dict[str, Any] = field(default_factory=dict)
    split: str = DEFAULT_SPLIT
    ignore: frozenset[str] = frozenset()
    missing: frozenset[str] = DEFAULT_MISSING
    #: SHA-256 of the map file: a changed map changes the records it makes
    digest: str = ""

    def reads(self, key: str) -> bool:
        """Whether the map takes or ignores the source key ``key`` (an ignored ``a`` covers ``a.b``)."""
        return self._reads(key)

    @functools.cached_property
    def _reads(self) -> Callable[[str], bool]:
        # asked for every key of every row: a table has few keys and a million cells
        return functools.lru_cache(maxsize=4096)(self._decide_reads)

    def _decide_reads(self, key: str) -> bool:
        if key in self.sources or key in self.ignore:
            return True
        return any(key.startswith(f"{prefix}.") for prefix in (*self.ignore, *self.sources))

    @functools.cached_property
    def title_sources(self) -> frozenset[str]:
        """The source keys the title is read from."""
        source = self.fields.get("title")
        if source is None or isinstance(source, Flags):
            return frozenset()
        return frozenset((source,) if isinstance(source, str) else source)

    @functools.cached_property
    def sources(self) -> frozenset[str]:
        keys: set[str] = set()
        for source in self.fields.values():
            keys.update(source.columns if isinstance(source, Flags) else (source,) if isinstance(source, str)
                        else source)
        return frozenset(keys)

    @functools.cached_property
    def plan(self) -> tuple[tuple[Step, ...], tuple[tuple[str, Any], ...], tuple[tuple[str, str, Any], ...]]:
        """The map as steps done for every row, worked out once: a :class:`Step` per field; the constants that
        always apply; the nested constants that go with their group's values."""
        fields = tuple(Step(path, source.columns if isinstance(source, Flags) else (source,)
                            if isinstance(source, str) else tuple(source), is_list_field(path),
                            isinstance(source, Flags))
                       for path, source in self.fields.items())
        always, grouped = [], []
        for path, value in self.constants.items():
            group = path.rsplit(".", 1)[0] if "." in path else None
            # A nested constant (rating.source) goes with the row's own values of that group: a row whose rating
            # column is empty has no rating, not a rating made of constants alone.
            if group is None or not any(f.startswith(f"{group}.") for f in self.fields):
                always.append((path, value))
            else:
                grouped.append((path, group, value))
        return fields, tuple(always), tuple(grouped)

    def record(self, row: dict[str, Any]) -> dict[str, Any]:
        """One source row as plain record data (``rating.value`` → ``{"rating": {"value": …}}``). Done for every
        row of a table: a one-column field with a text cell (nearly every cell) is read here without the general
        :meth:`values`."""
        data: dict[str, Any] = {}
        fields, always, grouped = self.plan
        missing, separator = self.missing, self.split.strip()
        for step in fields:
            if step.flags:
                values: list[Any] = [c for c in step.sources if str(row.get(c, "")).strip().lower() in TRUE_FLAGS]
            elif len(step.sources) == 1 and type(cell := row.get(step.sources[0])) is str:
                text = cell.strip()
                if text in missing:
                    continue
                if not step.many:
                    step.put(data, text)
                    continue
                values = [part.strip() for part in text.split(separator) if part.strip() not in missing] \
                    if separator and separator in text else [text]
            else:
                values = []
                for key in step.sources:
                    values.extend(self.values(row.get(key), step.many))
            if values:
                step.put(data, values if step.many else values[0])
        for path, value in always:
            put(data, path, value)
        for path, group, value in grouped:
            if group in data:
                put(data, path, value)
        return data

    def unread(self, row: dict[str, Any]) -> list[str]:
        """The keys of ``row`` the map neither takes nor ignores (worked out once per set of keys: a table's rows
        all have its header's)."""
        keys = tuple(row)
        found = self._unread.get(keys)
        if found is None:
            found = [key for key in keys if not self.reads(key)]
            if len(self._unread) < 1024:
                self._unread[keys] = found
        return found

    @functools.cached_property
    def _unread(self) -> dict[tuple[str, ...], list[str]]:
        return {}

    def has_value(self, cell: Any) -> bool:
        """Whether a cell holds a value (a column the map does not read counts them for its note)."""
        if type(cell) is str:
            return cell.strip() not in self.missing
        return bool(self.values(cell, True))

    def values(self, cell: Any, many: bool) -> list[Any]:
        """A cell's values: none for a missing one; a text cell of a list field split on the map's separator."""
        if cell is None:
            return []
        if isinstance(cell, list):
            return [v for item in cell for v in self.values(item, False)]
        if isinstance(cell, str):
            text = cell.strip()
            if text in self.missing:
                return []
            if many and self.split.strip() and self.split.strip() in text:
                return [part.strip() for part in text.split(self.split.strip()) if part.strip() not in self.missing]
            return [text]
        return [cell]


def put(data: dict[str, Any], path: str, value: Any) -> None:
    place(data, path.split("."), value)


def place(data: dict[str, Any], names: Sequence[str], value: Any) -> None:
    """``value`` at the nested field ``names`` (``("rating", "value")``) of ``data``."""
    for name in names[:-1]:
        data = data.setdefault(name, {})
    data[names[-1]] = value


# -- the record schema, as a map may name it ----------------------------------------------------------------------


def field_annotation(path: str) -> Any:
    """The annotation of a record field named by a dotted path (``rating.value``), or KeyError."""
    model: type[BaseModel] = Film
    annotation: Any = None
    names = path.split(".")
    for index, name in enumerate(names):
        if name not in model.model_fields:
            raise KeyError(path)
        annotation = model.model_fields[name].annotation
        if index < len(names) - 1:
            inner = next((t for t in flatten(annotation) if isinstance(t, type) and issubclass(t, BaseModel)), None)
            if inner is None:
                raise KeyError(path)
            model = inner
    return annotation


def flatten(annotation: Any) -> list[Any]:
    """Every type an annotation allows, unwrapping Optional, unions, lists and Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return flatten(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list):
        return [t for arg in typing.get_args(annotation) for t in flatten(arg)]
    return [annotation]


@functools.lru_cache(maxsize=256)
def is_list_field(path: str) -> bool:
    annotation = field_annotation(path)
    while typing.get_origin(annotation) in (typing.Annotated, typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[0]
    return typing.get_origin(annotation) is list


def record_fields() -> list[str]:
    """Every record field a map may fill, dotted, in the schema's order (for messages and suggest-map)."""
    out: list[str] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            out.append(prefix + name)
            nested = [t for t in flatten(info.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
            if nested and not is_list_field(prefix + name):
                walk(nested[0], f"{prefix}{name}.")

    walk(Film, "")
    return out


# -- loading a map ----------------------------------------------------------------------------------------------


def load_map(path: Path) -> ExportMap:
    """Read and check a map file; :class:`MapError` (exit 2) names what is wrong in it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MapError(path, "", f"cannot read the map: {exc.strerror or exc}") from None
    try:
        document = yaml.safe_load(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MapError(path, "", f"not a YAML map: {str(exc).splitlines()[0]}") from None
    if not isinstance(document, dict):
        raise MapError(path, "", "a map is a YAML mapping with 'fields:' (see the README, Mapping an export)")
    unknown = sorted(set(map(str, document)) - MAP_KEYS)
    if unknown:
        raise MapError(path, unknown[0], f"is not a key of a map (use {', '.join(sorted(MAP_KEYS))})")
    fields_doc = document.get("fields")
    if not isinstance(fields_doc, dict) or not fields_doc:
        raise MapError(path, "fields", "a map needs 'fields:', record field → source column or key")
    fields: dict[str, Source] = {}
    for name, source in fields_doc.items():
        check_field(path, f"fields: {name}", str(name))
        fields[str(name)] = parse_source(path, str(name), source)
    constants = document.get("constants") or {}
    if not isinstance(constants, dict):
        raise MapError(path, "constants", "give record field → value")
    for name in constants:
        check_field(path, f"constants: {name}", str(name))
    split = document.get("split", DEFAULT_SPLIT)
    if not isinstance(split, str) or not split.strip():
        raise MapError(path, "split", f"{split!r} is not a separator (a non-blank text, like ' | ')")
    ignore = document.get("ignore") or []
    if not isinstance(ignore, list) or not all(isinstance(i, str | int | float) for i in ignore):
        raise MapError(path, "ignore", "give a list of source columns or keys")
    missing = document.get("missing")
    if missing is not None and (not isinstance(missing, list) or not all(isinstance(m, str) for m in missing)):
        raise MapError(path, "missing", "give a list of the texts that mean 'no value' (like NA)")
    return ExportMap(
        path=path,
        fields=fields,
        constants={str(k): v for k, v in constants.items()},
        split=split,
        ignore=frozenset(str(i) for i in ignore),
        missing=DEFAULT_MISSING if missing is None else frozenset(m.strip() for m in missing),
        digest=hashlib.sha256(raw).hexdigest(),
    )


def check_field(path: Path, where: str, name: str) -> None:
    try:
        field_annotation(name)
    except KeyError:
        raise MapError(path, where, f"{name!r} is not a record field (the fields are those of the YAML record "
                                    "schema: `lodfilm schema`; nested ones with a dot, like rating.value)") from None


def parse_source(path: Path, name: str, source: Any) -> Source:
    where = f"fields: {name}"
    if isinstance(source, str | int | float) and not isinstance(source, bool) and str(source).strip():
        return str(source)
    if isinstance(source, list) and source and all(isinstance(s, str | int) for s in source):
        if not is_list_field(name):
            raise MapError(path, where, "several sources fill only a list field")
        return tuple(str(s) for s in source)
    if isinstance(source, dict) and set(source) == {"flags"} and isinstance(source["flags"], list) \
            and source["flags"] and all(isinstance(s, str | int) for s in source["flags"]):
        if not is_list_field(name):
            raise MapError(path, where, "flag columns fill only a list field (like genres)")
        return Flags(tuple(str(s) for s in source["flags"]))
    raise MapError(path, where, f"{source!r} is not a source: give a column or key, a list of them, "
                                "or {flags: [columns]}")


# -- reading an export through a map ---------------------------------------------------------------------------


def read(text: str | Iterable[str], path: Path, export_map: ExportMap, notes: list[str] | None = None
         ) -> Iterator[ReadResult]:
    """Every record of a CSV, JSON or YAML export, read through ``export_map``; then, in ``notes``, one line per
    source column that the map neither takes nor ignores."""
    unread: Counter[str] = Counter()
    rows = source_rows(text, path, export_map.title_sources)
    while True:
        try:
            position, kind, row = next(rows)
        except StopIteration:
            break
        except RecordError as error:  # the file, or a row the table cannot read: reported, the rest stand
            yield ReadResult(RecordRef(str(path), None, path.name), None, error)
            break
        for key in export_map.unread(row):
            if export_map.has_value(row[key]):
                unread[key] += 1
        data = export_map.record(row)
        title = data.get("title")
        label = f"{kind} {position}" + (f" ({str(title).strip()[:80]})" if str(title or "").strip() else "")
        ref = RecordRef(str(path), position, label)
        try:
            yield ReadResult(ref, make_film(data, str(path), label), None)
        except RecordError as error:
            yield ReadResult(ref, None, error)
    if notes is not None:
        for key, count in sorted(unread.items()):
            notes.append(f"{path}: column {quote(key)} has no field ({count:,} value{'s' * (count != 1)} not imported)")


def source_rows(text: str | Iterable[str], path: Path, titles: frozenset[str] = frozenset()
                ) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(position, "line"/"record", row) for each row of a table or object of a JSON/YAML export; nested keys of
    objects are joined with dots. ``text`` is the file's text, or a table's lines; ``titles`` the keys the map
    reads the title from, which tell the records of a JSON/YAML export from the other lists in it."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        yield from table_rows(text, path)
        return
    if not isinstance(text, str):  # only a table is read by its lines
        text = "".join(text)
    from lodfilm.records import field_name
    from lodfilm.records.structured import first_repeated, load

    document, repeated = load(text, path)
    items = export_items(document, titles)
    if items is None:
        raise RecordError(str(path), None, None, "expected a list of objects, or an object holding one")
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise RecordError(str(path), f"record {position}", None, "is not an object of keys and values")
        where = first_repeated(item, repeated) if repeated else None
        if where is not None:
            raise RecordError(str(path), f"record {position}", field_name(where),
                              "is given twice (a key may appear once in an object; which value is meant?)")
        yield position, "record", flat(item)


def export_items(document: Any, titles: frozenset[str] = frozenset()) -> list[Any] | None:
    """The records of a JSON/YAML export: a list; in an object, the one list of objects that have a title (a key
    of ``titles``), found up to three levels down (``{"data": {"movies": [...]}}``); else the object itself when
    it has a title (one film, whose cast may be a list of objects); else the one list of objects it holds; else
    the object as one record."""
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        return None
    lists = lists_of_objects(document)
    titled = [items for items in lists if titles and any(titles & flat(item).keys() for item in items)]
    if len(titled) == 1:
        return titled[0]
    if titles & flat(document).keys():
        return [document]
    if len(lists) == 1:
        return lists[0]
    return [document]


def lists_of_objects(document: dict[str, Any], depth: int = 3) -> list[list[Any]]:
    """The non-empty lists of objects among ``document``'s values, and among its objects' values, ``depth``
    levels down."""
    found: list[list[Any]] = []
    for value in document.values():
        if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
            found.append(value)
        elif isinstance(value, dict) and depth > 1:
            found.extend(lists_of_objects(value, depth - 1))
    return found


def flat(item: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flat(value, f"{name}."))
        else:
            out[name] = value
    return out


def table_rows(text: str | Iterable[str], path: Path) -> Iterator[tuple[int, str, dict[str, Any]]]:
    try:  # (the header line is read to choose the separator: a file that changed under us fails here)
        reader = table_reader(text, path)
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise RecordError(str(path), None, None, f"not a CSV table: {exc or 'no header row'}") from None
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise RecordError(str(path), "header", None, f"column {name[:60]!r} appears twice")
        seen.add(name)
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                yield reader.line_num, "line", dict(zip(header, cells, strict=False))
    except csv.Error as exc:
        raise RecordError(str(path), f"line {reader.line_num}", None, f"not a CSV row: {exc}") from None


def columns(text: str, path: Path) -> Counter[str]:
    """Each source column or key of an export, with how many rows give it a value (for suggest-map)."""
    counts: Counter[str] = Counter()
    for _, _, row in source_rows(text, path):
        for key, value in row.items():
            if value not in (None, "") and not (isinstance(value, str) and value.strip() in DEFAULT_MISSING):
                counts[key] += 1
            else:
                counts[key] += 0
    return counts


def example_values(text: str, path: Path, limit: int = 200) -> dict[str, list[Any]]:
    """Up to ``limit`` rows' values of each column, for suggest-map's guesses (flag columns, split cells)."""
    out: dict[str, list[Any]] = {}
    for index, (_, _, row) in enumerate(source_rows(text, path)):
        if index >= limit:
            break
        for key, value in row.items():
            out.setdefault(key, []).append(value)
    return out


__all__ = ["ExportMap", "Flags", "MapError", "columns", "example_values", "load_map", "read", "record_fields"]

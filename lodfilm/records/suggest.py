"""``lodfilm suggest-map PATH``: a starting map for an export, from the names its columns are commonly given.

Film exports name the same facts in a few dozen ways (``Director``, ``Director(s)``, ``Directed by``; ``Runtime``,
``Running time``, ``Length``, ``runtimeMinutes``). Names are compared folded (case, spaces and punctuation
dropped), so ``Running Time min`` and ``running_time_min`` are one name. Columns of 0/1 flags named like genres
(``Action``, ``Comedy``) become one ``genres`` field; everything else goes under ``ignore:`` with a comment, so
the archivist sees every column and decides.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from lodfilm.records.maps import DEFAULT_SPLIT, columns, example_values
from lodfilm.records.model import IMDB_TITLE, WIKIDATA, bare_id

# record field → the column names exports use for it (compared folded: see ``fold``). The first field whose names
# hold a column wins; a field takes the first column that matches it.
NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "record id", "identifier", "film id", "movie id", "catalogue number", "inventory number"),
    "title": ("original title", "originaltitle", "title original", "titre original", "title", "name", "film",
              "film title", "movie", "movie title", "primarytitle"),
    "alternate_titles": ("english title", "alternate title", "alternate titles", "alternative title",
                         "also known as", "aka", "international title"),
    "directors": ("director", "directors", "director(s)", "directed by", "direction", "realisateur",
                  "réalisateur", "regie"),
    "year": ("year", "production year", "release year", "film year", "startyear", "year of production"),
    "release_date": ("release date", "released", "release", "premiere", "premiere date", "date",
                     "publication date", "initial release", "first release"),
    "runtime_minutes": ("runtime", "running time", "running time min", "runtime minutes", "runtimeminutes",
                        "length", "duration", "minutes", "length min"),
    "countries": ("country", "countries", "country of origin", "production country", "production countries",
                  "countries of origin"),
    "genres": ("genre", "genres", "major genre", "category"),
    "cast": ("cast", "actors", "stars", "starring", "actor"),
    "languages": ("language", "languages", "original language", "spoken languages"),
    "imdb": ("imdb id", "imdb", "imdbid", "imdb_id", "tconst"),
    "wikidata": ("wikidata", "wikidata id", "qid", "wikidata qid"),
    "content_rating": ("mpaa rating", "mpaa", "certificate", "certification", "content rating", "age rating",
                       "rated"),
    "rating.value": ("imdb rating", "rating", "imdbrating", "average rating", "averagerating", "score",
                     "user rating"),
    "rating.count": ("imdb votes", "votes", "numvotes", "imdbvotes", "number of votes", "rating count"),
    "synopsis": ("synopsis", "plot", "description", "overview", "summary", "storyline"),
    "screenplay": ("screenplay", "writer", "writers", "written by", "screenwriter"),
    "music": ("music", "composer", "music by"),
    "producers": ("producer", "producers"),
    "production_companies": ("production company", "production companies", "studio", "production"),
    "distributors": ("distributor", "distributors", "distribution", "distributed by"),
    "keywords": ("keywords", "tags", "keyword"),
    "based_on": ("based on", "source material", "adapted from"),
    "image": ("poster", "image", "poster url", "image url", "still"),
    "trailer": ("trailer", "trailer url"),
}
GENRE_FLAGS = {
    "action", "adventure", "animation", "biography", "comedy", "crime", "documentary", "drama", "family",
    "fantasy", "filmnoir", "history", "horror", "music", "musical", "mystery", "romance", "scifi",
    "sciencefiction", "short", "sport", "thriller", "war", "western",
}
FLAG_VALUES = {"0", "1", "true", "false", "yes", "no", "t", "f"}


def fold(name: str) -> str:
    """``Running Time (min)`` → ``runningtimemin``: the name with case, spaces and punctuation dropped."""
    return re.sub(r"[\W_]+", "", name.casefold())


ORIGINAL_TITLES = {fold(n) for n in ("original title", "originaltitle", "title original", "titre original")}
FOLDED: dict[str, str] = {fold(name): record_field for record_field, names in NAMES.items() for name in names}


def recognise(column: str) -> str | None:
    """The record field a column's name says, trying a nested key's own name and its parents' too, in both
    orders: ``Ratings.IMDB.Rating`` is an "IMDB Rating", ``Genre.Major`` a "Major Genre". A Wikidata Query
    Service answer names an item's label ``filmLabel``, ``directorLabel``: that is the film, the director."""
    labelled = WDQS_LABEL.fullmatch(column)
    if labelled:
        return recognise(labelled.group(1))
    segments = column.split(".")
    for size in range(len(segments), 0, -1):
        tail = segments[-size:]
        for words in (tail, tail[::-1]):
            found = FOLDED.get(fold("".join(words)))
            if found is not None:
                return found
    return None


WDQS_LABEL = re.compile(r"(.*[a-z0-9])Label")
# Columns whose values say what they are, whatever the column is called: a Wikidata Query Service answer's item
# column (``film``: entity IRIs) is the film's Wikidata id, not its title. The ids as the record model reads them.
VALUE_FIELDS = (("wikidata", WIKIDATA, "Q"), ("imdb", IMDB_TITLE, "tt"))


def said_by_values(values: list[Any]) -> str | None:
    """The identifier field (wikidata, imdb) that every non-empty example value of a column is, or None."""
    texts = [str(v).strip() for v in values if v not in (None, "") and str(v).strip()]
    for record_field, pattern, kind in VALUE_FIELDS:
        if texts and all(re.match(pattern, bare_id(t, kind)) for t in texts):
            return record_field
    return None


def is_flag_column(values: list[Any]) -> bool:
    seen = {str(v).strip().lower() for v in values if v not in (None, "")}
    return bool(seen) and seen <= FLAG_VALUES


def suggest(path: Path, text: str) -> str:
    """The map, as YAML text with comments, for the export ``path`` whose content is ``text``."""
    counts: Counter[str] = columns(text, path)
    examples = example_values(text, path)
    fields: dict[str, str] = {}
    flags: list[str] = []
    left: list[str] = []
    for column in counts:
        record_field = said_by_values(examples.get(column, [])) or recognise(column)
        if fold(column) in GENRE_FLAGS and is_flag_column(examples.get(column, [])):
            flags.append(column)
        elif record_field == "title" and "title" in fields and "alternate_titles" not in fields:
            # Two title columns: the original title is the record's title, the other an alternate one.
            original, other = sorted((fields["title"], column), key=lambda c: fold(c) not in ORIGINAL_TITLES)
            fields["title"], fields["alternate_titles"] = original, other
        elif record_field is not None and record_field not in fields:
            fields[record_field] = column
        else:
            left.append(column)
    lines = [f"# A starting map for {path.name}, made by `lodfilm suggest-map`: check each line, then",
             f"#   lodfilm import --map THIS_FILE {path.name}",
             "# Record fields are those of the YAML record schema (`lodfilm schema`); nested ones with a dot.",
             "fields:"]
    lines += [f"  {record_field}: {quote(column)}" for record_field, column in fields.items()]
    if flags:
        lines.append("  genres: {flags: [" + ", ".join(quote(c) for c in flags) + "]}  # columns of 0/1 flags")
    if not fields and not flags:
        lines.append("  title: ...  # no column was recognised: name the title's column here")
    if "title" not in fields:
        lines.append("  # title: ...  (required: no column looked like the title)")
    constants = {"rating.source": "IMDb", "rating.best": "10"} if "imdb" in fold(fields.get("rating.value", "")) \
        else {}
    if constants:
        lines.append("constants:  # values every record gets")
        lines += [f"  {name}: {value}" for name, value in constants.items()]
    else:
        lines.append("constants: {}  # values every record gets, e.g. rating.source: IMDb")
    split, seen_in = guess_split(fields, examples)
    if seen_in is None:
        lines.append(f"split: {quote(split)}  # separator of multi-valued cells")
    else:
        lines.append(f"split: {quote(split)}  # separator of multi-valued cells, as in {seen_in}: check it splits no "
                     "single value (a name written 'Last, First')")
    if left:
        lines.append("ignore:  # columns with no record field; lodfilm reports any not listed here")
        lines += [f"  - {quote(column)}  # {counts[column]:,} value{'s' * (counts[column] != 1)}" for column in left]
    else:
        lines.append("ignore: []")
    return "\n".join(lines) + "\n"


SPLITS = ("|", ";", ",")  # separators of multi-valued cells that exports use, the likelier first
# The list fields whose cells tell the separator: lists of short values. Titles and names may hold a comma
# themselves ("Amour, le film", "Haneke, Michael").
SPLIT_TELLERS = frozenset({"genres", "countries", "languages", "keywords"})


def guess_split(fields: dict[str, str], examples: dict[str, list[Any]]) -> tuple[str, str | None]:
    """The separator of multi-valued cells the export seems to use, and the column it was seen in: the one found
    in the most example cells of the columns mapped to lists of short values (IMDb's datasets write
    ``Drama,Romance``); the default `` | `` (and no column) when that is it, or none holds one."""
    cells = [(column, v) for record_field, column in fields.items() if record_field in SPLIT_TELLERS
             for v in examples.get(column, []) if isinstance(v, str)]
    found = {sep: [column for column, cell in cells if sep in cell] for sep in SPLITS}
    best = max(SPLITS, key=lambda sep: len(found[sep]))  # a tie keeps the likelier
    if not found[best] or best == "|":
        return DEFAULT_SPLIT, None
    return best, found[best][0]


YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "none", "~"}


def quote(text: str) -> str:
    """A YAML scalar for ``text``: plain where that is unambiguous, else double-quoted (JSON's string syntax is
    YAML's double-quoted scalar)."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.()/-]*(?: [A-Za-z0-9_.()/-]+)*", text) and text.lower() not in YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)

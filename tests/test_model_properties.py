"""Property tests on the record model: any data in, a Film or one RecordError out — never anything else."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from lodfilm.errors import RecordError
from lodfilm.records import make_film
from lodfilm.records.model import Film

FIELDS = sorted(Film.model_fields)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.sampled_from(["name", "character", "role", "text", "url", "wikidata"])
                                        | st.text(max_size=8), inner, max_size=4), max_leaves=12)
records = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), values, max_size=8)


@settings(max_examples=300, deadline=None)
@given(records)
@example({"title": 0})  # a number is a title, and only a title is required (issue 14)
@example({"title": "2046", "directors": []})
def test_any_mapping_is_a_film_or_one_record_error(data: dict[str, Any]) -> None:
    try:
        film = make_film(data, "in.yaml", "record 1")
    except RecordError as error:
        assert error.path == "in.yaml" and error.record == "record 1"
        assert error.field and "\n" not in str(error)
    else:
        # only a title is required: a film with no known director is a film
        assert isinstance(film, Film) and film.title.strip()


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(str.strip), st.lists(st.text(min_size=1, max_size=30).filter(str.strip),
                                                                     min_size=1, max_size=3))
def test_any_title_and_directors_make_a_film(title: str, directors: list[str]) -> None:
    film = make_film({"title": title, "directors": directors}, "in.yaml", "r")
    assert film.title and film.title in title
    assert len(film.directors) == len(directors)
    assert all(person.name and person.name in given for person, given in zip(film.directors, directors, strict=True))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20), st.text(max_size=20), st.text(max_size=20), st.text(max_size=20))
def test_a_record_error_is_always_one_line(path: str, record: str, field: str, reason: str) -> None:
    text = str(RecordError(path, record, field, reason))
    assert text.isprintable()  # no line break, no control character

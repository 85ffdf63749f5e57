"""The page reader on layouts the seed page does not show: value placement, missing sections, other scripts,
credit splitting, runtimes, line endings, sales contacts, and arbitrary text (never a crash)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lodfilm.errors import RecordError
from lodfilm.records import read_path
from lodfilm.records.model import Film
from lodfilm.records.page import parse

PUBLISHED = "Published on *LUX Prize* (<https://luxprize.eu>)\n\n[Home](#) > [Título (Title)](#)\n\n"


def page(*blocks: str, published: bool = True) -> str:
    """A page in the seed's layout: optional publisher line and breadcrumb, then blocks separated by blank lines."""
    return (PUBLISHED if published else "") + "\n\n".join(blocks) + "\n"


HEADER = ("Título (Title)", "Jane Doe", "Spain", "95 min", "2012")


def read_one(tmp_path: Path, text: str, name: str = "film.txt") -> Film:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    results = list(read_path(path))
    assert len(results) == 1
    assert results[0].error is None, results[0].error
    assert results[0].film is not None
    return results[0].film


def reject(text: str) -> RecordError:
    with pytest.raises(RecordError) as caught:
        parse(text, "film.txt")
    return caught.value


# --- where a label's value sits -------------------------------------------------------------------------------


def test_value_on_the_label_line() -> None:
    data = parse(page(*HEADER, "Screenplay: Bob Smith"))
    assert data["screenplay"] == ["Bob Smith"]


def test_value_on_the_next_non_empty_line() -> None:
    data = parse(page(*HEADER, "Screenplay:", "", "Bob Smith", "Editing:", "Ann Lee"))
    assert data["screenplay"] == ["Bob Smith"]
    assert data["crew"] == [{"role": "Editing", "name": "Ann Lee"}]


def test_empty_label_followed_by_a_label_stays_empty() -> None:
    data = parse(page(*HEADER, "Screenplay:", "Music: Carla Bley"))
    assert "screenplay" not in data
    assert data["music"] == ["Carla Bley"]


def test_empty_crew_label_followed_by_a_label_gives_no_credit() -> None:
    data = parse(page(*HEADER, "Editing:", "Cast: Ann Lee (Maria)"))
    assert "crew" not in data
    assert data["cast"] == ["Ann Lee (Maria)"]


def test_empty_label_at_the_end_of_the_page() -> None:
    data = parse(page(*HEADER, "Screenplay: Bob Smith", "Editing:"))
    assert data["screenplay"] == ["Bob Smith"]
    assert "crew" not in data


def test_empty_world_sales_label_followed_by_source_is_empty() -> None:
    data = parse(
        page(*HEADER, "World sales:", "Source URL (retrieved on 01-02-2018): <https://luxprize.eu/x>")
    )
    assert data["world_sales"] == []
    assert data["sources"][0]["url"] == "https://luxprize.eu/x"


# --- missing sections -----------------------------------------------------------------------------------------


def test_page_with_only_a_header_reads(tmp_path: Path) -> None:
    film = read_one(tmp_path, page(*HEADER, published=False))
    assert film.title == "Título"
    assert [d.name for d in film.directors] == ["Jane Doe"]
    assert film.cast == []
    assert film.world_sales == []
    assert film.sources == []
    assert film.trailer is None
    assert film.crew == []
    assert film.synopsis is None


def test_missing_cast_world_sales_source_and_trailer(tmp_path: Path) -> None:
    film = read_one(
        tmp_path, page(*HEADER, "Synopsis:", "A woman crosses a border.", "Screenplay: Bob Smith")
    )
    assert film.synopsis == "A woman crosses a border."
    assert [p.name for p in film.screenplay] == ["Bob Smith"]
    assert film.cast == [] and film.world_sales == [] and film.sources == [] and film.trailer is None


def test_source_without_publisher_has_no_publisher() -> None:
    data = parse(
        page(*HEADER, "Source URL (retrieved on 23-11-2017): <https://example.org/f>", published=False)
    )
    assert data["sources"] == [{"url": "https://example.org/f", "retrieved": dt.date(2017, 11, 23)}]


def test_page_without_published_on_and_breadcrumb(tmp_path: Path) -> None:
    text = page(*HEADER, "Screenplay: Bob Smith", published=False)
    with_header = parse(page(*HEADER, "Screenplay: Bob Smith"))
    without = parse(text)
    assert without == with_header
    assert without["title"] == "Título"
    assert without["directors"] == ["Jane Doe"]
    assert read_one(tmp_path, text).countries == ["ES"]


def test_page_without_director_line_is_a_film_with_no_director(tmp_path: Path) -> None:
    # The line after the title is a runtime, not a director: it must not become a director named "95 min"; a film
    # whose director the page does not give is still a film (archives hold many).
    path = tmp_path / "nodirector.txt"
    path.write_text(page("Title", "Belgium", "95 min", "2010"), encoding="utf-8")
    (result,) = read_path(path)
    assert result.error is None and result.film is not None
    assert (result.film.directors, result.film.countries, result.film.runtime_minutes, result.film.year) == (
        [], ["BE"], 95, 2010)


def test_countries_runtime_year_without_director_line_still_read() -> None:
    data = parse(page("Title", "Belgium", "95 min", "2010", "Director: Jane Doe"))
    assert data["directors"] == ["Jane Doe"]
    assert data["countries"] == ["Belgium"]
    assert data["runtime_minutes"] == 95
    assert data["year"] == 2010


# --- cast, names, credits -------------------------------------------------------------------------------------


def test_character_with_comma_and_parentheses(tmp_path: Path) -> None:
    text = page(*HEADER, "Cast: Ivan Petrov (Ivan, the elder), Anna Smith (Maria (young)), Bo Li")
    film = read_one(tmp_path, text)
    assert [(c.person.name, c.character) for c in film.cast] == [
        ("Ivan Petrov", "Ivan, the elder"),
        ("Anna Smith", "Maria (young)"),
        ("Bo Li", None),
    ]


@pytest.mark.parametrize(
    ("title", "director", "actor", "character"),
    [
        ("Иллегал", "Александр Сокуров", "Анна Петрова", "Таня"),
        ("Κυνόδοντας", "Γιώργος Λάνθιμος", "Αγγελική Παπούλια", "Μεγάλη κόρη"),
        ("大红灯笼高高挂", "张艺谋", "巩俐", "颂莲"),
        ("وجدة", "هيفاء المنصور", "وعد محمد", "وجدة"),
    ],
)
def test_names_in_other_scripts_are_kept_exactly(
    tmp_path: Path, title: str, director: str, actor: str, character: str
) -> None:
    text = page(
        f"{title} (Title)", director, "95 min", "2012", f"Cast: {actor} ({character}), Ann Lee (Tania)"
    )
    film = read_one(tmp_path, text)
    assert film.title == title
    assert [a.text for a in film.alternate_titles] == ["Title"]
    assert [d.name for d in film.directors] == [director]
    assert [(c.person.name, c.character) for c in film.cast] == [(actor, character), ("Ann Lee", "Tania")]


def test_title_in_another_script_without_english_title() -> None:
    data = parse(page("Левиафан", "Андрей Звягинцев", "2014"))
    assert data["title"] == "Левиафан"
    assert "alternate_titles" not in data
    assert data["directors"] == ["Андрей Звягинцев"]


def test_shared_surname_producers_split_into_two_people() -> None:
    data = parse(page(*HEADER, "Producer: Jacques-Henri & Olivier Bronckart"))
    assert data["producers"] == ["Jacques-Henri Bronckart", "Olivier Bronckart"]


def test_two_full_names_joined_by_ampersand_stay_two_full_names() -> None:
    data = parse(page(*HEADER, "Producer: Kristina Grozeva & Petar Valchanov"))
    assert data["producers"] == ["Kristina Grozeva", "Petar Valchanov"]


def test_shared_surname_with_and() -> None:
    data = parse(page(*HEADER, "Screenplay: Jean-Pierre and Luc Dardenne"))
    assert data["screenplay"] == ["Jean-Pierre Dardenne", "Luc Dardenne"]


def test_several_directors_comma_separated(tmp_path: Path) -> None:
    text = page("Title", "Kristina Grozeva, Petar Valchanov, Ann Lee", "Bulgaria", "2014")
    film = read_one(tmp_path, text)
    assert [d.name for d in film.directors] == ["Kristina Grozeva", "Petar Valchanov", "Ann Lee"]
    assert film.countries == ["BG"]


def test_unknown_credit_labels_are_crew_credits_with_their_label(tmp_path: Path) -> None:
    text = page(
        *HEADER,
        "Screenplay: Bob Smith",
        "Make-up: Ann Lee",
        "Visual effects: Tom Hu, Li Na",
        "Casting director: Kim Lo",
    )
    film = read_one(tmp_path, text)
    credits = [(c.role, c.person.name if c.person else None) for c in film.crew]
    assert credits == [
        ("Make-up", "Ann Lee"),
        ("Visual effects", "Tom Hu"),
        ("Visual effects", "Li Na"),
        ("Casting director", "Kim Lo"),
    ]


def test_unknown_label_right_after_synopsis_is_a_credit() -> None:
    data = parse(page(*HEADER, "Synopsis:", "A woman crosses a border.", "Stunts: Ann Lee"))
    assert data["synopsis"] == "A woman crosses a border."
    assert data["crew"] == [{"role": "Stunts", "name": "Ann Lee"}]


# --- synopsis -------------------------------------------------------------------------------------------------


def test_colon_inside_synopsis_sentence_is_not_a_label() -> None:
    synopsis = "Tania has one rule: never look back. The stakes are high for everyone: her son most of all."
    data = parse(page(*HEADER, "Synopsis:", synopsis, "Screenplay: Bob Smith"))
    assert data["synopsis"] == synopsis
    assert "crew" not in data
    assert data["screenplay"] == ["Bob Smith"]


def test_synopsis_paragraph_opening_with_a_short_colon_phrase_is_kept() -> None:
    first = "A woman crosses a border."
    second = "Her motto: never give up."
    data = parse(page(*HEADER, "Synopsis:", first, second, "Screenplay: Bob Smith"))
    assert data["synopsis"] == f"{first}\n\n{second}"
    assert "crew" not in data


def test_director_paragraph_after_synopsis_becomes_biography() -> None:
    data = parse(
        page(
            *HEADER,
            "Synopsis:",
            "A woman crosses a border.",
            "Jane Doe was born in Madrid.",
            "Screenplay: Bob Smith",
        )
    )
    assert data["synopsis"] == "A woman crosses a border."
    assert data["directors"] == [
        {"name": "Jane Doe", "description": "Jane Doe was born in Madrid.", "description_language": "en"}
    ]


# --- runtime and year ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "minutes"),
    [
        ("95 min", 95),
        ("95'", 95),
        ("95’", 95),
        ("1h 35", 95),
        ("1h35", 95),
        ("1 h 35 min", 95),
        ("2h", 120),
        ("102 minutes", 102),
    ],
)
def test_runtime_forms_in_header(written: str, minutes: int) -> None:
    data = parse(page("Title", "Jane Doe", written, "2012"))
    assert data["runtime_minutes"] == minutes
    assert data["year"] == 2012


@pytest.mark.parametrize(("written", "minutes"), [("95 min", 95), ("95'", 95), ("1h 35", 95), ("95", 95)])
def test_runtime_forms_after_label(written: str, minutes: int) -> None:
    data = parse(page("Title", "Jane Doe", f"Running time: {written}"))
    assert data["runtime_minutes"] == minutes


@pytest.mark.parametrize("written", ["ninety", "²", "9" * 5000 + " min"])
def test_runtime_that_is_not_a_number_is_a_record_error(written: str) -> None:
    error = reject(page("Title", "Jane Doe", f"Runtime: {written}"))
    assert error.field == "runtime_minutes"
    assert error.record == "Title"


def test_year_with_a_letter_is_a_record_error() -> None:
    error = reject(page("Title", "Jane Doe", "20l1"))
    assert error.field == "year"
    assert "20l1" in error.reason


def test_page_with_no_title_names_file_and_title() -> None:
    error = reject("Synopsis: A woman crosses a border.\n")
    assert (error.path, error.record, error.field) == ("film.txt", "film.txt", "title")


# --- line endings ---------------------------------------------------------------------------------------------


def test_windows_line_endings_read_like_unix(tmp_path: Path) -> None:
    blocks = (
        *HEADER,
        "Synopsis:",
        "Para one.",
        "Para two.",
        "Editing:",
        "Al Bo",
        "Cast: A B (C), D E (F)",
        "Source URL (retrieved on 01-02-2018): <https://luxprize.eu/x>",
    )
    unix = page(*blocks)
    windows = unix.replace("\n", "\r\n")
    assert "\r\n" in windows
    assert parse(windows) == parse(unix)
    film = read_one(tmp_path, windows)
    assert film.synopsis == "Para one.\n\nPara two."
    assert [(c.role, c.person.name if c.person else None) for c in film.crew] == [("Editing", "Al Bo")]
    assert film.sources[0].publisher is not None and film.sources[0].publisher.name == "LUX Prize"
    assert all("\r" not in c.person.name for c in film.cast)


def test_windows_line_endings_with_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + page(*HEADER).replace("\n", "\r\n").encode("utf-8"))
    (result,) = read_path(path)
    assert result.film is not None and result.film.title == "Título"


# --- world sales contact ----------------------------------------------------------------------------------------


def test_world_sales_contact_line_is_parsed(tmp_path: Path) -> None:
    line = (
        "World sales: Films distribution 34 rue du Louvre, 75001 Paris, France Tél : +33 1 53 10 33 99 "
        "Fax : +33 1 53 10 33 98 info@filmsdistribution.com www.filmsdistribution.com"
    )
    film = read_one(tmp_path, page(*HEADER, line))
    (sales,) = film.world_sales
    assert sales.name == "Films distribution"
    assert sales.address is not None
    assert sales.address.street == "34 rue du Louvre"
    assert sales.address.postal_code == "75001"
    assert sales.address.locality == "Paris"
    assert sales.address.country == "FR"
    assert sales.telephone == "+33 1 53 10 33 99"
    assert sales.fax == "+33 1 53 10 33 98"
    assert sales.email == "info@filmsdistribution.com"
    assert sales.url == "http://www.filmsdistribution.com"


def test_world_sales_with_street_name_before_number() -> None:
    line = (
        "World sales: The Match Factory Balthasarstrasse 79-81, 50670 Cologne, Germany "
        "Tel: +49 221 539 709 0 Fax: +49 221 539 709 10 info@matchfactory.de http://www.the-match-factory.com"
    )
    (sales,) = parse(page(*HEADER, line))["world_sales"]
    assert sales == {
        "name": "The Match Factory",
        "address": {
            "street": "Balthasarstrasse 79-81",
            "postal_code": "50670",
            "locality": "Cologne",
            "country": "DE",
        },
        "telephone": "+49 221 539 709 0",
        "fax": "+49 221 539 709 10",
        "email": "info@matchfactory.de",
        "url": "http://www.the-match-factory.com",
    }


def test_world_sales_with_italian_street() -> None:
    line = "World sales: Rai Com Via Umberto Novaro 18, 00195 Roma, Italy"
    (sales,) = parse(page(*HEADER, line))["world_sales"]
    assert sales["name"] == "Rai Com"
    assert sales["address"] == {
        "street": "Via Umberto Novaro 18",
        "postal_code": "00195",
        "locality": "Roma",
        "country": "IT",
    }


def test_world_sales_name_only() -> None:
    data = parse(page(*HEADER, "World sales: Wild Bunch"))
    assert data["world_sales"] == [{"name": "Wild Bunch"}]


# --- any text ---------------------------------------------------------------------------------------------------

LABEL_WORDS = [
    "Synopsis:",
    "Cast:",
    "Producer:",
    "World sales:",
    "Runtime:",
    "Year:",
    "Links:",
    "Editing:",
    "Source URL (retrieved on 01-02-2018):",
    "Make-up:",
    "Director:",
    "Original title:",
    " min",
    "'",
    "(",
    ")",
    ",",
    " & ",
    "\n",
    "\r\n",
    "\n\n",
    "2010",
    "95",
    "1h",
    "Tél :",
    "@",
    "http://x.y",
]
page_like = st.lists(st.one_of(st.sampled_from(LABEL_WORDS), st.text(max_size=20)), max_size=30).map("".join)


def read_text(text: str, suffix: str) -> list[Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"record{suffix}"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        results = list(read_path(path))
        for result in results:
            if result.film is None:
                assert isinstance(result.error, RecordError)
                assert result.error.path == str(path)
                str(result.error).encode("utf-8")  # the CLI prints it
            else:
                assert isinstance(result.film, Film) and result.error is None
        return results


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(), page_like))
def test_any_text_gives_a_film_or_a_record_error(text: str) -> None:
    results = read_text(text, ".txt")
    assert len(results) == 1


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(), page_like), suffix=st.sampled_from([".yaml", ".json", ".csv"]))
def test_any_text_in_other_formats_gives_films_or_record_errors(text: str, suffix: str) -> None:
    assert len(read_text(text, suffix)) >= 1


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        (".txt", "T\n\nJane Doe\n\nRuntime: ²\n"),
        (".yaml", "title: A\ndirectors: [B]\nyear: 2010-02-30\n"),
        (".yaml", "[" * 100_000),
        (".json", "[" * 100_000),
        (".json", '{"title": "\\ud800", "directors": ["B"]}'),
        (".yaml", 'title: "\\ud800"\ndirectors: [B]\n'),
    ],
)
def test_known_crashers_are_record_errors(suffix: str, text: str) -> None:
    (result,) = read_text(text, suffix)
    assert result.film is None

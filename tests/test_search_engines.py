"""``lodfilm validate --search-engines``: Google's Movie rules as errors and warnings, one line each."""

from __future__ import annotations

from pathlib import Path

from lodfilm.publish.lint import lint_movie, youtube_thumbnail
from tests.conftest import BASE, SEED_PAGE, Cli

SEED_LINES = [
    f"Illégal <{BASE}film/illegal-2010>: error: missing image (a poster or still): not eligible for the Movie "
    "carousel",
    f"Illégal <{BASE}film/illegal-2010>: warning: missing review (recommended)",
    f"Illégal <{BASE}film/illegal-2010>: warning: missing aggregateRating (recommended)",
    f"Illégal <{BASE}film/illegal-2010>: warning: trailer VideoObject has no name",
    f"Illégal <{BASE}film/illegal-2010>: warning: trailer thumbnailUrl is derived from the YouTube video id "
    "(exact, not in the record)",
    f"Illégal <{BASE}film/illegal-2010>: warning: trailer VideoObject has no uploadDate",
    "search engines: 1 films, 1 errors, 5 warnings",
]


def test_seed_page_lint_lines(cli: Cli) -> None:
    result = cli("validate", "--search-engines", "--base", BASE, SEED_PAGE)
    assert result.exit_code == 1  # no image: not eligible for the carousel
    assert result.stdout.splitlines() == ["1 records read: 1 valid, 0 rejected; 1 films", *SEED_LINES]


def test_a_film_with_an_image_and_all_recommendations_has_no_error(cli: Cli, tmp_path: Path) -> None:
    record = tmp_path / "film.yaml"
    record.write_text("title: Poster\nyear: 2001\ndirectors: [A Person]\nimage: https://example.org/poster.jpg\n",
                      encoding="utf-8")
    result = cli("validate", "--search-engines", "--base", BASE, record)
    assert result.exit_code == 0, result.stdout
    assert "error" not in result.stdout.replace("0 errors", "")
    assert f"Poster <{BASE}film/poster-2001>: warning: missing review (recommended)" in result.stdout


def test_missing_director_and_year_are_warnings() -> None:
    findings = lint_movie({"@id": "x", "name": "N", "image": "https://example.org/i.jpg"})
    messages = {(f.level, f.message) for f in findings}
    assert ("warning", "missing dateCreated (recommended)") in messages
    assert ("warning", "missing director (recommended)") in messages
    assert not any(level == "error" for level, _ in messages)


def test_missing_name_is_an_error() -> None:
    findings = lint_movie({"@id": "x", "image": "https://example.org/i.jpg"})
    assert ("error", "missing name: not eligible for the Movie carousel") in {(f.level, f.message) for f in findings}


def test_the_lint_never_invents_a_thumbnail_for_a_non_youtube_trailer() -> None:
    movie = {"@id": "x", "name": "N", "trailer": {"@type": "VideoObject", "embedUrl": "https://vimeo.com/1234"}}
    messages = [f.message for f in lint_movie(movie)]
    assert "trailer VideoObject has no thumbnailUrl" in messages
    assert not any("ytimg" in m for m in messages)


def test_youtube_thumbnail_from_every_url_form() -> None:
    expected = "https://i.ytimg.com/vi/UnwI5Fk9Hrg/hqdefault.jpg"
    for url in ("http://www.youtube.com/embed/UnwI5Fk9Hrg?autoplay=1&width=500", "https://youtu.be/UnwI5Fk9Hrg",
                "https://www.youtube.com/watch?v=UnwI5Fk9Hrg&t=3"):
        assert youtube_thumbnail(url) == expected
    assert youtube_thumbnail("https://example.org/video.mp4") is None


def test_a_store_can_be_linted(cli: Cli, seed_store: Path) -> None:
    result = cli("validate", "--search-engines", "--store", seed_store, "--base", BASE)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == SEED_LINES


def test_validate_needs_paths_or_a_store(cli: Cli) -> None:
    result = cli("validate")
    assert result.exit_code == 2
    assert "give PATHS to validate" in result.stderr

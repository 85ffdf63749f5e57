"""The long lists pages show a page at a time: people (and organisations) by name, an agent's credits, a prize's
films. Each is read from the index in list order with ``LIMIT``/``OFFSET`` on a covering key, so a person
credited on 50,000 films costs one page's rows, not 50,000."""

from __future__ import annotations

from dataclasses import dataclass

from lodfilm.index.database import Index
from lodfilm.index.facets import FilmRow, film_row


@dataclass(frozen=True)
class AgentRow:
    iri: str
    kind: str
    name: str


@dataclass(frozen=True)
class Credit:
    film: FilmRow
    notes: str  # "Director, Screenplay", "Cast (Anna)", "winner"


def count_agents(index: Index, kind: str = "Person") -> int:
    return int(index.value("SELECT COUNT(*) FROM agents WHERE kind = ?", [kind]))


def agents(index: Index, kind: str = "Person", *, limit: int = 50, offset: int = 0) -> list[AgentRow]:
    rows = index.rows("SELECT iri, kind, name FROM agents WHERE kind = ? ORDER BY sort LIMIT ? OFFSET ?",
                      [kind, limit, offset])
    return [AgentRow(*row) for row in rows]


def count_credits(index: Index, agent: str) -> int:
    return int(index.value("SELECT COUNT(*) FROM credits WHERE agent = ?", [agent]))


def credits(index: Index, agent: str, *, limit: int = 50, offset: int = 0) -> list[Credit]:
    """The films crediting ``agent`` (a person, organisation or country IRI), by title, with the credits' notes."""
    rows = index.rows("SELECT f.iri, f.name, f.year, f.directors, f.countries, f.image, c.notes FROM credits c "
                      "JOIN films f ON f.id = c.film WHERE c.agent = ? ORDER BY c.sort LIMIT ? OFFSET ?",
                      [agent, limit, offset])
    return [Credit(film_row(row[:6]), row[6]) for row in rows]


def count_award_films(index: Index, award: str) -> int:
    return int(index.value("SELECT COUNT(*) FROM awards WHERE award = ?", [award]))


def award_films(index: Index, award: str, *, limit: int = 50, offset: int = 0) -> list[Credit]:
    """The films of a prize or prize edition, winners first, then finalists, then the official selection, each
    by title; ``notes`` is the status."""
    rows = index.rows(
        "SELECT f.iri, f.name, f.year, f.directors, f.countries, f.image, a.status FROM awards a "
        "JOIN films f ON f.id = a.film WHERE a.award = ? ORDER BY CASE a.status WHEN 'winner' THEN 0 "
        "WHEN 'finalist' THEN 1 WHEN 'official selection' THEN 2 ELSE 3 END, a.status, a.sort LIMIT ? OFFSET ?",
        [award, limit, offset])
    return [Credit(film_row(row[:6]), row[6]) for row in rows]

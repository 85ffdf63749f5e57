"""INDEX: tables for browsing and search, built from the store once per checkpoint (SQLite beside the store).

What other modules call (kept stable):

* :func:`fold` — the one case and accent folding (``Östlund`` → ``ostlund``);
* :func:`search` / :func:`search_count` — ranked full-text search → :class:`Hit` (iri, kind, name, year,
  directors, countries, score);
* :func:`parse_filters`, :func:`films`, :func:`count_films`, :func:`facets` — the faceted film list;
* :func:`facet_counts` — one facet's values with their counts under given filters (what a chart draws);
* :func:`agents`, :func:`credits`, :func:`award_films` (and their ``count_*``) — long lists, a page at a time;
* :class:`Indexes` — the index of a store's current checkpoint (``Indexes(folder).current(store, generation)``),
  :func:`build` — write one.
"""

from lodfilm.index.build import build
from lodfilm.index.database import Index
from lodfilm.index.facets import (
    FACETS,
    Facet,
    FacetValue,
    FilmRow,
    Filters,
    count_films,
    facet_counts,
    facets,
    films,
    parse_filters,
)
from lodfilm.index.files import Indexes
from lodfilm.index.fold import fold
from lodfilm.index.lists import (
    AgentRow,
    Credit,
    agents,
    award_films,
    count_agents,
    count_award_films,
    count_credits,
    credits,
)
from lodfilm.index.search import KINDS, Hit, search, search_count

__all__ = [
    "FACETS", "KINDS", "AgentRow", "Credit", "Facet", "FacetValue", "FilmRow", "Filters", "Hit", "Index", "Indexes",
    "agents", "award_films", "build", "count_agents", "count_award_films", "count_credits", "count_films",
    "credits", "facet_counts", "facets", "films", "fold", "parse_filters", "search", "search_count",
]

"""Settings in one place: where the store lives, the base IRI, limits. Flags win over ``LODFILM_*`` variables,
which win over the defaults here.

================ ============================= ====================================
setting          variable                      default
================ ============================= ====================================
store            ``LODFILM_STORE``             ``./lodfilm-store`` (or ``sparql+http(s)://…``)
remote           ``LODFILM_SPARQL_UPDATE_URL``, ``LODFILM_SPARQL_USER``, ``LODFILM_SPARQL_PASSWORD``,
                 ``LODFILM_SPARQL_MERGE_GRAPH``, ``LODFILM_SPARQL_SERVER_TIMEOUT`` (a SPARQL server's store)
base             ``LODFILM_BASE``              the base the store's IRIs were minted under; on a new store
                                               ``http://localhost:{port}/`` (8080, or ``serve --port``)
port             ``LODFILM_PORT``              8080, the port ``serve`` listens on (read by its ``--port``)
query_timeout    ``LODFILM_QUERY_TIMEOUT``     10 seconds per SPARQL query
max_rows         ``LODFILM_MAX_ROWS``          10000 rows per SELECT answer
max_triples      ``LODFILM_MAX_TRIPLES``       100000 triples per CONSTRUCT/DESCRIBE answer
query_workers    ``LODFILM_QUERY_WORKERS``     2 query processes
idle_timeout     ``LODFILM_IDLE_TIMEOUT``      30 seconds an idle HTTP connection is kept (``serve``)
query_queue      ``LODFILM_QUERY_QUEUE``       2 queries waiting for a worker (more get 503 at once)
license          ``LODFILM_LICENSE``           CC0 1.0
title            ``LODFILM_TITLE``             ``lodfilm``
admin_email      ``LODFILM_ADMIN_EMAIL``       ``webmaster@`` the base IRI's host (OAI-PMH's Identify needs one)
================ ============================= ====================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from lodfilm.errors import UsageError
from lodfilm.store.base import Store
from lodfilm.store.remote import MERGE_GRAPH, Endpoint, is_remote

DEFAULT_STORE = "lodfilm-store"
DEFAULT_PORT = 8080
DEFAULT_BASE = f"http://localhost:{DEFAULT_PORT}/"

# Prize tables that name their prize only by their file name: a table with a ``status`` column and no
# ``prize`` column takes its prize from here. The bundled LUX table is the first.
TABLE_PRIZES: dict[str, str] = {"lux-selection.csv": "LUX Prize"}

PACKAGE_DIR = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """A folder shipped with lodfilm (``shapes``, ``data``): beside the package in a checkout, inside it in a wheel."""
    for candidate in (PACKAGE_DIR / "_bundled" / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise UsageError(f"lodfilm's bundled {name!r} folder is missing from this installation")


def table_prize(path: Path) -> str | None:
    return TABLE_PRIZES.get(path.name)


def check_base(base: str) -> str:
    """A base IRI is absolute http(s) and ends with ``/`` so that ``{base}film/x`` reads as a path."""
    if not base.startswith(("http://", "https://")) or any(c in base for c in ' <>"{}|\\^`'):
        raise UsageError(f"base IRI {base!r} must be an absolute http(s) IRI")
    return base if base.endswith("/") else base + "/"


def default_base(port: int | None = None) -> str:
    """The base IRI of a new store: this machine, on the port it is served on."""
    return f"http://localhost:{port or DEFAULT_PORT}/"


# A record graph is ``{base}record/…`` and says which film it is about, ``{base}film/…``: the two IRIs share exactly
# the base (they differ at the first letter after it), whatever path the base has.
MINTED = ("SELECT ?record ?film WHERE { ?record schema:about ?film . ?film a schema:Movie . "
          'FILTER(CONTAINS(STR(?record), "/record/")) } LIMIT 1')


def minted_base(store: Store) -> str | None:
    """The base IRI the store's records were minted under, read from the store itself (so it is remembered
    whichever process, flag or variable made it), or None for a store with no film."""
    rows = store.select(MINTED)
    if not rows:
        return None
    record, film = rows[0]["record"], rows[0]["film"]
    common = os.path.commonprefix([record, film])
    return common[: common.rfind("/") + 1] or None


def number(name: str, default: float, *, low: float, high: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{name}={raw!r} is not a number") from None
    if not low <= value <= high:
        raise UsageError(f"{name}={raw!r} must be between {low:g} and {high:g}")
    return value


@dataclass(frozen=True)
class Settings:
    #: the store directory, absolute: resolved once, against the directory lodfilm was started in (Flask would
    #: resolve a relative path against the package's own folder when it sends a dump)
    store: Path = field(default_factory=lambda: Path(DEFAULT_STORE))
    base: str = DEFAULT_BASE
    #: where ``base`` came from: ``--base``, ``LODFILM_BASE``, ``store`` (minted there) or ``default``
    base_from: str = "default"
    query_timeout: float = 10.0
    max_rows: int = 10_000
    max_triples: int = 100_000
    query_workers: int = 2
    idle_timeout: float = 30.0
    #: queries that may wait for a busy worker; each holds a request thread, so past this they are refused
    query_queue: int = 2
    license: str = "http://creativecommons.org/publicdomain/zero/1.0/"
    title: str = "lodfilm"
    #: who answers for the OAI-PMH repository (its Identify); empty: ``webmaster@`` the base IRI's host
    admin_email: str = ""
    #: the SPARQL server that is the store, when ``--store``/``LODFILM_STORE`` is a ``sparql+http(s)://`` URL
    remote: Endpoint | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "store", Path(os.path.abspath(self.store)))

    @property
    def base_given(self) -> bool:
        """Whether the base was asked for (flag or variable), rather than read from the store or defaulted."""
        return self.base_from in ("--base", "LODFILM_BASE")

    def settle_base(self, store: Store) -> Settings:
        """These settings with the base the store's IRIs were minted under, unless one was asked for: an import
        into, or a server of, an existing store keeps its IRIs whatever port or default is in force now."""
        if self.base_given:
            return self
        minted = minted_base(store)
        return self.with_(base=minted, base_from="store") if minted else self

    @property
    def location(self) -> str:
        """The store as people should see it: the directory, or the server's URL (never its credentials)."""
        return str(self.remote) if self.remote is not None else str(self.store)

    @property
    def opens(self) -> Path | Endpoint:
        """What :func:`lodfilm.store.open_store` takes to open this store."""
        return self.remote if self.remote is not None else self.store

    @classmethod
    def load(cls, *, store: str | Path | None = None, base: str | None = None, port: int | None = None) -> Settings:
        """Settings from flags (given here), then the environment, then defaults; ``port`` is the port being
        served, which a new store's default base follows. (:meth:`settle_base` then prefers the store's own.)"""
        env = os.environ
        base_from = "--base" if base else "LODFILM_BASE" if env.get("LODFILM_BASE") else "default"
        location = str(store or env.get("LODFILM_STORE") or DEFAULT_STORE)
        remote = None
        if is_remote(location):
            merge = env.get("LODFILM_SPARQL_MERGE_GRAPH") or MERGE_GRAPH
            remote = Endpoint.parse(
                location,
                update_url=env.get("LODFILM_SPARQL_UPDATE_URL") or None,
                user=env.get("LODFILM_SPARQL_USER") or None,
                password=env.get("LODFILM_SPARQL_PASSWORD") or None,
                merge_graph=None if merge == "default" else merge,
                server_timeout=env.get("LODFILM_SPARQL_SERVER_TIMEOUT") or "none",
            )
            location = DEFAULT_STORE  # the directory setting is unused; dumps are cached elsewhere
        return cls(
            store=Path(location),
            remote=remote,
            base=check_base(base or env.get("LODFILM_BASE") or default_base(port)),
            base_from=base_from,
            query_timeout=number("LODFILM_QUERY_TIMEOUT", 10.0, low=0.1, high=3600),
            max_rows=int(number("LODFILM_MAX_ROWS", 10_000, low=1, high=10_000_000)),
            max_triples=int(number("LODFILM_MAX_TRIPLES", 100_000, low=1, high=100_000_000)),
            query_workers=int(number("LODFILM_QUERY_WORKERS", 2, low=1, high=64)),
            idle_timeout=number("LODFILM_IDLE_TIMEOUT", 30.0, low=0.5, high=3600),
            query_queue=int(number("LODFILM_QUERY_QUEUE", 2, low=0, high=1024)),
            license=env.get("LODFILM_LICENSE") or cls.license,
            title=env.get("LODFILM_TITLE") or cls.title,
            admin_email=env.get("LODFILM_ADMIN_EMAIL") or "",
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

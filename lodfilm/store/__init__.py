"""STORE: one interface in lodfilm's terms (:mod:`lodfilm.store.base`), backends behind it.

:func:`open_store` is how every caller gets one: a directory is the embedded pyoxigraph store, a
``sparql+http(s)://`` URL (or an :class:`Endpoint`) a SPARQL 1.1 server (:mod:`lodfilm.store.remote`).
"""

from __future__ import annotations

from pathlib import Path

from lodfilm.store.base import QUERY_FORMATS, RDF_FORMATS, Store
from lodfilm.store.embedded import EmbeddedStore, database_path
from lodfilm.store.remote import Endpoint, RemoteStore, is_remote


def open_store(location: str | Path | Endpoint, *, read_only: bool = False) -> Store:
    """The store at ``location``: a directory (the embedded store, created when missing), or a SPARQL server.

    ``read_only`` stores see the state of the last finished import and never block a writer (a server's data is
    live: read-only there means lodfilm sends it no update).
    """
    if isinstance(location, Endpoint):
        return RemoteStore(location, read_only=read_only)
    if is_remote(location):
        return RemoteStore(Endpoint.parse(str(location)), read_only=read_only)
    return EmbeddedStore(Path(location), read_only=read_only)


def store_exists(location: str | Path | Endpoint) -> bool:
    """Whether there is a store to read: a server always is one (an empty one has no records)."""
    if isinstance(location, Endpoint) or is_remote(location):
        return True
    return database_path(Path(location)).is_dir()


__all__ = ["QUERY_FORMATS", "RDF_FORMATS", "EmbeddedStore", "Endpoint", "RemoteStore", "Store", "open_store",
           "store_exists"]

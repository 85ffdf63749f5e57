"""STORE: one interface in lodfilm's terms (:mod:`lodfilm.store.base`), backends behind it.

:func:`open_store` is how every caller gets one.
"""

from __future__ import annotations

from pathlib import Path

from lodfilm.store.base import QUERY_FORMATS, RDF_FORMATS, Store
from lodfilm.store.embedded import EmbeddedStore, database_path


def open_store(location: str | Path, *, read_only: bool = False) -> Store:
    """The store at ``location`` (a directory: the embedded store, created when missing).

    ``read_only`` stores see the state of the last finished import and never block a writer.
    """
    return EmbeddedStore(Path(location), read_only=read_only)


def store_exists(location: str | Path) -> bool:
    return database_path(Path(location)).is_dir()


__all__ = ["QUERY_FORMATS", "RDF_FORMATS", "EmbeddedStore", "Store", "open_store", "store_exists"]

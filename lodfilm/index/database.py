"""One built index database, opened read-only, with a connection per thread (sqlite3 connections are not
shared between threads; the web server answers on several)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any


class Index:
    """The index of one store checkpoint (``generation``), at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        meta = dict(self.rows("SELECT key, value FROM meta"))
        self.generation = str(meta.get("generation", ""))
        self.films = int(meta.get("films", 0))

    @property
    def db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=True)
            db.execute("PRAGMA query_only = ON")
            self._local.db = db
        return db

    def rows(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, params).fetchall()

    def value(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return row[0] if row else None

"""Validation in worker processes gives the same import as validation in-process: same records stored, same
rejections in the same order."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml

from lodfilm import pipeline
from lodfilm.errors import StoreError
from lodfilm.store import open_store
from lodfilm.store.base import RecordWrite

BASE = "http://films.example.org/"


def films(count: int) -> list[dict[str, object]]:
    out: list[dict[str, object]] = [
        {"title": f"Film {i}", "year": 1950 + i % 70, "directors": [f"Director {i % 37}"],
         "cast": [f"Actor {(i * 7 + k) % 300} (Role {k})" for k in range(6)],
         "crew": [{"role": "Cinematography", "name": f"DoP {i % 50}"}]}
        for i in range(count)
    ]
    out[430]["countries"] = ["Narnia"]  # rejected, in the third batch
    out[5]["runtime_minutes"] = -5  # rejected, in the first
    return out


def run(tmp_path: Path, source: Path, workers: int) -> tuple[pipeline.Report, bytes]:
    store = open_store(tmp_path / f"store-{workers}")
    try:
        report = pipeline.run([source], base=BASE, store=store, progress=False, workers=workers)
        dump = io.BytesIO()
        store.dump(dump, "nq")
    finally:
        store.close()
    lines = sorted(line for line in dump.getvalue().splitlines() if b"/modified>" not in line)
    return report, b"\n".join(lines)


def test_worker_validation_imports_the_same_as_in_process(tmp_path: Path) -> None:
    source = tmp_path / "films.yaml"
    source.write_text(yaml.safe_dump(films(450)), encoding="utf-8")
    alone, alone_dump = run(tmp_path, source, workers=0)
    parallel, parallel_dump = run(tmp_path, source, workers=2)
    assert [str(e) for e in parallel.errors] == [str(e) for e in alone.errors]
    assert [e.record for e in alone.errors] == ["Film 5 (record 6)", "Film 430 (record 431)"]
    assert parallel.written == alone.written == 448
    assert parallel_dump == alone_dump


class FailingStore:
    """A real store whose third write fails (a full disk, say)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0

    def write(self, writes: list[RecordWrite], drops: list[str]) -> None:
        self.calls += 1
        if self.calls == 3:
            raise StoreError("writing to the store failed: no space left on device")
        self.inner.write(writes, drops)


def test_a_failed_write_stops_the_writes_after_it_and_is_raised(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    failing = FailingStore(store)
    writer = pipeline.Writer(failing)  # type: ignore[arg-type]
    batches = [[RecordWrite(f"{BASE}record/r{i}", frozenset({f'<{BASE}film/f{i}> <{BASE}p> "{i}" .'}),
                            replaces=False)] for i in range(6)]
    try:
        with pytest.raises(StoreError, match="no space left"):
            for batch in batches:
                writer.write(batch, [])
            writer.wait()
        writer.close()
        assert store.record_graphs(f"{BASE}record/") == [f"{BASE}record/r0", f"{BASE}record/r1"]
    finally:
        store.close()

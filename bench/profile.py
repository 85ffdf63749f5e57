"""Where the time goes: profiles of lodfilm's import, film pages and query path, with pyinstrument.

``python -m bench.profile [--size 300] [--what import,pages,queries] [--out DIR]``

* ``import``: ``pipeline.run`` over ``--size`` generated pages into a new store, profiled;
* ``pages``: film HTML pages and Turtle documents rendered cold through the Flask app (no HTTP server);
* ``queries``: the researcher queries timed in-process on the store's checkpoint, raw pyoxigraph vs lodfilm's
  ``execute`` (with the server's row cap, and without), which separates the store's own cost, lodfilm's result
  writing and what HTTP and the worker process add.

Prints, for each, the functions with the most time (inclusive, and own) and writes pyinstrument's text report
(``DIR/profile-<what>.txt``).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import generate

BASE = "http://localhost:8080/"


def aggregate(root: Any) -> tuple[dict[str, float], dict[str, float]]:
    """Inclusive time per function (outermost call on each path only) and own time per function."""
    inclusive: dict[str, float] = {}
    own: dict[str, float] = {}

    def key(frame: Any) -> str:
        path = str(getattr(frame, "file_path_short", "") or getattr(frame, "file_path", "") or "")
        return f"{frame.function} ({path.rsplit('site-packages/', 1)[-1]}:{frame.line_no})"

    def walk(frame: Any, active: frozenset[str]) -> None:
        name = key(frame)
        if name not in active:
            inclusive[name] = inclusive.get(name, 0.0) + frame.time
        own[name] = own.get(name, 0.0) + frame.total_self_time
        for child in frame.children:
            walk(child, active | {name})

    walk(root, frozenset())
    return inclusive, own


def profiled(label: str, work: Callable[[], Any], out: Path, top: int = 25) -> Any:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    value = work()
    session = profiler.stop()
    total = session.duration
    (out / f"profile-{label}.txt").write_text(profiler.output_text(unicode=True, show_all=False),
                                             encoding="utf-8")
    root = profiler.last_session.root_frame() if profiler.last_session else None
    print(f"\n== {label}: {total:.2f} s", file=sys.stderr)
    if root is not None:
        inclusive, own = aggregate(root)
        print("-- inclusive (lodfilm and its libraries):", file=sys.stderr)
        for name, seconds in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
            print(f"{seconds:8.2f} s {100 * seconds / total:5.1f}%  {name}", file=sys.stderr)
        print("-- own time:", file=sys.stderr)
        for name, seconds in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
            print(f"{seconds:8.2f} s {100 * seconds / total:5.1f}%  {name}", file=sys.stderr)
    return value


def profile_import(size: int, work: Path, out: Path) -> Path:
    from lodfilm import pipeline
    from lodfilm.store import open_store

    generate.write(size, "page", work / "pages", seed=11)
    store_dir = work / "store"
    store = open_store(store_dir)
    try:
        report = profiled("import", lambda: pipeline.run([work / "pages"], base=BASE, store=store, progress=False),
                          out)
    finally:
        store.close()
    print(f"import: {report.written} written, {report.rejected} rejected", file=sys.stderr)
    return store_dir


def film_paths(store_dir: Path) -> list[str]:
    from urllib.parse import urlparse

    from lodfilm.store import open_store

    store = open_store(store_dir, read_only=True)
    try:
        rows = store.select("SELECT ?f WHERE { ?f a schema:Movie } ORDER BY ?f")
    finally:
        store.close()
    return [urlparse(r["f"]).path for r in rows]


def profile_pages(store_dir: Path, out: Path) -> None:
    from lodfilm.settings import Settings
    from lodfilm.web import close_app, create_app

    app = create_app(Settings.load(store=store_dir, base=BASE))
    client = app.test_client()
    paths = film_paths(store_dir)
    half = len(paths) // 2
    try:
        for label, accept, chosen in (("pages-html", "text/html", paths[:half]),
                                      ("pages-turtle", "text/turtle", paths[half:])):
            def fetch(accept: str = accept, chosen: list[str] = chosen) -> None:
                for path in chosen:
                    response = client.get(path, headers={"Accept": accept})
                    assert response.status_code == 200, (path, response.status_code)

            start = time.perf_counter()
            profiled(label, fetch, out)
            print(f"{label}: {len(chosen) / (time.perf_counter() - start):.1f} documents/s cold, one thread",
                  file=sys.stderr)
    finally:
        close_app(app)


def profile_queries(store_dir: Path, repeat: int) -> None:
    import pyoxigraph as ox

    from bench.run import researcher_queries
    from lodfilm.store.embedded import current_snapshot
    from lodfilm.store.results import execute

    snapshot = current_snapshot(store_dir)
    assert snapshot is not None
    store = ox.Store.read_only(str(snapshot))
    memory = ox.Store()
    memory.bulk_extend(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    def first(text: str, name: str) -> str:
        result = store.query("PREFIX schema: <http://schema.org/> " + text)
        assert isinstance(result, ox.QuerySolutions)
        term = next(iter(result))[name]
        assert term is not None
        return str(term.value)

    director = first("SELECT ?d (COUNT(?f) AS ?n) WHERE { ?f schema:director ?d } GROUP BY ?d ORDER BY DESC(?n) "
                     "LIMIT 1", "d")
    film = first(f"SELECT ?f WHERE {{ ?f schema:director <{director}> }} LIMIT 1", "f")

    def timed(run: Callable[[], Any]) -> float:
        run()
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
        return statistics.median(times) * 1000

    def raw(target: ox.Store, text: str, kind: str) -> Callable[[], Any]:
        def go() -> Any:
            result = target.query(text)
            if isinstance(result, ox.QueryTriples):
                return ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
            assert isinstance(result, ox.QuerySolutions)
            return result.serialize(format=ox.QueryResultsFormat.JSON)
        return go

    def lodfilm(text: str, cap: int | None) -> Callable[[], Any]:
        return lambda: execute(store, text, select_format="json", graph_format="nt", max_rows=cap)

    print("\n== queries, p50 ms in-process: raw memory | raw checkpoint | execute(cap 10M) | execute(no cap)",
          file=sys.stderr)
    for query in researcher_queries(director, film):
        text, kind = query["text"], query["kind"]
        figures = [
            timed(raw(memory, text, kind)),
            timed(raw(store, text, kind)),
            timed(lodfilm(text, 10_000_000)),
            timed(lodfilm(text, None)),
        ]
        print(f"{query['name']:26s} " + " | ".join(f"{f:9.2f}" for f in figures), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--what", default="import,pages,queries")
    parser.add_argument("--store", type=Path, default=None,
                        help="profile pages/queries on this existing store instead of importing one")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "lodfilm-profile")
    args = parser.parse_args(argv)
    what = set(args.what.split(","))
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="lodfilm-profile-"))
    try:
        store_dir = args.store
        if "import" in what or store_dir is None:
            store_dir = profile_import(args.size, work, args.out)
        if "pages" in what:
            profile_pages(store_dir, args.out)
        if "queries" in what:
            profile_queries(store_dir, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nreports in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

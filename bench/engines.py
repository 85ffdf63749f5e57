"""The engines lodfilm is measured against, each run in its own process so its peak memory is its own.

``python -m bench.engines --engine oxigraph-memory|oxigraph-disk|rdflib --dump FILE.nt.gz --queries Q.json
--out R.json [--records FILE.nq.gz] [--repeat N] [--cap S] [--workdir DIR]``

* ``oxigraph-memory``: the floor. ``pyoxigraph.Store()`` in memory, bulk-loaded from lodfilm's N-Triples dump;
  each query's answer serialised fully (SPARQL JSON for SELECT, N-Triples for CONSTRUCT — what the HTTP client
  asks lodfilm for); and pyoxigraph's own dump of the graph to gzip N-Triples.
* ``oxigraph-disk``: the same on an on-disk ``Store(path)`` (RocksDB), as lodfilm's server reads its store. With
  ``--records`` (lodfilm's N-Quads dump: one named graph per record) it also bulk-loads the records' graphs, then
  compacts: lodfilm's own layout, loaded with no Python in the way — the least work any import into that layout
  does, so the floor of lodfilm's import (its CPU time is reported too, since the loader runs several threads).
  Its own dump, read from disk as lodfilm's is, is the floor of lodfilm's dump.
* ``rdflib``: what a Python user would pick: an ``rdflib.Graph`` parsed from the same dump, queried with rdflib's
  SPARQL engine, each query stopped at ``--cap`` seconds (then reported as over the cap).
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import signal
import statistics
import tempfile
import time
from pathlib import Path
from typing import IO, Any, cast

Query = dict[str, str]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation, as numpy's default does."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(times: list[float]) -> dict[str, Any]:
    return {
        "runs": len(times),
        "p50_ms": round(percentile(times, 50) * 1000, 3),
        "p95_ms": round(percentile(times, 95) * 1000, 3),
        "mean_ms": round(statistics.fmean(times) * 1000, 3) if times else None,
    }


def count_answer(body: bytes, kind: str) -> int:
    """Rows of a SPARQL JSON answer, or triples of an N-Triples one."""
    if kind == "construct":
        return sum(1 for line in body.splitlines() if line.strip() and not line.startswith(b"#"))
    return len(json.loads(body)["results"]["bindings"])


def cpu_seconds() -> float:
    """CPU time of this process, all its threads (pyoxigraph's bulk loader runs several)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_oxigraph(args: argparse.Namespace, queries: list[Query]) -> dict[str, Any]:
    import pyoxigraph as ox

    out: dict[str, Any] = {"engine": args.engine, "pyoxigraph": ox.__version__ if hasattr(ox, "__version__")
                           else None}
    tmp = tempfile.mkdtemp(prefix="bench-oxigraph-", dir=args.workdir)
    store = ox.Store() if args.engine == "oxigraph-memory" else ox.Store(str(Path(tmp) / "db"))
    with_records = args.engine == "oxigraph-disk" and args.records is not None
    start, cpu = time.perf_counter(), cpu_seconds()
    with gzip.open(args.dump, "rb") as stream:
        store.bulk_load(stream, format=ox.RdfFormat.N_TRIPLES)
    triples = len(store)
    if with_records:
        with gzip.open(args.records, "rb") as stream:
            store.bulk_load(stream, format=ox.RdfFormat.N_QUADS)
    if args.engine == "oxigraph-disk":
        store.optimize()
    loaded = time.perf_counter() - start
    out["load"] = {"seconds": round(loaded, 3), "cpu_seconds": round(cpu_seconds() - cpu, 3), "triples": triples,
                   "quads": len(store), "quads_per_s": round(len(store) / loaded),
                   "records": with_records}

    def answer(text: str, kind: str) -> bytes:
        result = store.query(text)
        if kind == "construct":
            assert isinstance(result, ox.QueryTriples)
            return ox.serialize(result, format=ox.RdfFormat.N_TRIPLES) or b""
        assert isinstance(result, ox.QuerySolutions)
        return result.serialize(format=ox.QueryResultsFormat.JSON) or b""

    out["queries"] = {}
    for query in queries:
        body = answer(query["text"], query["kind"])  # warm-up
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            body = answer(query["text"], query["kind"])
            times.append(time.perf_counter() - t0)
        out["queries"][query["name"]] = {**summary(times), "answer": count_answer(body, query["kind"])}

    # pyoxigraph's own dump: the default graph, streamed to gzip N-Triples (level 6, as lodfilm's); and the same
    # without gzip, which separates reading the store from compressing.
    target = Path(tmp) / "own-dump.nt.gz"
    start = time.perf_counter()
    with gzip.open(target, "wb", compresslevel=6) as stream:
        store.dump(cast(IO[bytes], stream), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    with open(Path(tmp) / "own-dump.nt", "wb") as plain:
        store.dump(plain, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    unzipped = time.perf_counter() - start
    out["dump"] = {"seconds": round(seconds, 3), "triples": triples, "triples_per_s": round(triples / seconds),
                   "bytes": target.stat().st_size, "uncompressed_seconds": round(unzipped, 3),
                   "uncompressed_triples_per_s": round(triples / unzipped)}
    return out


class Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise Timeout


def run_rdflib(args: argparse.Namespace, queries: list[Query]) -> dict[str, Any]:
    import rdflib

    out: dict[str, Any] = {"engine": "rdflib", "rdflib": rdflib.__version__, "cap_s": args.cap}
    graph = rdflib.Graph()
    start = time.perf_counter()
    with gzip.open(args.dump, "rb") as stream:
        graph.parse(stream, format="nt")
    loaded = time.perf_counter() - start
    out["load"] = {"seconds": round(loaded, 3), "triples": len(graph), "triples_per_s": round(len(graph) / loaded)}
    signal.signal(signal.SIGALRM, _alarm)
    out["queries"] = {}
    for query in queries:
        times: list[float] = []
        body = b""
        capped = False
        spent = 0.0
        for _ in range(args.repeat):
            signal.setitimer(signal.ITIMER_REAL, args.cap)
            t0 = time.perf_counter()
            try:
                result = graph.query(query["text"])
                body = result.serialize(format="nt" if query["kind"] == "construct" else "json") or b""
            except Timeout:
                capped = True
                break
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            elapsed = time.perf_counter() - t0
            times.append(elapsed)
            spent += elapsed
            if spent > args.cap:  # enough: the median of what ran is what we report
                break
        if capped and not times:
            out["queries"][query["name"]] = {"runs": 0, "over_cap": True, "p50_ms": None, "p95_ms": None}
        else:
            out["queries"][query["name"]] = {**summary(times), "answer": count_answer(body, query["kind"]),
                                             "over_cap": capped}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.engines")
    parser.add_argument("--engine", choices=("oxigraph-memory", "oxigraph-disk", "rdflib"), required=True)
    parser.add_argument("--dump", type=Path, required=True, help="N-Triples dump (.nt.gz) to load")
    parser.add_argument("--records", type=Path, default=None,
                        help="oxigraph-disk: lodfilm's N-Quads dump (.nq.gz), loaded too: lodfilm's layout")
    parser.add_argument("--queries", type=Path, required=True, help="JSON list of {name, kind, text}")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--cap", type=float, default=60.0, help="rdflib: seconds a query may run")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    queries: list[Query] = json.loads(args.queries.read_text(encoding="utf-8"))
    result = run_rdflib(args, queries) if args.engine == "rdflib" else run_oxigraph(args, queries)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Where an import's memory goes: ``python -m bench.memory [--sizes 5000,20000] [--floor 60000]``.

Issue 14's "memory flat" needs to know which structures grow with a table, so this imports one generated CSV
(``bench.mapped``'s own table) of each size in-process under :mod:`tracemalloc`, snapshots the Python heap just
before the file is settled (the moment the most is held: every record judged, nothing of the file let go), and
prints the lines whose allocations grew most between the sizes, in bytes per row. ``--floor N`` measures the native
store alone: the N-row import's store dumped as N-Quads and bulk-loaded into a new pyoxigraph store in a fresh
process, its peak RSS the kernel's — what pyoxigraph itself holds for that data, which no import can go below.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

from bench import mapped
from lodfilm import pipeline
from lodfilm.store import open_store

BASE = "https://films.example.org/"
#: quads a bulk load in the floor's chunked form: ~200 records, one import batch, flushed every 5 (~1,000 records)
CHUNK = 12_000
LOAD = """
import json, resource, sys
import pyoxigraph as ox
dump, where, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = ox.Store(where)
if not chunk:
    store.bulk_load(path=dump, format=ox.RdfFormat.N_QUADS)
else:
    with open(dump, "rb") as handle:
        lines, loads = [], 0
        for line in handle:
            lines.append(line)
            if len(lines) >= chunk:
                store.bulk_load(b"".join(lines), format=ox.RdfFormat.N_QUADS)
                lines, loads = [], loads + 1
                if loads % 5 == 0:
                    store.flush()
        store.bulk_load(b"".join(lines), format=ox.RdfFormat.N_QUADS)
store.flush()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"quads": len(store), "peak_rss_mb": round(peak, 1)}))
"""


def profile(size: int, work: Path) -> tuple[tracemalloc.Snapshot, int, Path]:
    """(the fullest heap seen, tracemalloc's peak bytes, the store) for a ``size``-row CSV: the heap is looked at
    every 250 records mapped and just before the file settles, and the fullest snapshot is kept."""
    table, store_dir = work / f"films-{size}.csv", work / f"store-{size}"
    mapped.write_plain(mapped.facts(size, 1), table)
    fullest: list[tuple[int, tracemalloc.Snapshot]] = []
    calls = [0]

    def look() -> None:
        now = tracemalloc.get_traced_memory()[0]
        if not fullest or now > fullest[0][0]:
            fullest[:] = [(now, tracemalloc.take_snapshot())]

    settle, mapper = pipeline.Import.settle_files, pipeline.map_record

    settling: list[int] = []

    def watched(job: pipeline.Import) -> Any:
        if job.ends and job.ends[0].end <= job.judged:
            look()
            if not settling:  # from here on, the peak is the settling's and the store's last writes
                settling.append(tracemalloc.get_traced_memory()[1])
                tracemalloc.reset_peak()
        return settle(job)

    def mapping(*args: Any) -> Any:
        calls[0] += 1
        if calls[0] % 250 == 0:
            look()
        return mapper(*args)

    pipeline.Import.settle_files = watched  # type: ignore[method-assign, assignment]
    pipeline.map_record = mapping  # type: ignore[assignment]
    store = open_store(store_dir)
    tracemalloc.start()
    try:
        pipeline.run([table], base=BASE, store=store, progress=False, workers=1)
        after = tracemalloc.get_traced_memory()[1]
        peak = max(after, *settling)
    finally:
        tracemalloc.stop()
        pipeline.Import.settle_files, pipeline.map_record = settle, mapper  # type: ignore[method-assign]
        store.close()
    print(f"{size} rows: heap peak {peak / 2**20:.1f} MB (until the file settles {settling[0] / 2**20:.1f}, from "
          f"then on {after / 2**20:.1f}); fullest looked at {fullest[0][0] / 2**20:.1f} MB")
    return fullest[0][1], peak, store_dir


def floor(store_dir: Path, work: Path) -> dict[str, Any]:
    """Peak RSS of a fresh process bulk-loading ``store_dir``'s quads into a new on-disk pyoxigraph store."""
    dump = work / "dump.nq"
    code_dump = ("import pyoxigraph as ox, sys; from lodfilm.store.embedded import database_path;"
                 "from pathlib import Path; s = ox.Store.read_only(str(database_path(Path(sys.argv[1]))));"
                 "s.dump(open(sys.argv[2], 'wb'), ox.RdfFormat.N_QUADS)")
    subprocess.run([sys.executable, "-c", code_dump, str(store_dir), str(dump)], check=True)
    found: dict[str, Any] = {"dump_bytes": dump.stat().st_size}
    for how, chunk in (("whole", 0), ("chunks", CHUNK)):
        shutil.rmtree(work / "floor-store", ignore_errors=True)
        out = subprocess.run([sys.executable, "-c", LOAD, str(dump), str(work / "floor-store"), str(chunk)],
                             check=True, capture_output=True, text=True).stdout
        found[how] = json.loads(out)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5000,20000")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--floor", type=int, default=0, help="also measure the native floor at this many rows")
    parser.add_argument("--floor-of", type=Path, nargs="*", default=[],
                        help="only measure the floor of these existing stores (e.g. bench.mapped --work's)")
    args = parser.parse_args(argv)
    if args.floor_of:
        for store_dir in args.floor_of:
            with tempfile.TemporaryDirectory(prefix="lodfilm-bench-floor-") as tmp:
                print(f"floor of {store_dir} (load {os.getloadavg()[0]:.2f}):", json.dumps(floor(store_dir, Path(tmp))))
        return 0
    small, large = (int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="lodfilm-bench-memory-") as tmp:
        work = Path(tmp)
        snap_small, peak_small, _ = profile(small, work)
        snap_large, peak_large, store_large = profile(large, work)
        print(f"load {os.getloadavg()[0]:.2f}; tracemalloc peak {peak_small / 2**20:.1f} MB at {small} rows, "
              f"{peak_large / 2**20:.1f} MB at {large}; fullest: "
              f"{sum(s.size for s in snap_small.statistics('filename')) / 2**20:.1f} → "
              f"{sum(s.size for s in snap_large.statistics('filename')) / 2**20:.1f} MB; "
              f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        rows = large - small
        for stat in snap_large.compare_to(snap_small, "lineno")[:args.top]:
            frame = stat.traceback[0]
            print(f"{stat.size_diff / rows:8.0f} B/row  {stat.size / 2**20:7.1f} MB  {frame.filename}:{frame.lineno}")
        if args.floor:
            store_dir = store_large if args.floor == large else profile(args.floor, work)[2]
            print("floor:", json.dumps(floor(store_dir, work)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

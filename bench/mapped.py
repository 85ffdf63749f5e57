"""A mapped export against lodfilm's own table: ``python -m bench.mapped [--sizes 6000,60000]``.

Issue 14's target: an archive's own table, read through a map (``lodfilm import --map``), imports at no less than
the speed of the same films written as lodfilm's own CSV, and its memory stays flat as the table grows.

Both tables hold the same facts of the same generated films (``bench/generate.py``): title, year, release date,
directors, countries, runtime, genres, content rating and an IMDb-style rating. lodfilm's own CSV names its
columns after the record fields; the export is written the way the IMDb-derived and JSON exports of issue 14 are —
its own column names (``Title``, ``Release Date`` as ``Jun 12 1998``, ``Running Time`` as ``95 min``), genres as
columns of 0/1 flags, and columns lodfilm has no field for (``Budget``, ``US Gross``), one ignored by the map and
one reported as not imported. Each import runs as its own ``lodfilm import`` process into a new store; its wall
time, CPU and peak RSS are the kernel's (``bench.run.measure``). Forms alternate, ``--repeat`` times, and the
best run of each counts (the machine's other load only ever slows a run down).

Wall time on a shared 2-core machine varies by a third between runs of the same import (84-127 s at 60,000 rows,
stop 24), more than any difference between the forms. ``--instructions N`` also counts the machine instructions of
one import of each form at N rows under valgrind's callgrind, which counts the same for the same work whatever else
the machine does: the work the two forms cost, apart from the noise.

Writes ``bench/results/mapped/<date>.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from bench import generate
from bench.run import lodfilm, log, machine, measure

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "mapped"
GENRES = ("Action", "Comedy", "Drama", "Documentary", "Romance", "Thriller", "Animation")
RATINGS = ("G", "PG", "PG-13", "R", "NC-17", "Not Rated")
# The export's own column names, and lodfilm's record field for each (the map).
MAP: dict[str, Any] = {
    "fields": {
        "title": "Title",
        "release_date": "Release Date",
        "directors": "Director",
        "countries": "Country",
        "runtime_minutes": "Running Time",
        "genres": {"flags": list(GENRES)},
        "content_rating": "MPAA Rating",
        "rating.value": "IMDB Rating",
        "rating.count": "IMDB Votes",
    },
    "constants": {"rating.source": "IMDb", "rating.best": 10},
    "split": " | ",
    "ignore": ["US Gross"],
}
PLAIN_COLUMNS = ("title", "release_date", "directors", "countries", "runtime_minutes", "genres", "content_rating",
                 "rating.value", "rating.count", "rating.source", "rating.best")


def facts(size: int, seed: int) -> list[dict[str, Any]]:
    """The facts both tables hold, one dict per film (deterministic for ``size`` and ``seed``)."""
    out = []
    for film in generate.films(size, seed):
        i = film["_index"]
        released = dt.date(film["year"], 1 + i % 12, 1 + i % 28)
        out.append({
            "title": film["title"],
            "release_date": released,
            "directors": film["directors"],
            "countries": film["countries"],
            "runtime_minutes": film["runtime_minutes"],
            "genres": [g for k, g in enumerate(GENRES) if (i >> k) % 3 == 0] or [GENRES[i % len(GENRES)]],
            "content_rating": RATINGS[i % len(RATINGS)],
            "rating": (round(1 + (i * 37 % 90) / 10, 1), 10 + i * 7919 % 250_000),
            "budget": 100_000 * (1 + i % 900),
        })
    return out


def write_plain(rows: list[dict[str, Any]], path: Path) -> None:
    """lodfilm's own CSV: columns named after the record fields, multi-valued cells joined with `` | ``."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(PLAIN_COLUMNS)
        for r in rows:
            out.writerow([r["title"], r["release_date"].isoformat(), " | ".join(r["directors"]),
                          " | ".join(r["countries"]), r["runtime_minutes"], " | ".join(r["genres"]),
                          r["content_rating"], r["rating"][0], r["rating"][1], "IMDb", 10])


def write_export(rows: list[dict[str, Any]], path: Path) -> None:
    """The archive's own export: its own names and value forms, genre flags, and two columns with no field."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["Title", "Release Date", "Director", "Country", "Running Time", *GENRES, "MPAA Rating",
                      "IMDB Rating", "IMDB Votes", "Budget", "US Gross"])
        for r in rows:
            out.writerow([r["title"], r["release_date"].strftime("%b %d %Y"), " | ".join(r["directors"]),
                          " | ".join(r["countries"]), f"{r['runtime_minutes']} min",
                          *(int(g in r["genres"]) for g in GENRES), r["content_rating"], r["rating"][0],
                          r["rating"][1], r["budget"], r["budget"] * 2])


def import_once(table: Path, store: Path, map_file: Path | None) -> dict[str, Any]:
    shutil.rmtree(store, ignore_errors=True)
    args = ["import", "--store", str(store)] + (["--map", str(map_file)] if map_file else []) + [str(table)]
    result = measure(lodfilm(*args))
    return {**result.figures(), "stderr_tail": result.stderr.strip().splitlines()[-3:]}


COLLECTED = re.compile(r"^==\d+== Collected : (\d+)$", re.M)


def tables(size: int, work: Path, seed: int) -> tuple[Path, Path, Path]:
    """Both tables of ``size`` films and the export's map, written under ``work``: (plain CSV, export, map)."""
    folder = work / str(size)
    folder.mkdir(parents=True, exist_ok=True)
    rows = facts(size, seed)
    plain, export, map_file = folder / "films.csv", folder / "export.csv", folder / "map.yaml"
    write_plain(rows, plain)
    write_export(rows, export)
    map_file.write_text(yaml.safe_dump(MAP, sort_keys=False), encoding="utf-8")
    return plain, export, map_file


def instructions(size: int, work: Path, seed: int) -> dict[str, Any]:
    """Machine instructions of one ``lodfilm import`` of each form at ``size`` rows, counted by callgrind (both
    at once, one a core: the count does not depend on what else runs). Python start-up is in both."""
    plain, export, map_file = tables(size, work / "instructions", seed)
    started = {}
    for form, table, mapping in (("csv", plain, None), ("mapped", export, map_file)):
        store = table.parent / f"store-{form}"
        shutil.rmtree(store, ignore_errors=True)
        args = ["import", "--store", str(store)] + (["--map", str(mapping)] if mapping else []) + [str(table)]
        started[form] = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *lodfilm(*args)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    counts = {}
    for form, process in started.items():
        out, err = process.communicate()
        found = COLLECTED.search(err)
        if process.returncode != 0 or found is None:
            raise SystemExit(f"{form} under callgrind failed ({process.returncode}): {err.strip()[-500:]}")
        counts[form] = int(found.group(1))
    return {"size": size, "instructions": counts,
            "mapped_over_csv": round(counts["mapped"] / counts["csv"], 4)}


def run_size(size: int, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    plain, export, map_file = tables(size, work, args.seed)
    runs: dict[str, list[dict[str, Any]]] = {"csv": [], "mapped": []}
    for attempt in range(args.repeat):
        for form in ("csv", "mapped") if attempt % 2 == 0 else ("mapped", "csv"):
            log(f"{size} films, {form}, run {attempt + 1}")
            runs[form].append(import_once(plain if form == "csv" else export, plain.parent / "store",
                                          map_file if form == "mapped" else None))
    best = {form: min(r["seconds"] for r in measured) for form, measured in runs.items()}
    peak = {form: max(r["peak_rss_mb"] for r in measured) for form, measured in runs.items()}
    # Beside the rules' best time and largest peak, the medians: one run's spike (+25-30 MB at either size, seen
    # about one run in six) moves a largest peak, and one slow run a best time, more than any change does.
    median = {form: {"seconds": statistics.median(r["seconds"] for r in measured),
                     "cpu_seconds": statistics.median(r["cpu_seconds"] for r in measured),
                     "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in measured)}
              for form, measured in runs.items()}
    return {
        "size": size,
        "runs": runs,
        "median": median,
        "best_seconds": best,
        "films_per_second": {form: round(size / s, 1) for form, s in best.items()},
        "peak_rss_mb": peak,
        "mapped_speed_vs_csv": round(best["csv"] / best["mapped"], 3),
        "table_bytes": {"csv": plain.stat().st_size, "mapped": export.stat().st_size},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mapped", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="6000,60000", help="comma-separated row counts (the last is the target)")
    parser.add_argument("--repeat", type=int, default=2, help="imports of each form per size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--work", type=Path, default=None, help="folder for the tables and stores [tmp]")
    parser.add_argument("--instructions", type=int, default=0, metavar="N",
                        help="also count each form's instructions at N rows under callgrind (3000: ~5 min)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    work = args.work or Path(tempfile.mkdtemp(prefix="lodfilm-bench-mapped-"))
    try:
        results = [run_size(size, work, args) for size in sizes]
        counted = instructions(args.instructions, work, args.seed) if args.instructions else None
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    small, large = results[0], results[-1]
    growth = {form: round(large["peak_rss_mb"][form] / small["peak_rss_mb"][form], 2) for form in ("csv", "mapped")}
    summary: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": machine(),
        "sizes": results,
        "targets": [
            {"name": f"mapped table imports at no less than lodfilm CSV speed ({large['size']} rows)",
             "measured": large["mapped_speed_vs_csv"], "target": ">= 1.0 (csv seconds / mapped seconds)",
             "met": large["mapped_speed_vs_csv"] >= 1.0},
            {"name": f"memory flat: peak RSS at {large['size']} rows / at {small['size']} rows (mapped)",
             "measured": growth["mapped"], "target": "<= 1.25 for 10x the rows",
             "met": growth["mapped"] <= 1.25, "csv_for_comparison": growth["csv"]},
        ],
    }
    medians = {form: round(large["median"][form]["peak_rss_mb"] / small["median"][form]["peak_rss_mb"], 2)
               for form in ("csv", "mapped")}
    speed = round(large["median"]["csv"]["seconds"] / large["median"]["mapped"]["seconds"], 3)
    summary["medians"] = {"mapped_speed_vs_csv": speed, "memory_growth": medians}
    if counted is not None:
        summary["instructions"] = counted
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{summary['date']}.json"
    path.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"{'rows':>7} {'csv s':>8} {'mapped s':>9} {'speed ratio':>11} {'csv MB':>7} {'mapped MB':>9}")
    for r in results:
        print(f"{r['size']:>7} {r['best_seconds']['csv']:>8.1f} {r['best_seconds']['mapped']:>9.1f} "
              f"{r['mapped_speed_vs_csv']:>11.3f} {r['peak_rss_mb']['csv']:>7.0f} {r['peak_rss_mb']['mapped']:>9.0f}")
    print(f"medians of the runs: speed ratio {speed}; memory growth csv {medians['csv']}, mapped {medians['mapped']}")
    for target in summary["targets"]:
        print(f"{'met' if target['met'] else 'NOT MET'}: {target['name']}: {target['measured']} ({target['target']})")
    if counted is not None:
        print(f"instructions at {counted['size']} rows: csv {counted['instructions']['csv']:,}, mapped "
              f"{counted['instructions']['mapped']:,} (mapped / csv {counted['mapped_over_csv']})")
    print(f"written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

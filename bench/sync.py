"""Sync benchmark (issue 16 point 1): what a nightly re-export costs once the store holds it.

For each size, on generated film pages (one file per film, as an archive's nightly export): the first import, an
unchanged re-import, and a re-import after one film's page changed, each ``lodfilm import`` end to end as its own
process (start-up, store open, checkpoint included). Targets: the unchanged re-import ≥ 50× faster than the first
import; one changed film lands in ≤ 5 s. Results go to ``bench/results/sync/<date>-<size>.json``.

    python -m bench.sync --sizes 10000,30000

``--lodfilm DIR`` runs the lodfilm of another checkout (its package first on ``PYTHONPATH``): how the import's
speed before and after a change is compared on the same data (``--first-only`` measures the first import alone).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import generate
from bench.run import BASE, Measured, disk_usage, lodfilm, log, machine, measure

RESULTS = Path(__file__).resolve().parent / "results" / "sync"
UNCHANGED_SPEEDUP = 50.0
ONE_CHANGE_SECONDS = 5.0


def command(checkout: Path | None, *args: str) -> list[str]:
    """``lodfilm ARGS`` from this checkout, or from ``checkout`` (put first on the path: ``python -m`` would find
    the package of the folder it starts in)."""
    if checkout is None:
        return lodfilm(*args)
    start = f"import sys; sys.path.insert(0, {str(checkout.resolve())!r}); from lodfilm.cli import main; main()"
    return [sys.executable, "-c", start, *args]


def change_one_film(pages: Path) -> Path:
    """Change one page's runtime (a real edit, as a corrected record is): the page in the middle of the export."""
    files = sorted(pages.rglob("*.txt"))
    page = files[len(files) // 2]
    text = page.read_text(encoding="utf-8")
    changed, count = re.subn(r"^(\d+) min$", lambda m: f"{int(m.group(1)) + 1} min", text, count=1, flags=re.M)
    assert count == 1, f"no runtime line in {page}"
    page.write_text(changed, encoding="utf-8")
    return page


def figures(m: Measured, size: int) -> dict[str, Any]:
    return {**m.figures(), "films_per_s": round(size / m.seconds, 1),
            "summary": m.stdout.strip().splitlines()[-1] if m.stdout.strip() else ""}


def run_size(size: int, work: Path, checkout: Path | None, first_only: bool) -> dict[str, Any]:
    pages = work / "pages"
    if not pages.exists():
        log(f"{size}: generating pages")
        generate.write(size, "page", pages)
    store = work / "store"
    shutil.rmtree(store, ignore_errors=True)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    importing = command(checkout, "import", "--no-progress", "--store", str(store), "--base", BASE, str(pages))
    log(f"{size}: first import")
    result: dict[str, Any] = {"size": size, "lodfilm": str(checkout) if checkout else "this checkout",
                              "first_import": figures(measure(importing, env=env), size)}
    result["store_mb"] = round(disk_usage(store) / 2**20, 1)
    if first_only:
        return result
    log(f"{size}: unchanged re-import")
    result["unchanged_reimport"] = figures(measure(importing, env=env), size)
    page = change_one_film(pages)
    log(f"{size}: one film changed ({page.name})")
    result["one_changed"] = {**figures(measure(importing, env=env), size), "page": page.name}
    first, again = result["first_import"]["seconds"], result["unchanged_reimport"]["seconds"]
    one = result["one_changed"]["seconds"]
    result["targets"] = {
        "unchanged_speedup": {"value": round(first / again, 1), "target": f">= {UNCHANGED_SPEEDUP:g}",
                              "met": first / again >= UNCHANGED_SPEEDUP},
        "one_changed_seconds": {"value": one, "target": f"<= {ONE_CHANGE_SECONDS:g}", "met": one <= ONE_CHANGE_SECONDS},
    }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sync", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated film counts")
    parser.add_argument("--work", type=Path, help="folder for the data and stores (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where results go")
    parser.add_argument("--lodfilm", type=Path, help="run the lodfilm package of this checkout instead")
    parser.add_argument("--first-only", action="store_true", help="measure the first import only")
    parser.add_argument("--label", default="", help="added to the results' file name")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    root = args.work or Path(tempfile.mkdtemp(prefix="lodfilm-sync-bench-"))
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            result = {"date": dt.date.today().isoformat(), "machine": machine(),
                      **run_size(size, root / str(size), args.lodfilm, args.first_only)}
            name = f"{result['date']}-{size}{'-' + args.label if args.label else ''}.json"
            (args.out / name).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
            print(json.dumps({k: result[k] for k in result if k not in ("machine",)}, indent=2))
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

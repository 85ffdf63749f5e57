"""Harvesting doors benchmark (issue 16 point 3): what a harvester's requests cost on a store of N films.

For each size, on generated film pages imported into a new store: the feed entry points and pages of
``/activity``, ``/ldes`` and ``/oai`` through the real app (Flask's test client over the store on disk), first
on the first checkpoint the app serves (``cold``: the change log is read, and for LDES every film's current
triples are copied into the kept versions) and again (``warm``); then one film's page changes and is re-imported
while the same app serves, and the same requests run on the new checkpoint. Results go to
``bench/results/doors/<date>-<size>.json``.

    python -m bench.doors --sizes 1000,10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from bench import generate
from lodfilm import pipeline
from lodfilm.settings import Settings
from lodfilm.store import open_store
from lodfilm.web import close_app, create_app

RESULTS = Path(__file__).resolve().parent / "results" / "doors"
BASE = "http://films.example.org/"


def import_paths(store_dir: Path, paths: list[Path]) -> float:
    started = time.perf_counter()
    store = open_store(store_dir)
    try:
        report = pipeline.run(paths, base=BASE, store=store, progress=False)
    finally:
        store.close()
    assert not report.errors, report.errors[:3]
    return time.perf_counter() - started


def timed(client: FlaskClient, path: str, **headers: str) -> dict[str, Any]:
    started = time.perf_counter()
    reply = client.get(path, headers=headers)
    seconds = time.perf_counter() - started
    assert reply.status_code == 200, (path, reply.status_code, reply.data[:300])
    return {"path": path, "seconds": round(seconds, 4), "bytes": len(reply.data)}


def requests(client: FlaskClient) -> list[tuple[str, dict[str, str]]]:
    """The requests a harvester makes, in the order it makes them (the last pages read from the entry points)."""
    last_activity = json.loads(client.get("/activity").data)["last"]["id"].removeprefix(BASE.rstrip("/"))
    oai_first = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc").data.decode()
    token = oai_first.split("<resumptionToken", 1)[1].split(">", 1)[1].split("<", 1)[0]
    turtle = {"Accept": "text/turtle"}
    return [("/activity", {}), ("/activity/page/0", {}), (last_activity, {}),
            ("/ldes/view", turtle), ("/ldes/page/0", turtle),
            (last_activity.replace("/activity/", "/ldes/"), turtle),
            ("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc", {}),
            ("/oai?verb=ListRecords&metadataPrefix=oai_dc", {}),
            (f"/oai?verb=ListRecords&resumptionToken={token}", {}),
            ("/oai?verb=ListRecords&metadataPrefix=edm", {})]


def run_size(size: int, work: Path) -> dict[str, Any]:
    """One server (app) throughout, as in production: its first requests on the first import's checkpoint
    (cold), again (warm); then one film's page changes and is re-imported while it serves, and the same requests
    run on the new checkpoint (cold: only the log's new events are read, one film's version is copied)."""
    pages = generate.write(size, "page", work / "records")
    store_dir = work / "store"
    first_import = import_paths(store_dir, [work / "records"])
    app = create_app(Settings(store=store_dir, base=BASE))
    client = app.test_client()
    try:
        cold = [timed(client, "/activity")]
        plan = requests(client)
        cold += [timed(client, path, **headers) for path, headers in plan[1:]]
        warm = [timed(client, path, **headers) for path, headers in plan]
        changed = pages[size // 2]
        text = changed.read_text(encoding="utf-8")
        changed.write_text(text.replace("Synopsis:\n\n", "Synopsis:\n\nRestored in 2026. ", 1), encoding="utf-8")
        one_change = import_paths(store_dir, [work / "records"])
        time.sleep(1.1)  # the app looks for a newer checkpoint at most once a second
        after_cold = [timed(client, path, **headers) for path, headers in plan]
        after_warm = [timed(client, path, **headers) for path, headers in plan]
    finally:
        close_app(app)
    return {"size": size, "first_import_s": round(first_import, 2), "one_change_import_s": round(one_change, 2),
            "cold": cold, "warm": warm, "after_one_change_cold": after_cold, "after_one_change_warm": after_warm}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.doors", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000", help="comma-separated numbers of films")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for size in (int(s) for s in args.sizes.split(",")):
        work = Path(tempfile.mkdtemp(prefix=f"lodfilm-doors-{size}-"))
        try:
            result = run_size(size, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        out = RESULTS / f"{dt.date.today().isoformat()}-{size}.json"
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        for phase in ("cold", "warm", "after_one_change_cold"):
            print(f"{size} films, {phase}: " + ", ".join(f"{r['path']} {r['seconds']:.3f}s" for r in result[phase]),
                  file=sys.stderr)
        print(f"written {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

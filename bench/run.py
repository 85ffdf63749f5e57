"""Run the benchmark: ``python -m bench.run --sizes 1000,10000``.

For each size, on one generated data set, in one run: import (pages and YAML), the N-Triples dump, the researcher
queries over HTTP beside raw pyoxigraph (in memory and on disk) and rdflib, and film pages / Turtle documents
under concurrent load. Each measured process's peak RSS is taken from the kernel (``wait4``'s ``ru_maxrss``, the
largest single process of its tree) and by sampling ``/proc`` (the sum over the process and its children).
Writes ``bench/results/<date>-<size>.json`` and the tables in ``bench/README.md``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlparse

from bench import generate
from bench.engines import count_answer, summary

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
README = HERE / "README.md"
BASE = "http://localhost:8080/"
CI_MAX_SIZE = 10_000
PREFIX = "PREFIX schema: <http://schema.org/>\n"
TEXT_WORD = "lighthouse"
START, END = "<!-- bench-results:start -->", "<!-- bench-results:end -->"


# -- measured processes ------------------------------------------------------------------------------------------


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(c) for c in handle.read().split())
        except OSError:
            continue
    return out


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process and its reaped children."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / ticks


class Sampler(threading.Thread):
    """Samples the summed RSS of a process tree until stopped; keeps the peak."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak_kb = pid, every, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak_kb = max(self.peak_kb, sum(rss_kb(p) for p in tree(self.pid)))
            self._stop_event.wait(self.every)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak_kb


@dataclass
class Measured:
    returncode: int
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    peak_tree_rss_mb: float
    stdout: str
    stderr: str
    load_before: float = field(default=0.0)

    def figures(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "cores_used": round(self.cpu_seconds / self.seconds, 2) if self.seconds else None,
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "peak_tree_rss_mb": round(self.peak_tree_rss_mb, 1),
            "loadavg_before": round(self.load_before, 2),
        }


def measure(command: list[str], *, env: dict[str, str] | None = None, check: bool = True) -> Measured:
    """Run ``command`` to its end; its wall time, CPU and peak memory."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        load = os.getloadavg()[0]
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        sampler = Sampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        peak_tree = sampler.stop()
        out.seek(0)
        err.seek(0)
        result = Measured(process.returncode, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                          max(peak_tree, usage.ru_maxrss) / 1024, out.read().decode(errors="replace"),
                          err.read().decode(errors="replace"), load)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result


def disk_usage(path: Path) -> int:
    """Bytes on disk under ``path``, each hard-linked file once (checkpoints share files with the database)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                info = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            if (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                total += info.st_blocks * 512
    return total


def lodfilm(*args: str) -> list[str]:
    return [sys.executable, "-m", "lodfilm", *args]


# -- the queries -------------------------------------------------------------------------------------------------


def researcher_queries(director: str, film: str) -> list[dict[str, str]]:
    """The fixed set of researcher queries; ``director`` and ``film`` are IRIs picked from the data."""
    queries = [
        ("films_by_director", "select", f"""SELECT ?film ?title ?year WHERE {{
  ?film schema:director <{director}> ; schema:name ?title .
  OPTIONAL {{ ?film schema:dateCreated ?year }}
}} ORDER BY ?year ?title"""),
        ("films_per_country", "select", """SELECT ?country (COUNT(DISTINCT ?film) AS ?films) WHERE {
  ?film a schema:Movie ; schema:countryOfOrigin ?c . ?c schema:name ?country .
} GROUP BY ?country ORDER BY DESC(?films) ?country"""),
        ("director_regular_actors", "select", """SELECT ?director ?actor (COUNT(DISTINCT ?film) AS ?films) WHERE {
  ?film schema:director ?director ; schema:actor/schema:actor ?actor .
  FILTER(?actor != ?director)
} GROUP BY ?director ?actor HAVING (COUNT(DISTINCT ?film) > 1) ORDER BY DESC(?films) ?director ?actor"""),
        ("actor_pairs", "select", """SELECT ?a ?b (COUNT(DISTINCT ?film) AS ?films) WHERE {
  ?film schema:actor/schema:actor ?a , ?b .
  FILTER(STR(?a) < STR(?b))
} GROUP BY ?a ?b HAVING (COUNT(DISTINCT ?film) >= 2) ORDER BY DESC(?films) ?a ?b"""),
        ("synopsis_text", "select", f"""SELECT ?film ?title WHERE {{
  ?film a schema:Movie ; schema:name ?title ; schema:description ?d .
  FILTER(CONTAINS(LCASE(STR(?d)), "{TEXT_WORD}"))
}} ORDER BY ?title"""),
        ("construct_film", "construct", f"""CONSTRUCT {{ <{film}> ?p ?o . ?role ?rp ?ro . ?person schema:name ?name }}
WHERE {{
  {{ <{film}> ?p ?o }}
  UNION {{ <{film}> schema:actor|schema:contributor ?role . ?role ?rp ?ro }}
  UNION {{ <{film}> schema:director|schema:author|schema:musicBy|schema:producer|schema:actor/schema:actor
                   |schema:contributor/schema:contributor ?person . ?person schema:name ?name }}
}}"""),
    ]
    return [{"name": n, "kind": k, "text": PREFIX + t} for n, k, t in queries]


def select(store: Path, text: str) -> list[dict[str, str]]:
    out = subprocess.run(lodfilm("query", "--store", str(store), "--format", "json", PREFIX + text),
                         check=True, capture_output=True)
    rows = json.loads(out.stdout)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


# -- the server ----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``lodfilm serve`` on 127.0.0.1 and a free port, its memory sampled while it runs."""

    def __init__(self, store: Path, threads: int, log: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "LODFILM_QUERY_TIMEOUT": "600", "LODFILM_MAX_ROWS": "10000000"}
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            lodfilm("serve", "--store", str(store), "--base", BASE, "--host", "127.0.0.1", "--port", str(self.port),
                    "--threads", str(threads)),
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.sampler = Sampler(self.process.pid, every=0.2)
        self.sampler.start()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"lodfilm serve exited {self.process.returncode}: see {self.log.name}")
            try:
                self.request("GET", "/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }"}),
                             accept="application/sparql-results+json")
                return
            except OSError:
                self.connection.close()
                time.sleep(0.2)
        raise RuntimeError("lodfilm serve did not answer in time")

    def request(self, method: str, path: str, *, accept: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, bytes]:
        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def query(self, text: str, kind: str) -> bytes:
        accept = "application/n-triples" if kind == "construct" else "application/sparql-results+json"
        status, body = self.request("POST", "/sparql", accept=accept, body=text.encode(),
                                    content_type="application/sparql-query")
        if status != 200:
            raise RuntimeError(f"/sparql answered {status}: {body[:500]!r}")
        return body

    def timed(self, text: str, kind: str, runs: int) -> tuple[list[float], bytes]:
        """Seconds of each of ``runs`` answers to a query, after one untimed warm-up (the workers' first open of
        the store), and the last answer."""
        body = self.query(text, kind)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            body = self.query(text, kind)
            times.append(time.perf_counter() - t0)
        return times, body

    def stop(self) -> dict[str, Any]:
        self.connection.close()
        self.process.send_signal(signal.SIGINT)  # waitress stops, the app closes its query workers
        deadline = time.monotonic() + 30
        usage = None
        while time.monotonic() < deadline:
            pid, _, usage = os.wait4(self.process.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.1)
        else:
            self.process.kill()
            _, _, usage = os.wait4(self.process.pid, 0)
        self.process.returncode = 0
        peak_tree = self.sampler.stop()
        self.log.close()
        return {"peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "peak_tree_rss_mb": round(peak_tree / 1024, 1)}


# -- one size -----------------------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    import pyoxigraph
    import rdflib

    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = 0
    try:
        memory = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                          if line.startswith("MemTotal")))
    except (OSError, StopIteration):
        pass
    versions: dict[str, str] = {"python": platform.python_version(), "pyoxigraph": pyoxigraph.__version__,
                                "rdflib": rdflib.__version__}
    for name in ("pyshacl", "lodfilm", "waitress", "flask"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:  # noqa: BLE001 - a missing version is not worth failing a run
            pass
    git: dict[str, Any] = {}
    try:
        root = HERE.parent
        git["commit"] = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                       check=True).stdout.strip()
        git["modified"] = [line[3:] for line in subprocess.run(
            ["git", "status", "--porcelain", "lodfilm", "shapes"], cwd=root, capture_output=True, text=True,
            check=True).stdout.splitlines()]
    except (OSError, subprocess.CalledProcessError):
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": round(memory / 1024 / 1024, 1),
            "platform": platform.platform(), "versions": versions, "git": git}


def run_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix=f"lodfilm-bench-{size}-", dir=args.work))
    result: dict[str, Any] = {"date": dt.date.today().isoformat(), "size": size, "seed": args.seed,
                              "machine": machine(), "settings": {
                                  "repeat": args.repeat, "rdflib_repeat": args.rdflib_repeat,
                                  "rdflib_cap_s": args.rdflib_cap, "requests": args.requests,
                                  "concurrency": args.concurrency, "server_threads": args.threads,
                                  "page_phase_max_seconds": args.max_seconds,
                                  "import_formats": args.import_formats}}
    try:
        # 1. generate
        log(f"{size}: generating pages and YAML in {work}")
        start = time.perf_counter()
        generate.write(size, "page", work / "pages", seed=args.seed)
        generate.write(size, "yaml", work / "yaml", seed=args.seed, per_file=1000)
        result["generate"] = {"seconds": round(time.perf_counter() - start, 2),
                              "page_bytes": disk_usage(work / "pages"), "yaml_bytes": disk_usage(work / "yaml")}

        # 2. import
        result["import"] = {}
        store = work / "store"
        for fmt in args.import_formats:
            target = store if fmt == args.import_formats[0] else work / f"store-{fmt}"
            log(f"{size}: importing {fmt}")
            m = measure(lodfilm("import", "--no-progress", "--store", str(target), "--base", BASE,
                                str(work / ("pages" if fmt == "page" else "yaml"))))
            result["import"][fmt] = {**m.figures(), "films_per_s": round(size / m.seconds, 1),
                                     "store_bytes": disk_usage(target),
                                     "database_bytes": disk_usage(target / "db"), "report": m.stdout.strip()}
            log(f"{size}: {fmt}: {size / m.seconds:.1f} films/s, {m.peak_rss_mb:.0f} MB")
        stats = subprocess.run(lodfilm("stats", "--store", str(store), "--json"), check=True, capture_output=True)
        result["store"] = json.loads(stats.stdout)
        triples = int(result["store"]["triples"])

        # 3. dump
        log(f"{size}: dump")
        dump = work / "dump.nt.gz"
        m = measure(lodfilm("dump", "--store", str(store), "--format", "nt", "--output", str(dump)))
        result["dump"] = {"lodfilm": {**m.figures(), "triples": triples, "triples_per_s": round(triples / m.seconds),
                                      "bytes": dump.stat().st_size}}
        records = work / "records.nq.gz"  # the records' graphs, for the import's floor (not timed)
        done = subprocess.run(lodfilm("dump", "--store", str(store), "--format", "nq", "--output", str(records)),
                              check=True, capture_output=True, text=True)
        result["store"]["record_quads"] = int(done.stderr.split()[0])  # "N quads written to FILE"

        # 4. the query parameters, from the data
        director = select(store, "SELECT ?d (COUNT(?f) AS ?n) WHERE { ?f schema:director ?d } "
                                 "GROUP BY ?d ORDER BY DESC(?n) ?d LIMIT 1")[0]["d"]
        film = select(store, f"SELECT ?f WHERE {{ ?f schema:director <{director}> }} ORDER BY ?f LIMIT 1")[0]["f"]
        film_iris = [r["f"] for r in select(store, "SELECT ?f WHERE { ?f a schema:Movie } ORDER BY ?f")]
        queries = researcher_queries(director, film)
        (work / "queries.json").write_text(json.dumps(queries, indent=2), encoding="utf-8")
        result["queries"] = {"parameters": {"director": director, "film": film, "text": TEXT_WORD},
                             "text": {q["name"]: q["text"] for q in queries}}

        # 5. the floor and the alternative, each in its own process
        engines = ["oxigraph-memory", "oxigraph-disk"]
        if not args.skip_rdflib and size <= args.rdflib_max_size:
            engines.append("rdflib")
        for engine in engines:
            log(f"{size}: {engine}")
            out = work / f"{engine}.json"
            repeat = args.rdflib_repeat if engine == "rdflib" else args.repeat
            m = measure([sys.executable, "-m", "bench.engines", "--engine", engine, "--dump", str(dump),
                         *(["--records", str(records)] if engine == "oxigraph-disk" else []),
                         "--queries", str(work / "queries.json"), "--out", str(out), "--repeat", str(repeat),
                         "--cap", str(args.rdflib_cap), "--workdir", str(work)])
            engine_result = json.loads(out.read_text(encoding="utf-8"))
            engine_result["process"] = m.figures()
            result["queries"][engine] = engine_result["queries"]
            result.setdefault("engines", {})[engine] = {k: v for k, v in engine_result.items() if k != "queries"}
        if "rdflib" not in engines:
            result["queries"]["rdflib"] = None
        if "dump" in result["engines"]["oxigraph-memory"]:
            result["dump"]["oxigraph"] = result["engines"]["oxigraph-memory"]["dump"]
        if "dump" in result["engines"]["oxigraph-disk"]:
            result["dump"]["oxigraph-disk"] = result["engines"]["oxigraph-disk"]["dump"]
        floor = result["engines"]["oxigraph-disk"]["load"]
        if floor.get("records"):
            # pyoxigraph bulk-loading lodfilm's own quads (records' graphs + their merge) and compacting, no Python
            result["import_floor"] = {"seconds": floor["seconds"], "cpu_seconds": floor["cpu_seconds"],
                                         "films_per_s": round(size / floor["seconds"], 1),
                                         "cpu_ms_per_film": round(1000 * floor["cpu_seconds"] / size, 2)}

        # 6. lodfilm serve: queries over HTTP, then pages under load
        log(f"{size}: lodfilm serve")
        server = Server(store, args.threads, work / "serve.log")
        try:
            started = time.perf_counter()
            server.wait_ready()
            result["server"] = {"ready_seconds": round(time.perf_counter() - started, 2)}
            ours: dict[str, Any] = {}
            # the fixed cost of a query over HTTP (request, worker round trip, answer): the least any query takes
            times, _ = server.timed("SELECT * WHERE { }", "select", max(args.repeat, 20))
            result["server"]["empty_query"] = summary(times)
            for query in queries:
                times, body = server.timed(query["text"], query["kind"], args.repeat)
                ours[query["name"]] = {**summary(times), "answer": count_answer(body, query["kind"])}
            result["queries"]["lodfilm"] = ours
            result["server"]["rss_after_queries_mb"] = round(sum(rss_kb(p) for p in tree(server.process.pid)) / 1024)
            log(f"{size}: pages")
            result["pages"] = pages(server, film_iris, args, work)
        finally:
            result.setdefault("server", {}).update(server.stop())
        result["queries"]["ratios"] = ratios(result["queries"])
        result["targets"] = targets(result)
    finally:
        if args.keep:
            log(f"{size}: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return result


def pages(server: Server, film_iris: list[str], args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Film HTML pages and Turtle documents under ``--concurrency`` clients: cold (first request of each film
    since the server started, so rendered now) and warm (films already requested: the server's cache)."""
    rng = random.Random(args.seed)
    paths = [quote(urlparse(iri).path, safe="/") for iri in film_iris]
    rng.shuffle(paths)
    cold = min(args.requests, len(paths) // 2)
    out: dict[str, Any] = {}
    for index, (kind, accept) in enumerate((("html", "text/html"), ("turtle", "text/turtle"))):
        cold_paths = paths[index * cold:(index + 1) * cold]
        out[kind] = {}
        for phase in ("cold", "warm"):
            if phase == "cold":
                chosen = cold_paths
            else:  # among the films the cold phase did request (it may stop at --max-seconds)
                served = cold_paths[:max(1, out[kind]["cold"]["requests"])]
                chosen = [rng.choice(served) for _ in range(args.requests)]
            listing = work / f"paths-{kind}-{phase}.txt"
            listing.write_text("\n".join(chosen) + "\n", encoding="ascii")
            cpu0 = cpu_seconds(server.process.pid)
            m = measure([sys.executable, "-m", "bench.load", "--port", str(server.port), "--paths", str(listing),
                         "--accept", accept, "--concurrency", str(args.concurrency),
                         "--max-seconds", str(args.max_seconds)])
            figures = json.loads(m.stdout)
            figures["server_cpu_s"] = round(cpu_seconds(server.process.pid) - cpu0, 3)
            figures["server_cpu_ms_per_request"] = round(1000 * figures["server_cpu_s"] / max(1, figures["ok"]), 2)
            out[kind][phase] = figures
            log(f"  {kind} {phase}: {figures['requests_per_s']} req/s, p99 {figures['p99_ms']} ms, "
                f"errors {figures['errors']}")
    return out


def ratios(queries: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    ours = queries.get("lodfilm") or {}
    for name, mine in ours.items():
        row: dict[str, Any] = {}
        for engine, key in (("oxigraph-memory", "ours_over_oxigraph_memory"),
                            ("oxigraph-disk", "ours_over_oxigraph_disk")):
            floor = (queries.get(engine) or {}).get(name)
            if floor and floor.get("p50_ms"):
                row[key] = round(mine["p50_ms"] / floor["p50_ms"], 2)
                row[f"same_answer_as_{engine.replace('-', '_')}"] = floor.get("answer") == mine.get("answer")
        theirs = (queries.get("rdflib") or {}).get(name)
        if theirs is not None:
            if theirs.get("p50_ms") is None:
                row["rdflib_over_ours"] = "> cap"
                row["rdflib_over_cap"] = True
            else:
                row["rdflib_over_ours"] = round(theirs["p50_ms"] / mine["p50_ms"], 1)
                row["same_answer_as_rdflib"] = theirs.get("answer") == mine.get("answer")
        out[name] = row
    return out


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets against this run's figures (the issue sets them at 100k films; any size is shown)."""
    rows: list[dict[str, Any]] = []

    def add(name: str, measured: Any, target: str, met: bool | None, note: str = "") -> None:
        rows.append({"target": name, "measured": measured, "goal": target, "met": met, "note": note})

    floor = result.get("import_floor")
    for fmt, figures in result.get("import", {}).items():
        rate = figures["films_per_s"]
        bound = (f"; pyoxigraph alone bulk-loads the same quads at {floor['films_per_s']} films/s "
                 f"({floor['cpu_ms_per_film']} ms CPU a film)" if floor else "")
        add(f"import {fmt} films/s", rate, ">= 1000", rate >= 1000, f"{rate / 1000:.2f}x of target{bound}")
    for name, row in result["queries"].get("ratios", {}).items():
        ratio = row.get("ours_over_oxigraph_memory")
        if ratio is not None:
            in_memory = ((result["queries"].get("oxigraph-memory") or {}).get(name) or {}).get("p50_ms")
            empty = result.get("server", {}).get("empty_query", {}).get("p50_ms")
            note = (f"ours/pyoxigraph on disk {row.get('ours_over_oxigraph_disk')}"
                    + (f"; pyoxigraph in memory answers it in {in_memory} ms, an empty query over HTTP takes "
                       f"{empty} ms" if empty and in_memory else ""))
            add(f"query {name}: ours/pyoxigraph (memory) p50", ratio, "<= 1.5", ratio <= 1.5, note)
        speedup = row.get("rdflib_over_ours")
        if speedup is not None:
            met = True if row.get("rdflib_over_cap") else (isinstance(speedup, float | int) and speedup >= 10)
            add(f"query {name}: rdflib/ours p50", speedup, ">= 10", met)
    page_goals = {"html": 500, "turtle": 1000}
    for kind, phases in result.get("pages", {}).items():
        for phase, figures in phases.items():
            rate = figures["requests_per_s"]
            add(f"{kind} {phase} requests/s", rate, f">= {page_goals[kind]}", rate >= page_goals[kind])
    dump = result.get("dump", {}).get("lodfilm")
    if dump:
        disk = result["dump"].get("oxigraph-disk")
        bound = (f"pyoxigraph's own dump from disk: {disk['triples_per_s']} triples/s "
                 f"({disk['uncompressed_triples_per_s']} without gzip)" if disk else "")
        add("dump triples/s", dump["triples_per_s"], ">= 1000000", dump["triples_per_s"] >= 1_000_000, bound)
    return rows


# -- the README tables ----------------------------------------------------------------------------------------------


def fmt(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return f"{value:,.{digits}f}"


def table(results: list[dict[str, Any]]) -> str:
    """Markdown tables of the newest result for each size."""
    lines = ["Generated by `python -m bench.run` from `bench/results/*.json` (newest file per size).", ""]
    lines += ["| films | triples | import page films/s (RSS MB, cores) | import YAML films/s (RSS MB) | pyoxigraph "
              "bulk load of the same quads, films/s | store MB | dump triples/s (RSS MB) | pyoxigraph dump "
              "triples/s, memory / disk | HTML pages/s cold / warm (p99 ms) | Turtle docs/s cold / warm (p99 ms) | "
              "server RSS MB |",
              "|---:|---:|---|---|---:|---:|---|---:|---|---|---:|"]
    for r in results:
        imp = r.get("import", {})
        page, yml = imp.get("page"), imp.get("yaml")
        dump = r.get("dump", {})
        ours_dump = dump.get("lodfilm", {})
        pg = r.get("pages", {})

        def load(kind: str, pages: dict[str, Any] = pg) -> str:
            phases = pages.get(kind)
            if not phases:
                return "–"
            c, w = phases["cold"], phases["warm"]
            if w.get("invalid"):
                return (f"{fmt(c['requests_per_s'])} / n/a ({fmt(c['p99_ms'], 0)} / n/a, "
                        f"**{c['errors']} errors**)")
            errors = c["errors"] + w["errors"]
            failed = f", **{errors} errors**" if errors else ""
            return (f"{fmt(c['requests_per_s'])} / {fmt(w['requests_per_s'])} "
                    f"({fmt(c['p99_ms'], 0)} / {fmt(w['p99_ms'], 0)}{failed})")

        lines.append(
            f"| {r['size']:,} | {fmt(r['store']['triples'])} "
            f"| {fmt(page and page['films_per_s'], 1)} ({fmt(page and page['peak_rss_mb'])}, "
            f"{fmt(page and page['cores_used'], 2)}) "
            f"| {fmt(yml and yml['films_per_s'], 1)} ({fmt(yml and yml['peak_rss_mb'])}) "
            f"| {fmt(r.get('import_floor', {}).get('films_per_s'), 1)} "
            f"| {fmt(page and page['store_bytes'] / 1e6, 1)} "
            f"| {fmt(ours_dump.get('triples_per_s'))} ({fmt(ours_dump.get('peak_rss_mb'))}) "
            f"| {fmt(dump.get('oxigraph', {}).get('triples_per_s'))} / "
            f"{fmt(dump.get('oxigraph-disk', {}).get('triples_per_s'))} "
            f"| {load('html')} | {load('turtle')} | {fmt(r.get('server', {}).get('peak_tree_rss_mb'))} |")
    lines += ["", "Query latency, p50 / p95 in ms (answer rows or triples); ratios at the median:", "",
              "| films | query | lodfilm /sparql | pyoxigraph memory | pyoxigraph disk | rdflib | ours ÷ pyoxigraph "
              "memory | ours ÷ disk | rdflib ÷ ours |",
              "|---:|---|---|---|---|---|---:|---:|---:|"]
    for r in results:
        q = r["queries"]
        cap = r["settings"]["rdflib_cap_s"]
        for name in q.get("lodfilm") or {}:
            def cell(engine: str, name: str = name, q: dict[str, Any] = q, cap: float = cap) -> str:
                figures = (q.get(engine) or {}).get(name)
                if not figures:
                    return "–"
                if figures.get("p50_ms") is None:
                    return f"> {cap:g} s cap"
                return f"{fmt(figures['p50_ms'], 1)} / {fmt(figures['p95_ms'], 1)} ({figures.get('answer')})"

            ratio = q.get("ratios", {}).get(name, {})
            rd = ratio.get("rdflib_over_ours")
            lines.append(
                f"| {r['size']:,} | {name} | {cell('lodfilm')} | {cell('oxigraph-memory')} | {cell('oxigraph-disk')} "
                f"| {cell('rdflib')} | {fmt(ratio.get('ours_over_oxigraph_memory'), 2)} "
                f"| {fmt(ratio.get('ours_over_oxigraph_disk'), 2)} "
                f"| {fmt(rd, 1) if not isinstance(rd, str) else '> cap'} |")
    machine_info = results[-1]["machine"] if results else {}
    if machine_info:
        lines += ["", f"Machine: {machine_info.get('cpus')} CPUs ({machine_info.get('cpu')}), "
                  f"{machine_info.get('memory_gb')} GB; Python {machine_info['versions'].get('python')}, "
                  f"pyoxigraph {machine_info['versions'].get('pyoxigraph')}, rdflib "
                  f"{machine_info['versions'].get('rdflib')}, pyshacl {machine_info['versions'].get('pyshacl')}."]
    return "\n".join(lines)


def newest_results(directory: Path) -> list[dict[str, Any]]:
    by_size: dict[int, tuple[str, dict[str, Any]]] = {}
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        size = int(data["size"])
        if size not in by_size or path.name >= by_size[size][0]:
            by_size[size] = (path.name, data)
    return [by_size[s][1] for s in sorted(by_size)]


def write_section(readme: Path, start: str, end: str, body: str, heading: str | None = None) -> None:
    """Put ``body`` between the ``start`` and ``end`` markers of ``readme``; where the markers are missing, add
    them under ``heading`` at the end (or refuse, without a heading)."""
    text = readme.read_text(encoding="utf-8")
    section = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + section + rest.split(end, 1)[1]
    elif heading is not None:
        text += f"\n## {heading}\n\n{section}\n"
    else:
        raise SystemExit(f"{readme} has no {start} … {end} markers")
    readme.write_text(text, encoding="utf-8")


def update_readme(readme: Path, directory: Path) -> None:
    write_section(readme, START, END, table(newest_results(directory)))


# -- command line --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated film counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS, help="where result JSON files go")
    parser.add_argument("--readme", type=Path, default=None,
                        help="README whose table to regenerate [default: bench/README.md when --out is bench/results]")
    parser.add_argument("--work", type=Path, default=None, help="folder for generated data and stores [tmp]")
    parser.add_argument("--keep", action="store_true", help="keep the generated data and stores")
    parser.add_argument("--import-formats", default="page,yaml",
                        help="formats to import (the first one's store is queried and served)")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each query (after one warm-up)")
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument("--rdflib-repeat", type=int, default=3)
    parser.add_argument("--rdflib-cap", type=float, default=60.0, help="seconds an rdflib query may run")
    parser.add_argument("--rdflib-max-size", type=int, default=10_000, help="no rdflib above this many films")
    parser.add_argument("--requests", type=int, default=2000, help="requests per page kind and phase")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=120.0,
                        help="a page phase stops sending requests after this long")
    parser.add_argument("--threads", type=int, default=8, help="lodfilm serve --threads")
    parser.add_argument("--table-only", action="store_true", help="only regenerate the README table")
    args = parser.parse_args(argv)
    args.import_formats = [f for f in args.import_formats.split(",") if f]
    readme = args.readme or (README if args.out.resolve() == RESULTS else None)
    if args.table_only:
        update_readme(readme or README, args.out)
        return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    if os.environ.get("CI") and any(s > CI_MAX_SIZE for s in sizes):
        raise SystemExit(f"sizes above {CI_MAX_SIZE:,} never run in CI")
    args.out.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        result = run_size(size, args)
        path = args.out / f"{result['date']}-{size}.json"
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        log(f"{size}: wrote {path}")
        if readme is not None:
            update_readme(readme, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Shared fixtures: the real data in ``data/``, real stores on disk, the real CLI, a real SPARQL server."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result

from lodfilm.cli import main
from lodfilm.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SEED_PAGE = DATA / "illegal-2010.txt"
SEED_YAML = DATA / "illegal-2010.yaml"
LUX_TABLE = DATA / "lux-selection.csv"
#: the team's shared data set, laid beside a clone in CI (``.ci/run``); a clone on its own has only ``data/``
SHARED_DATA = ROOT.parent / "shared" / "data"
BASE = "http://films.example.org/"


def shared_or_bundled(name: str) -> Path:
    """The shared data set's file ``name`` where it lies beside the clone, else the copy bundled in ``data/``:
    the bundled files are copies of the shared ones, so a fresh clone tests the same table."""
    shared = SHARED_DATA / name
    return shared if shared.is_file() else DATA / name


#: the real LUX table (the shared one where present)
SHARED_LUX_TABLE = shared_or_bundled("lux-selection.csv")
#: every copy of the LUX table there is to check: the bundled one always, the shared one where it is beside us
LUX_TABLES = {name: path for name, path in (("shared", SHARED_DATA / "lux-selection.csv"), ("bundled", LUX_TABLE))
              if path.is_file()}

Cli = Callable[..., Result]


@pytest.fixture
def cli() -> Cli:
    """Run ``lodfilm ARGS...`` in-process; stderr is kept apart from stdout."""
    runner = CliRunner()

    def run(*args: str | Path, input: str | None = None) -> Result:
        return runner.invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)

    return run


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


def select(cli: Cli, store: Path, query: str) -> list[dict[str, str]]:
    """Rows of a SELECT run through ``lodfilm query``, as {variable: value}."""
    result = cli("query", "--store", store, "--format", "json", query)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


def ask(cli: Cli, store: Path, query: str) -> bool:
    result = cli("query", "--store", store, "--format", "json", query)
    assert result.exit_code == 0, result.stderr
    return bool(json.loads(result.stdout)["boolean"])


def default_graph(store: EmbeddedStore) -> set[str]:
    """The merged default graph of an open embedded store, as N-Triples lines."""
    return {f"{q.subject} {q.predicate} {q.object} ."
            for q in store._store.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def imported_store(tmp_path_factory: pytest.TempPathFactory, name: str, base: str, *paths: Path) -> Path:
    """A new store holding ``paths``, imported by the real CLI (for module-scoped fixtures)."""
    store = tmp_path_factory.mktemp(name) / "store"
    result = CliRunner().invoke(main, ["import", "--store", str(store), "--base", base, *map(str, paths)])
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding only the seed page."""
    return imported_store(tmp_path_factory, "seed", BASE, SEED_PAGE)


# -- a real SPARQL 1.1 server -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SparqlServer:
    """An Oxigraph server the tests started on 127.0.0.1: its query and update URLs (the SPARQL 1.1 Protocol's
    two services, at ``/query`` and ``/update``)."""

    root: str  # http://127.0.0.1:PORT

    @property
    def query_url(self) -> str:
        return f"{self.root}/query"

    @property
    def update_url(self) -> str:
        return f"{self.root}/update"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def die_with_pytest() -> None:
    """In the child, before it runs: ask Linux to send SIGTERM when the test run's process dies, so a test run
    killed outright (``kill -9``, a CI time-out) leaves no server behind."""
    if sys.platform == "linux":
        import ctypes

        PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlServer]:
    """The Oxigraph server of PyPI's ``oxigraph`` package (a test extra), on a free port of 127.0.0.1 with its
    database in a temporary folder; polled until it answers, stopped at the end of the run."""
    binary = Path(sysconfig.get_path("scripts")) / "oxigraph"
    assert binary.is_file(), f"{binary} is missing: install the test extras (pip install -e '.[test]')"
    root = tmp_path_factory.mktemp("oxigraph")
    port = free_port()
    server = SparqlServer(f"http://127.0.0.1:{port}")
    log = root / "oxigraph.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(binary), "serve", "--location", str(root / "db"), "--bind", f"127.0.0.1:{port}"],
            stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_pytest)
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 itself, whatever *_proxy says
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"the Oxigraph server exited:\n{log.read_text()}"
            try:
                with direct.open(f"{server.query_url}?query=ASK%7B%7D", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            assert time.monotonic() < deadline, f"the Oxigraph server did not answer within 30 s:\n{log.read_text()}"
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

"""The run command as a newcomer uses it (issue 13, point 7), piece by piece: the store path resolved once, the
base IRI a store keeps and a new store's following ``--port``, what ``serve`` prints, digests as their RFCs
define them, dump files a separate web server can read, no ``.part`` left by a killed writer, the VoID for a
browser. Real stores on disk, the real app, real ``lodfilm serve`` and ``lodfilm dump`` processes on 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from flask.testing import FlaskClient

from lodfilm.publish.dumps import HOST, remove_stale_parts
from lodfilm.settings import Settings
from lodfilm.web import close_app, create_app
from tests.conftest import SEED_PAGE, SEED_YAML, Cli
from tests.test_server import fetch, free_port, stop

BASE = "http://films.example.org/"


def env_without_lodfilm(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LODFILM_")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def seed_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serving")
    done = subprocess.run([sys.executable, "-m", "lodfilm", "import", "--store", str(root / "store"), "--base", BASE,
                           "--no-progress", str(SEED_PAGE)], capture_output=True, text=True, env=env_without_lodfilm(),
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return root / "store"


# -- the store path ------------------------------------------------------------------------------------------


def test_a_relative_store_is_resolved_once_against_the_starting_folder(
        seed_store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(seed_store_dir.parent)
    settings = Settings.load(store="store", base=BASE)
    assert settings.store == seed_store_dir and settings.store.is_absolute()
    monkeypatch.chdir("/")  # where the server runs from later must not matter
    app = create_app(settings)
    try:
        client = app.test_client()
        for name in ("lodfilm.nt.gz", "lodfilm.nq.gz", "lodfilm.ttl", "lodfilm.jsonld"):
            with client.get(f"/dumps/{name}") as response:  # was 500: FileNotFoundError under lodfilm/web/
                assert response.status_code == 200, name
    finally:
        close_app(app)


# -- digests, modes, stale parts ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(seed_store_dir: Path) -> Iterator[FlaskClient]:
    old = os.umask(0o022)
    app = create_app(Settings(store=seed_store_dir, base=BASE))
    try:
        yield app.test_client()
    finally:
        os.umask(old)
        close_app(app)


def b64_sha256(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def test_a_dump_carries_its_digests_in_base64_as_the_rfcs_define(client: FlaskClient) -> None:
    with client.get("/dumps/lodfilm.ttl") as response:
        body = response.get_data()
        digest = b64_sha256(body)
        assert response.headers["Content-Digest"] == f"sha-256=:{digest}:"  # RFC 9530: a structured byte sequence
        assert response.headers["Repr-Digest"] == f"sha-256=:{digest}:"
        assert response.headers["Digest"] == f"SHA-256={digest}"  # RFC 3230, algorithm from RFC 5843


def test_a_range_of_a_dump_says_the_whole_files_digest_but_no_content_digest(client: FlaskClient) -> None:
    with client.get("/dumps/lodfilm.ttl") as whole:
        digest = b64_sha256(whole.get_data())
    with client.get("/dumps/lodfilm.ttl", headers={"Range": "bytes=0-9"}) as part:
        assert part.status_code == 206 and len(part.get_data()) == 10
        assert part.headers["Repr-Digest"] == f"sha-256=:{digest}:"
        assert "Content-Digest" not in part.headers  # it would have to be the digest of these ten bytes


def test_dump_files_get_the_umasks_usual_mode(client: FlaskClient, seed_store_dir: Path, cli: Cli,
                                              tmp_path: Path) -> None:
    with client.get("/dumps/lodfilm.nt.gz"):
        pass
    served = list((seed_store_dir / "dumps").glob("*/lodfilm.*"))
    assert served and {f.stat().st_mode & 0o777 for f in served} == {0o644}  # was 0600 (mkstemp)
    old = os.umask(0o027)
    try:
        result = cli("dump", "--store", seed_store_dir, "--output", tmp_path / "out.nt")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out.nt").stat().st_mode & 0o777 == 0o640


WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from lodfilm.publish.dumps import write_atomically

    def write(out):
        out.write(b"half a dump")
        out.flush()
        print("writing", flush=True)
        time.sleep(600)
        return 0

    write_atomically(Path(sys.argv[1]), write)
""")


def start_writer(target: Path) -> subprocess.Popen[str]:
    """A real writer of ``target`` (the code every dump goes through), stopped half-way through its write."""
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "writing\n"
    return process


def parts(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}.*.part"))


def test_a_dump_killed_half_way_leaves_no_part_once_the_next_dump_runs(seed_store_dir: Path, cli: Cli,
                                                                       tmp_path: Path) -> None:
    target = tmp_path / "dump.nt"
    live = start_writer(target)  # a writer still at work, which the next dump must not disturb
    killed = start_writer(target)
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        running = next(p for p in parts(target) if f".{HOST}.{live.pid}." in p.name)
        stale = next(p for p in parts(target) if f".{HOST}.{killed.pid}." in p.name)  # what a kill leaves
        result = cli("dump", "--store", seed_store_dir, "--output", target)
        assert result.exit_code == 0, result.stderr
        assert not stale.exists()  # the dead writer's file is gone
        assert running.exists()  # a live writer's is not touched
        assert target.read_bytes().count(b"\n") > 100
    finally:
        for process in (live, killed):
            process.kill()
            process.wait()
            assert process.stdout is not None
            process.stdout.close()
    assert remove_stale_parts(target) == [running]
    assert parts(target) == []


# -- the VoID for a browser ----------------------------------------------------------------------------------


def test_the_void_has_an_html_view_and_stays_turtle_for_harvesters(client: FlaskClient) -> None:
    with client.get("/.well-known/void", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}) as page:
        assert page.status_code == 200 and page.mimetype == "text/html"  # was 406
        text = page.get_data(as_text=True)
        assert "<h1>lodfilm</h1>" in text and 'href="/dumps/lodfilm.nt.gz"' in text and 'href="/sparql"' in text
    for accept in ({}, {"Accept": "*/*"}, {"Accept": "text/turtle"}):
        with client.get("/.well-known/void", headers=accept) as data:
            assert data.mimetype == "text/turtle", accept
            graph = rdflib.Graph().parse(data=data.get_data(), format="turtle")
            assert (rdflib.URIRef(f"{BASE}.well-known/void#dataset"), rdflib.RDF.type,
                    rdflib.URIRef("http://rdfs.org/ns/void#Dataset")) in graph


# -- the base IRI: what a store keeps, what serve prints ------------------------------------------------------


def test_an_import_without_base_keeps_the_stores_base(tmp_path: Path, cli: Cli,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LODFILM_BASE", raising=False)
    store = tmp_path / "store"
    assert cli("import", "--store", store, "--base", "https://archive.example.org/lod/", SEED_PAGE).exit_code == 0
    assert cli("import", "--store", store, "--no-progress", SEED_YAML).exit_code == 0  # no --base: was :8080
    result = cli("query", "--store", store, "--format", "csv", "SELECT DISTINCT ?f WHERE { ?f a schema:Movie }")
    assert result.stdout.split() == ["f", "https://archive.example.org/lod/film/illegal-2010"]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    started: list[subprocess.Popen[bytes]] = []

    def run(*args: str, env: dict[str, str] | None = None) -> tuple[str, str, subprocess.Popen[bytes]]:
        """Start ``lodfilm serve ARGS``; once it answers: its address as printed, everything it printed, and the
        process."""
        log = tmp_path / f"serve-{len(started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen([sys.executable, "-m", "lodfilm", "serve", *args], stdout=out,
                                       stderr=subprocess.STDOUT, env=env or env_without_lodfilm(), cwd=tmp_path)
        started.append(process)
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, log.read_text()
            printed = log.read_text()
            lines = [line for line in printed.splitlines() if line.startswith("Serving ")]
            if lines:
                address = lines[0].split()[1]
                try:
                    if fetch(address, timeout=2).status == 200:
                        return address, printed, process
                except OSError:
                    pass
            assert time.monotonic() < deadline, printed
            time.sleep(0.2)

    yield run
    for process in started:
        stop(process)


def test_a_new_store_served_on_a_port_mints_its_iris_there_and_keeps_them(serve: object, tmp_path: Path) -> None:
    run = serve  # type: ignore[assignment]
    port, other = free_port(), free_port()
    address, printed, first = run("--store", str(tmp_path / "store"), "--port", str(port))  # type: ignore[operator]
    assert address == f"http://127.0.0.1:{port}/"
    assert "Note:" not in printed  # localhost and 127.0.0.1 on one port are this server
    turtle = fetch(f"{address}film/illegal-2010.ttl").body.decode()
    assert f"<http://localhost:{port}/film/illegal-2010>" in turtle  # was :8080, whatever --port said
    stop(first)
    address, printed, _ = run("--store", str(tmp_path / "store"), "--port", str(other))  # type: ignore[operator]
    assert address == f"http://127.0.0.1:{other}/"
    assert f"the data's IRIs are under http://localhost:{port}/, which is not this address" in printed
    page = fetch(f"{address}film/illegal-2010", headers={"Accept": "text/html"})
    assert page.status == 200  # the store's base is remembered: its films are found
    assert 'href="/person/olivier-masset-depasse"' in page.body.decode()
    assert f"IRI <code>http://localhost:{port}/film/illegal-2010</code>" in page.body.decode()


def test_serve_honours_lodfilm_port_and_says_when_base_is_elsewhere(serve: object, tmp_path: Path) -> None:
    run = serve  # type: ignore[assignment]
    port = free_port()
    env = env_without_lodfilm(LODFILM_PORT=str(port), LODFILM_BASE="https://films.example.org/lod/")
    address, printed, _ = run("--store", str(tmp_path / "store"), env=env)  # type: ignore[operator]
    assert address == f"http://127.0.0.1:{port}/lod/"
    assert "the data's IRIs are under https://films.example.org/lod/, which is not this address" in printed
    page = fetch(address, headers={"Accept": "text/html"}).body.decode()
    assert 'action="/lod/search"' in page and 'href="/lod/films"' in page


def test_serve_warns_when_the_base_asked_for_is_not_the_stores(serve: object, seed_store_dir: Path,
                                                               tmp_path: Path) -> None:
    run = serve  # type: ignore[assignment]
    port = free_port()
    _, printed, _ = run("--store", str(seed_store_dir), "--port", str(port),  # type: ignore[operator]
                        "--base", f"http://localhost:{port}/")
    assert (f"Warning: the store's IRIs were minted under {BASE}, not http://localhost:{port}/ (--base)"
            in printed)

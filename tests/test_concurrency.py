"""Imports while the server is serving: readers see each film old or new, never a mix, and no request fails."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib

SDO = rdflib.Namespace("http://schema.org/")

VERSIONS = {
    # runtime → the one cast member that version has; a mix would pair a runtime with the other's actor
    95: "Anne Coesens",
    96: "Olga Zhdanova",
}


def record(runtime: int) -> str:
    return (f"title: Illégal\nyear: 2010\ndirectors: [Olivier Masset-Depasse]\nruntime_minutes: {runtime}\n"
            f"cast: ['{VERSIONS[runtime]} (Tania)']\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lodfilm(*args: str) -> list[str]:
    return [sys.executable, "-m", "lodfilm", *args]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    store, source = tmp_path / "store", tmp_path / "illegal.yaml"
    source.write_text(record(95), encoding="utf-8")
    subprocess.run(lodfilm("import", "--store", str(store), "--base", base, str(source)), check=True,
                   capture_output=True, timeout=120)
    process = subprocess.Popen(lodfilm("serve", "--store", str(store), "--base", base, "--port", str(port)),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base, timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        yield base, store, source
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_readers_see_old_or_new_never_a_mix_and_no_request_fails(server: tuple[str, Path, Path]) -> None:
    base, store, source = server
    film = f"{base}film/illegal-2010"
    seen: set[int] = set()
    failures: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                request = urllib.request.Request(film, headers={"Accept": "application/n-triples"})
                with urllib.request.urlopen(request, timeout=10) as response:
                    graph = rdflib.Graph().parse(data=response.read(), format="nt")
            except Exception as error:  # noqa: BLE001 - every failure is the finding
                failures.append(repr(error))
                continue
            duration = str(graph.value(rdflib.URIRef(film), SDO.duration))
            runtime = {"PT1H35M": 95, "PT1H36M": 96}.get(duration)
            actors = {str(o) for o in graph.objects(None, SDO.name)}
            if runtime is None or VERSIONS[runtime] not in actors or VERSIONS[191 - runtime] in actors:
                failures.append(f"mixed or unknown version: {duration} with {sorted(actors)}")
            else:
                seen.add(runtime)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    try:
        for runtime in (96, 95, 96, 95, 96):
            source.write_text(record(runtime), encoding="utf-8")
            done = subprocess.run(lodfilm("import", "--no-progress", "--store", str(store), "--base", base,
                                          str(source)), capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            time.sleep(1.3)  # the server looks for a new checkpoint at most once a second
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=30)
    assert failures == []
    assert seen == {95, 96}

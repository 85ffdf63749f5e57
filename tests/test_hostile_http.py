"""Hostile and broken HTTP clients against a real ``lodfilm serve`` on 127.0.0.1: idle connections by the
thousand, paths that are no IRI, oversized request lines, headers and bodies, chunk sizes that lie, and
preconditions (``If-Match``, ``If-Unmodified-Since``) — each must get an HTTP answer or a timely close, and the
site must keep answering pages.

The server runs with a 3 s idle timeout (``LODFILM_IDLE_TIMEOUT``) so the timeout tests are quick, and starts
with a soft limit of 1024 open files, as many systems give a process: the server must raise it itself.
Raw sockets where the exact bytes matter; ``http.client`` where a plain client's experience does.
"""

from __future__ import annotations

import http.client
import os
import resource
import selectors
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from lodfilm.web.errors import NotAnIri
from lodfilm.web.resources import check_iri
from tests.conftest import DATA
from tests.test_server import Reply, fetch, free_port, local_port, lodfilm, stop

IDLE_TIMEOUT = 3.0  # seconds, LODFILM_IDLE_TIMEOUT for the server
SWEEP = 1.0  # how often the server looks for idle connections at that timeout (a quarter of it, at most 5 s)
IDLE_CONNECTIONS = 1000
PAGE_SECONDS = 1.0  # what the issue asks of pages while the site is under attack
OLD_DATE = "Mon, 01 Jan 2001 00:00:00 GMT"


def raise_own_open_files(wanted: int) -> None:
    """This test process holds the idle connections' other ends: it needs as many file descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        assert hard == resource.RLIM_INFINITY or hard >= wanted, f"ulimit -Hn is {hard}; these tests need {wanted}"
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def low_open_files() -> None:
    """Start the server as many systems start a process: a soft limit of 1024 open files."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024 if hard == resource.RLIM_INFINITY else min(1024, hard), hard))


class Site:
    def __init__(self, base: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.base = base
        self.process = process
        self.log = log
        self.port, _ = local_port(base)

    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    raise_own_open_files(IDLE_CONNECTIONS + 512)
    root = tmp_path_factory.mktemp("hostile-http")
    store = root / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LODFILM_")}
    env["LODFILM_IDLE_TIMEOUT"] = str(IDLE_TIMEOUT)
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    imported = subprocess.run(lodfilm("import", "--store", store, "--base", base, "--no-progress", DATA),
                              capture_output=True, text=True, env=env, timeout=120)
    assert imported.returncode == 0, imported.stderr
    log = root / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            lodfilm("serve", "--store", store, "--base", base, "--host", "127.0.0.1", "--port", port),
            stdout=out, stderr=subprocess.STDOUT, env=env, preexec_fn=low_open_files)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"lodfilm serve exited:\n{log.read_text()}"
            try:
                if fetch(base, timeout=2).status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"lodfilm serve did not answer within 30 s:\n{log.read_text()}"
            time.sleep(0.1)
        yield Site(base, process, log)
    finally:
        stop(process)


def timed(url: str, **headers: str) -> tuple[Reply, float]:
    start = time.monotonic()
    reply = fetch(url, headers=headers, timeout=10)
    return reply, time.monotonic() - start


PAGES = ["film/illegal-2010", "films", "", "person/olivier-masset-depasse", "dumps/"]


def pages_answer_quickly(site: Site) -> None:
    for path in PAGES:
        reply, seconds = timed(site.url(path), Accept="text/html")
        assert reply.status == 200, (path, reply.status)
        assert seconds < PAGE_SECONDS, f"/{path} took {seconds:.2f} s"


def connect(site: Site, data: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", site.port), timeout=10)
    sock.sendall(data)
    return sock


def wait_for_close(socks: list[socket.socket], deadline: float) -> dict[socket.socket, tuple[float, bytes]]:
    """When each socket saw the server's FIN (or reset), and what it received before, until ``deadline``."""
    selector = selectors.DefaultSelector()
    received: dict[socket.socket, bytes] = {}
    for sock in socks:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        received[sock] = b""
    closed: dict[socket.socket, tuple[float, bytes]] = {}
    while len(closed) < len(socks) and time.monotonic() < deadline:
        for key, _ in selector.select(0.2):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if data:
                received[sock] += data
            else:
                closed[sock] = (time.monotonic(), received[sock])
                selector.unregister(sock)
    selector.close()
    return closed


# -- idle connections ------------------------------------------------------------------------------------------


def test_a_thousand_idle_connections_leave_pages_answering_and_are_closed_after_the_timeout(site: Site) -> None:
    # 110 of these took every connection of waitress's default 100; past fd 1024, select() would fail.
    for path in PAGES:  # cached, as pages are on a running site
        assert fetch(site.url(path), headers={"Accept": "text/html"}).status == 200
    socks = []
    try:
        first = time.monotonic()
        for _ in range(IDLE_CONNECTIONS):
            socks.append(connect(site, b"GET /film/illegal-2010 HT"))  # half a request line, then nothing
        last = time.monotonic()
        pages_answer_quickly(site)
        assert time.monotonic() < first + IDLE_TIMEOUT, "the pages took longer than the idle timeout"
        closed = wait_for_close(socks, last + IDLE_TIMEOUT + SWEEP + 5)
        assert len(closed) == IDLE_CONNECTIONS, f"{IDLE_CONNECTIONS - len(closed)} idle connections still open"
        assert min(when for when, _ in closed.values()) >= first + IDLE_TIMEOUT - 0.1  # none closed early
        assert all(data == b"" for _, data in closed.values())  # closed, not answered: nothing was asked
    finally:
        for sock in socks:
            sock.close()
    pages_answer_quickly(site)


# -- paths that are no IRI -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path, reason", [
    ("/film/%zz", "Invalid IRI percent encoding '%zz'"),
    ("/film/%", "Invalid IRI percent encoding '%'"),
    ("/film/%ff%fe", "not UTF-8 (0xff)"),
    ("/film/x%00y", "Invalid IRI code point"),
    ("/film/%zz.ttl", "Invalid IRI percent encoding '%zz"),
    ("/person/%zz", "Invalid IRI percent encoding '%zz'"),
    ("/organization/%ff%fe", "not UTF-8 (0xff)"),
    ("/award/lux-prize-%", "Invalid IRI percent encoding '%'"),
    ("/record/x%00y", "Invalid IRI code point"),
    ("/country/%C3%28", "not UTF-8 (0xc3)"),
    ("/person/a%20b", "Invalid IRI code point ' '"),
])
def test_a_resource_path_that_is_no_iri_is_a_400_naming_it(site: Site, path: str, reason: str) -> None:
    reply = fetch(site.url(path))
    assert reply.status == 400, (path, reply.status, reply.body[:300])
    assert f"{path}: not an IRI: " in reply.text
    assert reason in reply.text


@pytest.mark.parametrize("path, status", [
    ("/dumps/%zz", 404),
    ("/dumps/%ff%fe", 404),
    ("/dumps/lodfilm.nt.gz%00", 404),
    ("/search?q=%ff", 200),
    ("/search?q=%zz", 200),
    ("/search?q=%", 200),
    ("/films?page=%zz", 400),  # not a page number (issue 15)
    ("/people?page=%ff", 400),
    ("/sparql?query=%ff", 400),
    ("/sparql?query=%zz", 400),
    ("/%ff", 404),
])
def test_malformed_percent_encoding_elsewhere_is_never_a_500(site: Site, path: str, status: int) -> None:
    reply = fetch(site.url(path), headers={"Accept": "text/html"})
    assert reply.status == status, (path, reply.status, reply.body[:300])


def test_not_an_iri_carries_the_path_and_the_reason() -> None:
    with Flask(__name__).test_request_context("/film/%zz"), pytest.raises(NotAnIri) as raised:
        check_iri("http://films.example.org/film/%zz")
    assert raised.value.path == "/film/%zz"
    assert raised.value.reason == "Invalid IRI percent encoding '%zz'"
    assert str(raised.value) == "/film/%zz: not an IRI: Invalid IRI percent encoding '%zz'"


# -- oversized requests ------------------------------------------------------------------------------------------------


def status_of(data: bytes) -> int:
    assert data.startswith(b"HTTP/1."), data[:200]
    return int(data.split(b" ", 2)[1])


def exchange(site: Site, data: bytes, timeout: float = 10) -> tuple[bytes, float]:
    """Send ``data`` whole, then read until the server closes; the answer and how long it took."""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", site.port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer, time.monotonic() - start


def request_head(target: str, *lines: str) -> bytes:
    return (f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + "".join(
        f"{line}\r\n" for line in lines) + "\r\n").encode()


def test_a_path_over_8_kb_is_a_414(site: Site) -> None:
    answer, _ = exchange(site, request_head("/film/" + "a" * 9000))
    assert status_of(answer) == 414
    assert b"POST" in answer  # says what to do instead
    long_query = "/sparql?query=" + "%20" * 3000 + "ASK%7B%7D"
    assert status_of(exchange(site, request_head(long_query))[0]) == 414


@pytest.mark.parametrize("head", [
    request_head("/film/" + "a" * 100_000),  # a request line past the header limit
    request_head("/", "X-Big: " + "a" * 100_000),
    request_head("/", *(f"X-Many-{i}: {'a' * 100}" for i in range(1000))),
])
def test_a_header_section_over_64_kb_is_a_431(site: Site, head: bytes) -> None:
    assert status_of(exchange(site, head)[0]) == 431


def test_a_60_kb_accept_header_is_the_apps_400(site: Site) -> None:
    accept = ", ".join(f"application/x-type-{i};q=0.{i % 9 + 1}" for i in range(2000))
    assert 50_000 < len(accept) < 64 * 1024 - 1000
    assert status_of(exchange(site, request_head("/film/illegal-2010", f"Accept: {accept}"))[0]) == 400


@pytest.mark.parametrize("size", [3 * 1024 * 1024, 10 * 1024 * 1024, 40 * 1024 * 1024])
def test_a_big_body_sent_whole_gets_the_413_not_a_reset(site: Site, size: int) -> None:
    # http.client writes the whole body before it reads: the server must read on after refusing it, or the
    # client's unread bytes make the system reset the connection under the 413.
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=30)
    try:
        connection.request("POST", "/sparql", body=b"#" * size, headers={"Content-Type": "application/sparql-query"})
        response = connection.getresponse()
        assert response.status == 413
        response.read()
    finally:
        connection.close()
    pages_answer_quickly(site)


def test_a_big_header_sent_whole_gets_the_431_not_a_reset(site: Site) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=30)
    try:
        connection.request("GET", "/", headers={"X-Big": "a" * 10_000_000})
        assert connection.getresponse().status == 431
    finally:
        connection.close()


CHUNKED = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
           b"Accept: application/sparql-results+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")


def test_a_chunked_body_over_the_limit_is_a_413(site: Site) -> None:
    chunk = b"#" * 65536
    body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 48 + b"0\r\n\r\n"  # 3 MB in 64 KB chunks
    assert status_of(exchange(site, CHUNKED + body)[0]) == 413
    medium = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 24 + b"0\r\n\r\n"  # 1.5 MB: the app's own 413
    assert status_of(exchange(site, CHUNKED + medium)[0]) == 413


def test_an_honest_chunked_query_is_answered(site: Site) -> None:
    answer, _ = exchange(site, CHUNKED + b"6\r\nASK {}\r\n0\r\n\r\n", timeout=30)
    assert status_of(answer) == 200 and b'"boolean"' in answer


def test_a_chunk_size_that_is_not_hex_is_a_400_at_once(site: Site) -> None:
    answer, seconds = exchange(site, CHUNKED + b"zz\r\nASK {}\r\n0\r\n\r\n")
    assert status_of(answer) == 400
    assert seconds < PAGE_SECONDS


LYING = [
    CHUNKED + b"ffffffffffffffffffff\r\nASK {}",  # a chunk of 2**80 bytes, 6 sent
    CHUNKED + b"100\r\nASK {}",  # 256 promised, 6 sent
    CHUNKED + b"1" * 1000,  # a size line that never ends
    CHUNKED.replace(b"Transfer-Encoding: chunked", b"Content-Length: 1000") + b"ASK {}",  # 1000 promised, 6 sent
]


def test_bodies_that_promise_more_than_they_send_hold_no_thread_and_time_out(site: Site) -> None:
    # Three times the server's 8 request threads: were any of these waiting in a thread, pages would wait too.
    first = time.monotonic()
    socks = [connect(site, LYING[i % len(LYING)]) for i in range(24)]
    try:
        sent = time.monotonic()
        pages_answer_quickly(site)
        closed = wait_for_close(socks, sent + IDLE_TIMEOUT + SWEEP + 5)
        assert len(closed) == len(socks), f"{len(socks) - len(closed)} connections still open"
        assert min(when for when, _ in closed.values()) >= first + IDLE_TIMEOUT - 0.1
        assert all(data == b"" for _, data in closed.values())
    finally:
        for sock in socks:
            sock.close()


@pytest.mark.parametrize("data", LYING)
def test_a_client_that_closes_after_a_short_body_is_let_go_at_once(site: Site, data: bytes) -> None:
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        start = time.monotonic()
        assert sock.recv(65536) == b""  # no answer to an incomplete request: closed
        assert time.monotonic() - start < PAGE_SECONDS
    pages_answer_quickly(site)


# -- preconditions ------------------------------------------------------------------------------------------------

CONDITIONAL = ["film/illegal-2010", "film/illegal-2010.ttl", "person/olivier-masset-depasse", "dumps/lodfilm.nt.gz",
               "dumps/lodfilm.ttl", "dumps/", "films", "people?page=2", ".well-known/void"]


def validators(site: Site, path: str) -> tuple[str, str]:
    reply = fetch(site.url(path))
    assert reply.status == 200 and reply.body
    etag, modified = reply.header("ETag"), reply.header("Last-Modified")
    assert etag.startswith('"') and modified.endswith("GMT"), (etag, modified)
    return etag, modified


@pytest.mark.parametrize("path", CONDITIONAL)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("headers", [
    {"If-Match": "junk"},
    {"If-Match": '"junk"'},
    {"If-Match": '"junk", W/ETAG'},  # If-Match compares strongly: a weak tag never matches
    {"If-Unmodified-Since": OLD_DATE},
    {"If-Match": "junk", "If-None-Match": "ETAG"},  # If-Match is decided first (RFC 9110 §13.2.2)
    {"If-Unmodified-Since": OLD_DATE, "If-Modified-Since": OLD_DATE},
], ids=["junk", "quoted-junk", "weak", "old-date", "before-if-none-match", "before-if-modified-since"])
def test_a_failed_precondition_is_a_412_without_a_body(site: Site, path: str, method: str,
                                                        headers: dict[str, str]) -> None:
    etag, _ = validators(site, path)
    sent = {name: value.replace("ETAG", etag) for name, value in headers.items()}
    reply = fetch(site.url(path), method, sent)
    assert reply.status == 412, (path, sent, reply.status)
    assert reply.body == b""
    assert reply.header("Content-Length") in ("0", "")


@pytest.mark.parametrize("path", CONDITIONAL)
def test_preconditions_that_hold_still_get_200_or_304(site: Site, path: str) -> None:
    etag, modified = validators(site, path)
    for headers in ({"If-Match": etag}, {"If-Match": "*"}, {"If-Match": f'"junk", {etag}'},
                    {"If-Unmodified-Since": modified}, {"If-Unmodified-Since": "not a date"},
                    {"If-Match": etag, "If-Unmodified-Since": OLD_DATE}):  # If-Match given: the date is ignored
        reply = fetch(site.url(path), headers=headers)
        assert reply.status == 200 and reply.body, (path, headers, reply.status)
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": modified}, {"If-None-Match": "*"},
                    {"If-Match": etag, "If-None-Match": etag}, {"If-Unmodified-Since": modified,
                                                                "If-Modified-Since": modified}):
        reply = fetch(site.url(path), headers=headers)
        assert reply.status == 304 and reply.body == b"", (path, headers, reply.status)
        assert reply.header("ETag") == etag


def test_a_range_of_a_dump_still_works_and_yields_to_if_match(site: Site) -> None:
    etag, _ = validators(site, "dumps/lodfilm.ttl")
    part = fetch(site.url("dumps/lodfilm.ttl"), headers={"Range": "bytes=0-9", "If-Match": etag})
    assert part.status == 206 and len(part.body) == 10
    refused = fetch(site.url("dumps/lodfilm.ttl"), headers={"Range": "bytes=0-9", "If-Match": '"junk"'})
    assert refused.status == 412 and refused.body == b""


def test_preconditions_do_not_turn_a_404_into_a_412(site: Site) -> None:
    assert fetch(site.url("film/no-such-film-1900"), headers={"If-Match": "junk"}).status == 404
    assert fetch(site.url("dumps/no-such.nt"), headers={"If-Unmodified-Since": OLD_DATE}).status == 404

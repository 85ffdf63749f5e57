"""A time limit on SPARQL queries that really holds: each query runs in a worker process that can be killed.

pyoxigraph has no query cancel or timeout, and a runaway query (a cross product, ``ORDER BY`` over everything)
runs to the end. So the web's queries run in a small pool of worker processes, each reading the store's newest
checkpoint read-only; when a query passes its limit the worker is killed and replaced, the client gets a clear
error, and the other workers — and every page, which the server answers itself — go on. A worker also has an
address-space cap, so a query that would exhaust memory ends that worker, not the machine.

A worker also runs the guard's parse (:meth:`lodfilm.store.guard.Guard.check`): 2-30 ms of CPU that would
otherwise hold the page threads' GIL. And, where the system allows it, a worker has **no network at all**: before
it opens anything it moves into a network namespace of its own (``unshare(CLONE_NEWNET)`` as root, with
``CLONE_NEWUSER`` too otherwise), where no interface is up and ``connect`` fails with ``ENETUNREACH``. So a
``SERVICE`` the guard missed fetches nothing. Where that is not possible the pool says so once, in the log.

Workers die with their server: each asks the kernel for ``SIGKILL`` when its parent goes
(``PR_SET_PDEATHSIG``), and exits at once if its parent is already gone. The kernel sends that signal when the
*thread* that started the process ends, so every worker is started by one thread the pool owns for its lifetime,
never by a request thread.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import multiprocessing
import os
import queue
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from lodfilm.errors import LodfilmError, QueryError, QueryRefused, QueryTimeout, StoreError, UsageError
from lodfilm.store.base import QueryResult
from lodfilm.store.guard import Guard, Parsed

log = logging.getLogger("lodfilm.store.workers")

CLONE_NEWUSER = 0x10000000  # <linux/sched.h>
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@dataclass(frozen=True)
class Check:
    """Parse a decoded query and refuse what must not run (the guard's slow half); answered with :class:`Parsed`."""

    text: str
    guard: Guard


@dataclass(frozen=True)
class Job:
    """Run a decoded query on a checkpoint; answered with :class:`QueryResult`. With a ``guard``, the worker
    checks the text first (the caller found a word that needs the parse); without, it runs it as it is."""

    snapshot: str
    text: str
    select_format: str | None
    graph_format: str | None
    max_rows: int | None
    max_triples: int | None = None
    guard: Guard | None = None


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent goes; exit now if it has gone already."""
    if sys.platform.startswith("linux"):
        _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)


def isolate_network() -> str | None:
    """Move this process into a network namespace of its own, with no interface up. None when done (and checked:
    ``127.0.0.1`` is unreachable), else why not. Must run while the process has one thread: a user namespace
    cannot be entered otherwise, and a namespace is taken by the calling thread alone."""
    if not sys.platform.startswith("linux"):
        return "network namespaces are Linux only"
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        return f"the worker already runs {threads} threads"
    try:
        libc = _libc()
    except OSError as exc:
        return f"libc cannot be loaded ({exc})"
    reasons = []
    for flags, call in ((CLONE_NEWNET, "unshare(CLONE_NEWNET)"),
                        (CLONE_NEWUSER | CLONE_NEWNET, "unshare(CLONE_NEWUSER | CLONE_NEWNET)")):
        if libc.unshare(flags) == 0:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                result = probe.connect_ex(("127.0.0.1", 9))
            if result == errno.ENETUNREACH:
                return None
            return f"{call} succeeded but 127.0.0.1 is still reachable ({os.strerror(result)})"
        reasons.append(f"{call}: {os.strerror(ctypes.get_errno())}")
    return "; ".join(reasons)


def _work(conn: Connection, parent: int, memory_bytes: int | None) -> None:
    """The worker's loop: answer each :class:`Check` or :class:`Job` with ("ok", value) or (error name, message)."""
    die_with_parent(parent)
    network = isolate_network()  # before anything opens a file or starts a thread
    import resource

    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    import pyoxigraph as ox

    from lodfilm.store.results import execute

    Guard("http://localhost/").check("ASK {}")  # load rdflib's grammar now, not in a query's time
    conn.send(("ready", network))
    stores: dict[str, ox.Store] = {}
    while True:
        try:
            message: Check | Job | None = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        try:
            if isinstance(message, Check):
                conn.send(("ok", message.guard.check(message.text)))
                continue
            parsed = message.guard.check(message.text) if message.guard else None
            store = stores.get(message.snapshot)
            if store is None:
                stores.clear()  # an older checkpoint is no longer wanted
                store = stores[message.snapshot] = ox.Store.read_only(message.snapshot)
            result = execute(store, message.text, select_format=message.select_format,
                             graph_format=message.graph_format, max_rows=message.max_rows,
                             max_triples=message.max_triples, parsed=parsed)
            conn.send(("ok", result))
        except LodfilmError as error:
            conn.send((type(error).__name__, str(error)))
        except MemoryError:
            conn.send(("QueryError", "the query needed more memory than a query may use"))
        except Exception as error:  # noqa: BLE001 - reported to the client as a failed query, worker lives on
            conn.send(("QueryError", f"the query failed: {error}"))


class Worker:
    def __init__(self, context: Any, memory_bytes: int | None) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_work, args=(child, os.getpid(), memory_bytes), daemon=True,
                                       name="lodfilm-query")
        self.process.start()
        child.close()
        self.ready = False
        #: None once the worker said it has no network; why it has, otherwise
        self.network: str | None = "not started yet"

    def wait_ready(self, timeout: float) -> float:
        """Wait for a new worker to finish starting (importing its modules); the seconds it took."""
        if self.ready:
            return 0.0
        started = time.monotonic()
        if not self.conn.poll(timeout):
            raise StoreError(f"a query worker did not start within {timeout:g} s")
        status, self.network = self.conn.recv()
        if status != "ready":
            raise StoreError("a query worker failed to start")
        self.ready = True
        return time.monotonic() - started

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


BOOT_TIMEOUT = 60.0  # seconds a new worker may take to start (not counted in any query's time limit)
ERRORS: dict[str, type[LodfilmError]] = {"QueryError": QueryError, "QueryRefused": QueryRefused,
                                         "UsageError": UsageError}


class QueryWorkers:
    """A pool of ``size`` query processes with a per-query time limit in seconds."""

    def __init__(self, size: int = 2, *, timeout: float = 10.0, memory_mb: int | None = 4096) -> None:
        self.timeout = timeout
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self._memory = memory_mb * 1024 * 1024 if memory_mb else None
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._all: list[Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        #: None once a worker said it has no network, the reason when one said it has; unknown before
        self.network: str | None = "unknown until a worker has started"
        self._told = False
        self._spawns: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._spawner = threading.Thread(target=self._spawn, name="lodfilm-query-spawner", daemon=True)
        self._spawner.start()
        for _ in range(size):
            self._spawns.put(True)

    def _spawn(self) -> None:
        """The one thread that starts workers, alive as long as the pool (see the module's docstring)."""
        while self._spawns.get():
            try:
                worker = Worker(self._context, self._memory)
            except OSError as exc:  # out of processes or memory: say so, try again shortly
                log.error("cannot start a query worker: %s", exc)
                time.sleep(1)
                self._spawns.put(True)
                continue
            with self._lock:
                if self._closed:
                    worker.kill()
                    continue
                self._all.append(worker)
            self._idle.put(worker)

    def _replace(self, worker: Worker) -> None:
        worker.kill()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
        self._spawns.put(True)

    def _started(self, worker: Worker) -> float:
        """Wait for ``worker`` to be ready; say once if workers reach the network. The seconds it took."""
        took = worker.wait_ready(BOOT_TIMEOUT)
        if not self._told:
            self._told = True
            self.network = worker.network
            if worker.network is not None:
                log.warning("query workers have network access (%s): the endpoint's refusal of SERVICE is then "
                            "the only thing between a query and other servers", worker.network)
        return took

    def _call(self, message: Check | Job, limit: float) -> Any:
        deadline = time.monotonic() + limit
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty:
            raise QueryTimeout(f"the server is busy: no query could start within {limit:g} s") from None
        try:
            # A worker started for this query, or to replace a killed one, may still be importing: that time is
            # not the query's, so it is added to the query's deadline.
            deadline += self._started(worker)
            worker.conn.send(message)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                self._replace(worker)
                raise QueryTimeout(f"the query ran past the {limit:g} s time limit and was stopped")
            status, payload = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            raise QueryError("the query stopped its worker (it may have needed too much memory)") from None
        except QueryTimeout:
            raise
        except BaseException:
            self._replace(worker)
            raise
        self._idle.put(worker)
        if status == "ok":
            return payload
        raise ERRORS.get(status, QueryError)(payload)

    def run(self, snapshot: Path, text: str, *, select_format: str | None, graph_format: str | None,
            max_rows: int | None = None, max_triples: int | None = None, guard: Guard | None = None,
            timeout: float | None = None) -> QueryResult:
        """Run a decoded query on ``snapshot``, checked by ``guard`` first when given (in the same worker)."""
        result = self._call(Job(str(snapshot), text, select_format, graph_format, max_rows, max_triples, guard),
                            self.timeout if timeout is None else timeout)
        assert isinstance(result, QueryResult)
        return result

    def check(self, text: str, guard: Guard, *, timeout: float | None = None) -> Parsed:
        """The guard's parse of a decoded query, made in a worker (for a store whose queries run elsewhere)."""
        parsed = self._call(Check(text, guard), self.timeout if timeout is None else timeout)
        assert isinstance(parsed, Parsed)
        return parsed

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all = self._all, []
        for worker in workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
            worker.process.join(2)
            if worker.process.is_alive():
                worker.kill()
        self._spawns.put(False)
        self._spawner.join(5)

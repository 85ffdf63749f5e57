"""A time limit on SPARQL queries that really holds: each query runs in a worker process that can be killed.

pyoxigraph has no query cancel or timeout, and a runaway query (a cross product, ``ORDER BY`` over everything)
runs to the end. So the web's queries run in a small pool of worker processes, each reading the store's newest
checkpoint read-only; when a query passes its limit the worker is killed and replaced, the client gets a clear
error, and the other workers — and every page, which the server answers itself — go on. A worker also has an
address-space cap, so a query that would exhaust memory ends that worker, not the machine.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from lodfilm.errors import LodfilmError, QueryError, QueryTimeout, StoreError, UsageError
from lodfilm.store.base import QueryResult


@dataclass(frozen=True)
class Job:
    snapshot: str
    text: str
    select_format: str | None
    graph_format: str | None
    max_rows: int | None


def _work(conn: Connection, memory_bytes: int | None) -> None:
    """The worker's loop: open checkpoints as jobs name them, answer each job with ("ok", result) or an error."""
    import resource

    import pyoxigraph as ox

    from lodfilm.store.results import execute

    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    conn.send(("ready", None))
    stores: dict[str, ox.Store] = {}
    while True:
        try:
            job: Job | None = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            store = stores.get(job.snapshot)
            if store is None:
                stores.clear()  # an older checkpoint is no longer wanted
                store = stores[job.snapshot] = ox.Store.read_only(job.snapshot)
            result = execute(store, job.text, select_format=job.select_format, graph_format=job.graph_format,
                             max_rows=job.max_rows)
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
        self.process = context.Process(target=_work, args=(child, memory_bytes), daemon=True, name="lodfilm-query")
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self, timeout: float) -> float:
        """Wait for a new worker to finish starting (importing its modules); the seconds it took."""
        if self.ready:
            return 0.0
        started = time.monotonic()
        if not self.conn.poll(timeout) or self.conn.recv()[0] != "ready":
            raise StoreError(f"a query worker did not start within {timeout:g} s")
        self.ready = True
        return time.monotonic() - started

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


BOOT_TIMEOUT = 60.0  # seconds a new worker may take to start (not counted in any query's time limit)
ERRORS: dict[str, type[LodfilmError]] = {"QueryError": QueryError, "UsageError": UsageError}


class QueryWorkers:
    """A pool of ``size`` query processes with a per-query time limit in seconds."""

    def __init__(self, size: int = 2, *, timeout: float = 10.0, memory_mb: int | None = 4096) -> None:
        self.timeout = timeout
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self._memory = memory_mb * 1024 * 1024 if memory_mb else None
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._all: list[Worker] = []
        self._lock = threading.Lock()
        for _ in range(size):
            self._add()

    def _add(self) -> None:
        worker = Worker(self._context, self._memory)
        with self._lock:
            self._all.append(worker)
        self._idle.put(worker)

    def _replace(self, worker: Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.remove(worker)
        self._add()

    def run(self, snapshot: Path, text: str, *, select_format: str | None, graph_format: str | None,
            max_rows: int | None = None, timeout: float | None = None) -> QueryResult:
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty:
            raise QueryTimeout(f"the server is busy: no query could start within {limit:g} s") from None
        try:
            # A worker started for this query, or to replace a killed one, may still be importing: that time is
            # not the query's, so it is added to the query's deadline.
            deadline += worker.wait_ready(BOOT_TIMEOUT)
            worker.conn.send(Job(str(snapshot), text, select_format, graph_format, max_rows))
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
            assert isinstance(payload, QueryResult)
            return payload
        raise ERRORS.get(status, QueryError)(payload)

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
            worker.process.join(2)
            if worker.process.is_alive():
                worker.kill()

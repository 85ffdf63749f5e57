"""VALIDATE: each record's graph against the SHACL shapes in ``shapes/``, before anything is stored.

Shapes are parsed (and compiled, :mod:`lodfilm.checks`) once per process; pyshacl judges the records the compiled
checks flag. A violation is reported as (field, message) where the field is the property
shape's ``sh:name`` — the record field a person would fix — so the CLI's one line names the field, not a path.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SH

from lodfilm.checks import compiled
from lodfilm.settings import bundled


@lru_cache(maxsize=4)
def shapes(folder: Path | None = None) -> Graph:
    """Every ``*.ttl`` file in the shapes folder, as one graph."""
    graph = Graph()
    for path in sorted((folder or bundled("shapes")).glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def violations(data: Graph, shapes_graph: Graph | None = None) -> list[tuple[str, str]]:
    """(field, message) for every shape the graph breaks; empty when it conforms."""
    shapes_graph = shapes_graph if shapes_graph is not None else shapes()
    import pyshacl  # loaded by the first record the compiled checks flag: most imports never need it

    conforms, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes_graph,
        inference="none",
        advanced=False,
        allow_warnings=False,
        meta_shacl=False,
        debug=False,
    )
    if conforms:
        return []
    assert isinstance(report, Graph)
    out: list[tuple[str, str]] = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        shape = report.value(result, SH.sourceShape)
        name = shapes_graph.value(shape, SH.name) if shape is not None else None
        path = report.value(result, SH.resultPath)
        focus = report.value(result, SH.focusNode)
        value = report.value(result, SH.value)
        message = str(report.value(result, SH.resultMessage) or "breaks a shape")
        detail = f" (node <{focus}>" + (f", value {value.n3()}" if value is not None else "") + ")"
        field = (
            str(name)
            if name is not None
            else (str(path).rsplit("/", 1)[-1] if path is not None else "record")
        )
        out.append((field, message + detail))
    return sorted(out)


def first_problems(records: list[bytes]) -> dict[int, tuple[str, str]]:
    """The first violation of each record (N-Triples) that breaks a shape, by its index in ``records``.

    The shapes compiled to Python (:mod:`lodfilm.checks`) pick out the records that may break a shape, in a
    fraction of a millisecond each; pyshacl then checks those alone, has the last word, and says why. When the
    shapes use a feature the compiler does not know, pyshacl checks every record: first all of them merged (its
    cost is mostly per run, not per triple), then, when the merge breaks a shape, each alone — so a rejection is
    always the record's own and names its own field. A plain function of bytes, so a worker process can run it.
    """
    if not records:
        return {}
    checks = compiled()
    if checks is not None:
        suspects = sorted(checks.flagged(records))
    elif len(records) > 1 and not violations(Graph().parse(data=b"\n".join(records), format="nt")):
        return {}
    else:
        suspects = list(range(len(records)))
    out: dict[int, tuple[str, str]] = {}
    for index in suspects:
        problems = violations(Graph().parse(data=records[index], format="nt"))
        if problems:
            field_name, message = problems[0]
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            out[index] = (field_name, message + more)
    return out


def exit_with_parent(parent: int) -> None:
    """In a worker: leave when the importing process is gone (killed mid-import), instead of lingering."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


class Validator:
    """Validates batches in worker processes so both cores work during a large import: the main process reads,
    maps and writes while workers run the checks. The first batch is checked in-process (a small import never
    pays for starting workers)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._submitted = 0

    def submit(self, records: list[bytes]) -> Future[dict[int, tuple[str, str]]]:
        self._submitted += 1
        if self.workers < 1 or self._submitted == 1:
            done: Future[dict[int, tuple[str, str]]] = Future()
            done.set_result(first_problems(records))
            return done
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=exit_with_parent, initargs=(os.getpid(),))
        return self._pool.submit(first_problems, records)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

"""VALIDATE: each record's graph against the SHACL shapes in ``shapes/``, before anything is stored.

Shapes are parsed once per process. A violation is reported as (field, message) where the field is the property
shape's ``sh:name`` — the record field a person would fix — so the CLI's one line names the field, not a path.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyshacl
from rdflib import Graph
from rdflib.namespace import SH

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

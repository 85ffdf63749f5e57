"""The SHACL shapes compiled to Python checks: the import's fast test of whether a record conforms.

pyshacl interprets the shapes for every record, about 25 ms of CPU a film, which bounds an import at a few dozen
films a second a core. The shapes do not change during an import, so they are compiled once into plain functions
over an index of the record's triples (a fraction of a millisecond a film). Each constraint component is
implemented as the SHACL Core text defines it (https://www.w3.org/TR/shacl/#core-components), and where SHACL
leaves a choice (regular expressions, well-formed literals) as pyshacl does it (Python's ``re``; rdflib's literal
parsing).

The compiled checks only ever decide that a record *conforms*. A record they flag is checked again by pyshacl,
which has the last word and whose report names the field and says why. Shapes that use a SHACL feature this
compiler does not know are refused as a whole (:class:`Unsupported`): every record then goes to pyshacl, so a
faster check that could miss a violation is never used. ``tests/test_checks.py`` holds the compiled checks to
pyshacl's verdict on broken variants of real records.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Value = Callable[["Data", Term], bool]  # does this value node conform?
Focus = Callable[["Data", Term], bool]  # does this focus node conform?

# Shape parameters that change nothing about whether a node conforms.
DESCRIPTIVE = {SH.name, SH.description, SH.message, SH.order, SH.group, SH.severity, SH.defaultValue, RDF.type,
               RDFS.label, RDFS.comment}
TARGETS = {SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf}
COUNTS = {SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount}
VALUE_PARAMETERS: set[Node] = {SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH.flags, SH.minLength, SH.maxLength,
                    SH["in"], SH["or"], SH["and"], SH["not"], SH.xone, SH.node}
NODE_KINDS: dict[Node, tuple[type, ...]] = {
    SH.IRI: (ox.NamedNode,),
    SH.Literal: (ox.Literal,),
    SH.BlankNode: (ox.BlankNode,),
    SH.BlankNodeOrIRI: (ox.BlankNode, ox.NamedNode),
    SH.BlankNodeOrLiteral: (ox.BlankNode, ox.Literal),
    SH.IRIOrLiteral: (ox.NamedNode, ox.Literal),
}
# The Python value a well-formed literal of these datatypes parses to (as pyshacl checks it).
PYTHON_VALUES: dict[str, type | tuple[type, ...]] = {
    str(XSD.integer): int, str(XSD.float): float, str(XSD.decimal): Decimal, str(XSD.boolean): bool,
    str(XSD.date): date, str(XSD.time): time, str(XSD.dateTime): datetime,
}
RDF_TYPE = ox.NamedNode(str(RDF.type))
SUBCLASS_OF = ox.NamedNode(str(RDFS.subClassOf))
XSD_STRING = str(XSD.string)
LANG_STRING = str(RDF.langString)


class Unsupported(Exception):
    """The shapes use a SHACL feature the compiler does not translate; pyshacl must check every record."""


class Data:
    """One record's triples, indexed for the checks: by subject and predicate, by object, and by class."""

    __slots__ = ("out", "into", "_instances")

    def __init__(self, triples: Iterable[ox.Triple | ox.Quad]) -> None:
        self.out: dict[Term, dict[ox.NamedNode, list[Term]]] = {}
        self.into: dict[Term, dict[ox.NamedNode, list[Term]]] = {}
        types: dict[Term, set[Term]] = {}
        subclasses: dict[Term, set[Term]] = {}
        for t in triples:
            s, p, o = t.subject, t.predicate, t.object
            self.out.setdefault(s, {}).setdefault(p, []).append(o)  # type: ignore[arg-type]
            self.into.setdefault(o, {}).setdefault(p, []).append(s)  # type: ignore[arg-type]
            if p == RDF_TYPE:
                types.setdefault(o, set()).add(s)  # type: ignore[arg-type]
            elif p == SUBCLASS_OF:
                subclasses.setdefault(o, set()).add(s)  # type: ignore[arg-type]
        self._instances: dict[Term, set[Term]] = {}
        for cls in types:  # SHACL instances: rdf:type/rdfs:subClassOf* in the data graph
            self._instances[cls] = set(types[cls])
        if subclasses:
            for cls in {*types, *subclasses}:
                seen, todo, members = {cls}, [cls], set(types.get(cls, ()))
                while todo:
                    for sub in subclasses.get(todo.pop(), ()):
                        if sub not in seen:
                            seen.add(sub)
                            todo.append(sub)
                            members |= types.get(sub, set())
                self._instances[cls] = members

    def instances(self, cls: Term) -> set[Term]:
        return self._instances.get(cls, set())

    def objects(self, node: Term, predicate: ox.NamedNode) -> list[Term]:
        return self.out.get(node, {}).get(predicate, [])

    def subjects(self, node: Term, predicate: ox.NamedNode) -> list[Term]:
        return self.into.get(node, {}).get(predicate, [])


def term(node: Node) -> Term:
    """A shapes-graph (rdflib) term as the pyoxigraph term the data holds."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype or XSD.string)))
    raise Unsupported(f"a blank node as a value in a shape: {node!r}")


@lru_cache(maxsize=65536)
def well_formed(lexical: str, datatype: str) -> bool:
    """Whether a literal of ``datatype`` is well formed, by rdflib's parsing (what pyshacl relies on)."""
    literal = Literal(lexical, datatype=URIRef(datatype))
    if getattr(literal, "ill_typed", None) is True:
        return False
    expected = PYTHON_VALUES.get(datatype)
    if expected is None:
        return True
    value = literal.value
    if expected is date:  # a datetime is a date to Python, not to XSD
        return isinstance(value, date) and not isinstance(value, datetime)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def lexical(value: Term) -> str | None:
    """The string SHACL's string-based constraints read (None for blank nodes, which never match)."""
    if isinstance(value, ox.BlankNode):
        return None
    return value.value


def number(node: Node) -> int:
    """A whole-number shape parameter (sh:minCount 1)."""
    if not isinstance(node, Literal) or not isinstance(node.toPython(), int):
        raise Unsupported(f"a count that is not a whole number: {node!r}")
    return int(node.toPython())


def kind_test(kinds: tuple[type, ...]) -> Value:
    return lambda data, v: isinstance(v, kinds)


def length_test(limit: int, *, at_least: bool) -> Value:
    def test(data: Data, v: Term) -> bool:
        text = lexical(v)
        return text is not None and (len(text) >= limit if at_least else len(text) <= limit)

    return test


def in_test(members: frozenset[Term]) -> Value:
    return lambda data, v: v in members


def count_test(tests: list[Value], wanted: Callable[[int], bool]) -> Value:
    """True when the number of ``tests`` a value passes is ``wanted`` (sh:or, sh:not, sh:xone)."""
    return lambda data, v: wanted(sum(1 for test in tests if test(data, v)))


def all_test(tests: list[Value]) -> Value:
    """True when a value passes every test (stopping at the first failure)."""
    return lambda data, v: all(test(data, v) for test in tests)


class Compiler:
    """Turns the shapes in one shapes graph into functions."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes

    def items(self, node: Node) -> list[Node]:
        return list(Collection(self.shapes, node))

    def parameters(self, shape: Node) -> set[Node]:
        return {p for p in self.shapes.predicates(shape) if p not in DESCRIPTIVE}

    def deactivated(self, shape: Node) -> bool:
        return self.shapes.value(shape, SH.deactivated) == Literal(True)

    # -- paths -------------------------------------------------------------------------------------------------
    def path(self, node: Node) -> Callable[[Data, Term], list[Term]]:
        if isinstance(node, URIRef):
            predicate = ox.NamedNode(str(node))
            return lambda data, focus: data.objects(focus, predicate)
        if (node, RDF.first, None) in self.shapes:
            steps = [self.path(step) for step in self.items(node)]

            def sequence(data: Data, focus: Term) -> list[Term]:
                nodes = [focus]
                for step in steps:
                    nodes = list(dict.fromkeys(v for n in nodes for v in step(data, n)))
                return nodes

            return sequence
        inverse = self.shapes.value(node, SH.inversePath)
        if isinstance(inverse, URIRef):
            predicate = ox.NamedNode(str(inverse))
            return lambda data, focus: data.subjects(focus, predicate)
        alternatives = self.shapes.value(node, SH.alternativePath)
        if alternatives is not None:
            options = [self.path(step) for step in self.items(alternatives)]
            return lambda data, focus: list(dict.fromkeys(v for option in options for v in option(data, focus)))
        for parameter, zero, many in ((SH.zeroOrMorePath, True, True), (SH.oneOrMorePath, False, True),
                                      (SH.zeroOrOnePath, True, False)):
            inner_node = self.shapes.value(node, parameter)
            if inner_node is not None:
                return self.repeat(self.path(inner_node), zero, many)
        raise Unsupported(f"a path the compiler does not know: {node!r}")

    @staticmethod
    def repeat(step: Callable[[Data, Term], list[Term]], zero: bool,
               many: bool) -> Callable[[Data, Term], list[Term]]:
        def walk(data: Data, focus: Term) -> list[Term]:
            found: dict[Term, None] = {focus: None} if zero else {}
            frontier = [focus]
            while frontier:
                following = [v for n in frontier for v in step(data, n)]
                frontier = [v for v in following if v not in found]
                found.update(dict.fromkeys(frontier))
                if not many:
                    break
            return list(found)

        return walk

    # -- value conditions --------------------------------------------------------------------------------------
    def condition(self, shape: Node, allowed: set[Node] = VALUE_PARAMETERS) -> list[Value]:
        """Functions true when a value conforms to each of ``shape``'s value-wise constraints."""
        unknown = self.parameters(shape) - allowed - {SH.path, SH.deactivated}
        if unknown:
            raise Unsupported(f"parameters the compiler does not know: {sorted(str(p) for p in unknown)}")
        tests: list[Value] = []
        for cls in self.shapes.objects(shape, SH["class"]):
            tests.append(self.class_test(term(cls)))
        for datatype in self.shapes.objects(shape, SH.datatype):
            tests.append(self.datatype_test(str(datatype)))
        for kind in self.shapes.objects(shape, SH.nodeKind):
            if kind not in NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {kind}")
            kinds = NODE_KINDS[kind]
            tests.append(kind_test(kinds))
        flags = self.shapes.value(shape, SH.flags)
        re_flags = (re.I if "i" in str(flags).lower() else 0) | (re.M if "m" in str(flags).lower() else 0)
        for pattern in self.shapes.objects(shape, SH.pattern):
            tests.append(self.pattern_test(re.compile(str(pattern), re_flags if flags is not None else 0)))
        for minimum in self.shapes.objects(shape, SH.minLength):
            tests.append(length_test(number(minimum), at_least=True))
        for maximum in self.shapes.objects(shape, SH.maxLength):
            tests.append(length_test(number(maximum), at_least=False))
        for values in self.shapes.objects(shape, SH["in"]):
            members = frozenset(term(t) for t in self.items(values))
            tests.append(in_test(members))
        for listed in self.shapes.objects(shape, SH["or"]):
            options = [self.member(m) for m in self.items(listed)]
            tests.append(count_test(options, lambda n: n >= 1))
        for listed in self.shapes.objects(shape, SH["and"]):
            tests.extend(self.member(m) for m in self.items(listed))
        for other in self.shapes.objects(shape, SH["not"]):
            tests.append(count_test([self.member(other)], lambda n: n == 0))
        for listed in self.shapes.objects(shape, SH.xone):
            options = [self.member(m) for m in self.items(listed)]
            tests.append(count_test(options, lambda n: n == 1))
        for other in self.shapes.objects(shape, SH.node):
            tests.append(self.member(other))
        return tests

    @staticmethod
    def class_test(cls: Term) -> Value:
        return lambda data, v: v in data.instances(cls)

    @staticmethod
    def datatype_test(datatype: str) -> Value:
        if datatype in (XSD_STRING, LANG_STRING):
            return lambda data, v: isinstance(v, ox.Literal) and v.datatype.value == datatype
        return lambda data, v: (isinstance(v, ox.Literal) and v.datatype.value == datatype
                                and well_formed(v.value, datatype))

    @staticmethod
    def pattern_test(matcher: re.Pattern[str]) -> Value:
        return lambda data, v: (s := lexical(v)) is not None and matcher.search(s) is not None

    def member(self, shape: Node) -> Value:
        """A shape used as a value (in sh:or, sh:node …): only its value-wise constraints can be compiled."""
        if self.deactivated(shape):
            return lambda data, v: True
        return all_test(self.condition(shape))

    # -- shapes --------------------------------------------------------------------------------------------------
    def targets(self, shape: Node) -> Callable[[Data], set[Term]]:
        classes = [term(c) for c in self.shapes.objects(shape, SH.targetClass)]
        if (shape, RDF.type, RDFS.Class) in self.shapes:
            classes.append(term(shape))
        subjects_of = [ox.NamedNode(str(p)) for p in self.shapes.objects(shape, SH.targetSubjectsOf)]
        objects_of = [ox.NamedNode(str(p)) for p in self.shapes.objects(shape, SH.targetObjectsOf)]

        def focus_nodes(data: Data) -> set[Term]:
            nodes: set[Term] = set()
            for cls in classes:
                nodes |= data.instances(cls)
            for p in subjects_of:
                nodes |= {s for s, by in data.out.items() if p in by}
            for p in objects_of:
                nodes |= {o for o, by in data.into.items() if p in by}
            return nodes

        return focus_nodes

    def node_shapes(self) -> list[Node]:
        """Shapes with targets (SHACL validates only those, and the shapes they reach)."""
        with_targets = {s for p in TARGETS for s in self.shapes.subjects(p, None)}
        with_targets |= {s for s in self.shapes.subjects(RDF.type, RDFS.Class)
                         if (s, RDF.type, SH.NodeShape) in self.shapes}
        if any(True for _ in self.shapes.subjects(SH.targetNode, None)):
            raise Unsupported("sh:targetNode")
        return sorted(with_targets, key=str)

    def compile(self) -> list[tuple[Callable[[Data], set[Term]], Focus]]:
        compiled: list[tuple[Callable[[Data], set[Term]], Focus]] = []
        for shape in self.node_shapes():
            if self.deactivated(shape):
                continue
            tests = self.condition(shape, VALUE_PARAMETERS | TARGETS | {SH.property})
            tests_on_focus: list[Focus] = list(tests)
            for prop in self.shapes.objects(shape, SH.property):
                if not self.deactivated(prop):
                    tests_on_focus.append(self.property_test(prop))
            compiled.append((self.targets(shape), all_test(tests_on_focus)))
        return compiled

    def property_test(self, prop: Node) -> Focus:
        path_node = self.shapes.value(prop, SH.path)
        if path_node is None:
            raise Unsupported("a property shape without sh:path")
        path = self.path(path_node)
        values_ok = self.condition(prop, VALUE_PARAMETERS | COUNTS)
        minimum, maximum = self.shapes.value(prop, SH.minCount), self.shapes.value(prop, SH.maxCount)
        low = number(minimum) if minimum is not None else 0
        high = number(maximum) if maximum is not None else None
        qualified_node = self.shapes.value(prop, SH.qualifiedValueShape)
        qualified = self.member(qualified_node) if qualified_node is not None else None
        if qualified_node is not None and self.shapes.value(prop, SH.qualifiedValueShapesDisjoint) == Literal(True):
            raise Unsupported("sh:qualifiedValueShapesDisjoint")
        q_min_node = self.shapes.value(prop, SH.qualifiedMinCount)
        q_max_node = self.shapes.value(prop, SH.qualifiedMaxCount)
        q_min = number(q_min_node) if q_min_node is not None else None
        q_max = number(q_max_node) if q_max_node is not None else None

        def test(data: Data, focus: Term) -> bool:
            values = path(data, focus)
            if len(values) < low or (high is not None and len(values) > high):
                return False
            for check in values_ok:
                for v in values:
                    if not check(data, v):
                        return False
            if qualified is not None:
                conforming = sum(1 for v in values if qualified(data, v))
                if (q_min is not None and conforming < q_min) or (q_max is not None and conforming > q_max):
                    return False
            return True

        return test


class CompiledShapes:
    """The compiled checks of one shapes graph."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = Compiler(shapes).compile()

    def conforms(self, triples: Iterable[ox.Triple | ox.Quad]) -> bool:
        """Whether one record's graph conforms to every shape."""
        data = Data(triples)
        for focus_nodes, test in self.shapes:
            for node in focus_nodes(data):
                if not test(data, node):
                    return False
        return True

    def flagged(self, records: list[bytes]) -> set[int]:
        """Indexes of the records (N-Triples each) that break some shape."""
        return {index for index, data in enumerate(records)
                if not self.conforms(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))}


@lru_cache(maxsize=4)
def compiled(folder: Path | None = None) -> CompiledShapes | None:
    """The bundled (or ``folder``'s) shapes compiled, or None when they use what the compiler does not know."""
    from lodfilm.validation import shapes

    try:
        return CompiledShapes(shapes(folder))
    except Unsupported:
        return None


__all__ = ["CompiledShapes", "Compiler", "Data", "Unsupported", "compiled", "well_formed"]

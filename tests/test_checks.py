"""The compiled shapes (lodfilm.checks) agree with pyshacl: on every real record, on broken variants of the seed's
graph, and on small random graphs against shapes that use every SHACL component the compiler translates."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.namespace import RDF, SH

from lodfilm.checks import CompiledShapes, Compiler, Unsupported, compiled
from lodfilm.iris import Identities, Iris, record_key
from lodfilm.mapping import Mapper
from lodfilm.records import read_path
from lodfilm.validation import first_problems, shapes
from tests.conftest import BASE, DATA, SEED_PAGE

XSD = "http://www.w3.org/2001/XMLSchema#"
SCHEMA = "http://schema.org/"


def pyshacl_conforms(data: bytes, shapes_graph: Graph) -> bool:
    conforms, _, _ = pyshacl.validate(Graph().parse(data=data, format="nt"), shacl_graph=shapes_graph,
                                      inference="none", allow_warnings=False)
    return bool(conforms)


def record_lines(path: Path) -> list[list[str]]:
    """Each record in ``path`` mapped, as sorted N-Triples lines."""
    iris = Iris(BASE)
    mapper = Mapper(iris, Identities())
    out = []
    for index, result in enumerate(read_path(path)):
        assert result.film is not None, result.error
        _, graph = mapper.map(result.film, iris.record(record_key(path.name, str(index))), path.name)
        out.append(sorted(graph.lines))
    return out


SEED_LINES = record_lines(SEED_PAGE)[0]


def test_the_bundled_shapes_compile_one_check_per_node_shape() -> None:
    checks = compiled()
    assert checks is not None
    assert len(checks.shapes) == len(set(shapes().subjects(RDF.type, SH.NodeShape)))


@pytest.mark.parametrize("name", ["illegal-2010.txt", "illegal-2010.yaml", "lux-selection.csv"])
def test_every_bundled_record_conforms_by_both(name: str) -> None:
    checks = compiled()
    assert checks is not None
    records = ["\n".join(lines).encode() for lines in record_lines(DATA / name)]
    assert checks.flagged(records) == set()
    assert pyshacl_conforms(b"\n".join(records), shapes())


def test_a_broken_record_is_flagged_and_pyshacl_names_its_field() -> None:
    broken = [line for line in SEED_LINES if not line.startswith("<" + BASE + "film/") or
              f"<{SCHEMA}name>" not in line or "#" in line.split(" ")[0]]
    good = "\n".join(SEED_LINES).encode()
    problems = first_problems([good, "\n".join(broken).encode(), good])
    assert list(problems) == [1]
    assert problems[1][0] == "title"


# -- broken variants of the seed's graph ---------------------------------------------------------------------------

def seed_terms() -> tuple[list[str], list[str]]:
    """The IRIs and predicates that occur in the seed's graph, as N-Triples terms."""
    nodes: set[str] = set()
    predicates: set[str] = set()
    for t in ox.parse("\n".join(SEED_LINES).encode(), format=ox.RdfFormat.N_TRIPLES):
        nodes.add(str(t.subject))
        predicates.add(str(t.predicate))
        if isinstance(t.object, ox.NamedNode):
            nodes.add(str(t.object))
    return sorted(nodes), sorted(predicates)


NODES, PREDICATES = seed_terms()
CLASSES = sorted({f"<{o}>" for o in shapes().objects(None, None) if str(o).startswith(SCHEMA) and
                  str(o)[len(SCHEMA)].isupper()} | {"<https://ontology.fiafcore.org/AwardOrNominationEvent>",
                                                     "<http://www.w3.org/ns/prov#Entity>",
                                                     "<http://www.w3.org/ns/prov#Activity>"})
LITERALS = ['""', '"x"', '"x"@en', '"winner"', '"finalist"', f'"2010"^^<{XSD}gYear>', f'"20100"^^<{XSD}gYear>',
            f'"abc"^^<{XSD}gYear>', f'"PT1H35M"^^<{XSD}duration>', f'"P95"^^<{XSD}duration>',
            f'"true"^^<{XSD}boolean>', f'"maybe"^^<{XSD}boolean>', f'"2020-01-31"^^<{XSD}date>',
            f'"2020-13-01"^^<{XSD}date>', '"a@b.org"', '"a b@c"', '"FR"', '"fr"', '"FRA"', '"x"^^<http://e.org/dt>']
OBJECTS = st.one_of(st.sampled_from(NODES), st.sampled_from(LITERALS), st.sampled_from(CLASSES),
                    st.just("<https://ontology.fiafcore.org/Director>"), st.just("<https://example.org/Director>"),
                    st.just("_:b0"))
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

mutation = st.one_of(
    st.tuples(st.just("drop"), st.integers(0, len(SEED_LINES) - 1)),
    st.tuples(st.just("object"), st.integers(0, len(SEED_LINES) - 1), OBJECTS),
    st.tuples(st.just("add"), st.sampled_from(NODES + ["_:b0"]), st.sampled_from(PREDICATES), OBJECTS),
    st.tuples(st.just("type"), st.sampled_from(NODES + ["_:b0"]), st.sampled_from(CLASSES)),
)


def mutate(lines: list[str], changes: list[tuple]) -> list[str]:
    lines = list(lines)
    for change in changes:
        if change[0] == "drop" and lines:
            del lines[change[1] % len(lines)]
        elif change[0] == "object" and lines:
            index = change[1] % len(lines)
            subject, predicate, _ = lines[index].split(" ", 2)
            lines[index] = f"{subject} {predicate} {change[2]} ."
        elif change[0] == "add":
            lines.append(f"{change[1]} {change[2]} {change[3]} .")
        elif change[0] == "type":
            lines.append(f"{change[1]} {TYPE} {change[2]} .")
    return lines


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=4))
def test_compiled_checks_agree_with_pyshacl_on_broken_seed_graphs(changes: list[tuple]) -> None:
    checks = compiled()
    assert checks is not None
    data = "\n".join(mutate(SEED_LINES, changes)).encode()
    verdict = pyshacl_conforms(data, shapes())
    event(f"pyshacl: {'conforms' if verdict else 'violation'}")
    assert (checks.flagged([data]) == set()) == verdict


# -- every component the compiler knows, on small random graphs -------------------------------------------------

EVERY_COMPONENT = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:A a sh:NodeShape ; sh:targetClass ex:C ; sh:nodeKind sh:IRI ;
  sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:maxCount 2 ; sh:or ( [ sh:datatype xsd:string ]
                [ sh:datatype xsd:integer ] [ sh:class ex:D ] ) ] ,
              [ sh:path ( ex:p ex:q ) ; sh:maxCount 1 ; sh:nodeKind sh:Literal ] ,
              [ sh:path [ sh:inversePath ex:q ] ; sh:not [ sh:class ex:C ] ] ,
              [ sh:path [ sh:zeroOrMorePath ex:q ] ; sh:maxCount 3 ] ,
              [ sh:path [ sh:alternativePath ( ex:p ex:r ) ] ; sh:xone ( [ sh:nodeKind sh:BlankNodeOrIRI ]
                [ sh:minLength 2 ] ) ] ,
              [ sh:path ex:r ; sh:pattern "^a" ; sh:flags "i" ; sh:maxLength 3 ] ,
              [ sh:path ex:s ; sh:in ( "x" 1 ex:D ) ; sh:and ( [ sh:nodeKind sh:IRIOrLiteral ] ) ] ,
              [ sh:path ex:q ; sh:qualifiedValueShape [ sh:class ex:D ] ; sh:qualifiedMinCount 1 ;
                sh:qualifiedMaxCount 1 ] ,
              [ sh:path [ sh:oneOrMorePath ex:q ] ; sh:node ex:Named ] ,
              [ sh:path [ sh:zeroOrOnePath ex:r ] ; sh:datatype xsd:boolean ; sh:deactivated true ] .
ex:Named sh:nodeKind sh:BlankNodeOrIRI .
ex:B a sh:NodeShape ; sh:targetSubjectsOf ex:s ; sh:property [ sh:path ex:s ; sh:datatype xsd:date ] .
ex:E a sh:NodeShape ; sh:targetObjectsOf ex:r ; sh:class ex:D .
ex:D a rdfs:Class, sh:NodeShape ; sh:property [ sh:path ex:p ; sh:maxCount 1 ] .
"""
EX = "http://e.org/"
SMALL_NODES = [f"<{EX}{n}>" for n in ("n1", "n2", "n3")] + ["_:b1", "_:b2"]
SMALL_OBJECTS = SMALL_NODES + [f"<{EX}C>", f"<{EX}D>", f"<{EX}F>", '"x"', '"ab"', '"Abc"', '"abcd"', '""', '"x"@en',
                               f'"1"^^<{XSD}integer>', f'"01"^^<{XSD}integer>', f'"one"^^<{XSD}integer>',
                               f'"2020-02-30"^^<{XSD}date>', f'"2020-02-03"^^<{XSD}date>',
                               f'"true"^^<{XSD}boolean>']
SMALL_PREDICATES = [f"<{EX}{p}>" for p in "pqrs"] + [TYPE, "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"]
triple = st.tuples(st.sampled_from(SMALL_NODES), st.sampled_from(SMALL_PREDICATES), st.sampled_from(SMALL_OBJECTS))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(triple, min_size=1, max_size=12))
def test_compiled_checks_agree_with_pyshacl_on_every_component(triples: list[tuple[str, str, str]]) -> None:
    shapes_graph = Graph().parse(data=EVERY_COMPONENT, format="turtle")
    checks = CompiledShapes(shapes_graph)
    lines = [f"{s} {p} {o} ." for s, p, o in triples if not (p.endswith("subClassOf>") and o.startswith('"'))]
    data = "\n".join(lines).encode()
    verdict = pyshacl_conforms(data, shapes_graph)
    event(f"pyshacl: {'conforms' if verdict else 'violation'}")
    assert (checks.flagged([data]) == set()) == verdict


@pytest.mark.parametrize("shape", [
    "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .",
    "ex:S a sh:NodeShape ; sh:targetNode ex:n1 ; sh:nodeKind sh:IRI .",
    "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:uniqueLang true ] .",
    "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minInclusive 3 ] .",
    "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:hasValue ex:n1 ] .",
])
def test_shapes_the_compiler_does_not_know_are_refused(shape: str) -> None:
    text = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e.org/> .\n" + shape
    with pytest.raises(Unsupported):
        Compiler(Graph().parse(data=text, format="turtle")).compile()

"""The ontology (ontology/kg.ttl, kg.owl, shapes.ttl) and `kg validate` (kg/ontology.py).

Reasoner tests run the real HermiT (Java is needed); graphs are small hand-written Turtle files
in tests/data/ontology/, or mutations of the valid one.
"""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from conftest import SHARED, unavailable
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg import ontology
from kg.errors import GraphNotFound, KgError
from kg.models import CEASEFIRE_STATUSES
from kg.vocab import CEASEFIRE_STATUS, FOAF, KG, KGD, MEETING_MODE, MEETING_STATUS, NIF, OA, ORG, SCHEMA, SEM

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "ontology"
CONTRACT = SHARED / "spec" / "ontology-contract.md"
VANN = "http://purl.org/vocab/vann/"

DECLARATIONS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@pytest.fixture(scope="module")
def onto() -> Graph:
    return ontology.load_ontology_graph()


def _contract_terms() -> list[str]:
    """Local names in the first column of the class table and the second of the property table."""
    if not CONTRACT.is_file():
        return []
    names, section = [], None
    for line in CONTRACT.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip().lower()
        elif line.startswith("|") and not line.startswith("|---") and section in ("classes", "properties"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            cell = cells[0] if section == "classes" else cells[1] if len(cells) > 1 else ""
            found = re.findall(r"`([A-Za-z]+)`", cell)  # skips `rdfs:label`, `dcterms:`
            names.extend(found[:1] if section == "classes" else found)
    return sorted(set(names) - {"local"})


CONTRACT_TERMS = _contract_terms()


def _local(iri) -> str:
    return re.split(r"[#/]", str(iri))[-1]


def _declared(onto: Graph) -> dict[str, list[URIRef]]:
    by_name: dict[str, list[URIRef]] = {}
    for kind in DECLARATIONS:
        for term in onto.subjects(RDF.type, kind):
            if isinstance(term, URIRef):
                by_name.setdefault(_local(term), []).append(term)
    return by_name


def _has_definition(onto: Graph, term: URIRef) -> bool:
    return (term, SKOS.definition, None) in onto or (term, RDFS.comment, None) in onto


# --------------------------------------------------------------------------- declarations


@pytest.mark.parametrize("name", CONTRACT_TERMS or ["(no contract)"])
def test_ontology_declares_contract_term(onto, name):
    if not CONTRACT_TERMS:
        unavailable(f"the ontology contract is not at {CONTRACT} (../shared, or $KG_SHARED_DIR)")
    terms = _declared(onto).get(name, [])
    assert terms, f"contract term {name!r} is not declared in ontology/kg.ttl"
    # kg's own term when there is one (kg:Actor, not sem:Actor); else the borrowed one (rdfs:label)
    terms = [t for t in terms if t.startswith(str(KG._NS))] or terms
    for term in terms:
        assert (term, RDFS.label, None) in onto, f"{term} has no rdfs:label"
        assert _has_definition(onto, term), f"{term} has no skos:definition"


def test_ontology_contract_parsed():
    if not CONTRACT.is_file():
        unavailable(f"the ontology contract is not at {CONTRACT} (../shared, or $KG_SHARED_DIR)")
    assert {"Actor", "TextSpan", "participant", "beginIndex", "isString", "altLabel"} <= set(CONTRACT_TERMS)


_CONCEPTS = {*MEETING_STATUS.values(), *MEETING_MODE.values(), *CEASEFIRE_STATUS.values()}
_DATATYPE_PROPERTIES = {"title", "date", "dateText", "text", "meetingKind", "isQuote", "sentenceIndex",
                        "curationAction", "changedAttribute", "previousValue", "newValue", "reason"}
_DATATYPE_PROPERTIES |= {"rule", "isoCode", "cameoCode", "ploverMode"}  # interop (kg/codes.py)


def _vocab_kind(name: str) -> URIRef:
    """What vocab.KG's comments say each term is."""
    if name.endswith("Scheme"):
        return SKOS.ConceptScheme
    if KG[name] in _CONCEPTS:
        return SKOS.Concept
    if name[0].isupper():
        return OWL.Class
    return OWL.DatatypeProperty if name in _DATATYPE_PROPERTIES else OWL.ObjectProperty


@pytest.mark.parametrize("name", sorted(KG.__annotations__))
def test_ontology_declares_vocab_term(onto, name):
    term, kind = KG[name], _vocab_kind(name)
    assert (term, RDF.type, kind) in onto, f"kg:{name} is not declared as {kind} in ontology/kg.ttl"
    assert (term, RDFS.label, None) in onto, f"kg:{name} has no rdfs:label"
    assert _has_definition(onto, term), f"kg:{name} has no skos:definition"


@pytest.mark.parametrize("sub, relation, sup", [
    (KG.Actor, RDFS.subClassOf, PROV.Agent), (KG.Actor, RDFS.subClassOf, SEM.Actor),
    (KG.Person, RDFS.subClassOf, KG.Actor), (KG.Person, RDFS.subClassOf, FOAF.Person),
    (KG.Organization, RDFS.subClassOf, KG.Actor), (KG.Organization, RDFS.subClassOf, ORG.Organization),
    (KG.Country, RDFS.subClassOf, KG.Actor),
    (KG.Group, RDFS.subClassOf, KG.Actor), (KG.Group, RDFS.subClassOf, FOAF.Group),
    (KG.Role, RDFS.subClassOf, ORG.Membership),
    (KG.Meeting, RDFS.subClassOf, KG.Event), (KG.Ceasefire, RDFS.subClassOf, KG.Event),
    (KG.Event, RDFS.subClassOf, SEM.Event), (KG.Event, RDFS.subClassOf, SCHEMA.Event),
    (KG.Statement, RDFS.subClassOf, PROV.Entity),
    (KG.Document, RDFS.subClassOf, PROV.Entity), (KG.Document, RDFS.subClassOf, FOAF.Document),
    (KG.TextSpan, RDFS.subClassOf, NIF.String), (KG.TextSpan, RDFS.seeAlso, OA.TextQuoteSelector),
    (KG.Place, RDFS.subClassOf, SEM.Place),
    (KG.MeetingStatus, RDFS.subClassOf, SKOS.Concept), (KG.MeetingMode, RDFS.subClassOf, SKOS.Concept),
    (KG.CeasefireStatus, RDFS.subClassOf, SKOS.Concept),
    (KG.participant, RDFS.subPropertyOf, SEM.hasActor), (KG.location, RDFS.subPropertyOf, SEM.hasPlace),
    (KG.date, RDFS.subPropertyOf, SEM.hasTimeStamp), (KG.evidence, RDFS.subPropertyOf, PROV.wasDerivedFrom),
    (KG.document, RDFS.subPropertyOf, NIF.referenceContext), (KG.holder, RDFS.subPropertyOf, ORG.member),
    (KG.affiliation, RDFS.subPropertyOf, ORG.organization),
    (KG.speaker, RDFS.subPropertyOf, PROV.wasAttributedTo), (KG.text, RDFS.subPropertyOf, PROV.value),
    (KG.party, RDFS.subPropertyOf, SEM.hasActor), (KG.mediator, RDFS.subPropertyOf, SEM.hasActor),
], ids=lambda t: _local(t))
def test_ontology_alignment(onto, sub, relation, sup):
    assert (sub, relation, sup) in onto


@pytest.mark.parametrize("prop, domain, range_", [
    (KG.holder, KG.Role, KG.Actor), (KG.participant, KG.Meeting, KG.Actor),
    (KG.speaker, KG.Statement, KG.Actor), (KG.evidence, None, KG.TextSpan),
    (KG.document, KG.TextSpan, KG.Document), (KG.date, None, RDFS.Literal), (KG.isQuote, KG.Statement, XSD.boolean),
    (KG.sentenceIndex, KG.TextSpan, XSD.nonNegativeInteger), (NIF.beginIndex, None, XSD.nonNegativeInteger),
    (NIF.endIndex, None, XSD.nonNegativeInteger), (NIF.anchorOf, None, XSD.string),
], ids=lambda t: _local(t) if t is not None else "-")
def test_ontology_domain_and_range(onto, prop, domain, range_):
    assert onto.value(prop, RDFS.range) == range_
    if domain is not None:
        assert onto.value(prop, RDFS.domain) == domain
    else:
        assert onto.value(prop, RDFS.domain) is not None


def test_ontology_every_kg_property_is_documented(onto):
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in onto.subjects(RDF.type, kind):
            if str(prop).startswith(str(KG._NS)):
                for p in (RDFS.label, SKOS.definition, RDFS.domain, RDFS.range):
                    assert (prop, p, None) in onto, f"{prop} has no {p}"


def test_ontology_no_punning(onto):
    """owlready2 and HermiT choke on an IRI declared as two kinds of entity."""
    kinds: dict[URIRef, set] = {}
    for kind in DECLARATIONS:
        for term in onto.subjects(RDF.type, kind):
            kinds.setdefault(term, set()).add(kind)
    assert {t: k for t, k in kinds.items() if len(k) > 1} == {}


def test_ontology_every_predicate_of_the_data_is_declared(onto):
    """The data uses each borrowed property one way (annotation, datatype, object): declared so."""
    data = Graph().parse(DATA / "valid.ttl")
    declared = {t for kind in DECLARATIONS for t in onto.subjects(RDF.type, kind)}
    assert {p for p in data.predicates() if p != RDF.type} - declared == set()
    assert (RDFS.label, RDF.type, OWL.AnnotationProperty) in onto
    assert (DCTERMS.identifier, RDF.type, OWL.AnnotationProperty) in onto
    assert (NIF.beginIndex, RDF.type, OWL.DatatypeProperty) in onto


def test_ontology_no_cardinality_axioms(onto):
    """Counting belongs in shapes.ttl: cardinality restrictions make HermiT ~100x slower."""
    cardinalities = {OWL.cardinality, OWL.minCardinality, OWL.maxCardinality, OWL.qualifiedCardinality,
                     OWL.minQualifiedCardinality, OWL.maxQualifiedCardinality}
    assert [t for t in onto if t[1] in cardinalities] == []


@pytest.mark.parametrize("pair", [("Person", "Country"), ("Organization", "Group"), ("Actor", "Place"),
                                  ("Event", "Statement"), ("Document", "TextSpan"), ("Meeting", "Ceasefire"),
                                  ("MeetingStatus", "CeasefireStatus")], ids="-".join)
def test_ontology_disjointness(onto, pair):
    a, b = KG[pair[0]], KG[pair[1]]
    if (a, OWL.disjointWith, b) in onto or (b, OWL.disjointWith, a) in onto:
        return
    for node in onto.subjects(RDF.type, OWL.AllDisjointClasses):
        members = set(onto.items(onto.value(node, OWL.members)))
        if {a, b} <= members:
            return
    pytest.fail(f"{pair} are not declared disjoint")


def test_ontology_metadata(onto):
    iri = URIRef("https://w3id.org/kg-news/ontology")
    assert (iri, RDF.type, OWL.Ontology) in onto
    for p in (DCTERMS.title, DCTERMS.description, OWL.versionInfo, DCTERMS.license,
              URIRef(VANN + "preferredNamespacePrefix"), URIRef(VANN + "preferredNamespaceUri")):
        assert onto.value(iri, p) is not None, f"the ontology has no {p}"
    assert onto.value(iri, DCTERMS.creator) == Literal("kg")
    assert str(onto.value(iri, URIRef(VANN + "preferredNamespaceUri"))) == str(KG._NS)


# --------------------------------------------------------------------------- concept schemes


@pytest.mark.parametrize("scheme, cls, concepts", [
    (KG.MeetingStatusScheme, KG.MeetingStatus, MEETING_STATUS),
    (KG.MeetingModeScheme, KG.MeetingMode, MEETING_MODE),
    (KG.CeasefireStatusScheme, KG.CeasefireStatus, CEASEFIRE_STATUS),
], ids=lambda t: _local(t) if isinstance(t, URIRef) else "concepts")
def test_ontology_concept_scheme(onto, scheme, cls, concepts):
    assert (scheme, RDF.type, SKOS.ConceptScheme) in onto
    members = set(onto.subjects(SKOS.inScheme, scheme))
    assert members == set(concepts.values())
    labels = {str(onto.value(c, RDFS.label)) for c in members}
    assert labels == set(concepts)
    for label, concept in concepts.items():
        assert (concept, RDF.type, SKOS.Concept) in onto and (concept, RDF.type, cls) in onto
        assert onto.value(concept, RDFS.label) == Literal(label)  # plain: `rdfs:label "in person"` matches
        assert onto.value(concept, SKOS.prefLabel) == Literal(label)
        assert (scheme, SKOS.hasTopConcept, concept) in onto
        assert _has_definition(onto, concept)


def test_ontology_ceasefire_statuses_are_ordered(onto):
    by_notation = sorted(CEASEFIRE_STATUS.values(), key=lambda c: int(onto.value(c, SKOS.notation)))
    assert [str(onto.value(c, RDFS.label)) for c in by_notation] == list(CEASEFIRE_STATUSES)


# --------------------------------------------------------------------------- files


def test_ontology_rdfxml_is_isomorphic_to_turtle(onto):
    owl = Graph().parse(ontology.rdfxml_path(), format="xml")
    assert isomorphic(owl, onto), ("ontology/kg.owl is out of date: regenerate it with "
                                   "python -c 'from kg.ontology import write_rdfxml; write_rdfxml()'")


def test_ontology_write_rdfxml(tmp_path, onto):
    path = ontology.write_rdfxml(tmp_path / "out" / "kg.owl")
    assert isomorphic(Graph().parse(path, format="xml"), onto)
    # deterministic: regenerating kg.owl changes nothing unless kg.ttl changed
    assert ontology.write_rdfxml(tmp_path / "again.owl").read_bytes() == path.read_bytes()
    assert path.read_bytes() == ontology.rdfxml_path().read_bytes()


def test_ontology_loads_in_owlready2_without_punning(java):
    """kg.owl as owlready2 (and so Protégé's OWL API) sees it: each borrowed property one kind."""
    import owlready2

    world = owlready2.World()
    try:
        world.get_ontology(ontology.rdfxml_path().as_uri()).load()
        assert isinstance(world[str(NIF.beginIndex)], owlready2.DataPropertyClass)
        assert isinstance(world[str(KG.participant)], owlready2.ObjectPropertyClass)
        for annotation in (DCTERMS.identifier, DCTERMS.source, SKOS.altLabel, SKOS.prefLabel):
            assert isinstance(world[str(annotation)], owlready2.AnnotationPropertyClass), annotation
        assert world[str(KG.Actor)] in world[str(KG.Person)].is_a
    finally:
        world.close()


# The datatypes of the OWL 2 datatype map (https://www.w3.org/TR/owl2-syntax/#Datatype_Maps): the
# only ones HermiT accepts. xsd:date is not among them.
OWL2_DATATYPES = {RDFS.Literal, RDF.PlainLiteral, RDF.XMLLiteral, OWL.real, OWL.rational, XSD.decimal, XSD.integer,
                  XSD.nonNegativeInteger, XSD.nonPositiveInteger, XSD.positiveInteger, XSD.negativeInteger, XSD.long,
                  XSD.int, XSD.short, XSD.byte, XSD.unsignedLong, XSD.unsignedInt, XSD.unsignedShort,
                  XSD.unsignedByte, XSD.double, XSD.float, XSD.string, XSD.normalizedString, XSD.token,
                  XSD.language, XSD.Name, XSD.NCName, XSD.NMTOKEN, XSD.boolean, XSD.hexBinary, XSD.base64Binary,
                  XSD.anyURI, XSD.dateTime, XSD.dateTimeStamp}


def test_ontology_datatype_ranges_are_in_the_owl2_datatype_map(onto):
    ranges = {r for p in onto.subjects(RDF.type, OWL.DatatypeProperty) for r in onto.objects(p, RDFS.range)}
    assert ranges and ranges <= OWL2_DATATYPES, ranges - OWL2_DATATYPES


def test_ontology_owl_file_reasons_in_hermit_on_its_own(java):
    """What a Protégé user does: open ontology/kg.owl alone and run HermiT -- no kg, no options."""
    import owlready2

    world = owlready2.World()
    try:
        onto = world.get_ontology(ontology.rdfxml_path().as_uri()).load()
        with onto:
            owlready2.sync_reasoner(world, debug=0)  # HermiT, as owlready2 runs it by default
        assert list(world.inconsistent_classes()) == []
    finally:
        world.close()


def test_ontology_owl_file_reasons_in_pellet_on_its_own(java):
    """Pellet, as owlready2 bundles it; its Jena jars need Java 25 (class files of version 69)."""
    import owlready2

    world = owlready2.World()
    try:
        onto = world.get_ontology(ontology.rdfxml_path().as_uri()).load()
        with onto:
            owlready2.sync_reasoner_pellet(world, debug=0)
        assert list(world.inconsistent_classes()) == []
    except owlready2.OwlReadyJavaError as exc:
        if "UnsupportedClassVersionError" not in str(exc):
            raise
        pytest.xfail("the Pellet bundled with owlready2 0.51 needs Java 25+ (class file version 69); this Java is "
                     "older, so Pellet cannot start")
    finally:
        world.close()


def test_ontology_files_are_found():
    assert ontology.ontology_path() == ontology.ONTOLOGY_DIR / "kg.ttl"
    assert ontology.shapes_path().is_file() and ontology.rdfxml_path().is_file()


def test_ontology_dir_override(tmp_path, monkeypatch):
    for name in ("kg.ttl", "shapes.ttl", "kg.owl"):
        shutil.copy(ontology.ONTOLOGY_DIR / name, tmp_path / name)
    monkeypatch.setenv(ontology.ONTOLOGY_DIR_ENV, str(tmp_path))
    assert ontology.ontology_path() == tmp_path / "kg.ttl"
    monkeypatch.setenv(ontology.ONTOLOGY_DIR_ENV, str(tmp_path / "missing"))
    with pytest.raises(KgError, match=ontology.ONTOLOGY_DIR_ENV):
        ontology.ontology_path()


def test_ontology_only_module_importing_owlready2():
    importers = [p.relative_to(REPO).as_posix() for p in (REPO / "kg").rglob("*.py")
                 if re.search(r"^\s*(import|from) owlready2", p.read_text(encoding="utf-8"), re.M)]
    assert importers == ["kg/ontology.py"]


# --------------------------------------------------------------------------- validate


def _build(tmp_path: Path, graph: Graph | Path) -> Path:
    """A build folder holding ``kg.ttl``, as `kg build --out` writes it."""
    folder = tmp_path / "build"
    folder.mkdir(exist_ok=True)
    if isinstance(graph, Path):
        shutil.copy(graph, folder / "kg.ttl")
    else:
        graph.serialize(folder / "kg.ttl", format="turtle")
    return folder


def test_ontology_valid_graph_is_ok(java, tmp_path):
    report = ontology.validate(_build(tmp_path, DATA / "valid.ttl"))
    assert report.ok and report.consistent is True and report.shacl_conforms, report.text()
    assert report.violations == () and report.inconsistencies == ()
    assert "result: OK" in report.text()


def test_ontology_person_and_country_is_inconsistent(java, tmp_path):
    report = ontology.validate(_build(tmp_path, DATA / "person_and_country.ttl"))
    assert not report.ok and report.consistent is False
    assert report.shacl_conforms  # only the reasoner can see this one
    [problem] = report.inconsistencies
    assert ontology.shorten(KGD["actor/washington"]) in problem and '"Washington"' in problem
    assert "kg:Person" in problem and "kg:Country" in problem and "disjoint" in problem
    assert "INCONSISTENT" in report.text() and problem in report.text()


def test_ontology_meeting_without_participant_violates_shapes(java, tmp_path):
    report = ontology.validate(_build(tmp_path, DATA / "meeting_without_participant.ttl"))
    assert not report.ok and not report.shacl_conforms and report.consistent is True
    [violation] = report.errors
    meeting = ontology.shorten(KGD["meeting/talks-next-week"])
    assert violation.focus == meeting and violation.path == "kg:participant"
    assert "participant" in violation.message
    assert meeting in report.text()


_VALID = Graph().parse(DATA / "valid.ttl")
_MEETING, _STATEMENT = KGD["meeting/m1"], KGD["statement/s1"]
_SPAN, _DOC = KGD["span/d1/0-41"], KGD["doc/d1"]


def _without(s, p):
    return lambda g: g.remove((s, p, None))


def _replace(s, p, o):
    return lambda g: g.set((s, p, o))


def _add(*triples):
    return lambda g: [g.add(t) for t in triples]


@pytest.mark.parametrize("mutate, focus, path", [
    (_without(_MEETING, KG.evidence), _MEETING, "kg:evidence"),
    (_replace(_MEETING, KG.status, KG.agreed), _MEETING, "kg:status"),
    (_replace(_MEETING, KG.mode, KG.occurred), _MEETING, "kg:mode"),
    (_replace(_MEETING, KG.date, Literal("on Thursday")), _MEETING, "kg:date"),
    (_add((_STATEMENT, KG.speaker, KGD["actor/israel"])), _STATEMENT, "kg:speaker"),
    (_without(_STATEMENT, KG.text), _STATEMENT, "kg:text"),
    (_replace(KGD["ceasefire/c1"], KG.status, KG.planned), KGD["ceasefire/c1"], "kg:status"),
    (_without(KGD["role/r1"], KG.title), KGD["role/r1"], "kg:title"),
    (_without(_SPAN, KG.document), _SPAN, "kg:document"),
    (_replace(_SPAN, NIF.endIndex, Literal(0, datatype=XSD.nonNegativeInteger)), _SPAN,
     "nif:beginIndex"),
    (_replace(_SPAN, NIF.anchorOf, Literal("Blinken spoke with Ashkenazi on Friday!!")), _SPAN,
     "nif:anchorOf"),
    (_replace(_SPAN, NIF.beginIndex, Literal(0)), _SPAN, "nif:beginIndex"),
    (_without(_DOC, DCTERMS.identifier), _DOC, "dcterms:identifier"),
    (_without(KGD["actor/hamas"], RDFS.label), KGD["actor/hamas"], "rdfs:label"),
], ids=["meeting-no-evidence", "meeting-ceasefire-status", "meeting-bad-mode", "date-not-xsd-date",
        "statement-two-speakers", "statement-no-text", "ceasefire-meeting-status", "role-no-title",
        "span-no-document", "span-end-before-begin", "span-anchor-mismatch", "span-index-not-nonnegative",
        "document-no-identifier", "actor-no-label"])
def test_ontology_shape_violation(tmp_path, mutate, focus, path):
    graph = Graph() + _VALID
    mutate(graph)
    report = ontology.validate(_build(tmp_path, graph), reasoner=False)
    assert not report.ok and not report.shacl_conforms
    assert (ontology.shorten(focus), path) in {(v.focus, v.path) for v in report.errors}, report.text()


@pytest.mark.parametrize("mutate, node, words", [
    (_add((KGD["place/middle-east"], RDF.type, KG.Place), (_MEETING, KG.participant, KGD["place/middle-east"])),
     KGD["place/middle-east"], ["kg:participant", "kg:Place", "kg:Actor"]),
    (_replace(_MEETING, KG.evidence, KGD["actor/israel"]), KGD["actor/israel"], ["kg:evidence", "kg:TextSpan"]),
    (_add((_MEETING, KG.isQuote, Literal(True))), _MEETING, ["kg:isQuote", "kg:Statement"]),
    (_replace(_MEETING, KG.location, KGD["actor/hamas"]), KGD["actor/hamas"], ["kg:location", "kg:Organization"]),
    (_add((_MEETING, RDF.type, KG.Ceasefire)), _MEETING, ["kg:Meeting", "kg:Ceasefire"]),
], ids=["place-as-participant", "actor-as-evidence", "meeting-with-isQuote", "organization-as-location",
        "meeting-and-ceasefire"])
def test_ontology_inconsistency_is_explained(java, tmp_path, mutate, node, words):
    graph = Graph() + _VALID
    mutate(graph)
    report = ontology.validate(_build(tmp_path, graph))
    assert report.consistent is False and not report.ok
    lines = [line for line in report.inconsistencies if line.startswith(ontology.shorten(node))]
    assert lines, report.text()
    assert all(word in lines[0] for word in words), lines[0]


def test_ontology_no_reasoner(tmp_path):
    report = ontology.validate(_build(tmp_path, DATA / "person_and_country.ttl"), reasoner=False)
    assert report.ok and report.consistent is None and report.timings.reasoner is None
    assert "not run" in report.text()


def test_ontology_missing_build_raises_graph_not_found(tmp_path):
    missing = tmp_path / "no-such-build"
    with pytest.raises(GraphNotFound) as caught:
        ontology.validate(missing)
    message = str(caught.value)
    assert str(missing) in message and "kg build" in message and "--out" in message


def test_ontology_unparsable_build_is_a_kg_error(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "kg.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(KgError, match="kg build"):
        ontology.validate(folder)


@pytest.mark.parametrize("case, code, words", [
    ("valid.ttl", 0, ["result: OK"]),
    ("person_and_country.ttl", 1, ["INCONSISTENT", "Washington"]),
    (None, 2, ["no build in", "kg build"]),
], ids=["ok", "inconsistent", "no-build"])
def test_ontology_cli_validate(tmp_path, case, code, words, java):
    from click.testing import CliRunner

    from kg.cli import main

    folder = _build(tmp_path, DATA / case) if case else tmp_path / "nothing-here"
    result = CliRunner().invoke(main, ["validate", "--graph", str(folder)])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert all(word in result.output for word in words), result.output


def test_ontology_missing_java_is_a_kg_error(tmp_path, monkeypatch):
    import owlready2

    monkeypatch.setattr(owlready2, "JAVA_EXE", "no-such-java-binary")
    with pytest.raises(KgError, match="--no-reasoner"):
        ontology.validate(_build(tmp_path, DATA / "valid.ttl"))


def test_ontology_report_text_is_capped(tmp_path):
    graph = Graph() + _VALID
    for i in range(30):
        graph.add((KGD[f"actor/nameless-{i}"], RDF.type, KG.Person))
    report = ontology.validate(_build(tmp_path, graph), reasoner=False)
    assert len(report.errors) == 30
    text = report.text(limit=5)
    assert "violations (30):" in text and "... and 25 more" in text
    assert text.count("An Actor has no name") == 5


def test_ontology_reasoner_runs_in_a_few_seconds(java, tmp_path):
    start = time.perf_counter()
    report = ontology.validate(_build(tmp_path, DATA / "valid.ttl"))
    assert report.ok
    assert time.perf_counter() - start < 15
    assert report.timings.reasoner is not None and report.timings.reasoner < 10


def synthetic_graph(documents: int = 100) -> Graph:
    """A valid build of about ``10 * documents`` individuals (documents, spans, actors, events)."""
    g = Graph()
    actors = [KGD[f"actor/a{i}"] for i in range(max(documents // 2, 4))]
    kinds = (KG.Person, KG.Organization, KG.Country, KG.Group)
    for i, actor in enumerate(actors):
        g.add((actor, RDF.type, kinds[i % 4]))
        g.add((actor, RDFS.label, Literal(f"Actor {i}")))
    sentence = "Actor one met actor two on Monday."
    text = " ".join([sentence] * 5)
    for d in range(documents):
        doc = KGD[f"doc/d{d}"]
        g.add((doc, RDF.type, KG.Document))
        g.add((doc, DCTERMS.identifier, Literal(f"d{d}")))
        g.add((doc, NIF.isString, Literal(text)))
        spans = []
        for s in range(5):
            begin = s * (len(sentence) + 1)
            span = KGD[f"span/d{d}/{begin}-{begin + len(sentence)}"]
            spans.append(span)
            g.add((span, RDF.type, KG.TextSpan))
            g.add((span, KG.document, doc))
            g.add((span, NIF.beginIndex, Literal(begin, datatype=XSD.nonNegativeInteger)))
            g.add((span, NIF.endIndex, Literal(begin + len(sentence), datatype=XSD.nonNegativeInteger)))
            g.add((span, NIF.anchorOf, Literal(sentence)))
        a, b = actors[d % len(actors)], actors[(d + 1) % len(actors)]
        meeting, statement, role = KGD[f"meeting/m{d}"], KGD[f"statement/s{d}"], KGD[f"role/r{d}"]
        g.add((meeting, RDF.type, KG.Meeting))
        g.add((meeting, KG.participant, a))
        g.add((meeting, KG.participant, b))
        g.add((meeting, KG.status, KG.occurred))
        g.add((meeting, KG.mode, KG.inPerson))
        g.add((meeting, KG.date, Literal("2021-05-20", datatype=XSD.date)))
        g.add((meeting, KG.evidence, spans[0]))
        g.add((statement, RDF.type, KG.Statement))
        g.add((statement, KG.speaker, a))
        g.add((statement, KG.text, Literal(sentence)))
        g.add((statement, KG.about, meeting))
        g.add((statement, KG.evidence, spans[1]))
        g.add((role, RDF.type, KG.Role))
        g.add((role, KG.holder, a))
        g.add((role, KG.title, Literal("minister")))
        g.add((role, KG.affiliation, b))
        g.add((role, KG.evidence, spans[2]))
        if d % 2 == 0:
            ceasefire = KGD[f"ceasefire/c{d}"]
            g.add((ceasefire, RDF.type, KG.Ceasefire))
            g.add((ceasefire, KG.party, a))
            g.add((ceasefire, KG.mediator, b))
            g.add((ceasefire, KG.status, KG.agreed))
            g.add((ceasefire, KG.evidence, spans[3]))
    return g


@pytest.mark.slow
def test_ontology_validates_1000_individuals_quickly(java, tmp_path):
    graph = synthetic_graph(100)
    individuals = {s for s in graph.subjects(RDF.type, None)}
    assert len(individuals) >= 1000
    report = ontology.validate(_build(tmp_path, graph))
    assert report.ok, report.text()
    assert report.timings.total < 120, report.timings


def test_ontology_seed_build_is_valid(java, seed_build):
    report = ontology.validate(seed_build)
    assert report.consistent is True, report.text()
    assert report.shacl_conforms, report.text()
    assert report.ok, report.text()

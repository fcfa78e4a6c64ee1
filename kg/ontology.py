"""The ontology and `kg validate`: SHACL shapes (pySHACL) and OWL consistency (HermiT via owlready2).

``ontology/kg.ttl`` is the source of truth; ``kg.owl`` (RDF/XML, for Protégé) is generated from it
by :func:`write_rdfxml`. This is the only module that imports owlready2, and it does so lazily:
building or querying a graph never pays for it.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node
from rdflib.util import guess_format

from kg.errors import GraphNotFound, KgError, ValidationError
from kg.vocab import DATA_BASE, PREFIXES, SH, bind_prefixes


def _installed_dir() -> Path:
    """``kg/ontology_files`` in an installed wheel, else ``ontology/`` of the source checkout."""
    from importlib import resources

    packaged = Path(str(resources.files("kg"))) / "ontology_files"
    return packaged if (packaged / "kg.ttl").is_file() else Path(__file__).resolve().parent.parent / "ontology"


#: The folder holding kg.ttl, kg.owl and shapes.ttl (packaged in a wheel, ontology/ in a checkout).
ONTOLOGY_DIR = _installed_dir()
#: Environment variable naming another folder to read the ontology files from.
ONTOLOGY_DIR_ENV = "KG_ONTOLOGY_DIR"
BUILD_FILE = "kg.ttl"
#: Problems listed per section of :meth:`ValidationReport.text` before "... and N more".
MAX_LINES = 20

_JAVA_MISSING = ("the reasoner needs Java 11+ and `{java}` is not on PATH; install a JRE "
                 "(e.g. `apt-get install default-jre-headless`) or run `kg validate --no-reasoner`")
# HermiT only knows the OWL 2 datatype map; literals of these are not checked by it (SHACL does).
_OWL2_UNSUPPORTED = {XSD.date, XSD.gYear, XSD.gYearMonth, XSD.time, XSD.duration}
_INTEGER_TYPES = {XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger, XSD.int, XSD.long, XSD.short,
                  XSD.byte, XSD.unsignedInt, XSD.unsignedLong, XSD.unsignedShort, XSD.unsignedByte}
_NON_NEGATIVE = {XSD.nonNegativeInteger, XSD.positiveInteger, XSD.unsignedInt, XSD.unsignedLong,
                 XSD.unsignedShort, XSD.unsignedByte}


# --------------------------------------------------------------------------- files


def ontology_dir() -> Path:
    """The folder of the ontology files: ``$KG_ONTOLOGY_DIR`` if set, else :data:`ONTOLOGY_DIR`."""
    override = os.environ.get(ONTOLOGY_DIR_ENV)
    folder = Path(override).expanduser() if override else ONTOLOGY_DIR
    if not (folder / "kg.ttl").is_file():
        where = f"${ONTOLOGY_DIR_ENV}={override}" if override else str(folder)
        raise KgError(f"the ontology files are missing ({where} has no kg.ttl): reinstall kg, "
                      f"or set {ONTOLOGY_DIR_ENV} to the folder holding kg.ttl and shapes.ttl")
    return folder


def ontology_path() -> Path:
    """``kg.ttl``, the ontology in Turtle (the builder copies it into each export)."""
    return ontology_dir() / "kg.ttl"


def shapes_path() -> Path:
    """``shapes.ttl``, the SHACL shapes of the data."""
    return ontology_dir() / "shapes.ttl"


def rdfxml_path() -> Path:
    """``kg.owl``, the ontology in RDF/XML (what Protégé opens)."""
    return ontology_dir() / "kg.owl"


def _parse(path: Path, what: str) -> Graph:
    graph = Graph()
    bind_prefixes(graph)
    try:
        graph.parse(path, format=guess_format(str(path)) or "turtle")
    except Exception as exc:  # rdflib raises many kinds (BadSyntax, SAXParseException, ValueError)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationError(f"{path} is not valid RDF ({first}); {what}") from exc
    return graph


def load_ontology_graph() -> Graph:
    """The ontology (``kg.ttl``) as an rdflib graph."""
    return _parse(ontology_path(), "fix ontology/kg.ttl")


def load_shapes_graph() -> Graph:
    """The SHACL shapes (``shapes.ttl``) as an rdflib graph."""
    return _parse(shapes_path(), "fix ontology/shapes.ttl")


def write_rdfxml(path: Path | None = None) -> Path:
    """Write the ontology as RDF/XML (default: ``kg.owl`` beside ``kg.ttl``); return the path.

    Regenerate after editing kg.ttl: ``python -c "from kg.ontology import write_rdfxml; write_rdfxml()"``.
    """
    import pyoxigraph
    from rdflib.compare import to_canonical_graph

    target = Path(path) if path is not None else rdfxml_path()
    # rdflib's "pretty-xml" sometimes garbles owl:unionOf lists and its "xml" writes subjects in
    # hash order; Oxigraph writes triples in the order given. Canonical blank nodes, sorted
    # triples: the same file on every run, so kg.owl only changes when kg.ttl does.
    lines = sorted(to_canonical_graph(load_ontology_graph()).serialize(format="nt").splitlines())
    triples = [q.triple for q in pyoxigraph.parse("\n".join(lines).encode("utf-8"),
                                                  format=pyoxigraph.RdfFormat.N_TRIPLES)]
    prefixes = {name: str(ns) for name, ns in PREFIXES.items() if not str(ns).startswith(DATA_BASE)}
    prefixes["vann"] = "http://purl.org/vocab/vann/"
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.RDF_XML, prefixes=prefixes)
    assert data is not None  # no output file given: the bytes are returned
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Violation:
    """One SHACL result: the node, the property, what is wrong."""

    focus: str  # the node, shortened with kg's prefixes
    label: str | None  # its rdfs:label, when it has one
    path: str | None  # the property, shortened
    message: str
    severity: str = "Violation"  # Violation, Warning or Info
    value: str | None = None  # the offending value, when there is one

    def line(self) -> str:
        node = f'{self.focus} ("{self.label}")' if self.label else self.focus
        where = f" {self.path}" if self.path else ""
        value = f" = {self.value}" if self.value is not None else ""
        return f"{node}{where}{value}: {self.message}"


@dataclass(frozen=True)
class Timings:
    """Seconds spent in each step of :func:`validate`."""

    load: float
    shacl: float
    reasoner: float | None  # None when the reasoner was not run
    total: float


@dataclass(frozen=True)
class ValidationReport:
    """What `kg validate` found: ``ok`` is False when a shape is violated or the graph is inconsistent."""

    source: Path
    triples: int
    ok: bool
    consistent: bool | None  # None: reasoner not run
    shacl_conforms: bool  # warnings alone do not break conformance
    violations: tuple[Violation, ...]  # SHACL results, violations first, then warnings
    inconsistencies: tuple[str, ...]  # one line per individual and broken axiom (or unsatisfiable class)
    timings: Timings

    @property
    def errors(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity == "Violation")

    @property
    def warnings(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity != "Violation")

    def text(self, limit: int = MAX_LINES) -> str:
        """A readable report: counts first, then each problem on one line."""
        t = self.timings
        errors, warnings = self.errors, self.warnings
        shacl = "conforms" if self.shacl_conforms else "DOES NOT CONFORM"
        lines = [
            f"kg validate: {self.source} ({self.triples:,} triples)",
            f"  SHACL shapes (pySHACL):  {shacl}: {len(errors)} violation(s), {len(warnings)} warning(s)"
            f"  [{t.shacl:.1f} s]",
        ]
        if self.consistent is None:
            lines.append("  OWL reasoner (HermiT):   not run (--no-reasoner)")
        else:
            state = "consistent" if self.consistent else "INCONSISTENT"
            count = f": {len(self.inconsistencies)} problem(s)" if self.inconsistencies else ""
            lines.append(f"  OWL reasoner (HermiT):   {state}{count}  [{t.reasoner or 0:.1f} s]")
        lines.append(f"  result: {'OK' if self.ok else 'FAILED'}  (total {t.total:.1f} s)")
        sections = (("inconsistencies", self.inconsistencies),
                    ("violations", tuple(v.line() for v in errors)),
                    ("warnings", tuple(v.line() for v in warnings)))
        for title, items in sections:
            if items:
                lines.append(f"{title} ({len(items)}):")
                lines.extend(f"  {item}" for item in items[:limit])
                if len(items) > limit:
                    lines.append(f"  ... and {len(items) - limit} more")
        return "\n".join(lines)


# --------------------------------------------------------------------------- validate


def validate(graph_dir: Path, reasoner: bool = True) -> ValidationReport:
    """Check a build (a folder holding ``kg.ttl``, or an RDF file) against the shapes and the ontology.

    SHACL runs first (pySHACL, the ontology mixed in for subclass targets); with ``reasoner`` the
    ontology and the data go to HermiT, and an inconsistency is traced back to the individuals and
    axioms that cause it.
    """
    start = time.perf_counter()
    source = _build_file(Path(graph_dir))
    data = _parse(source, f"rebuild it with `kg build <articles> --out {source.parent}`")
    ontology = load_ontology_graph()
    loaded = time.perf_counter()

    conforms, violations = _run_shacl(data, ontology, load_shapes_graph())
    shacl_done = time.perf_counter()

    consistent: bool | None = None
    inconsistencies: tuple[str, ...] = ()
    reasoner_time: float | None = None
    if reasoner:
        consistent, inconsistencies = _run_reasoner(data, ontology)
        reasoner_time = time.perf_counter() - shacl_done
    end = time.perf_counter()

    return ValidationReport(
        source=source, triples=len(data),
        ok=conforms and consistent is not False and not inconsistencies,
        consistent=consistent, shacl_conforms=conforms, violations=violations,
        inconsistencies=inconsistencies,
        timings=Timings(load=loaded - start, shacl=shacl_done - loaded, reasoner=reasoner_time,
                        total=end - start),
    )


def _build_file(graph_dir: Path) -> Path:
    if graph_dir.is_file():
        return graph_dir
    candidate = graph_dir / BUILD_FILE
    if not candidate.is_file():
        raise GraphNotFound(f"no build in {graph_dir} (no {BUILD_FILE} there): run "
                            f"`kg build <articles> --out {graph_dir}` first, or pass --graph FOLDER")
    return candidate


def _run_shacl(data: Graph, ontology: Graph, shapes: Graph) -> tuple[bool, tuple[Violation, ...]]:
    import pyshacl

    core, sparql = _split_sparql_constraints(shapes)
    try:
        # inference="none": the ontology's subClassOf triples, mixed into a copy of the data,
        # are all SHACL needs to find a kg:Person under sh:targetClass kg:Actor (and it is faster).
        conforms, results, _ = pyshacl.validate(
            data, shacl_graph=core, ont_graph=ontology, inference="none",
            allow_warnings=True, abort_on_first=False, meta_shacl=False,
        )
    except Exception as exc:  # pySHACL reports broken shapes as several exception types
        raise ValidationError(f"pySHACL could not check the shapes ({exc}); fix ontology/shapes.ttl") from exc

    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        severity = results.value(result, SH.resultSeverity)
        found.append(_violation(data, focus, results.value(result, SH.resultPath),
                                results.value(result, SH.value), results.value(result, SH.resultMessage),
                                severity))
    extra = _run_sparql_constraints(data, ontology, sparql)
    found.extend(extra)
    conforms = bool(conforms) and not any(v.severity == "Violation" for v in extra)
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    found.sort(key=lambda v: (order.get(v.severity, 3), v.focus, v.path or "", v.message))
    return conforms, tuple(found)


def _violation(data: Graph, focus, path, value, message, severity) -> Violation:
    label = data.value(focus, RDFS.label) if focus is not None else None
    return Violation(
        focus=shorten(focus), label=str(label) if label is not None else None,
        path=shorten(path) if isinstance(path, URIRef) else None,
        message=str(message or "violates a shape"),
        severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
        value=_short_value(value) if value is not None else None,
    )


@dataclass(frozen=True)
class _SparqlConstraint:
    """A SHACL-SPARQL constraint (sh:sparql) of a shape targeting classes."""

    targets: tuple[URIRef, ...]
    select: str
    prefixes: tuple[tuple[str, str], ...]
    message: str
    severity: URIRef | None


def _split_sparql_constraints(shapes: Graph) -> tuple[Graph, tuple[_SparqlConstraint, ...]]:
    """The shapes without their sh:sparql constraints, and those constraints.

    pySHACL runs a SPARQL constraint once per focus node (24 s for 500 text spans, against 0.6 s
    for everything else); kg runs each once over the whole graph instead: same query, same results.
    """
    core = Graph()
    core += shapes
    found = []
    for shape, constraint in shapes.subject_objects(SH.sparql):
        prefixes = tuple((str(shapes.value(d, SH.prefix)), str(shapes.value(d, SH.namespace)))
                         for holder in shapes.objects(constraint, SH.prefixes)
                         for d in shapes.objects(holder, SH.declare))
        found.append(_SparqlConstraint(
            targets=tuple(t for t in shapes.objects(shape, SH.targetClass) if isinstance(t, URIRef)),
            select=str(shapes.value(constraint, SH.select)), prefixes=prefixes,
            message=str(shapes.value(constraint, SH.message) or "violates a SPARQL constraint"),
            severity=_iri(shapes.value(constraint, SH.severity) or shapes.value(shape, SH.severity)),
        ))
        core.remove((shape, SH.sparql, constraint))
    return core, tuple(found)


def _run_sparql_constraints(data: Graph, ontology: Graph,
                            constraints: tuple[_SparqlConstraint, ...]) -> list[Violation]:
    axioms = _Axioms(ontology)
    found = []
    for constraint in constraints:
        # $this is left unbound, so one query returns every offending node; keep those the shape targets.
        for row in data.query(constraint.select, initNs=dict(constraint.prefixes)):
            this = row["this"]  # type: ignore[index,call-overload]  # a SELECT gives ResultRows
            classes = {s for t in data.objects(this, RDF.type) if isinstance(t, URIRef) for s in axioms.supers(t)}
            if constraint.targets and not classes & set(constraint.targets):
                continue
            found.append(_violation(data, this, _get(row, "path"), _get(row, "value"), constraint.message,
                                    constraint.severity))
    return found


def _get(row, name: str):
    try:
        return row[name]
    except KeyError:
        return None


def _run_reasoner(data: Graph, ontology: Graph) -> tuple[bool, tuple[str, ...]]:
    """HermiT over ontology + data; on inconsistency, name the individuals and axioms involved."""
    try:
        import owlready2
    except ImportError as exc:  # pragma: no cover - owlready2 is a dependency
        raise KgError("the reasoner needs owlready2 (`pip install owlready2`); "
                      "or run `kg validate --no-reasoner`") from exc
    java = owlready2.JAVA_EXE
    if shutil.which(java) is None:
        raise KgError(_JAVA_MISSING.format(java=java))

    merged = Graph()
    merged += ontology
    merged += data
    with tempfile.TemporaryDirectory(prefix="kg-validate-") as tmp:
        nt = Path(tmp) / "merged.nt"
        merged.serialize(nt, format="nt", encoding="utf-8")
        world = owlready2.World()  # a private, in-memory quadstore: nothing leaks between calls
        try:
            world.get_ontology(nt.as_uri()).load()
            # infer_property_values=False: consistency and classification only (fast).
            # ignore_unsupported_datatypes: the data's dates are xsd:date literals, which HermiT
            # rejects (not in the OWL 2 datatype map; kg.owl itself stays inside it); the SHACL
            # shapes check the dates instead.
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                           ignore_unsupported_datatypes=True)
        except owlready2.OwlReadyInconsistentOntologyError:
            return False, explain_inconsistency(data, ontology)
        except owlready2.OwlReadyJavaError as exc:
            detail = [line for line in str(exc).splitlines() if line.strip()]
            raise KgError(f"the reasoner (HermiT) failed: {detail[-1] if detail else exc}; "
                          "run `kg validate --no-reasoner` to check the shapes only") from exc
        except FileNotFoundError as exc:  # java vanished between the check and the call
            raise KgError(_JAVA_MISSING.format(java=java)) from exc
        unsatisfiable = sorted(shorten(URIRef(c.iri)) for c in world.inconsistent_classes())
        world.close()
    return True, tuple(f"class {c} is unsatisfiable: its axioms contradict each other, so it can have "
                       "no members; fix ontology/kg.ttl" for c in unsatisfiable)


# --------------------------------------------------------------------------- explanations


@dataclass(frozen=True)
class _Typing:
    """Why an individual must belong to one of ``classes`` (one class, or the members of a union)."""

    classes: tuple[URIRef, ...]
    reason: str


class _Axioms:
    """The parts of the ontology HermiT can find contradicted by data: hierarchy, disjointness,
    domains, ranges. Answers "are these two classes disjoint, and by which axiom?"."""

    def __init__(self, ontology: Graph) -> None:
        self.graph = ontology
        self._supers: dict[URIRef, frozenset[URIRef]] = {}
        self.disjoint: dict[URIRef, dict[URIRef, str]] = defaultdict(dict)
        for a, b in ontology.subject_objects(OWL.disjointWith):
            if isinstance(a, URIRef) and isinstance(b, URIRef):
                axiom = f"{shorten(a)} owl:disjointWith {shorten(b)}"
                self.disjoint[a][b] = self.disjoint[b][a] = axiom
        for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
            members = [m for m in Collection(ontology, ontology.value(node, OWL.members) or RDF.nil)
                       if isinstance(m, URIRef)]
            names = [shorten(m) for m in members]
            if len(names) > 5:  # the node-kinds axiom: name the start, not all ten
                names = names[:4] + [f"... {len(members)} classes"]
            axiom = "AllDisjointClasses(" + ", ".join(names) + ")"
            for a in members:
                for b in members:
                    if a != b:
                        self.disjoint[a][b] = axiom
        self.datatype_props = set(ontology.subjects(RDF.type, OWL.DatatypeProperty))

    def supers(self, cls: URIRef) -> frozenset[URIRef]:
        """The class and all its named superclasses."""
        if cls not in self._supers:
            self._supers[cls] = frozenset({cls})  # guards against subClassOf cycles
            found = {cls}
            for parent in self.graph.objects(cls, RDFS.subClassOf):
                if isinstance(parent, URIRef):
                    found |= self.supers(parent)
            self._supers[cls] = frozenset(found)
        return self._supers[cls]

    def clash(self, a: URIRef, b: URIRef) -> str | None:
        """Why ``a`` and ``b`` are disjoint (through their superclasses, by which axiom), else None."""
        for sa in self.supers(a):
            partners = self.disjoint.get(sa)
            if partners:
                for sb in self.supers(b):
                    if sb in partners:
                        via = "" if (sa, sb) == (a, b) else f"{shorten(sa)} and {shorten(sb)} by "
                        return f"{shorten(a)} and {shorten(b)} are disjoint ({via}{partners[sb]})"
        return None

    def _classes(self, node) -> tuple[URIRef, ...]:
        if isinstance(node, URIRef):
            return (node,)
        union = self.graph.value(node, OWL.unionOf)
        if union is not None:
            return tuple(m for m in Collection(self.graph, union) if isinstance(m, URIRef))
        return ()

    def domains(self, prop: URIRef) -> list[tuple[URIRef, ...]]:
        return [c for p in self._super_props(prop) for d in self.graph.objects(p, RDFS.domain)
                if (c := self._classes(d))]

    def ranges(self, prop: URIRef) -> list[tuple[URIRef, ...]]:
        return [c for p in self._super_props(prop) for r in self.graph.objects(p, RDFS.range)
                if (c := self._classes(r))]

    def _super_props(self, prop: URIRef) -> set[URIRef]:
        seen, todo = set(), [prop]
        while todo:
            p = todo.pop()
            if p not in seen:
                seen.add(p)
                todo.extend(q for q in self.graph.objects(p, RDFS.subPropertyOf) if isinstance(q, URIRef))
        return seen


def explain_inconsistency(data: Graph, ontology: Graph) -> tuple[str, ...]:
    """Name the individuals that make ontology + data inconsistent, and the axioms they break.

    HermiT only says "inconsistent"; this replays the axioms kg's ontology uses (asserted types,
    domains, ranges, disjointness, datatype ranges) over the data, one individual at a time.
    """
    axioms = _Axioms(ontology)
    typings: dict[Node, list[_Typing]] = defaultdict(list)
    problems: list[str] = []
    props: dict[URIRef, tuple[list, list]] = {}

    for graph in (ontology, data):  # the ontology types its own individuals (kg:planned ...)
        for node, cls in graph.subject_objects(RDF.type):
            if isinstance(cls, URIRef) and not cls.startswith(str(OWL)) and cls != RDFS.Class:
                typings[node].append(_Typing((cls,), f"typed {shorten(cls)}"))

    for s, p, o in data:
        if p == RDF.type or not isinstance(p, URIRef):
            continue
        if p not in props:
            props[p] = (axioms.domains(p), axioms.ranges(p))
        domains, ranges = props[p]
        for classes in domains:
            typings[s].append(_Typing(classes, f"the subject of {shorten(p)} (domain {_or(classes)})"))
        if isinstance(o, Literal):
            if p in axioms.datatype_props:
                for classes in ranges:
                    for datatype in classes:
                        if not _literal_fits(o, datatype):
                            problems.append(f"{_node(data, s)}: {shorten(p)} has the value {_short_value(o)}, "
                                            f"outside its range {shorten(datatype)}")
        else:
            for classes in ranges:
                typings[o].append(_Typing(classes, f"the value of {shorten(p)} on {shorten(s)} "
                                                    f"(range {_or(classes)})"))

    for node, facts in typings.items():
        problems.extend(_clashes(data, axioms, node, facts))
    return tuple(sorted(set(problems))) or (
        "HermiT found the ontology and the data inconsistent, but kg could not pin the cause on "
        "single individuals; open ontology/kg.owl with the build's kg.ttl in Protégé and use "
        "'Explain inconsistency'",)


def _clashes(data: Graph, axioms: _Axioms, node, facts: list[_Typing]) -> list[str]:
    # One fact per class (the first reason found): a popular actor is the range of many triples.
    single = list({f.classes[0]: f for f in reversed(facts) if len(f.classes) == 1}.values())[::-1]
    found, seen = [], set()
    for i, first in enumerate(single):
        for second in single[i + 1:]:
            a, b = first.classes[0], second.classes[0]
            key = frozenset((a, b))
            if a == b or key in seen:
                continue
            why = axioms.clash(a, b)
            if why:
                seen.add(key)
                found.append(f"{_node(data, node)}: {first.reason} and {second.reason}, but {why}")
    for union in (f for f in facts if len(f.classes) > 1):
        # A union is broken when every alternative clashes with something the node certainly is.
        blockers = []
        for alternative in union.classes:
            blocker = next((f for f in single if axioms.clash(alternative, f.classes[0])), None)
            if blocker is None:
                break
            blockers.append(blocker)
        else:
            reasons = "; ".join(sorted({b.reason for b in blockers}))
            line = (f"{_node(data, node)}: it is {union.reason}, but it cannot be "
                    f"{_or(union.classes)} because it is {reasons} (declared disjoint)")
            if line not in found:
                found.append(line)
    return found


def _literal_fits(value: Literal, datatype: URIRef) -> bool:
    """Whether HermiT accepts ``value`` under the datatype range ``datatype``."""
    if datatype in _OWL2_UNSUPPORTED or datatype == RDFS.Literal:
        return True
    if datatype == XSD.string:
        return value.language is None and value.datatype in (None, XSD.string)
    if datatype in _INTEGER_TYPES:
        if value.datatype not in _INTEGER_TYPES or value.ill_typed:
            return False
        return datatype not in _NON_NEGATIVE or int(value) >= (1 if datatype == XSD.positiveInteger else 0)
    return value.datatype == datatype and not value.ill_typed


# --------------------------------------------------------------------------- display


def shorten(term) -> str:
    """An IRI with kg's prefixes (``actor:antony-blinken``, ``kg:Person``), for reports."""
    if term is None:
        return "?"
    if isinstance(term, BNode):
        return f"_:{term}"
    text = str(term)
    best = max((ns for ns in PREFIXES.values() if text.startswith(str(ns))), key=lambda ns: len(str(ns)),
               default=None)
    if best is None:
        return f"<{text}>"
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{text[len(str(best)):]}"


def _short_value(value) -> str:
    if isinstance(value, Literal):
        text = str(value) if len(str(value)) <= 60 else str(value)[:57] + "..."
        if value.language:
            return f'"{text}"@{value.language}'
        if value.datatype is not None and value.datatype != XSD.string:
            return f'"{text}"^^{shorten(value.datatype)}'
        return f'"{text}"'
    return shorten(value)


def _node(data: Graph, node) -> str:
    label = data.value(node, RDFS.label)
    return f'{shorten(node)} ("{label}")' if label is not None else shorten(node)


def _or(classes: tuple[URIRef, ...]) -> str:
    return " or ".join(shorten(c) for c in classes)


def _iri(node: Node | None) -> URIRef | None:
    return node if isinstance(node, URIRef) else None

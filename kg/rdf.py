"""Resolved records -> RDF quads (pure: no I/O).

Every triple is in exactly one named graph, so the union of the graphs -- which a store or a
query engine may or may not deduplicate -- holds each fact once:

* ``kgd:graph/entities``: what resolution made of all documents, once: the actors, the places
  and the facts (Role, Meeting, Statement, Ceasefire nodes with all their attributes);
* ``kgd:graph/<doc id>``, one per document: what that document contributes -- its Document
  node, its evidence spans, the links ``fact kg:evidence span`` and ``actor kg:mentionedIn doc``.

A fact reported by six documents is then one node in the entities graph with evidence links
in six document graphs. The graph of a document is a function of that document's records; the
entities graph, of all of them.

``statements(res)`` is the one place records become RDF: it yields each quad lazily, as
canonical N-Quads text, so a corpus-sized graph never has to sit in memory (``kg.export``
sorts and writes the text without parsing it). ``quads(res)`` gives the same as pyoxigraph
quads, and ``to_dataset(res)`` as an rdflib Dataset, for callers that want objects. A quad may
be yielded more than once (a span that is evidence for two facts); a dataset or a sorted
export holds it once.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from kg.models import Span
from kg.resolve import DocumentPart, GCeasefire, GMeeting, GRole, GStatement, Resolved
from kg.vocab import ACTOR_CLASSES, CEASEFIRE_STATUS, KG, KGD, MEETING_MODE, MEETING_STATUS, NIF, bind_prefixes

ENTITIES_GRAPH = KGD["graph/entities"]


def doc_iri(doc_id: str) -> URIRef:
    return KGD[f"doc/{doc_id}"]


def graph_iri(doc_id: str) -> URIRef:
    return KGD[f"graph/{doc_id}"]


def span_iri(span: Span) -> URIRef:
    return KGD[f"span/{span.doc_id}/{span.begin}-{span.end}"]


_ESCAPED = re.compile(r'[\x00-\x1f"\\\x7f]')  # what canonical N-Triples escapes inside a literal


class _Terms:
    """Terms as canonical N-Triples text (what pyoxigraph prints), each IRI checked once."""

    CACHE = 200_000  # IRIs kept as text beyond the vocabulary: a corpus-sized graph is not held

    def __init__(self) -> None:
        self._iris: dict[str, str] = {}
        self._kept: dict[str, str] = {}
        self._date = f"^^<{XSD.date}>"
        self._count = f"^^<{XSD.nonNegativeInteger}>"
        self.true = f'"true"^^<{XSD.boolean}>'
        self.false = f'"false"^^<{XSD.boolean}>'

    def iri(self, value: str) -> str:
        term = self._iris.get(value)
        if term is None:
            if len(self._iris) >= self.CACHE:
                self._iris = dict(self._kept)
            term = self._iris[value] = str(ox.NamedNode(value))  # raises ValueError on a malformed IRI
        return term

    def keep(self) -> None:
        """The IRIs made so far (the vocabulary) stay cached for good."""
        self._kept = dict(self._iris)

    def data(self, local: str) -> str:
        """A node of kg's data namespace (kgd:), from its local name ("actor/antony-blinken")."""
        return self.iri(_KGD + local)

    @staticmethod
    def text(value: str) -> str:
        return f'"{value}"' if _ESCAPED.search(value) is None else str(ox.Literal(value))

    def day(self, value) -> str:
        return f'"{value.isoformat()}"{self._date}'

    def count(self, value: int) -> str:
        return f'"{value}"{self._count}'

    def boolean(self, value: bool) -> str:
        return self.true if value else self.false


_KGD = str(KGD)


def quads(res: Resolved, chunk: int = 10_000) -> Iterator[ox.Quad]:
    """Every quad of the graph of ``res``, as pyoxigraph quads (named graphs only), lazily."""
    lines: list[str] = []
    for g, spo in statements(res):
        lines.append(f"{spo} {g} .\n")
        if len(lines) >= chunk:
            yield from ox.parse("".join(lines), format=ox.RdfFormat.N_QUADS)
            lines = []
    if lines:
        yield from ox.parse("".join(lines), format=ox.RdfFormat.N_QUADS)


def statements(res: Resolved) -> Iterator[tuple[str, str]]:
    """Every quad of the graph of ``res`` as N-Quads text: (graph, "subject predicate object").

    The terms are canonical N-Triples (as pyoxigraph prints them), so the text can be sorted,
    compared and written as it is. The one place records become RDF (``Writer``): the entities,
    then each document's part.
    """
    writer = Writer()
    yield from writer.entities(res)
    for part in document_parts(res):
        yield from writer.document(part)


def document_parts(res: Resolved) -> Iterator[DocumentPart]:
    """What each document of ``res`` contributes (as ``kg.resolve.resolve_stream`` gives it, document by document)."""
    actors: dict[str, list[str]] = defaultdict(list)
    evidence: dict[str, list[tuple[str, tuple[Span, ...]]]] = defaultdict(list)
    said: dict[str, list[GStatement]] = defaultdict(list)
    for a in res.actors:
        for d in a.documents:
            actors[d].append(a.id)
    facts: list[GRole | GMeeting | GCeasefire] = [*res.roles, *res.meetings, *res.ceasefires]
    for fact in facts:
        by_doc: dict[str, list[Span]] = defaultdict(list)
        for s in fact.evidence:
            by_doc[s.doc_id].append(s)
        for d, spans in by_doc.items():
            evidence[d].append((fact.id, tuple(spans)))
    for st in res.statements:
        said[st.evidence[0].doc_id if st.evidence else ""].append(st)
    for doc in res.documents:
        yield DocumentPart(doc, tuple(actors.pop(doc.id, ())), tuple(evidence.pop(doc.id, ())),
                           tuple(said.pop(doc.id, ())))


class Writer:
    """Records -> quads: ``entities`` (what resolution made of all documents), then ``document`` for each
    document's part, in any order; their union is the graph (each quad may come more than once)."""

    def __init__(self) -> None:
        t = self.t = _Terms()
        self.V = {name: t.iri(str(term)) for name, term in (
            ("type", RDF.type), ("label", RDFS.label), ("alt", SKOS.altLabel), ("identifier", DCTERMS.identifier),
            ("title", DCTERMS.title), ("dcdate", DCTERMS.date), ("source", DCTERMS.source),
            ("isString", NIF.isString), ("begin", NIF.beginIndex), ("end", NIF.endIndex), ("anchor", NIF.anchorOf),
            ("Document", KG.Document), ("TextSpan", KG.TextSpan), ("document", KG.document),
            ("evidence", KG.evidence), ("mentionedIn", KG.mentionedIn), ("Place", KG.Place), ("date", KG.date),
            ("dateText", KG.dateText), ("Role", KG.Role), ("holder", KG.holder), ("ktitle", KG.title),
            ("affiliation", KG.affiliation), ("Meeting", KG.Meeting), ("meetingKind", KG.meetingKind),
            ("participant", KG.participant), ("location", KG.location), ("status", KG.status), ("mode", KG.mode),
            ("Ceasefire", KG.Ceasefire), ("party", KG.party), ("mediator", KG.mediator),
            ("Statement", KG.Statement), ("speaker", KG.speaker), ("text", KG.text), ("isQuote", KG.isQuote),
            ("about", KG.about))}
        self.graph = t.iri(str(ENTITIES_GRAPH))
        self.labels: dict[str, str] = {}
        t.keep()

    def entities(self, res: Resolved) -> Iterator[tuple[str, str]]:
        """The entities graph without statements and evidence: actors, places, roles, meetings, ceasefires."""
        t, V, entities, labels = self.t, self.V, self.graph, self.labels
        for a in res.actors:
            node = t.data(a.id)
            labels[a.id] = a.label
            yield entities, f"{node} {V['type']} {t.iri(str(ACTOR_CLASSES[a.kind]))}"
            yield entities, f"{node} {V['label']} {t.text(a.label)}"
            for n in a.names:
                yield entities, f"{node} {V['alt']} {t.text(n)}"
        for p in res.places:
            labels[p.id] = p.label
            yield entities, f"{t.data(p.id)} {V['type']} {V['Place']}"
            yield entities, f"{t.data(p.id)} {V['label']} {t.text(p.label)}"

        for r in res.roles:
            facts = [(V["type"], V["Role"]), (V["label"], t.text(f"{labels[r.holder]}: {r.title}")),
                     (V["holder"], t.data(r.holder)), (V["ktitle"], t.text(r.title))]
            if r.affiliation:
                facts.append((V["affiliation"], t.data(r.affiliation)))
            yield from self._facts(t.data(r.id), facts)

        for m in res.meetings:
            facts = [(V["type"], V["Meeting"]),
                     (V["label"], t.text(f"{m.kind}: " + ", ".join(labels[p] for p in m.participants))),
                     (V["meetingKind"], t.text(m.kind))]
            facts.extend((V["participant"], t.data(p)) for p in m.participants)
            if m.location:
                facts.append((V["location"], t.data(m.location)))
            if m.status:
                facts.append((V["status"], t.iri(str(MEETING_STATUS[m.status]))))
            if m.mode:
                facts.append((V["mode"], t.iri(str(MEETING_MODE[m.mode]))))
            yield from self._facts(t.data(m.id), facts, m.date)

        for c in res.ceasefires:
            parties = ", ".join(labels[p] for p in c.parties)
            facts = [(V["type"], V["Ceasefire"]),
                     (V["label"], t.text("ceasefire" + (f": {parties}" if parties else "")))]
            facts.extend((V["party"], t.data(p)) for p in c.parties)
            facts.extend((V["mediator"], t.data(p)) for p in c.mediators)
            if c.status:
                facts.append((V["status"], t.iri(str(CEASEFIRE_STATUS[c.status]))))
            yield from self._facts(t.data(c.id), facts, c.date)

    def document(self, part: DocumentPart) -> Iterator[tuple[str, str]]:
        """A document's graph (``document_graph``) and its statements (``statements``)."""
        yield from self.document_graph(part)
        yield from self.statements(part)

    def graph_of(self, doc_id: str) -> str:
        """The IRI of a document's named graph, as N-Triples text."""
        return self.t.data(f"graph/{doc_id}")

    def document_graph(self, part: DocumentPart) -> Iterator[tuple[str, str]]:
        """A document's named graph: its node, the actors it mentions, the evidence it gives facts and statements.

        A function of the part alone (no label or other record of the corpus in it), so that it
        can be kept between builds by the part's digest."""
        t, V = self.t, self.V
        doc = part.document
        g = t.data(f"graph/{doc.id}")
        d = t.data(f"doc/{doc.id}")
        yield g, f"{d} {V['type']} {V['Document']}"
        yield g, f"{d} {V['identifier']} {t.text(doc.id)}"
        yield g, f"{d} {V['label']} {t.text(doc.title or doc.id)}"
        if doc.title:
            yield g, f"{d} {V['title']} {t.text(doc.title)}"
        if doc.published:
            yield g, f"{d} {V['dcdate']} {t.day(doc.published)}"
        if doc.source:
            yield g, f"{d} {V['source']} {_source(t, doc.source)}"
        # Always carried: the graph is then self-contained for checking every offset.
        yield g, f"{d} {V['isString']} {t.text(doc.text)}"
        for a in part.actors:
            yield g, f"{t.data(a)} {V['mentionedIn']} {d}"
        for fact, spans in part.evidence:
            yield from self._evidence(t.data(fact), spans)
        for s in part.statements:
            yield from self._evidence(t.data(s.id), s.evidence)

    def statements(self, part: DocumentPart) -> Iterator[tuple[str, str]]:
        """A document's statements, in the entities graph (their labels name the speakers: after ``entities``)."""
        t, V = self.t, self.V
        for s in part.statements:
            short = s.text if len(s.text) <= 80 else s.text[:77] + "..."
            facts = [(V["type"], V["Statement"]), (V["label"], t.text(f"{self.labels[s.speaker]}: {short}")),
                     (V["speaker"], t.data(s.speaker)), (V["text"], t.text(s.text)),
                     (V["isQuote"], t.boolean(s.quote))]
            facts.extend((V["about"], t.data(a)) for a in s.about)
            yield from self._facts(t.data(s.id), facts, s.date)

    def _facts(self, node: str, facts: list[tuple[str, str]], date=None) -> Iterator[tuple[str, str]]:
        """A fact's attributes, once, in the entities graph."""
        V, t = self.V, self.t
        if date is not None:
            if date.value:
                facts.append((V["date"], t.day(date.value)))
            facts.append((V["dateText"], t.text(date.text)))
        for p, o in facts:
            yield self.graph, f"{node} {p} {o}"

    def _evidence(self, node: str, spans: tuple[Span, ...]) -> Iterator[tuple[str, str]]:
        """The evidence links of ``node`` and their spans, each in the graph of the span's document."""
        t, V = self.t, self.V
        for s in spans:
            g = t.data(f"graph/{s.doc_id}")
            si = t.data(f"span/{s.doc_id}/{s.begin}-{s.end}")
            yield g, f"{node} {V['evidence']} {si}"
            yield g, f"{si} {V['type']} {V['TextSpan']}"
            yield g, f"{si} {V['document']} {t.data(f'doc/{s.doc_id}')}"
            yield g, f"{si} {V['begin']} {t.count(s.begin)}"
            yield g, f"{si} {V['end']} {t.count(s.end)}"
            yield g, f"{si} {V['anchor']} {t.text(s.text)}"


def _source(t: _Terms, value: str) -> str:
    """A document's source: an IRI when it is a well-formed URL, else its text."""
    if _is_url(value):
        try:
            return t.iri(value)
        except ValueError:
            pass
    return t.text(value)


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://")) and " " not in value


def to_rdflib(term):
    """A pyoxigraph term as an rdflib term (xsd:string literals become plain literals, as rdflib writes them)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"not a term kg writes: {term!r}")


def to_dataset(res: Resolved) -> Dataset:
    """The graph of ``res`` as an rdflib Dataset (the entities graph, and one named graph per document)."""
    ds = Dataset()
    bind_prefixes(ds)
    graphs: dict[str, Graph] = {}
    ds.graph(ENTITIES_GRAPH)
    for q in quads(res):
        name = str(q.graph_name.value) if isinstance(q.graph_name, ox.NamedNode) else str(ENTITIES_GRAPH)
        g = graphs.get(name)
        if g is None:
            g = graphs[name] = ds.graph(URIRef(name))
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return ds

"""Resolved records -> RDF quads (pure: no I/O).

One named graph per document holds its Document node, its evidence spans and the facts
read from it; the graph `kgd:graph/entities` holds the actors and places. The union of
all graphs is the whole knowledge graph.

``quads(res)`` is the one place records become RDF: it yields pyoxigraph quads, lazily, so a
corpus-sized graph never has to sit in memory (``kg.export`` sorts and writes them).
``to_dataset(res)`` builds an rdflib Dataset from the same quads, for callers that want rdflib.
A quad may be yielded more than once (a span that is evidence for two facts); a dataset or a
sorted export holds it once.
"""
from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from kg.models import Span
from kg.resolve import Resolved
from kg.vocab import ACTOR_CLASSES, CEASEFIRE_STATUS, KG, KGD, MEETING_MODE, MEETING_STATUS, NIF, bind_prefixes

ENTITIES_GRAPH = KGD["graph/entities"]


def doc_iri(doc_id: str) -> URIRef:
    return KGD[f"doc/{doc_id}"]


def graph_iri(doc_id: str) -> URIRef:
    return KGD[f"graph/{doc_id}"]


def span_iri(span: Span) -> URIRef:
    return KGD[f"span/{span.doc_id}/{span.begin}-{span.end}"]


class _Terms:
    """pyoxigraph terms, each IRI built (and checked) once."""

    def __init__(self) -> None:
        self._iris: dict[str, ox.NamedNode] = {}
        self.string = ox.NamedNode(str(XSD.string))
        self.date = ox.NamedNode(str(XSD.date))
        self.non_negative = ox.NamedNode(str(XSD.nonNegativeInteger))
        self.true = ox.Literal("true", datatype=ox.NamedNode(str(XSD.boolean)))
        self.false = ox.Literal("false", datatype=ox.NamedNode(str(XSD.boolean)))

    def iri(self, value: str) -> ox.NamedNode:
        node = self._iris.get(value)
        if node is None:
            node = self._iris[value] = ox.NamedNode(value)
        return node

    def data(self, local: str) -> ox.NamedNode:
        """A node of kg's data namespace (kgd:), from its local name ("actor/antony-blinken")."""
        return self.iri(str(KGD) + local)

    @staticmethod
    def text(value: str) -> ox.Literal:
        return ox.Literal(value)

    def day(self, value) -> ox.Literal:
        return ox.Literal(value.isoformat(), datatype=self.date)

    def count(self, value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=self.non_negative)

    def boolean(self, value: bool) -> ox.Literal:
        return self.true if value else self.false


def quads(res: Resolved) -> Iterator[ox.Quad]:
    """Every quad of the graph of ``res`` (named graphs only; the default graph stays empty)."""
    t = _Terms()
    V = {name: t.iri(str(term)) for name, term in (
        ("type", RDF.type), ("label", RDFS.label), ("alt", SKOS.altLabel), ("identifier", DCTERMS.identifier),
        ("title", DCTERMS.title), ("dcdate", DCTERMS.date), ("source", DCTERMS.source), ("isString", NIF.isString),
        ("begin", NIF.beginIndex), ("end", NIF.endIndex), ("anchor", NIF.anchorOf), ("Document", KG.Document),
        ("TextSpan", KG.TextSpan), ("document", KG.document), ("evidence", KG.evidence),
        ("mentionedIn", KG.mentionedIn), ("Place", KG.Place), ("date", KG.date), ("dateText", KG.dateText),
        ("Role", KG.Role), ("holder", KG.holder), ("ktitle", KG.title), ("affiliation", KG.affiliation),
        ("Meeting", KG.Meeting), ("meetingKind", KG.meetingKind), ("participant", KG.participant),
        ("location", KG.location), ("status", KG.status), ("mode", KG.mode), ("Ceasefire", KG.Ceasefire),
        ("party", KG.party), ("mediator", KG.mediator), ("Statement", KG.Statement), ("speaker", KG.speaker),
        ("text", KG.text), ("isQuote", KG.isQuote), ("about", KG.about))}
    entities = t.iri(str(ENTITIES_GRAPH))
    graphs: dict[str, ox.NamedNode] = {}
    docs: dict[str, ox.NamedNode] = {}

    for doc in res.documents:
        g = graphs[doc.id] = t.data(f"graph/{doc.id}")
        d = docs[doc.id] = t.data(f"doc/{doc.id}")
        yield ox.Quad(d, V["type"], V["Document"], g)
        yield ox.Quad(d, V["identifier"], t.text(doc.id), g)
        yield ox.Quad(d, V["label"], t.text(doc.title or doc.id), g)
        if doc.title:
            yield ox.Quad(d, V["title"], t.text(doc.title), g)
        if doc.published:
            yield ox.Quad(d, V["dcdate"], t.day(doc.published), g)
        if doc.source:
            yield ox.Quad(d, V["source"], _source(t, doc.source), g)
        # Always carried: the graph is then self-contained for checking every offset.
        yield ox.Quad(d, V["isString"], t.text(doc.text), g)

    def evidence(node: ox.NamedNode, spans: tuple[Span, ...], out: list[ox.Quad]) -> list[ox.NamedNode]:
        """The span quads of ``node`` into ``out``; the graphs they are in, in order of first use."""
        used: list[ox.NamedNode] = []
        for s in spans:
            g = graphs[s.doc_id]
            si = t.data(f"span/{s.doc_id}/{s.begin}-{s.end}")
            out.append(ox.Quad(node, V["evidence"], si, g))
            out.append(ox.Quad(si, V["type"], V["TextSpan"], g))
            out.append(ox.Quad(si, V["document"], docs[s.doc_id], g))
            out.append(ox.Quad(si, V["begin"], t.count(s.begin), g))
            out.append(ox.Quad(si, V["end"], t.count(s.end), g))
            out.append(ox.Quad(si, V["anchor"], t.text(s.text), g))
            if g not in used:
                used.append(g)
        return used

    labels: dict[str, str] = {}
    for a in res.actors:
        node = t.data(a.id)
        labels[a.id] = a.label
        yield ox.Quad(node, V["type"], t.iri(str(ACTOR_CLASSES[a.kind])), entities)
        yield ox.Quad(node, V["label"], t.text(a.label), entities)
        for n in a.names:
            yield ox.Quad(node, V["alt"], t.text(n), entities)
        for d in a.documents:
            yield ox.Quad(node, V["mentionedIn"], docs[d], graphs[d])
    for p in res.places:
        labels[p.id] = p.label
        yield ox.Quad(t.data(p.id), V["type"], V["Place"], entities)
        yield ox.Quad(t.data(p.id), V["label"], t.text(p.label), entities)

    def described(node: ox.NamedNode, spans: tuple[Span, ...], facts: list[tuple], date=None) -> list[ox.Quad]:
        """The facts about ``node`` (and its date) in every graph that holds evidence for it."""
        out: list[ox.Quad] = []
        if date is not None:
            if date.value:
                facts.append((V["date"], t.day(date.value)))
            facts.append((V["dateText"], t.text(date.text)))
        for g in evidence(node, spans, out):
            out.extend(ox.Quad(node, p, o, g) for p, o in facts)
        return out

    for r in res.roles:
        facts = [(V["type"], V["Role"]), (V["label"], t.text(f"{labels[r.holder]}: {r.title}")),
                 (V["holder"], t.data(r.holder)), (V["ktitle"], t.text(r.title))]
        if r.affiliation:
            facts.append((V["affiliation"], t.data(r.affiliation)))
        yield from described(t.data(r.id), r.evidence, facts)

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
        yield from described(t.data(m.id), m.evidence, facts, m.date)

    for c in res.ceasefires:
        parties = ", ".join(labels[p] for p in c.parties)
        facts = [(V["type"], V["Ceasefire"]), (V["label"], t.text("ceasefire" + (f": {parties}" if parties else "")))]
        facts.extend((V["party"], t.data(p)) for p in c.parties)
        facts.extend((V["mediator"], t.data(p)) for p in c.mediators)
        if c.status:
            facts.append((V["status"], t.iri(str(CEASEFIRE_STATUS[c.status]))))
        yield from described(t.data(c.id), c.evidence, facts, c.date)

    for s in res.statements:
        short = s.text if len(s.text) <= 80 else s.text[:77] + "..."
        facts = [(V["type"], V["Statement"]), (V["label"], t.text(f"{labels[s.speaker]}: {short}")),
                 (V["speaker"], t.data(s.speaker)), (V["text"], t.text(s.text)), (V["isQuote"], t.boolean(s.quote))]
        facts.extend((V["about"], t.data(a)) for a in s.about)
        yield from described(t.data(s.id), s.evidence, facts, s.date)


def _source(t: _Terms, value: str):
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
    """The graph of ``res`` as an rdflib Dataset (one named graph per document, plus entities)."""
    ds = Dataset()
    bind_prefixes(ds)
    graphs = {}
    ds.graph(ENTITIES_GRAPH)
    for q in quads(res):
        g = graphs.get(q.graph_name.value)
        if g is None:
            g = graphs[q.graph_name.value] = ds.graph(URIRef(q.graph_name.value))
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return ds

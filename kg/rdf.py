"""Resolved records -> an RDF dataset (pure: no I/O).

One named graph per document holds its Document node, its evidence spans and the facts
read from it; the graph `kgd:graph/entities` holds the actors and places. The union of
all graphs is the whole knowledge graph.
"""
from __future__ import annotations

from rdflib import Dataset, Graph, Literal, URIRef
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


def to_dataset(res: Resolved) -> Dataset:
    ds = Dataset()
    bind_prefixes(ds)
    entities = ds.graph(ENTITIES_GRAPH)
    graphs: dict[str, Graph] = {}
    for doc in res.documents:
        g = graphs[doc.id] = ds.graph(graph_iri(doc.id))
        d = doc_iri(doc.id)
        g.add((d, RDF.type, KG.Document))
        g.add((d, DCTERMS.identifier, Literal(doc.id)))
        g.add((d, RDFS.label, Literal(doc.title or doc.id)))
        if doc.title:
            g.add((d, DCTERMS.title, Literal(doc.title)))
        if doc.published:
            g.add((d, DCTERMS.date, Literal(doc.published.isoformat(), datatype=XSD.date)))
        if doc.source:
            g.add((d, DCTERMS.source, URIRef(doc.source) if _is_url(doc.source) else Literal(doc.source)))
        # Always carried: the graph is then self-contained for checking every offset.
        g.add((d, NIF.isString, Literal(doc.text)))

    def evidence(node: URIRef, spans: tuple[Span, ...]) -> list[Graph]:
        used = []
        for s in spans:
            g = graphs[s.doc_id]
            si = span_iri(s)
            g.add((node, KG.evidence, si))
            g.add((si, RDF.type, KG.TextSpan))
            g.add((si, KG.document, doc_iri(s.doc_id)))
            g.add((si, NIF.beginIndex, Literal(s.begin, datatype=XSD.nonNegativeInteger)))
            g.add((si, NIF.endIndex, Literal(s.end, datatype=XSD.nonNegativeInteger)))
            g.add((si, NIF.anchorOf, Literal(s.text)))
            if g not in used:
                used.append(g)
        return used

    labels = {}
    for a in res.actors:
        node = KGD[a.id]
        labels[a.id] = a.label
        entities.add((node, RDF.type, ACTOR_CLASSES[a.kind]))
        entities.add((node, RDFS.label, Literal(a.label)))
        for n in a.names:
            entities.add((node, SKOS.altLabel, Literal(n)))
        for d in a.documents:
            graphs[d].add((node, KG.mentionedIn, doc_iri(d)))
    for p in res.places:
        labels[p.id] = p.label
        entities.add((KGD[p.id], RDF.type, KG.Place))
        entities.add((KGD[p.id], RDFS.label, Literal(p.label)))

    def date_triples(node, date, gs):
        if date is None:
            return
        for g in gs:
            if date.value:
                g.add((node, KG.date, Literal(date.value.isoformat(), datatype=XSD.date)))
            g.add((node, KG.dateText, Literal(date.text)))

    for r in res.roles:
        node = KGD[r.id]
        for g in evidence(node, r.evidence):
            g.add((node, RDF.type, KG.Role))
            g.add((node, RDFS.label, Literal(f"{labels[r.holder]}: {r.title}")))
            g.add((node, KG.holder, KGD[r.holder]))
            g.add((node, KG.title, Literal(r.title)))
            if r.affiliation:
                g.add((node, KG.affiliation, KGD[r.affiliation]))

    for m in res.meetings:
        node = KGD[m.id]
        gs = evidence(node, m.evidence)
        for g in gs:
            g.add((node, RDF.type, KG.Meeting))
            g.add((node, RDFS.label, Literal(f"{m.kind}: " + ", ".join(labels[p] for p in m.participants))))
            g.add((node, KG.meetingKind, Literal(m.kind)))
            for p in m.participants:
                g.add((node, KG.participant, KGD[p]))
            if m.location:
                g.add((node, KG.location, KGD[m.location]))
            if m.status:
                g.add((node, KG.status, MEETING_STATUS[m.status]))
            if m.mode:
                g.add((node, KG.mode, MEETING_MODE[m.mode]))
        date_triples(node, m.date, gs)

    for c in res.ceasefires:
        node = KGD[c.id]
        gs = evidence(node, c.evidence)
        parties = ", ".join(labels[p] for p in c.parties)
        for g in gs:
            g.add((node, RDF.type, KG.Ceasefire))
            g.add((node, RDFS.label, Literal("ceasefire" + (f": {parties}" if parties else ""))))
            for p in c.parties:
                g.add((node, KG.party, KGD[p]))
            for p in c.mediators:
                g.add((node, KG.mediator, KGD[p]))
            if c.status:
                g.add((node, KG.status, CEASEFIRE_STATUS[c.status]))
        date_triples(node, c.date, gs)

    for s in res.statements:
        node = KGD[s.id]
        gs = evidence(node, s.evidence)
        short = s.text if len(s.text) <= 80 else s.text[:77] + "..."
        for g in gs:
            g.add((node, RDF.type, KG.Statement))
            g.add((node, RDFS.label, Literal(f"{labels[s.speaker]}: {short}")))
            g.add((node, KG.speaker, KGD[s.speaker]))
            g.add((node, KG.text, Literal(s.text)))
            g.add((node, KG.isQuote, Literal(s.quote)))
            for a in s.about:
                g.add((node, KG.about, KGD[a]))
        date_triples(node, s.date, gs)
    return ds


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://")) and " " not in value

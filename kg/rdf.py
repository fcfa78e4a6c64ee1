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
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.models import Span, StatusObservation
from kg.resolve import DocumentPart, GAccusation, GCeasefire, GMeeting, GRole, GStatement, Resolved, digest, slug
from kg.vocab import ACTOR_CLASSES, CEASEFIRE_STATUS, FOAF, KG, KGD, MEETING_MODE, MEETING_STATUS, NIF, bind_prefixes

ENTITIES_GRAPH = KGD["graph/entities"]
CURATION_GRAPH = KGD["graph/curation"]


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
    accused: dict[str, list[GAccusation]] = defaultdict(list)
    observed: dict[str, list[tuple[str, StatusObservation]]] = defaultdict(list)
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
    for acc in res.accusations:
        accused[acc.evidence[0].doc_id if acc.evidence else ""].append(acc)
    for c in res.ceasefires:
        for o in c.observations:
            observed[o.doc_id].append((c.id, o))
    for doc in res.documents:
        yield DocumentPart(doc, tuple(actors.pop(doc.id, ())), tuple(evidence.pop(doc.id, ())),
                           tuple(said.pop(doc.id, ())), tuple(accused.pop(doc.id, ())), tuple(observed.pop(doc.id, ())))


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
            ("about", KG.about), ("StatusObservation", KG.StatusObservation),
            ("statusObservation", KG.statusObservation), ("observedStatus", KG.observedStatus),
            ("Accusation", KG.Accusation), ("accuser", KG.accuser), ("accused", KG.accused),
            ("concerns", KG.concerns),
            # interop (rules, event and country codes)
            ("notation", SKOS.notation), ("pref", SKOS.prefLabel), ("definition", SKOS.definition),
            ("inScheme", SKOS.inScheme), ("EventCode", KG.EventCode), ("cameoScheme", KG.CameoScheme),
            ("ploverScheme", KG.PloverScheme), ("eventCode", KG.eventCode), ("ploverType", KG.ploverType),
            ("ploverMode", KG.ploverMode), ("rule", KG.rule), ("isoCode", KG.isoCode), ("cameoCode", KG.cameoCode),
            ("page", FOAF.isPrimaryTopicOf), ("sameAs", OWL.sameAs))}
        self.graph = t.iri(str(ENTITIES_GRAPH))
        self.labels: dict[str, str] = {}
        self.parties: dict[str, str] = {}  # a ceasefire's parties, as its observations' labels name them
        self.status: dict[str, tuple[str, str | None]] = {}  # each meeting's and ceasefire's kind and status
        self.codes: set[str] = set()  # the CAMEO codes written so far (each code's node once)
        t.keep()

    def entities(self, res: Resolved) -> Iterator[tuple[str, str]]:
        """The entities graph without statements, accusations, observations and evidence: actors, places,
        roles, meetings, ceasefires, their rules and codes, countries' codes; and the curation graph."""
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
            self.status[m.id] = ("meeting", m.status)

        for c in res.ceasefires:
            parties = ", ".join(labels[p] for p in c.parties)
            facts = [(V["type"], V["Ceasefire"]),
                     (V["label"], t.text("ceasefire" + (f": {parties}" if parties else "")))]
            facts.extend((V["party"], t.data(p)) for p in c.parties)
            facts.extend((V["mediator"], t.data(p)) for p in c.mediators)
            if c.status:
                facts.append((V["status"], t.iri(str(CEASEFIRE_STATUS[c.status]))))
            yield from self._facts(t.data(c.id), facts, c.date)
            self.parties[c.id] = parties
            self.status[c.id] = ("ceasefire", c.status)
        yield from self._interop(res)
        yield from _curation(t, res)

    def _interop(self, res: Resolved) -> Iterator[tuple[str, str]]:
        """The rules behind each fact, event codes (CAMEO, PLOVER), countries' codes and links (kg/codes.py)."""
        from kg import codes as kc

        t, V, g = self.t, self.V, self.graph
        for r in res.roles:
            yield from self._coded(r.id, r.rules, None)
        for m in res.meetings:
            yield from self._coded(m.id, m.rules, kc.event_code("meetings", kind=m.kind, status=m.status, mode=m.mode))
        for c in res.ceasefires:
            yield from self._coded(c.id, c.rules, kc.event_code("ceasefires", status=c.status))
        for a in res.actors:
            found = kc.country(a.label) if a.kind == "Country" else None
            if found is None:
                continue
            node = t.data(a.id)
            yield g, f"{node} {V['isoCode']} {t.text(found.iso3)}"
            yield g, f"{node} {V['cameoCode']} {t.text(found.cameo)}"
            yield g, f"{node} {V['page']} {t.iri(found.wikipedia)}"
            yield g, f"{node} {V['sameAs']} {t.iri(found.dbpedia)}"

    def _statement_code(self, s: GStatement) -> str | None:
        """A statement's CAMEO code: by what it is about (a planned meeting, a proposed ceasefire), else a statement's."""
        from kg import codes as kc

        about = [{"about": self.status[e][0], "about_status": self.status[e][1]} for e in s.about if e in self.status]
        return kc.first_code("statements", [*about, {}])

    def _coded(self, node_id: str, rules: tuple[str, ...], code: str | None) -> Iterator[tuple[str, str]]:
        """``fact kg:rule "id"`` for each rule, ``fact kg:eventCode code``, and the code's node the first time."""
        t, V, g = self.t, self.V, self.graph
        node = t.data(node_id)
        for rule in sorted(set(rules)):
            yield g, f"{node} {V['rule']} {t.text(rule)}"
        if code is None:
            return
        yield g, f"{node} {V['eventCode']} {t.data(f'code/cameo-{code}')}"
        if code in self.codes:
            return
        self.codes.add(code)
        from kg import codes as kc

        table = kc.codes()
        entry = table.cameo[code]
        node = t.data(f"code/cameo-{code}")
        yield g, f"{node} {V['type']} {V['EventCode']}"
        yield g, f"{node} {V['label']} {t.text(f'CAMEO {code}: {entry.label}')}"
        yield g, f"{node} {V['notation']} {t.text(code)}"
        yield g, f"{node} {V['pref']} {t.text(entry.label)}"
        yield g, f"{node} {V['definition']} {t.text(entry.meaning)}"
        yield g, f"{node} {V['inScheme']} {V['cameoScheme']}"
        yield g, f"{node} {V['source']} {t.text(table.sources['cameo']['citation'])}"
        if entry.plover_mode:
            yield g, f"{node} {V['ploverMode']} {t.text(entry.plover_mode)}"
        if entry.plover:
            name = entry.plover
            yield g, f"{node} {V['ploverType']} {t.data(f'code/plover-{name}')}"
            node = t.data(f"code/plover-{name}")
            yield g, f"{node} {V['type']} {V['EventCode']}"
            yield g, f"{node} {V['label']} {t.text(f'PLOVER {name}')}"
            yield g, f"{node} {V['notation']} {t.text(name)}"
            yield g, f"{node} {V['pref']} {t.text(name)}"
            yield g, f"{node} {V['definition']} {t.text(table.plover[name].meaning)}"
            yield g, f"{node} {V['inScheme']} {V['ploverScheme']}"
            yield g, f"{node} {V['source']} {t.text(table.sources['plover']['citation'])}"

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
        for acc in part.accusations:
            yield from self._evidence(t.data(acc.id), acc.evidence)
        for c, o in part.observations:
            yield from self._evidence(t.data(_observation_id(c, o)), o.evidence)

    def statements(self, part: DocumentPart) -> Iterator[tuple[str, str]]:
        """A document's statements, accusations and reports of ceasefires' status, in the entities graph
        (their labels name actors and ceasefires' parties: after ``entities``)."""
        from kg import codes as kc

        t, V, labels = self.t, self.V, self.labels
        for s in part.statements:
            short = s.text if len(s.text) <= 80 else s.text[:77] + "..."
            facts = [(V["type"], V["Statement"]), (V["label"], t.text(f"{labels[s.speaker]}: {short}")),
                     (V["speaker"], t.data(s.speaker)), (V["text"], t.text(s.text)),
                     (V["isQuote"], t.boolean(s.quote))]
            facts.extend((V["about"], t.data(a)) for a in s.about)
            yield from self._facts(t.data(s.id), facts, s.date)
            yield from self._coded(s.id, s.rules, self._statement_code(s))
        for acc in part.accusations:
            said = f"{labels[acc.accuser]} accuses " if acc.accuser else ""
            facts = [(V["type"], V["Accusation"]),
                     (V["label"], t.text(f"{said}{labels[acc.accused]} of violating a ceasefire")),
                     (V["accused"], t.data(acc.accused))]
            if acc.accuser:
                facts.append((V["accuser"], t.data(acc.accuser)))
            if acc.ceasefire:
                facts.append((V["concerns"], t.data(acc.ceasefire)))
            yield from self._facts(t.data(acc.id), facts, acc.date)
            yield from self._coded(acc.id, acc.rules, kc.event_code("accusations"))
        # a ceasefire's dated status observations (kg.lifecycle): one node per report, its status as of its day
        for c, o in part.observations:
            parties = self.parties[c]
            obs = t.data(_observation_id(c, o))
            yield self.graph, f"{t.data(c)} {V['statusObservation']} {obs}"
            facts = [(V["type"], V["StatusObservation"]),
                     (V["label"], t.text(f"{o.status or 'reported'}: {parties or 'ceasefire'}"
                                         + (f" ({o.day.isoformat()})" if o.day else "")))]
            if o.status:
                facts.append((V["observedStatus"], t.iri(str(CEASEFIRE_STATUS[o.status]))))
            if o.day:
                facts.append((V["date"], t.day(o.day)))
            if o.date:
                facts.append((V["dateText"], t.text(o.date.text)))
            yield from self._facts(obs, facts)

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


def _observation_id(ceasefire: str, o: StatusObservation) -> str:
    first = o.evidence[0]
    return "observation/" + digest(ceasefire, o.doc_id, first.begin, first.end)


def _curation(t: _Terms, res: Resolved) -> Iterator[tuple[str, str]]:
    """The curated changes (kg.curation) as PROV-O activities, in their own named graph: what
    changed (the attribute, the nodes used and generated), from what (the previous value), by
    whom (a prov:Agent), when (the curation file's date) and why."""
    if not res.curation:
        return
    g = t.iri(str(CURATION_GRAPH))
    V = {name: t.iri(str(term)) for name, term in (
        ("type", RDF.type), ("label", RDFS.label), ("Curation", KG.Curation), ("Activity", PROV.Activity),
        ("Agent", PROV.Agent), ("associated", PROV.wasAssociatedWith), ("ended", PROV.endedAtTime),
        ("used", PROV.used), ("generated", PROV.generated), ("action", KG.curationAction),
        ("attribute", KG.changedAttribute), ("previous", KG.previousValue), ("new", KG.newValue),
        ("reason", KG.reason), ("identifier", DCTERMS.identifier))}
    when = f"^^<{XSD.dateTime}>"
    for c in res.curation:
        node = t.data(f"curation/{c.number}-{c.entry}")
        agent = t.data(f"curator/{slug(c.by)}")
        yield g, f"{agent} {V['type']} {V['Agent']}"
        yield g, f"{agent} {V['label']} {t.text(c.by)}"
        yield g, f"{node} {V['type']} {V['Curation']}"
        yield g, f"{node} {V['type']} {V['Activity']}"
        yield g, f"{node} {V['label']} {t.text(c.label)}"
        yield g, f"{node} {V['identifier']} {t.text(c.entry)}"
        yield g, f"{node} {V['action']} {t.text(c.action)}"
        yield g, f"{node} {V['associated']} {agent}"
        yield g, f'{node} {V["ended"]} "{c.when}"{when}'
        if c.why:
            yield g, f"{node} {V['reason']} {t.text(c.why)}"
        if c.attribute:
            yield g, f"{node} {V['attribute']} {t.text(c.attribute)}"
        if c.previous is not None:
            yield g, f"{node} {V['previous']} {t.text(_value(c.previous))}"
        if c.new is not None:
            yield g, f"{node} {V['new']} {t.text(_value(c.new))}"
        for used in c.used:
            yield g, f"{node} {V['used']} {t.data(used)}"
        for made in c.generated:
            yield g, f"{node} {V['generated']} {t.data(made)}"


def _value(value: str) -> str:
    """A previous or new value as text: a node of the data by its full IRI."""
    if re.fullmatch(r"(actor|meeting|statement|ceasefire|accusation|role)/[^\s]+", value):
        return _KGD + value
    return value


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

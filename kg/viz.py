"""The graph page: RDF -> networkx -> a pyvis Network -> one self-contained, offline HTML page.

    read_network(graph_dir) / network_from_graph(graph)   RDF (via an Oxigraph store) -> networkx MultiDiGraph
    select(network, settings)                              focus / doc / classes / size limit
    to_pyvis(selection, settings) -> KgNetwork             networkx -> a pyvis Network (kg.network() in Python)
    render_page(selection) -> str                          the Network's page (KgNetwork.generate_html)
    write_page(graph_dir, out, settings)                   all of it, written atomically
    export_network(graph_dir, fmt, out)                    the same networkx graph as GraphML / GEXF

The page is the pyvis Network rendered with kg's own template (``kg/templates/graph.html``),
not pyvis's: that one links Bootstrap from a CDN and shows tooltips as HTML. The page embeds
everything it uses: vis-network (the build that ships with pyvis, in ``kg/assets``), kg's
script and style (``kg/templates``), and the Network's nodes, edges and options with kg's page
data as JSON in a ``<script type="application/json">`` block. Article text only ever reaches
the page through that JSON, with ``<``, ``>``, ``&`` and U+2028/2029 escaped, and the page's
script renders it with ``textContent``; a Content-Security-Policy allows only the page's own
scripts (by hash) and no network at all.
"""
from __future__ import annotations

import base64
import difflib
import hashlib
import json
import math
import os
import shlex
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import networkx as nx
import numpy as np
from pyvis.network import Network

from kg import __version__
from kg.errors import GraphNotFound, KgError
from kg.vocab import CEASEFIRE_STATUS, DCTERMS, FOAF, KG, MEETING_MODE, MEETING_STATUS, NIF, OWL, RDF, RDFS, SKOS

# The size above which the page keeps only the most connected nodes (bench/viz.md): at 2,000
# nodes headless Chromium on 2 cores drew the page in ~2 s and redrew it in ~20 ms (50 frames
# a second); at 5,000, ~6 s and ~50 ms; at 20,000, ~7 s and ~650 ms.
DEFAULT_MAX_NODES = 2000

# Betweenness costs sources x (nodes + edges) steps in networkx (~3 us each here): exact while
# that fits the budget (~1.5 s), else estimated from as many sampled sources as fit.
BETWEENNESS_BUDGET = 500_000
EXPORT_BETWEENNESS_BUDGET = 3_000_000
MIN_BETWEENNESS_SAMPLES = 20

# Drawn classes, most specific first: (class, colour, vis-network shape). Colours are the
# Okabe-Ito palette (distinguishable with the common colour-vision deficiencies).
CLASS_STYLES: tuple[tuple[str, str, str], ...] = (
    ("Person", "#0072B2", "dot"),
    ("Organization", "#009E73", "square"),
    ("Country", "#E69F00", "hexagon"),
    ("Group", "#CC79A7", "triangleDown"),
    ("Role", "#8C8C8C", "triangle"),
    ("Meeting", "#56B4E9", "diamond"),
    ("Statement", "#F0E442", "star"),
    ("Ceasefire", "#D55E00", "octagon"),  # drawn by the page's own renderer
    ("Accusation", "#882255", "pentagon"),  # (Tol's wine) drawn by the page's own renderer
)
CLASSES = tuple(name for name, _, _ in CLASS_STYLES)
ACTOR_CLASSES = ("Person", "Organization", "Country", "Group")
_CLASS_IRIS = {str(getattr(KG, name)): name for name in CLASSES}

# Edges: the object properties between drawn nodes, from the event (or role) to the actor.
EDGE_STYLES: tuple[tuple[str, str], ...] = (
    ("participant", "#3A8FC4"),
    ("speaker", "#A89400"),
    ("party", "#D55E00"),
    ("mediator", "#7A4FA0"),
    ("holder", "#6E6E6E"),
    ("affiliation", "#A6A6A6"),
    ("about", "#C2185B"),
    ("location", "#7F5539"),
    ("accuser", "#882255"),
    ("accused", "#AA4499"),
    ("concerns", "#999933"),
)
EDGE_PROPERTIES = tuple(name for name, _ in EDGE_STYLES)
_EDGE_IRIS = {str(getattr(KG, name)): name for name in EDGE_PROPERTIES}

_CONCEPT_LABELS = {str(iri): label for table in (MEETING_STATUS, MEETING_MODE, CEASEFIRE_STATUS)
                   for label, iri in table.items()}

# Single-valued literals kept per subject, by the attribute name they get.
_LITERALS = {
    str(RDFS.label): "label", str(KG.title): "title", str(KG.date): "date",
    str(KG.dateText): "dateText", str(KG.text): "text", str(KG.meetingKind): "kind",
    str(KG.isQuote): "quote", str(DCTERMS.identifier): "identifier", str(DCTERMS.title): "docTitle",
    str(DCTERMS.date): "docDate", str(DCTERMS.source): "source", str(NIF.anchorOf): "sentence",
    str(NIF.beginIndex): "begin", str(NIF.endIndex): "end", str(SKOS.prefLabel): "prefLabel",
}
_LINKS = {str(KG.status): "status", str(KG.mode): "mode", str(KG.evidence): "evidence",
          str(KG.document): "document", str(KG.mentionedIn): "mentionedIn",
          str(KG.eventCode): "eventCode", str(KG.ploverType): "ploverType",
          str(FOAF.isPrimaryTopicOf): "wikipedia", str(OWL.sameAs): "sameAs"}
# Literals kept per subject, by the attribute name they get (interop codes; kg/codes.py).
_CODE_LITERALS = {str(SKOS.notation): "notation", str(KG.ploverMode): "ploverMode", str(KG.isoCode): "iso3",
                  str(KG.cameoCode): "cameoCode"}
_RULE = str(KG.rule)
_TYPE, _ALT = str(RDF.type), str(SKOS.altLabel)
_DOCUMENT, _SPAN = str(KG.Document), str(KG.TextSpan)

_BUILD_FILES = (("kg.trig", "TRIG"), ("kg.nt", "N_TRIPLES"), ("kg.ttl", "TURTLE"))


@dataclass(frozen=True)
class ViewSettings:
    """What the page shows. Filters apply in this order: doc, focus, classes, max_nodes."""

    focus: str | None = None  # label, alternative label or IRI of a node
    depth: int = 1  # hops around focus
    doc: str | None = None  # a document's identifier (or IRI): the facts read from it
    classes: tuple[str, ...] = ()  # empty: all of CLASSES
    max_nodes: int | None = None  # None: DEFAULT_MAX_NODES
    title: str | None = None  # the page's heading (default: "kg graph")


@dataclass(frozen=True)
class Selection:
    """The part of the network a page shows, and what was left out of it."""

    graph: nx.MultiDiGraph  # the shown nodes and the edges between them
    total_nodes: int  # in the whole network
    total_edges: int
    matched_nodes: int  # after doc / focus / classes, before the size limit
    matched_edges: int
    max_nodes: int
    omitted: dict[str, int]  # class -> nodes left out by the size limit
    focus: str | None = None  # IRI of the focus node
    notes: tuple[str, ...] = ()  # said on the page and by `kg view`
    hints: tuple[str, ...] = ()  # commands that show what was left out
    scope: tuple[str, ...] = ()  # what --doc, --focus, --classes chose (the page's title says it)

    @property
    def truncated(self) -> bool:
        return self.graph.number_of_nodes() < self.matched_nodes


@dataclass(frozen=True)
class PageReport:
    path: Path
    nodes: int
    edges: int
    total_nodes: int
    total_edges: int
    bytes: int
    seconds: float
    notes: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [f"wrote {self.path}: {self.nodes:,} of {self.total_nodes:,} nodes, "
                 f"{self.edges:,} of {self.total_edges:,} edges ({self.bytes / 1e6:.1f} MB, {self.seconds:.1f} s)"]
        lines += [f"  {note}" for note in self.notes]
        lines += [f"  to see more: {hint}" for hint in self.hints]
        return "\n".join(lines)


# --------------------------------------------------------------------------- RDF -> networkx

@dataclass
class _Facts:
    """The triples the page needs, gathered in one pass (IRIs and literals as strings)."""

    types: dict[str, set[str]] = field(default_factory=dict)
    literals: dict[str, dict[str, str]] = field(default_factory=dict)
    alt: dict[str, set[str]] = field(default_factory=dict)
    links: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    edges: set[tuple[str, str, str]] = field(default_factory=set)
    rules: dict[str, set[str]] = field(default_factory=dict)

    def add(self, s: str, p: str, o: str) -> None:
        if p == _RULE:
            self.rules.setdefault(s, set()).add(o)
        elif p in _CODE_LITERALS:
            self.literals.setdefault(s, {}).setdefault(_CODE_LITERALS[p], o)
        elif p == _TYPE:
            self.types.setdefault(s, set()).add(o)
        elif p in _EDGE_IRIS:
            self.edges.add((s, _EDGE_IRIS[p], o))
        elif p in _LITERALS:
            self.literals.setdefault(s, {}).setdefault(_LITERALS[p], o)
        elif p == _ALT:
            self.alt.setdefault(s, set()).add(o)
        elif p in _LINKS:
            self.links.setdefault(s, {}).setdefault(_LINKS[p], set()).add(o)


def _term(term) -> str:
    """An rdflib or pyoxigraph term as a string: the IRI, the blank node id, or the literal's lexical form."""
    value = getattr(term, "value", None)  # pyoxigraph
    return value if isinstance(value, str) else str(term)


def _triples_of(graph) -> Iterator[tuple[str, str, str]]:
    """(s, p, o) strings of an rdflib Graph/Dataset or a pyoxigraph Store/Dataset (every named graph)."""
    if hasattr(graph, "quads") and hasattr(graph, "triples"):  # rdflib
        if hasattr(graph, "contexts"):  # Dataset / ConjunctiveGraph: every named graph
            rows = graph.quads((None, None, None, None))
        else:
            rows = graph.triples((None, None, None))
        for row in rows:
            yield str(row[0]), str(row[1]), str(row[2])
    else:  # pyoxigraph Store, Dataset, or any iterable of Quad/Triple
        for quad in graph:
            yield _term(quad.subject), _term(quad.predicate), _term(quad.object)


def build_file(graph_dir: Path) -> Path:
    """The file of a build that holds its graph (kg.trig, else kg.nt, else kg.ttl)."""
    graph_dir = Path(graph_dir)
    for name, _ in _BUILD_FILES:
        if (graph_dir / name).is_file():
            return graph_dir / name
    raise GraphNotFound(f"no build in {graph_dir}: run `kg build ... --out {graph_dir}` first")


def _store_in(graph_dir: Path):
    """The build's graph in an in-memory pyoxigraph store (fast enough for large builds)."""
    import pyoxigraph

    path = build_file(graph_dir)
    store = pyoxigraph.Store()
    try:
        store.bulk_load(path=str(path), format=getattr(pyoxigraph.RdfFormat, dict(_BUILD_FILES)[path.name]))
    except SyntaxError as exc:
        raise KgError(f"{path} is not valid RDF ({exc}); rebuild it with `kg build`") from exc
    return store


def _store_of(graph):
    """An rdflib Graph/Dataset, a pyoxigraph Store/Dataset or an iterable of pyoxigraph quads as a store."""
    import pyoxigraph

    if isinstance(graph, pyoxigraph.Store):
        return graph
    store = pyoxigraph.Store()
    default = pyoxigraph.DefaultGraph()
    if hasattr(graph, "quads") and hasattr(graph, "triples"):  # rdflib
        from kg.export import to_ox

        if hasattr(graph, "contexts"):  # Dataset / ConjunctiveGraph: every named graph
            rows = ((s, p, o, to_ox(g.identifier if hasattr(g, "identifier") else g) if g is not None else default)
                    for s, p, o, g in graph.quads((None, None, None, None)))
        else:
            rows = ((s, p, o, default) for s, p, o in graph.triples((None, None, None)))
        store.bulk_extend(pyoxigraph.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o, g in rows)
        return store
    store.bulk_extend(q if isinstance(q, pyoxigraph.Quad) else pyoxigraph.Quad(q.subject, q.predicate, q.object, default)
                      for q in graph)
    return store


def read_network(graph_dir: Path) -> nx.MultiDiGraph:
    """The network of a build folder."""
    return _network_of_store(_store_in(Path(graph_dir)))


def network_from_graph(graph) -> nx.MultiDiGraph:
    """The network of an in-memory graph: rdflib Graph or Dataset, or pyoxigraph Store or Dataset."""
    return _network_of_store(_store_of(graph))


def _network_of_store(store) -> nx.MultiDiGraph:
    network = _network(_triples_of(store))
    _add_lifecycle(network, store)
    return network


def _network(triples: Iterable[tuple[str, str, str]]) -> nx.MultiDiGraph:
    """Nodes: every subject of a drawn class; edges: the drawn object properties between them.

    Node attributes: label, cls, alt, date, dateText, status, mode, kind, title, text, quote,
    location, docs (document IRIs), evidence ((document IRI, sentence, begin, end), ...), degree.
    The graph attribute ``documents`` maps a document IRI to its id, title, date and source.
    """
    facts = _Facts()
    for s, p, o in triples:
        facts.add(s, p, o)
    lit, links = facts.literals, facts.links

    documents = {}
    for iri, types in facts.types.items():
        if _DOCUMENT in types:
            values = lit.get(iri, {})
            documents[iri] = {"id": values.get("identifier") or iri.rsplit("/", 1)[-1],
                              "title": values.get("docTitle"), "date": values.get("docDate"),
                              "source": values.get("source")}
    spans = {}
    for iri, types in facts.types.items():
        if _SPAN in types:
            values = lit.get(iri, {})
            doc = min(links.get(iri, {}).get("document", ()), default=None)
            spans[iri] = (doc, values.get("sentence", ""), _int(values.get("begin")), _int(values.get("end")))

    network = nx.MultiDiGraph(documents=documents)
    for iri, types in facts.types.items():
        cls = next((_CLASS_IRIS[t] for t in _CLASS_IRIS if t in types), None)
        if cls is None:
            continue
        values, own = lit.get(iri, {}), links.get(iri, {})
        evidence = sorted((spans[s] for s in own.get("evidence", ()) if s in spans),
                          key=lambda e: (documents.get(e[0] or "", {}).get("id") or "", e[2] if e[2] is not None else -1))
        docs = set(own.get("mentionedIn", ())) | {e[0] for e in evidence if e[0]}
        status = min(own.get("status", ()), default=None)
        mode = min(own.get("mode", ()), default=None)
        network.add_node(
            iri, cls=cls, label=values.get("label") or iri.rsplit("/", 1)[-1],
            alt=tuple(sorted(facts.alt.get(iri, ()))), date=values.get("date"),
            dateText=values.get("dateText"), kind=values.get("kind"), title=values.get("title"),
            text=values.get("text"), quote=_bool(values.get("quote")),
            status=_concept_label(status, lit), mode=_concept_label(mode, lit),
            docs=tuple(sorted(docs, key=lambda d: documents.get(d, {}).get("id") or d)),
            evidence=tuple(evidence), location=None, rules=tuple(sorted(facts.rules.get(iri, ()))),
            code=_code(min(own.get("eventCode", ()), default=None), lit, links),
            country=_country(values, own), lifecycle=(),
        )
    for s, prop, o in sorted(facts.edges):
        if s in network and o in network:
            network.add_edge(s, o, key=prop, prop=prop)
        if prop == "location" and s in network:  # a Place is not drawn: say where on the meeting
            network.nodes[s]["location"] = lit.get(o, {}).get("label") or o.rsplit("/", 1)[-1]
    for node, degree in network.degree():
        network.nodes[node]["degree"] = degree
    return network


def _code(iri: str | None, literals: dict[str, dict[str, str]], links: dict[str, dict[str, set[str]]]):
    """An event's CAMEO code, its label and its PLOVER type and mode, as the graph gives them."""
    if iri is None:
        return None
    values = literals.get(iri, {})
    plover = min(links.get(iri, {}).get("ploverType", ()), default=None)
    return {"cameo": values.get("notation") or iri.rsplit("-", 1)[-1], "label": values.get("prefLabel"),
            "plover": literals.get(plover, {}).get("notation") if plover else None,
            "ploverMode": values.get("ploverMode")}


def _country(values: dict[str, str], own: dict[str, set[str]]):
    """A country's ISO and CAMEO codes and its Wikipedia and DBpedia pages, when the graph has them."""
    found = {"iso3": values.get("iso3"), "cameo": values.get("cameoCode"),
             "wikipedia": min(own.get("wikipedia", ()), default=None), "dbpedia": min(own.get("sameAs", ()), default=None)}
    return found if any(found.values()) else None


def _add_lifecycle(network: nx.MultiDiGraph, store) -> None:
    """Each ceasefire's dated status observations (kg/sparql/lifecycle.rq), oldest first, as
    (date, status, document IRI, sentence); none when the graph keeps one status per ceasefire."""
    import pyoxigraph as ox

    from kg.query import _internal

    results = store.query(_internal("lifecycle.rq"), use_default_graph_as_union=True)
    assert isinstance(results, ox.QuerySolutions)
    found: dict[str, dict[str, tuple]] = {}
    for row in results:
        cf, obs = row["ceasefire"].value, row["observation"].value
        if cf not in network:
            continue
        begin = int(row["begin"].value) if row["begin"] is not None else -1
        entry = (row["date"].value if row["date"] is not None else None,
                 _concept_label(row["status"].value, {}) if row["status"] is not None else None,
                 row["doc"].value if row["doc"] is not None else None,
                 row["sentence"].value if row["sentence"] is not None else None, begin)
        known = found.setdefault(cf, {}).get(obs)
        if known is None or (entry[4], entry[2] or "") < (known[4], known[2] or ""):
            found[cf][obs] = entry
    for cf, observations in found.items():
        ordered = sorted(observations.items(), key=lambda kv: (kv[1][0] or "9999", kv[1][2] or "", kv[1][4], kv[0]))
        network.nodes[cf]["lifecycle"] = tuple(e[:4] for _, e in ordered)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _bool(value: str | None) -> bool | None:
    return None if value is None else value.strip().lower() in ("true", "1")


def _concept_label(iri: str | None, literals: dict[str, dict[str, str]]) -> str | None:
    if iri is None:
        return None
    values = literals.get(iri, {})
    return values.get("prefLabel") or values.get("label") or _CONCEPT_LABELS.get(iri) or iri.rsplit("#", 1)[-1]


# --------------------------------------------------------------------------- selection

def select(network: nx.MultiDiGraph, settings: ViewSettings = ViewSettings()) -> Selection:
    """Apply --doc, --focus/--depth, --classes, then keep the most connected nodes above max_nodes."""
    max_nodes = DEFAULT_MAX_NODES if settings.max_nodes is None else settings.max_nodes
    if max_nodes < 1:
        raise KgError(f"--max-nodes must be at least 1 (got {max_nodes})")
    if settings.depth < 0:
        raise KgError(f"--depth must be 0 or more (got {settings.depth})")
    classes = _classes(settings.classes)
    notes: list[str] = []
    scope: list[str] = []
    keep: set[str] = set(network)

    if settings.doc is not None:
        doc = _document(network, settings.doc)
        read = {n for n, a in network.nodes(data=True) if doc in a["docs"]}  # events, roles; actors it mentions
        linked = {v for n in read if network.nodes[n]["cls"] not in ACTOR_CLASSES for v in nx.all_neighbors(network, n)}
        keep = read | linked
        title = network.graph["documents"][doc]["title"]
        scope.append(f"document {network.graph['documents'][doc]['id']}" + (f" ({title})" if title else ""))

    distance: dict[str, int] = {}
    focus = None
    if settings.focus is not None:
        focus, note = _focus(network, keep, settings.focus)
        if note:
            notes.append(note)
        view = network.subgraph(keep).to_undirected(as_view=True)
        distance = nx.single_source_shortest_path_length(view, focus, cutoff=settings.depth)
        keep = set(distance)
        scope.append(f"{settings.depth} hop{'s' if settings.depth != 1 else ''} around "
                     f"{network.nodes[focus]['label']}")

    if classes != CLASSES:
        keep = {n for n in keep if network.nodes[n]["cls"] in classes}
        scope.append("classes " + ", ".join(classes))

    matched = network.subgraph(keep)
    omitted: Counter[str] = Counter()
    if len(keep) > max_nodes:
        def rank(n):
            return (n != focus, distance.get(n, 0), -network.nodes[n]["degree"], network.nodes[n]["label"], n)
        ranked = sorted(keep, key=rank)
        keep = set(ranked[:max_nodes])
        omitted = Counter(network.nodes[n]["cls"] for n in ranked[max_nodes:])
    shown = nx.MultiDiGraph(network.subgraph(keep))  # a copy: metrics are added to it
    hints = _hints(network, matched, shown, settings, max_nodes) if omitted else ()
    if omitted:
        notes.append(f"size limit: the {max_nodes:,} most connected of {matched.number_of_nodes():,} nodes "
                     f"are shown; {sum(omitted.values()):,} left out")
    _add_metrics(shown)
    return Selection(graph=shown, total_nodes=network.number_of_nodes(), total_edges=network.number_of_edges(),
                     matched_nodes=matched.number_of_nodes(), matched_edges=matched.number_of_edges(),
                     max_nodes=max_nodes, omitted=dict(omitted), focus=focus, notes=tuple(scope + notes),
                     hints=hints, scope=tuple(scope))


def _classes(names: tuple[str, ...]) -> tuple[str, ...]:
    if not names:
        return CLASSES
    known = {c.lower(): c for c in CLASSES}
    unknown = [n for n in names if n.strip().lower() not in known]
    if unknown:
        raise KgError(f"unknown class {', '.join(map(repr, unknown))} for --classes; choose from {', '.join(CLASSES)}")
    wanted = {known[n.strip().lower()] for n in names}
    return tuple(c for c in CLASSES if c in wanted)


def _document(network: nx.MultiDiGraph, wanted: str) -> str:
    documents = network.graph["documents"]
    for iri, doc in documents.items():
        if wanted in (iri, doc["id"]):
            return iri
    ids = sorted(doc["id"] for doc in documents.values())
    close = difflib.get_close_matches(wanted, ids, n=5, cutoff=0.5) or [i for i in ids if wanted in i][:5]
    listed = close or ids[:5]
    raise KgError(f"no document {wanted!r} in the build ({len(ids)} documents); "
                  + (f"did you mean: {', '.join(listed)}" if listed else "the build has no documents"))


def _focus(network: nx.MultiDiGraph, among: set[str], wanted: str) -> tuple[str, str | None]:
    """The node --focus names: its IRI, else its label, else one of its alternative labels (any case)."""
    if wanted in among:
        return wanted, None
    key = wanted.strip().casefold()
    for attribute in ("label", "alt"):
        found = [n for n in among if key in _names(network.nodes[n], attribute)]
        if found:
            found.sort(key=lambda n: (-network.nodes[n]["degree"], n))
            note = None
            if len(found) > 1:
                note = (f"{len(found)} nodes are called {wanted!r}; showing the most connected, "
                        f"{found[0]} (pass an IRI to choose another)")
            return found[0], note
    names = sorted({network.nodes[n]["label"] for n in among} | {a for n in among for a in network.nodes[n]["alt"]})
    folded = {name.casefold(): name for name in names}
    close = [folded[c] for c in difflib.get_close_matches(key, list(folded), n=5, cutoff=0.6)]
    close += [name for name in names if key and key in name.casefold() and name not in close][: 5 - len(close)]
    where = " in that document" if len(among) < network.number_of_nodes() else ""
    raise KgError(f"no node called {wanted!r}{where}; "
                  + (f"close matches: {', '.join(repr(c) for c in close)}" if close
                     else "give a label as `kg query` shows it, or a node's IRI"))


def _names(attrs: dict, attribute: str) -> set[str]:
    value = attrs[attribute]
    return {v.casefold() for v in ((value,) if isinstance(value, str) else value)}


def _hints(network, matched, shown, settings: ViewSettings, max_nodes: int) -> tuple[str, ...]:
    """Commands that show what the size limit left out."""
    left_out = [n for n in matched if n not in shown]
    actor = max((n for n in left_out if network.nodes[n]["cls"] in ACTOR_CLASSES),
                key=lambda n: (network.nodes[n]["degree"], n), default=None)
    if actor is None:
        actor = max(left_out, key=lambda n: (network.nodes[n]["degree"], n))
    example = network.nodes[actor]["label"]
    documents = network.graph["documents"]
    doc_counts = Counter(d for n in left_out for d in network.nodes[n]["docs"])
    # shell-quoted: a label is article text, and these lines are meant to be pasted into a shell
    hints = [f"kg view --focus {shlex.quote(example)} --depth 1   (one node's neighbourhood)"]
    if doc_counts and settings.doc is None:
        doc = max(doc_counts, key=lambda d: (doc_counts[d], d))
        hints.append(f"kg view --doc {shlex.quote(documents[doc]['id'])}   (one document's facts)")
    hints.append(f"kg view --max-nodes {matched.number_of_nodes()}   (everything; slower to open)")
    return tuple(hints)


def _simple(graph: nx.MultiDiGraph) -> nx.Graph:
    """The undirected simple graph, nodes and edges in sorted order (so sampling and layout repeat)."""
    simple = nx.Graph()
    simple.add_nodes_from(sorted(graph))
    simple.add_edges_from(sorted((min(u, v), max(u, v)) for u, v in graph.edges() if u != v))
    return simple


def betweenness(graph: nx.MultiDiGraph, budget: int = BETWEENNESS_BUDGET) -> tuple[dict[str, float], str]:
    """Betweenness on the undirected simple graph: exact while sources x (nodes + edges) fits the
    budget, else estimated from as many sampled sources as fit (networkx is pure Python)."""
    simple = _simple(graph)
    n = simple.number_of_nodes()
    if n <= 2:
        return dict.fromkeys(simple, 0.0), "exact"
    size = n + simple.number_of_edges()
    if n * size <= budget:
        return nx.betweenness_centrality(simple), "exact"
    k = max(MIN_BETWEENNESS_SAMPLES, budget // size)
    if k >= n:
        return nx.betweenness_centrality(simple), "exact"
    return nx.betweenness_centrality(simple, k=k, seed=0), f"estimated from {k:,} sampled sources"


def _add_metrics(graph: nx.MultiDiGraph) -> None:
    """Betweenness of each shown node; degree stays the whole network's."""
    values, how = betweenness(graph)
    graph.graph["betweenness"] = how
    for node, value in values.items():
        graph.nodes[node]["betweenness"] = value



# --------------------------------------------------------------------------- layout

# Starting positions for the browser's physics (which then only refines them) and the final
# positions above PHYSICS_MAX_NODES. Pivot MDS (Brandes & Pich 2006): breadth-first distances
# from a few far-apart pivots, classical MDS on them; components packed in rows.
LAYOUT_PIVOTS = 40
LAYOUT_UNIT = 100.0  # vis-network units between neighbouring nodes
PHYSICS_MAX_NODES = 5000  # above this the page keeps these positions (physics: ~6 s at 5,000 nodes)


def _csr(g: nx.Graph) -> tuple[list, np.ndarray, np.ndarray]:
    """The nodes, and the adjacency as compressed sparse rows (indptr, indices)."""
    nodes = list(g)
    index = {v: i for i, v in enumerate(nodes)}
    pairs = np.array([(index[u], index[v]) for u, v in g.edges() if u != v], dtype=np.int64).reshape(-1, 2)
    src = np.concatenate((pairs[:, 0], pairs[:, 1]))
    dst = np.concatenate((pairs[:, 1], pairs[:, 0]))
    order = np.argsort(src, kind="stable")
    indptr = np.concatenate(([0], np.cumsum(np.bincount(src, minlength=len(nodes))))).astype(np.int64)
    return nodes, indptr, dst[order]


def _rows(indptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The positions in ``indices`` of the neighbours of ``rows``, concatenated."""
    starts, counts = indptr[rows], indptr[rows + 1] - indptr[rows]
    total = int(counts.sum())
    return np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts) + np.arange(total)


def _bfs(indptr: np.ndarray, indices: np.ndarray, source: int) -> np.ndarray:
    """Hop distances from source (-1: unreachable), a whole frontier at a time."""
    dist = np.full(len(indptr) - 1, -1, dtype=np.int64)
    dist[source] = 0
    frontier, d = np.array([source]), 0
    while frontier.size:
        d += 1
        reached = np.unique(indices[_rows(indptr, frontier)])
        frontier = reached[dist[reached] < 0]
        dist[frontier] = d
    return dist


def _component_layout(indptr, indices, members: np.ndarray, dist0: np.ndarray, pivots: int, rng) -> np.ndarray:
    """Positions of one connected component (members; dist0: their distances from its biggest hub)."""
    m = len(members)
    if m == 1:
        return np.zeros((1, 2))
    if m <= 3:
        angle = 2 * np.pi * np.arange(m) / m
        return np.c_[np.cos(angle), np.sin(angle)] * 0.6
    k = min(pivots, m)
    distances = np.empty((m, k))
    distances[:, 0] = dist0
    nearest = dist0.astype(float)
    for j in range(1, k):  # each next pivot: the member farthest from all pivots so far
        column = _bfs(indptr, indices, int(members[int(np.argmax(nearest))]))[members]
        distances[:, j] = column
        nearest = np.minimum(nearest, column)
    squared = distances ** 2
    centred = -0.5 * (squared - squared.mean(axis=0) - squared.mean(axis=1, keepdims=True) + squared.mean())
    u, sigma, _ = np.linalg.svd(centred, full_matrices=False)
    xy = u[:, :2] * sigma[:2]
    xy -= xy.mean(axis=0)
    local = np.full(len(indptr) - 1, -1)
    local[members] = np.arange(m)
    rows = np.repeat(np.arange(m), indptr[members + 1] - indptr[members])
    mean_edge = float(np.linalg.norm(xy[rows] - xy[local[indices[_rows(indptr, members)]]], axis=1).mean())
    xy /= mean_edge or 1.0  # edges about one unit long ...
    radius = float(np.sqrt((xy ** 2).sum(axis=1).mean())) or 1.0
    xy *= max(1.0, 0.5 * math.sqrt(m) / radius)  # ... but small-world components not crushed into a ball
    # nodes at the same distances from every pivot (the leaves of a hub) would coincide: jitter
    return xy + rng.normal(scale=0.25, size=xy.shape)


def layout(graph: nx.MultiDiGraph, pivots: int = LAYOUT_PIVOTS, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Positions (about one unit apart) of every node; the same graph gets the same layout."""
    g = _simple(graph)
    if not g:
        return {}
    nodes, indptr, indices = _csr(g)
    n = len(nodes)
    rng = np.random.default_rng(seed)
    component = np.full(n, -1)
    placed: list[tuple] = []
    for start in np.argsort(-np.diff(indptr), kind="stable"):  # biggest hubs first
        if component[start] >= 0:
            continue
        dist = _bfs(indptr, indices, int(start))
        members = np.flatnonzero(dist >= 0)
        component[members] = len(placed)
        xy = _component_layout(indptr, indices, members, dist[members], pivots, rng)
        placed.append((members, xy - xy.min(axis=0)))
    placed.sort(key=lambda p: -len(p[0]))
    area = sum((np.ptp(xy[:, 0]) + 1.0) * (np.ptp(xy[:, 1]) + 1.0) for _, xy in placed)
    width = max(math.sqrt(area) * 1.3, 1.0)
    pos = np.zeros((n, 2))
    x = y = row_height = 0.0
    for members, xy in placed:  # components in rows, biggest first
        w, h = xy.max(axis=0) + 1.0
        if x + w > width and x > 0:
            x, y, row_height = 0.0, y + row_height, 0.0
        pos[members] = xy + (x, y)
        x, row_height = x + w, max(row_height, h)
    pos -= pos.mean(axis=0)
    return {node: (float(px), float(py)) for node, (px, py) in zip(nodes, pos)}


# --------------------------------------------------------------------------- the page

def _asset(folder: str, name: str) -> str:
    return resources.files("kg").joinpath(folder, name).read_text(encoding="utf-8")


def _script_text(text: str) -> str:
    """JavaScript ready to sit inside a <script> element (the vendored build's source-map line removed)."""
    lines = [line for line in text.split("\n") if not line.startswith("//# sourceMappingURL=")]
    text = "\n".join(lines)
    lowered = text.lower()
    if "</script" in lowered or "<!--" in lowered:
        raise RuntimeError("an embedded script contains </script or <!--")  # a packaging bug, not user input
    return text


def json_for_html(data) -> str:
    """JSON that can sit inside <script type="application/json">: no <, >, & or U+2028/2029 left raw."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


class KgNetwork(Network):
    """A pyvis Network that renders kg's offline page: ``net.write_html("g.html")``, ``net.show(...)``
    and ``net.generate_html()`` go through kg's own template (kg/templates/graph.html), which
    inlines every script and escapes every string (pyvis's template loads Bootstrap from a CDN
    and shows tooltips as HTML). The nodes and edges are pyvis's lists of dicts: restyle them
    (``color``, ``shape``, ``size``, ``label``...) or the options (``net.toggle_physics(False)``,
    ``net.set_options(...)``) as in any pyvis network, and the page draws what they say. Each node
    also carries kg's fields (``iri``, ``cls``, ``evidence``, ``rules``, ``docs``...), which the
    page's panels show; ``net.kg`` holds what the page says about the whole graph."""

    def __init__(self, **kwargs) -> None:
        import jinja2

        kwargs.setdefault("directed", True)
        kwargs.setdefault("cdn_resources", "in_line")  # write_html then writes the one page, no lib/ folder
        kwargs.setdefault("height", "100%")
        super().__init__(**kwargs)
        folder = str(resources.files("kg").joinpath("templates"))
        self.template_dir = folder + os.sep
        self.path = "graph.html"
        self.templateEnv = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True,
                                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
        self.kg: dict = {"title": "kg graph", "version": __version__, "classes": [], "properties": [],
                         "documents": [], "focus": None, "stats": {}, "notes": [], "hints": []}

    def page_data(self) -> dict:
        """What the page's script reads: pyvis's nodes, edges and options, and kg's page data."""
        nodes, edges, heading, _height, _width, options = self.get_network_data()
        return {**self.kg, "title": heading or self.kg["title"], "nodes": nodes, "edges": edges,
                "options": json.loads(options)}

    def generate_html(self, name: str = "index.html", local: bool = True, notebook: bool = False) -> str:
        from markupsafe import Markup

        boot = _script_text(_asset("templates", "boot.js"))
        vis = _script_text(_asset("assets", "vis-network.min.js"))
        app = _script_text(_asset("templates", "graph.js"))
        css = _asset("templates", "graph.css")
        if "</style" in css.lower():
            raise RuntimeError("graph.css contains </style")
        csp = ("default-src 'none'; script-src " + " ".join(_csp_hash(x) for x in (boot, vis, app))
               + "; style-src 'unsafe-inline'; img-src data:; font-src data:; connect-src 'none'; "
               "media-src 'none'; object-src 'none'; frame-src 'none'; worker-src 'none'; "
               "manifest-src 'none'; base-uri 'none'; form-action 'none'")
        data = self.page_data()
        self.html = self.templateEnv.get_template(self.path).render(
            csp=csp, title=data["title"], css=Markup(css), boot_js=Markup(boot), vis_js=Markup(vis),
            app_js=Markup(app), data_json=Markup(json_for_html(data)))
        return self.html


# Node fields the page reads besides pyvis's (label, shape, x, y, value, group).
_NODE_FIELDS = ("date", "dateText", "kind", "title", "text", "quote", "status", "mode", "location", "code", "country")


def to_pyvis(selection: Selection, settings: ViewSettings = ViewSettings()) -> KgNetwork:
    """The selection as a pyvis Network (a :class:`KgNetwork`): one node per shown node, in a fixed
    order, at kg's layout; one edge per property; vis-network options for its size."""
    graph = selection.graph
    documents = graph.graph.get("documents", {})
    order = sorted(graph, key=lambda n: (CLASSES.index(graph.nodes[n]["cls"]), graph.nodes[n]["label"], n))
    used_docs = sorted({d for n in order for d in graph.nodes[n]["docs"]} & set(documents),
                       key=lambda d: (documents[d]["date"] or "", documents[d]["id"]))
    doc_index = {d: i for i, d in enumerate(used_docs)}
    shapes = {c: shape for c, _, shape in CLASS_STYLES}
    colours = {p: colour for p, colour in EDGE_STYLES}

    net = KgNetwork()
    net.heading = _title(selection, settings)
    positions = layout(graph)
    index = {}
    for i, n in enumerate(order):
        a = graph.nodes[n]
        index[n] = i
        x, y = positions[n]
        extra = {key: a[key] for key in _NODE_FIELDS if a.get(key) is not None}
        if a["alt"]:
            extra["alt"] = list(a["alt"])
        if a.get("lifecycle"):
            extra["lifecycle"] = [[date, status, doc_index.get(doc or "", -1), sentence]
                                  for date, status, doc, sentence in a["lifecycle"]]
        net.add_node(i, label=a["label"], shape=shapes[a["cls"]], group=a["cls"], value=a["degree"],
                     x=round(x * LAYOUT_UNIT, 1), y=round(y * LAYOUT_UNIT, 1), iri=n, cls=a["cls"],
                     degree=a["degree"], betweenness=round(a.get("betweenness", 0.0), 5),
                     docs=[doc_index[d] for d in a["docs"] if d in doc_index],
                     evidence=[[doc_index.get(d, -1), sentence, begin, end] for d, sentence, begin, end in a["evidence"]],
                     rules=list(a.get("rules", ())), **extra)
    for u, v, key in sorted((index[u], index[v], key) for u, v, key in graph.edges(keys=True)):
        net.add_edge(u, v, prop=key, color=colours.get(key, "#999999"))
    _style(net, len(order))

    present = Counter(graph.nodes[n]["cls"] for n in order)
    props = Counter(key for _, _, key in graph.edges(keys=True))
    net.kg.update({
        "title": net.heading,
        "classes": [{"name": c, "color": colour, "shape": shape, "count": present.get(c, 0)}
                    for c, colour, shape in CLASS_STYLES],
        "properties": [{"name": p, "color": colour, "count": props.get(p, 0)} for p, colour in EDGE_STYLES],
        "documents": [{"id": documents[d]["id"], "iri": d, "title": documents[d]["title"],
                       "date": documents[d]["date"], "source": documents[d]["source"],
                       "publisher": _publisher(documents[d]["source"])} for d in used_docs],
        "focus": index.get(selection.focus) if selection.focus else None,
        "stats": {"nodes": len(order), "edges": graph.number_of_edges(), "totalNodes": selection.total_nodes,
                  "totalEdges": selection.total_edges, "matchedNodes": selection.matched_nodes,
                  "matchedEdges": selection.matched_edges, "maxNodes": selection.max_nodes,
                  "truncated": selection.truncated, "omitted": selection.omitted,
                  "betweenness": graph.graph.get("betweenness", "exact")},
        "notes": list(selection.notes),
        "hints": list(selection.hints),
    })
    return net


def _publisher(source: str | None) -> str | None:
    """Where a document comes from, for the page's source filter: a URL's host, else the source as written."""
    if not source:
        return None
    if source.startswith(("http://", "https://")):
        from urllib.parse import urlsplit

        host = urlsplit(source).hostname or source
        return host[4:] if host.startswith("www.") else host
    return source


def _style(net: KgNetwork, n: int) -> None:
    """kg's vis-network options for a graph of ``n`` nodes, through pyvis's own option objects."""
    big, huge = n > 1500, n > 6000
    physics = 0 < n <= PHYSICS_MAX_NODES
    # One iteration costs ~30 us per node in headless Chromium on 2 cores (bench/viz.md): ~2.5 s in all.
    iterations = max(20, min(300, round(80000 / max(n, 1))))
    net.force_atlas_2based(gravity=-75 if n <= 300 else -60, central_gravity=0.012,
                           spring_length=110 if n <= 300 else 100, spring_strength=0.06, damping=0.5,
                           overlap=0.4 if n <= 300 else 0.2 if n <= 1500 else 0)
    o = net.options
    o.physics.enabled = physics
    o.physics.stabilization = {"enabled": physics, "iterations": iterations, "fit": True,
                               "updateInterval": max(5, round(iterations / 20))}
    o.physics.maxVelocity, o.physics.minVelocity, o.physics.timestep = 60, 1.5, 0.5
    if n <= 300:
        net.set_edge_smooth("continuous")
        o.edges.smooth.roundness = 0.3
    else:
        o.edges.smooth.enabled = False
    net.inherit_edge_colors(False)
    o.edges.width, o.edges.selectionWidth = 1.2, 2
    o.edges.arrows = {"to": {"enabled": not big, "scaleFactor": 0.45}}
    o.edges.font = {"size": 10, "color": "#57606a", "strokeWidth": 3, "strokeColor": "#ffffff", "align": "middle"}
    o.nodes = {"font": {"size": 16 if n <= 300 else 14, "face": "system-ui, sans-serif", "color": "#1f2328",
                        "strokeWidth": 3, "strokeColor": "#ffffff"},
               "scaling": {"min": 9, "max": 42, "label": {"enabled": False, "drawThreshold": 5}}}
    o.layout = {"randomSeed": 7, "improvedLayout": False}
    net.toggle_hide_edges_on_drag(big)
    i = o.interaction
    i.hover, i.tooltipDelay, i.hideEdgesOnZoom, i.multiselect = not huge, 150, huge, False
    i.navigationButtons, i.keyboard = False, False


def page_data(selection: Selection, settings: ViewSettings = ViewSettings()) -> dict:
    """What the page's script reads (the JSON block): pyvis's nodes, edges and options, and kg's page data."""
    return to_pyvis(selection, settings).page_data()


def _title(selection: Selection, settings: ViewSettings) -> str:
    if settings.title:
        return settings.title
    return "kg graph" + (": " + "; ".join(selection.scope) if selection.scope else "")


def render_page(selection: Selection, settings: ViewSettings = ViewSettings()) -> str:
    """The page's HTML: one file, nothing loaded from anywhere, rendered through a pyvis Network."""
    return to_pyvis(selection, settings).generate_html()


def _write_atomically(path: Path, text: str) -> int:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8", errors="replace")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(data)


def write_network_page(network: nx.MultiDiGraph, out_path: Path, settings: ViewSettings = ViewSettings()) -> PageReport:
    started = time.perf_counter()
    selection = select(network, settings)
    size = _write_atomically(Path(out_path), render_page(selection, settings))
    return PageReport(path=Path(out_path), nodes=selection.graph.number_of_nodes(),
                      edges=selection.graph.number_of_edges(), total_nodes=selection.total_nodes,
                      total_edges=selection.total_edges, bytes=size, seconds=time.perf_counter() - started,
                      notes=selection.notes, hints=selection.hints)


def write_page(graph_dir: Path, out_path: Path, settings: ViewSettings = ViewSettings()) -> PageReport:
    """Read the build in graph_dir and write its page to out_path (atomically)."""
    return write_network_page(read_network(Path(graph_dir)), out_path, settings)


def write_page_from_graph(graph, out_path: Path, settings: ViewSettings = ViewSettings()) -> PageReport:
    """Write the page of a graph already in memory (rdflib Graph/Dataset, pyoxigraph Store/Dataset)."""
    return write_network_page(network_from_graph(graph), out_path, settings)


# --------------------------------------------------------------------------- GraphML / GEXF

def export_graph(network: nx.MultiDiGraph, fmt: str) -> nx.MultiDiGraph:
    """A copy of the network whose attributes GraphML/GEXF can hold: lists joined, None dropped."""
    documents = network.graph.get("documents", {})
    out = nx.MultiDiGraph()
    between, how = betweenness(network, EXPORT_BETWEENNESS_BUDGET)
    out.graph["betweenness"] = how
    colours = {c: colour for c, colour, _ in CLASS_STYLES}
    for node, a in network.nodes(data=True):
        attrs = {"label": a["label"], "class": a["cls"], "degree": a["degree"],
                 "betweenness": float(between.get(node, 0.0)),
                 "documents": "; ".join(documents.get(d, {}).get("id") or d for d in a["docs"]),
                 "evidence": " | ".join(e[1] for e in a["evidence"])}
        if a["alt"]:
            attrs["altLabels"] = "; ".join(a["alt"])
        for key in ("date", "dateText", "kind", "title", "text", "status", "mode", "location"):
            if a.get(key) is not None:
                attrs[key] = str(a[key])
        if a.get("quote") is not None:
            attrs["isQuote"] = bool(a["quote"])
        if a.get("rules"):
            attrs["rules"] = "; ".join(a["rules"])
        code = a.get("code") or {}
        for key, name in (("cameo", "cameo"), ("plover", "plover"), ("ploverMode", "ploverMode")):
            if code.get(key):
                attrs[name] = str(code[key])
        country = a.get("country") or {}
        for key, name in (("iso3", "iso3"), ("cameo", "cameoActorCode"), ("wikipedia", "wikipedia"), ("dbpedia", "dbpedia")):
            if country.get(key):
                attrs[name] = str(country[key])
        if fmt == "gexf":
            colour = colours[a["cls"]]
            attrs["viz"] = {"color": {"r": int(colour[1:3], 16), "g": int(colour[3:5], 16),
                                      "b": int(colour[5:7], 16), "a": 1.0},
                            "size": 4.0 + 3.0 * math.sqrt(a["degree"])}
        out.add_node(node, **attrs)
    for u, v, key in network.edges(keys=True):
        out.add_edge(u, v, key=key, label=key, property=str(getattr(KG, key)))
    return out


def export_network(graph_dir: Path, fmt: str, out_path: Path) -> Path:
    """Write the build's network as GraphML or GEXF (for Gephi, Cytoscape), atomically."""
    if fmt not in ("graphml", "gexf"):
        raise KgError(f"unknown network format {fmt!r}: choose graphml or gexf")
    graph = export_graph(read_network(Path(graph_dir)), fmt)
    lines = nx.generate_graphml(graph) if fmt == "graphml" else nx.generate_gexf(graph)
    _write_atomically(Path(out_path), "\n".join(lines) + "\n")
    return Path(out_path)

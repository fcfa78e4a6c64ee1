"""Query times, rdflib against pyoxigraph, on the same ~1,000,000-triple graph of kg's shape.

    .venv/bin/python bench/query_bench.py                 # ~1M triples, rdflib capped at 20 s a query
    .venv/bin/python bench/query_bench.py --docs 700      # ~100k triples, a quick look
    .venv/bin/python bench/query_bench.py --timeout 60

Writes a synthetic corpus (documents, spans, actors, roles, meetings, statements, ceasefires,
in the named graphs docs/graph-shape.md describes) to N-Quads, loads it into both engines in this process,
then runs every SELECT/ASK/CONSTRUCT in queries/ on each and prints a Markdown table: seconds
and the ratio rdflib / pyoxigraph. rdflib queries longer than --timeout are stopped (SIGALRM)
and reported as ">T s". Row counts are compared where both finish. Results go to bench/query.md
by hand, with the machine.
"""
from __future__ import annotations

import argparse
import platform
import random
import signal
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pyoxigraph as ox
import rdflib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.query import read_query  # noqa: E402

KG = "https://w3id.org/kg-news/ontology#"
KGD = "https://w3id.org/kg-news/id/"
NIF = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
ACTOR_CLASSES = ("Person", "Organization", "Country", "Group")
KINDS = ("call", "visit", "trip", "talks", "meeting", "summit")


def _iri(x: str) -> str:
    return f"<{x}>"


def _lit(value, datatype: str | None = None) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"' + (f"^^<{XSD}{datatype}>" if datatype else "")


def generate(path: Path, docs: int, seed: int = 42) -> int:
    """Write a corpus of ``docs`` documents in kg's shape as N-Quads; return the quad count.

    Actors and facts go to the entities graph, a document's node, spans, evidence links and
    mentions to its own graph (each triple in one graph).
    """
    rng = random.Random(seed)
    n_actors = max(50, docs // 3)
    actors = [f"{KGD}actor/a{i}" for i in range(n_actors)]
    count = 0
    entities = _iri(f"{KGD}graph/entities")
    graph = entities
    with path.open("w", encoding="utf-8") as out:
        def t(s, p, o, g=None):
            nonlocal count
            out.write(f"{s} {p} {o} {g or entities} .\n")
            count += 1

        for i, actor in enumerate(actors):
            a = _iri(actor)
            t(a, _iri(RDF_TYPE), _iri(KG + ACTOR_CLASSES[i % 4]))
            t(a, _iri(RDFS_LABEL), _lit(f"Actor {i}"))
            t(a, _iri(SKOS_ALT), _lit(f"A{i}"))
        for d in range(docs):
            doc_id = f"{d:06d}_synthetic"
            doc = _iri(f"{KGD}doc/{doc_id}")
            graph = _iri(f"{KGD}graph/{doc_id}")
            day = f"{2020 + d % 5}-{1 + d % 12:02d}-{1 + d % 28:02d}"
            text = " ".join(f"Sentence {k} of document {d} says something about actors." for k in range(12))
            t(doc, _iri(RDF_TYPE), _iri(KG + "Document"), graph)
            t(doc, _iri(DCT + "identifier"), _lit(doc_id), graph)
            t(doc, _iri(DCT + "title"), _lit(f"Article {d}"), graph)
            t(doc, _iri(DCT + "date"), _lit(day, "date"), graph)
            t(doc, _iri(NIF + "isString"), _lit(text), graph)
            spans = []
            for k in range(12):
                begin = k * 56
                span = _iri(f"{KGD}span/{doc_id}/{begin}-{begin + 55}")
                spans.append(span)
                t(span, _iri(RDF_TYPE), _iri(KG + "TextSpan"), graph)
                t(span, _iri(KG + "document"), doc, graph)
                t(span, _iri(NIF + "beginIndex"), _lit(begin, "nonNegativeInteger"), graph)
                t(span, _iri(NIF + "endIndex"), _lit(begin + 55, "nonNegativeInteger"), graph)
                t(span, _iri(NIF + "anchorOf"), _lit(text[begin:begin + 55]), graph)
            cast = rng.sample(actors, 8)
            for a in cast:
                t(_iri(a), _iri(KG + "mentionedIn"), doc, graph)

            def fact(kind, n, label):
                node = _iri(f"{KGD}{kind}/{doc_id}-{n}")
                t(node, _iri(RDF_TYPE), _iri(KG + kind.capitalize()))
                t(node, _iri(RDFS_LABEL), _lit(label))
                for span in rng.sample(spans, 2):
                    t(node, _iri(KG + "evidence"), span, graph)
                return node

            for n in range(2):
                role = fact("role", n, f"role {n}")
                t(role, _iri(KG + "holder"), _iri(cast[n]))
                t(role, _iri(KG + "title"), _lit(rng.choice(("minister", "spokesman", "president"))))
                t(role, _iri(KG + "affiliation"), _iri(cast[7]))
            meetings = []
            for n in range(3):
                m = fact("meeting", n, f"meeting {n}")
                meetings.append(m)
                t(m, _iri(KG + "meetingKind"), _lit(rng.choice(KINDS)))
                for a in rng.sample(cast, rng.randint(1, 3)):
                    t(m, _iri(KG + "participant"), _iri(a))
                t(m, _iri(KG + "status"), _iri(KG + rng.choice(("planned", "occurred", "occurred"))))
                t(m, _iri(KG + "mode"), _iri(KG + rng.choice(("phone", "inPerson"))))
                if rng.random() < 0.6:
                    t(m, _iri(KG + "date"), _lit(day, "date"))
                    t(m, _iri(KG + "dateText"), _lit("on Thursday"))
            ceasefire = None
            if d % 3 == 0:
                ceasefire = fact("ceasefire", 0, "ceasefire")
                for a in cast[2:4]:
                    t(ceasefire, _iri(KG + "party"), _iri(a))
                for a in cast[4:4 + rng.randint(1, 3)]:
                    t(ceasefire, _iri(KG + "mediator"), _iri(a))
                t(ceasefire, _iri(KG + "status"), _iri(KG + rng.choice(("agreed", "underNegotiation"))))
            for n in range(4):
                s = fact("statement", n, f"statement {n}")
                t(s, _iri(KG + "speaker"), _iri(rng.choice(cast)))
                t(s, _iri(KG + "text"), _lit(f"words {n} of document {d}"))
                t(s, _iri(KG + "isQuote"), _lit("true" if n % 2 else "false", "boolean"))
                about = ceasefire if (ceasefire and n == 0) else rng.choice(meetings)
                t(s, _iri(KG + "about"), about)
    return count


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout


def _consume(result) -> int:
    if isinstance(result, (bool, ox.QueryBoolean)):
        return 1
    return sum(1 for _ in result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=7000, help="documents (7000 gives ~1M triples)")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds before an rdflib query is stopped")
    args = parser.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)

    with tempfile.TemporaryDirectory() as tmp:
        nt = Path(tmp) / "bench.nq"
        started = time.perf_counter()
        triples = generate(nt, args.docs)
        print(f"generated {triples:,} quads ({args.docs} documents) in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)

        started = time.perf_counter()
        store = ox.Store()
        store.bulk_load(path=str(nt), format=ox.RdfFormat.N_QUADS)
        ox_load = time.perf_counter() - started
        print(f"pyoxigraph load {ox_load:.1f} s", file=sys.stderr)
        started = time.perf_counter()
        graph = rdflib.Dataset(default_union=True)
        graph.parse(nt, format="nquads")
        rl_load = time.perf_counter() - started
        print(f"rdflib parse {rl_load:.1f} s", file=sys.stderr)

        rows = [("load the N-Quads", ox_load, rl_load, "", "")]
        signal.signal(signal.SIGALRM, _alarm)
        for path in sorted((ROOT / "queries").glob("*.rq")):
            text = read_query(path).text
            started = time.perf_counter()
            n_ox = _consume(store.query(text, use_default_graph_as_union=True))
            t_ox = time.perf_counter() - started
            started = time.perf_counter()
            signal.setitimer(signal.ITIMER_REAL, args.timeout)
            try:
                result = graph.query(text)
                n_rl = _consume(result.graph if result.type in ("CONSTRUCT", "DESCRIBE") else result)
                t_rl: float | None = time.perf_counter() - started
            except Timeout:
                n_rl, t_rl = None, None
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            rows.append((path.name, t_ox, t_rl, n_ox, n_rl))
            print(f"{path.name}: pyoxigraph {t_ox:.3f} s ({n_ox} rows), rdflib "
                  f"{'>%g s' % args.timeout if t_rl is None else '%.2f s' % t_rl}", file=sys.stderr)

    print(f"\n{triples:,} triples, {args.docs} documents; {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, pyoxigraph {ox.__version__ if hasattr(ox, '__version__') else ''}"
          f" rdflib {rdflib.__version__}\n")
    print("| query | pyoxigraph s | rdflib s | rdflib / pyoxigraph | rows (ox / rdflib) |")
    print("|---|---:|---:|---:|---|")
    for name, t_ox, t_rl, n_ox, n_rl in rows:
        rl = f">{args.timeout:g}" if t_rl is None else f"{t_rl:.2f}"
        ratio = f">{args.timeout / t_ox:,.0f}×" if t_rl is None else f"{t_rl / t_ox:,.0f}×"
        counts = "" if n_ox == "" else f"{n_ox} / {'-' if n_rl is None else n_rl}"
        print(f"| {name} | {t_ox:.3f} | {rl} | {ratio} | {counts} |")


if __name__ == "__main__":
    main()

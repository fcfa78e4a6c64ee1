"""Synthetic extraction records: what kg's reading would give for N news articles, without reading.

The client side of a build (resolution -> RDF -> exports, store) is measured on these, at sizes
where parsing would take days (100,000, 1,000,000 documents). Each document is a text of ~1.9 KB
made of sentences about people of a pool (fictional names, real countries), and the records
read from it, with exact evidence spans (``doc.text[begin:end] == span.text``): ~17 actors,
6 roles, 2 meetings, 12 statements and 1 ceasefire in 3 of 5 documents, like the benchmark
corpus (bench/corpus.py) read by kg. Pools grow with N as that corpus's do (N/12 people, N/5
events), so the distinct actors and events grow with N, as on real archives.

    docs, extractions = zip(*records(2000))
    prefill(out, 2000)        # the documents as JSONL + their extractions in out's cache: a build of
                              # the JSONL then reads nothing and runs resolution -> RDF -> exports
"""
from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from pathlib import Path

from kg.models import Actor, Ceasefire, DateRef, Document, EventRef, Extraction, Meeting, Role, Span, Statement

FIRST = ["Amina", "Lena", "Carlos", "Oskar", "Esther", "Yusuf", "Mira", "Tomas", "Ines", "Kofi", "Sara", "Ravi",
         "Nadia", "Pavel", "Lucia", "Omar", "Hana", "Diego", "Freya", "Jonas"]
LAST = ["Okafor", "Berg", "Hasan", "Meyer", "Nagy", "Demir", "Sato", "Novak", "Costa", "Mensah", "Lind", "Rao",
        "Haddad", "Ivanov", "Moreau", "Farah", "Kim", "Silva", "Dahl", "Weber", "Adeyemi", "Petrov", "Rossi", "Ali"]
COUNTRIES = [("KEN", "Kenya", "Kenyan"), ("NOR", "Norway", "Norwegian"), ("GHA", "Ghana", "Ghanaian"),
             ("TGO", "Togo", "Togolese"), ("ARM", "Armenia", "Armenian"), ("AZE", "Azerbaijan", "Azerbaijani"),
             ("PER", "Peru", "Peruvian"), ("CHL", "Chile", "Chilean"), ("JPN", "Japan", "Japanese"),
             ("EGY", "Egypt", "Egyptian"), ("FIN", "Finland", "Finnish"), ("BRA", "Brazil", "Brazilian"),
             ("IND", "India", "Indian"), ("QAT", "Qatar", "Qatari"), ("MEX", "Mexico", "Mexican"),
             ("POL", "Poland", "Polish")]
TITLES = ["President", "Prime Minister", "Foreign Minister", "Finance Minister", "Special Envoy", "Defence Minister"]
QUOTES = ["Our position has not changed and will not change", "We are ready to talk without conditions",
          "The talks were frank and useful", "There is no military solution to this conflict",
          "We expect the other side to keep its word", "Much work remains before an agreement"]
START = dt.date(2023, 1, 1)


def _person(i: int) -> tuple[str, str, tuple[str, str, str]]:
    """(first name, surname, country) of person i of the pool."""
    return FIRST[i % len(FIRST)] + ("" if i < len(FIRST) else f"{i // len(FIRST)}".translate(
        str.maketrans("0123456789", "abcdefghij"))), LAST[(i * 7) % len(LAST)], COUNTRIES[(i * 5) % len(COUNTRIES)]


def record(i: int, n: int, seed: int = 0) -> tuple[Document, Extraction]:
    """Document i of a corpus of n, and its records."""
    rng = random.Random(f"{seed}:{i}")
    people, events = max(4, n // 12), max(2, n // 5)
    event = rng.randrange(events)
    erng = random.Random(f"{seed}:event:{event}")
    day = START + dt.timedelta(days=event % 700)
    published = day + dt.timedelta(days=rng.randrange(0, 3))
    cast = [erng.randrange(people) for _ in range(2)] + [rng.randrange(people) for _ in range(2)]
    doc_id = f"syn-{i:07d}"
    parts: list[str] = []
    spans: list[Span] = []

    def say(sentence: str) -> Span:
        begin = sum(len(p) + 1 for p in parts)
        parts.append(sentence)
        span = Span(doc_id, begin, begin + len(sentence), sentence)
        spans.append(span)
        return span

    actors: dict[str, Actor] = {}
    roles = []
    for k, p in enumerate(cast):
        first, last, (code, country, adjective) = _person(p)
        title = TITLES[(p + k) % len(TITLES)]
        key = f"person:{first.lower()} {last.lower()}"
        actors[key] = Actor(key, f"{first} {last}", "Person", (last,))
        actors[f"country:{code}"] = Actor(f"country:{code}", country, "Country", (adjective,))
        span = say(f"{adjective} {title} {first} {last} arrived for the talks.")
        roles.append(Role(key, title, f"country:{code}", (span,), ("role.title_before_name",)))
    a, b = (f"person:{_person(p)[0].lower()} {_person(p)[1].lower()}" for p in cast[:2])
    where = f"country:{_person(cast[0])[2][0]}"
    meetings = [Meeting("talks", (a, b), "occurred", "in person", where, DateRef("on Monday", day),
                        (say(f"{actors[a].label} and {actors[b].label} held talks on Monday."),), ("meeting.verb",))]
    if rng.random() < 0.6:
        c = f"person:{_person(cast[2])[0].lower()} {_person(cast[2])[1].lower()}"
        meetings.append(Meeting("call", (a, c), "planned", "phone", None, None,
                                (say(f"{actors[a].label} will call {actors[c].label} later this week."),),
                                ("meeting.verb",)))
    ceasefires = []
    if rng.random() < 0.6:
        x, y = COUNTRIES[event % len(COUNTRIES)], COUNTRIES[(event * 3 + 1) % len(COUNTRIES)]
        if x != y:
            for code, label, adjective in (x, y):
                actors[f"country:{code}"] = Actor(f"country:{code}", label, "Country", (adjective,))
            ceasefires.append(Ceasefire((f"country:{x[0]}", f"country:{y[0]}"), (), "agreed",
                                        DateRef("on Saturday", day),
                                        (say(f"A ceasefire between {x[1]} and {y[1]} was agreed on Saturday."),),
                                        ("ceasefire.noun",)))
    statements = []
    for k in range(12):
        speaker = [a, b][k % 2]
        quote = QUOTES[rng.randrange(len(QUOTES))]
        span = say(f'"{quote}," {actors[speaker].label} said, as aides looked on in the hall ({k}).')
        about = (EventRef("meeting", 0),) if k % 3 == 0 else ()
        statements.append(Statement(speaker, quote, True, about, None, (span,), ("statement.verb.say",)))
    for k in range(6):
        say(f"Background sentence {k} of a long report that names no one and adds no fact at all.")
    doc = Document(doc_id, " ".join(parts), title=f"Talks, report {i}", published=published,
                   source=f"https://news{i % 7}.example/{doc_id}", text_is_source=False)
    x = Extraction(doc, tuple(actors.values()), (), tuple(roles), tuple(meetings), tuple(statements),
                   tuple(ceasefires))
    return doc, x


def records(n: int, seed: int = 0) -> Iterator[tuple[Document, Extraction]]:
    for i in range(n):
        yield record(i, n, seed)


def prefill(out: Path, n: int, corpus: Path, model: str | None = None, seed: int = 0) -> Path:
    """Write the n documents as JSONL at ``corpus`` and their extractions into the cache of a build in
    ``out``: building ``corpus`` into ``out`` then reads no document (each comes from the cache)."""
    from kg.cache import ExtractionCache
    from kg.ingest import read_documents
    from kg.nlp.model import model_name

    with open(corpus, "w", encoding="utf-8") as fh:
        for doc, _ in records(n, seed):
            fh.write(json.dumps({"id": doc.id, "text": doc.text, "title": doc.title, "url": doc.source,
                                 "published": doc.published.isoformat() if doc.published else None}) + "\n")
    cache = ExtractionCache.for_build(out, model_name(model))
    try:
        batch = []
        read = read_documents((corpus,), lambda msg: None)
        for (_, x), doc in zip(records(n, seed), read):
            assert doc.id == x.document.id and doc.text == x.document.text
            batch.append((cache.key(doc), x))
            if len(batch) >= 1000:
                cache.put_many(batch)
                batch = []
        cache.put_many(batch)
    finally:
        cache.close()
    return corpus

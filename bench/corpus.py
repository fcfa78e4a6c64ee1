"""A synthetic news corpus for the benchmark: N articles as JSONL, reproducible from a seed.

    .venv/bin/python bench/corpus.py 1000 --out /tmp/corpus.jsonl
    .venv/bin/python bench/corpus.py 1000 --people 300 --countries 40 --events 250 --seed 7 --out c.jsonl

Each article reports one main event (a call, a visit, talks in a capital, a summit, or a
ceasefire) and usually a second, smaller one, with the roles of the people involved,
statements (quotes and reported speech), background sentences, and sometimes page boilerplate
(comments, related headlines) like the scraped seeds. Sentences come from three sources:

* patterns written for this benchmark (``_EVENT_PATTERNS``, ``_STATEMENT_PATTERNS``, ...),
  filled from a pool of people, countries and events;
* the sentences of ``tests/data/sentences/*.yaml`` (fictional people, real countries);
* the sentences of the seed articles in ``seeds/``.

The pools are what make entity resolution work: ``--people`` distinct people (fictional
first name + surname, so surnames repeat across people, as on real data: a lone "Hasan" is
ambiguous), each with one title and one country; ``--countries`` countries from kg's
gazetteer; ``--events`` events, each reported by several articles published over the days
after it (same participants, same day: one Meeting; same parties within the window: one
Ceasefire). The defaults grow with N (about 5 articles per event, 12 per person).

Article ``i`` depends only on the seed, the pool sizes and ``i``: with the pool sizes given,
the first N articles of a corpus of N + k are the corpus of N, which is how the benchmark adds
"this week's" articles.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FIRST_NAMES = """Amira Boris Carlos Dana Elif Farid Greta Hiro Ilse Jonas Karim Lena Mateo Nadia Omar Petra Quentin
Rosa Samir Tomas Ulla Viktor Wen Ximena Yusuf Zofia Adrian Bianca Cyrus Dmitri Esther Felix Gustav Hana Ivan
Jana Kofi Leila Marco Nils Olga Pablo Rania Stefan Tariq Uma Vera Walid Yara Zeynep Anton Clara Emil Ingrid
Layla Mirko Noor Oskar Sven Talia""".split()
SURNAMES = """Abbas Bauer Costa Demir Eriksen Farouk Gallo Haddad Ibrahim Jansen Kovac Larsen Moreau Novak Okafor
Petrov Quispe Rahman Silva Takahashi Ueda Vargas Weber Xu Yilmaz Zielinski Alvarez Brandt Castillo Dahl Engel
Fischer Grant Hasan Iqbal Jovanovic Kaya Lindqvist Mansour Nagy Ortiz Popescu Rossi Sato Tanaka Urban Volkov
Wright Yamamoto Zhou Achterberg Berger Coleman Duarte Esposito Foster Hoffmann Keller Laurent Meyer""".split()

TITLES = ("Foreign Minister", "Prime Minister", "President", "Defence Minister", "National Security Adviser",
          "Interior Minister", "Finance Minister", "Trade Minister", "Ambassador", "Special Envoy")
SPOKES = ("foreign ministry spokesperson", "government spokesman", "presidential spokeswoman")
TOPICS = ("border security", "the situation in the region", "trade and energy cooperation", "the humanitarian crisis",
          "the release of hostages", "regional stability", "grain exports", "a prisoner exchange",
          "reconstruction efforts", "the refugee situation", "arms control", "water rights on the river")
QUOTES = ("We are ready to work with all parties to find a lasting solution",
          "This is a real opportunity for peace and we must not waste it",
          "Our position has not changed and will not change",
          "The talks were frank and constructive",
          "We will not accept any agreement that ignores our security",
          "There is still a lot of work to do, but we are moving in the right direction",
          "The door to dialogue remains open",
          "Civilians must be protected at all times",
          "We expect concrete steps, not words",
          "Both sides showed a willingness to compromise")
CLAUSES = ("the two countries would deepen their cooperation", "progress had been made on {topic}",
           "a new round of talks would take place next month", "the sides remained far apart on {topic}",
           "{country} was ready to help", "the government would not be pressured into concessions",
           "more aid was needed urgently", "the agreement would be signed within weeks")
FILLER = ("Markets in the region were calm on {weekday}.",
          "The United Nations estimates that more than {n},000 people have been displaced since the fighting began.",
          "Prices for fuel and bread have risen sharply over the past year.",
          "Analysts said the outcome would depend on domestic politics in both countries.",
          "The conflict has claimed thousands of lives and displaced millions.",
          "Aid agencies have warned of food shortages in the coming months.",
          "Elections are due to be held next year.",
          "The region has seen repeated flare-ups of violence in recent months.",
          "Diplomats described the atmosphere as tense but businesslike.",
          "Several rounds of negotiations have failed to produce a breakthrough.",
          "The economy has struggled since the start of the crisis.",
          "Opposition parties criticised the government's handling of the crisis.")
BOILERPLATE = ("Comments", "Do not send comments that include inflammatory words, defamation and content that exceeds "
               "the limit of good taste.", "The comment was sent successfully.", "Related articles",
               "Subscribe to our newsletter", "Share this article")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
START = dt.date(2023, 1, 2)
SPAN_DAYS = 700


@dataclass(frozen=True)
class Country:
    name: str
    demonym: str
    capital: str


@dataclass(frozen=True)
class Person:
    name: str
    title: str
    country: Country


@dataclass(frozen=True)
class Event:
    kind: str  # call, visit, talks, summit, ceasefire
    a: Person
    b: Person
    host: Country
    parties: tuple[Country, Country]
    mediator: Country
    day: dt.date
    topic: str


@dataclass(frozen=True)
class Pools:
    countries: tuple[Country, ...]
    people: tuple[Person, ...]
    events: tuple[Event, ...]


def default_sizes(n: int) -> tuple[int, int, int]:
    """(people, countries, events) for a corpus of n articles."""
    return max(20, n // 12), min(120, max(12, n // 40)), max(5, n // 5)


def _countries() -> list[Country]:
    out = []
    with (ROOT / "kg" / "nlp" / "data" / "countries.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            demonym = (row.get("demonyms") or "").split("|")[0]
            capital = (row.get("capitals") or "").split("|")[0]
            if demonym and capital and " " not in demonym and row["name"].count(" ") <= 1:
                out.append(Country(row["name"], demonym, capital))
    return out


def make_pools(people: int, countries: int, events: int, seed: int = 0) -> Pools:
    rng = random.Random(f"pools:{seed}")
    all_countries = _countries()
    rng.shuffle(all_countries)
    cs = tuple(all_countries[:max(3, min(countries, len(all_countries)))])
    names = [f"{f} {s}" for f in FIRST_NAMES for s in SURNAMES]
    rng.shuffle(names)
    if people > len(names):
        raise ValueError(f"at most {len(names)} distinct people")
    ps = tuple(Person(names[i], rng.choice(TITLES), rng.choice(cs)) for i in range(people))
    evs = []
    for _ in range(events):
        kind = rng.choices(("call", "visit", "talks", "summit", "ceasefire"), (3, 3, 3, 1, 2))[0]
        a = rng.choice(ps)
        b = rng.choice([p for p in ps if p.country != a.country] or ps)
        host = rng.choice((a.country, b.country, rng.choice(cs)))
        p1, p2 = rng.sample(cs, 2)
        mediator = rng.choice([c for c in cs if c not in (p1, p2)])
        evs.append(Event(kind, a, b, host, (p1, p2), mediator, START + dt.timedelta(days=rng.randrange(SPAN_DAYS)),
                         rng.choice(TOPICS)))
    return Pools(cs, ps, tuple(evs))


def _borrowed_sentences() -> tuple[list[str], list[str]]:
    """Sentences of tests/data/sentences/*.yaml and of the seed articles (background material)."""
    import yaml

    cases: list[str] = []
    for path in sorted((ROOT / "tests" / "data" / "sentences").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        cases += [c["text"].strip() for c in data.get("cases", []) if isinstance(c.get("text"), str)]
    seeds: list[str] = []
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        for para in p.read_text(encoding="utf-8").split("\n"):
            para = para.strip()
            if len(para) > 60 and para.endswith((".", '"')):
                seeds.append(para)
    return cases, seeds


def _intro(p: Person) -> str:
    return f"{p.country.demonym} {p.title} {p.name}"


def _surname(p: Person) -> str:
    return p.name.split()[-1]


def _when(rng: random.Random, day: dt.date, published: dt.date) -> str:
    delta = (published - day).days
    if delta == 0:
        return rng.choice(("today", "on " + WEEKDAYS[day.weekday()]))
    if 0 < delta < 7:
        return "on " + WEEKDAYS[day.weekday()]
    if delta < 0 and delta > -7:
        return "on " + WEEKDAYS[day.weekday()]
    return f"on {MONTHS[day.month - 1]} {day.day}"


def _event_sentences(rng: random.Random, ev: Event, published: dt.date, first: bool) -> list[str]:
    a, b = ev.a, ev.b
    an = _intro(a) if first else rng.choice((a.name, _surname(a)))
    bn = _intro(b) if first else b.name
    when = _when(rng, ev.day, published)
    future = ev.day > published
    topic = ev.topic
    c1, c2 = ev.parties
    if ev.kind == "call":
        if future:
            return [f"{an} is expected to speak by phone with {bn} {when} to discuss {topic}."]
        return [rng.choice((
            f"{an} spoke by phone with {bn} {when} to discuss {topic}.",
            f"{an} telephoned {bn} {when}, the {a.country.demonym} foreign ministry said.",
            f"{an} and {bn} held a phone call {when} on {topic}.",
        ))]
    if ev.kind == "visit":
        if future:
            return [f"{an} will travel to {ev.host.name} {when} for talks with {bn}.",
                    f"The trip will focus on {topic}."]
        return [rng.choice((
            f"{an} arrived in {ev.host.name} {when} for a two-day visit.",
            f"{an} visited {ev.host.name} {when}, where {a.name.split()[0]} met {bn}.",
        )), f"{_surname(a)} and {_surname(b)} discussed {topic}."]
    if ev.kind == "talks":
        verb = "will hold" if future else "held"
        return [f"{an} and {bn} {verb} talks in {ev.host.capital} {when} on {topic}."]
    if ev.kind == "summit":
        verb = "will host" if future else "hosted"
        return [f"{ev.host.name} {verb} a summit of regional leaders in {ev.host.capital} {when}.",
                f"{a.name} and {b.name} {'are expected to attend' if future else 'attended'} the summit."]
    # ceasefire
    status = rng.choice(("agreed", "agreed", "in force", "violated", "proposed", "negotiation"))
    if status == "agreed":
        s = f"{c1.name} and {c2.name} agreed to a ceasefire {when}, after talks mediated by {ev.mediator.name}."
    elif status == "in force":
        s = f"The ceasefire between {c1.name} and {c2.name}, brokered by {ev.mediator.name}, held {when}."
    elif status == "violated":
        s = f"{c1.name} accused {c2.name} of violating the ceasefire {when}."
    elif status == "proposed":
        s = f"{ev.mediator.name} called for an immediate ceasefire between {c1.name} and {c2.name}."
    else:
        s = f"Talks on a ceasefire between {c1.name} and {c2.name} resumed in {ev.mediator.capital} {when}."
    return [s, f"A {ev.mediator.demonym} foreign ministry spokesperson said the truce was \"a first step\"."
            if rng.random() < 0.5 else f"The fighting between {c1.name} and {c2.name} has lasted months."]


def _statement(rng: random.Random, p: Person, ev: Event, pools: Pools) -> str:
    form = rng.randrange(5)
    who = rng.choice((p.name, _surname(p)))
    clause = rng.choice(CLAUSES).format(topic=ev.topic, country=rng.choice(pools.countries).name)
    if form == 0:
        return f"\"{rng.choice(QUOTES)},\" {who} told reporters."
    if form == 1:
        return f"{who} said {clause}."
    if form == 2:
        return f"According to {who}, {clause}."
    if form == 3:
        return f"\"{rng.choice(QUOTES)},\" {who} said, adding that {clause}."
    return f"A {rng.choice(SPOKES)} said {clause}."


def article(i: int, pools: Pools, seed: int = 0, borrowed: tuple[list[str], list[str]] | None = None) -> dict:
    """Article number i (a JSONL record: id, title, published, url, text)."""
    rng = random.Random(f"article:{seed}:{i}")
    cases, seeds = borrowed if borrowed is not None else _borrowed_sentences()
    ev = pools.events[rng.randrange(len(pools.events))]
    published = ev.day + dt.timedelta(days=rng.choice((-3, -1, 0, 1, 1, 2, 3, 5)))
    paras: list[str] = []
    kind = {"call": "speak", "visit": "visits", "talks": "hold talks", "summit": "summit",
            "ceasefire": "ceasefire"}[ev.kind]
    title = (f"{_surname(ev.a)} and {_surname(ev.b)} {kind} on {ev.topic}" if ev.kind != "ceasefire"
             else f"{ev.parties[0].name} and {ev.parties[1].name}: ceasefire news")
    paras.append(" ".join(_event_sentences(rng, ev, published, first=True)))
    paras.append(f"{ev.a.name} has been {ev.a.country.demonym} {ev.a.title} since {START.year - rng.randrange(1, 6)}.")
    for _ in range(rng.randint(3, 6)):
        paras.append(_statement(rng, rng.choice((ev.a, ev.b)), ev, pools))
    for chance in (0.8, 0.4):
        if rng.random() < chance:
            other = pools.events[rng.randrange(len(pools.events))]
            paras.append(" ".join(_event_sentences(rng, other, published, first=True)))
            paras.append(_statement(rng, other.a, other, pools))
    for _ in range(rng.randint(7, 11)):
        roll = rng.random()
        if roll < 0.35 and cases:
            paras.append(rng.choice(cases))
        elif roll < 0.55 and seeds:
            paras.append(rng.choice(seeds))
        else:
            paras.append(rng.choice(FILLER).format(weekday=WEEKDAYS[published.weekday()], n=rng.randint(2, 90)))
    paras.append(" ".join(_event_sentences(rng, ev, published, first=False)))
    body = paras[:2] + rng.sample(paras[2:], len(paras) - 2)
    text = title + "\n\n" + "\n\n".join(body)
    if rng.random() < 0.25:
        text += "\n\n" + "\n".join(rng.sample(BOILERPLATE, 3))
    text = re.sub(r"[ \t]+", " ", text)
    return {"id": f"bench-{i:06d}", "title": title, "published": published.isoformat(),
            "url": f"https://news.example.org/{published:%Y/%m/%d}/{i:06d}", "text": text}


def generate(n: int, people: int | None = None, countries: int | None = None, events: int | None = None,
             seed: int = 0, start: int = 0):
    """Yield articles start .. n-1 of the corpus with these pool sizes (defaults: ``default_sizes(n)``)."""
    dp, dc, de = default_sizes(n)
    pools = make_pools(people or dp, countries or dc, events or de, seed)
    borrowed = _borrowed_sentences()
    for i in range(start, n):
        yield article(i, pools, seed, borrowed)


def write_jsonl(records, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, help="number of articles")
    ap.add_argument("--out", type=Path, default=None, help="JSONL file (default: stdout)")
    ap.add_argument("--people", type=int, default=None)
    ap.add_argument("--countries", type=int, default=None)
    ap.add_argument("--events", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    records = generate(args.n, args.people, args.countries, args.events, args.seed)
    if args.out is None:
        for rec in records:
            sys.stdout.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    else:
        write_jsonl(records, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Ceasefires over time (kg.lifecycle): reports of one truce linked across documents, each a
dated status observation; the current status from the latest; the timeline and status-on-a-day
queries. Built through the real pipeline (real spaCy), texts written for this test."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kg import query as q
from kg.lifecycle import MAX_SPAN_DAYS, Report, current_status, link, status_on
from kg.models import StatusObservation
from kg.pipeline import BuildSettings, build

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
KG = "https://w3id.org/kg-news/ontology#"

# (file, published, text): one truce between Armenia and Azerbaijan reported over five weeks,
# a second one agreed after its collapse, and a third two years later.
REPORTS = [
    ("a1.txt", "2023-03-01", "Armenia and Azerbaijan agreed to a ceasefire on Tuesday, Russian officials said."),
    ("a2.txt", "2023-03-10", "The ceasefire between Armenia and Azerbaijan was holding on Thursday."),
    ("a3.txt", "2023-03-20", "Azerbaijan accused Armenia of violating the ceasefire on Sunday."),
    ("a4.txt", "2023-04-05", "The ceasefire between Armenia and Azerbaijan collapsed on Monday."),
    ("b1.txt", "2023-04-20", "Armenia and Azerbaijan agreed to a ceasefire on Wednesday."),
    ("c1.txt", "2025-06-01", "Armenia and Azerbaijan agreed to a ceasefire on Friday."),
]


def corpus(folder: Path, reports=REPORTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["file,title,published,source"]
    for name, published, text in reports:
        (folder / name).write_text(text + "\n", encoding="utf-8")
        lines.append(f"{name},{name},{published},")
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def truce_build(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("lifecycle")
    out = base / "out"
    build(BuildSettings(inputs=(corpus(base / "in"),), out=out, progress=False, cache=False, html=False, jobs=1))
    return out


def rows(build_dir: Path, name: str, *params: str) -> list[dict[str, str]]:
    text = q.run_file(QUERIES / name, graph_dir=build_dir, params=params, fmt="json")
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(text)["results"]["bindings"]]


def test_lifecycle_links_reports_of_one_truce_and_keeps_each_as_an_observation(truce_build):
    timeline = rows(truce_build, "ceasefire_timeline.rq")
    by_truce: dict[str, list[tuple[str, str, str]]] = {}
    for r in timeline:
        by_truce.setdefault(r["ceasefire"], []).append((r["date"], r["status"].removeprefix(KG), r["document"]))
    assert sorted(by_truce.values()) == [
        [("2023-02-28", "agreed", "a1"), ("2023-03-09", "inForce", "a2"), ("2023-03-19", "violated", "a3"),
         ("2023-04-03", "collapsed", "a4")],
        [("2023-04-19", "agreed", "b1")],  # agreed after the collapse: another truce
        [("2025-05-30", "agreed", "c1")],  # two years later: never the same truce
    ]
    # every report keeps its sentence
    assert {r["sentence"] for r in timeline} == {text for _, _, text in REPORTS}
    # the current status is the latest report's, not the "highest" one
    first = next(t for t, obs in by_truce.items() if len(obs) == 4)
    assert {r["current"] for r in timeline if r["ceasefire"] == first} == {KG + "collapsed"}


@pytest.mark.parametrize("day, want", [
    ("2023-03-01", {("agreed", "2023-02-28")}),
    ("2023-03-15", {("inForce", "2023-03-09")}),
    ("2023-03-25", {("violated", "2023-03-19")}),
    ("2023-04-25", {("collapsed", "2023-04-03"), ("agreed", "2023-04-19")}),
    ("2026-01-01", {("collapsed", "2023-04-03"), ("agreed", "2023-04-19"), ("agreed", "2025-05-30")}),
    ("2023-01-01", set()),
])
def test_lifecycle_status_on_a_day(truce_build, day, want):
    for engine in ("oxigraph", "rdflib"):
        text = q.run_file(QUERIES / "ceasefires_on_date.rq", graph_dir=truce_build, params=(f"date={day}",),
                          fmt="json", engine=engine)
        found = {(b["status"]["value"].removeprefix(KG), b["since"]["value"])
                 for b in json.loads(text)["results"]["bindings"]}
        assert found == want, engine


def test_lifecycle_status_on_a_day_filtered_by_status(truce_build):
    found = rows(truce_build, "ceasefires_on_date.rq", "date=2023-04-25", "status=kg:agreed")
    assert [(r["since"], r["date"]) for r in found] == [("2023-04-19", "2023-04-25")]
    # without a day: each ceasefire's current status
    assert sorted(r["status"].removeprefix(KG) for r in rows(truce_build, "ceasefires_on_date.rq")) == \
        ["agreed", "agreed", "collapsed"]


def test_lifecycle_linking_does_not_depend_on_document_names(tmp_path):
    """The same reports under other file names (another reading order) make the same ceasefires."""
    renamed = [(f"z{9 - i}.txt", p, t) for i, (_, p, t) in enumerate(REPORTS)]
    out = tmp_path / "out"
    build(BuildSettings(inputs=(corpus(tmp_path / "in", renamed),), out=out, progress=False, cache=False,
                        html=False, jobs=1))
    sizes = sorted(len([r for r in rows(out, "ceasefire_timeline.rq") if r["ceasefire"] == c])
                   for c in {r["ceasefire"] for r in rows(out, "ceasefire_timeline.rq")})
    assert sizes == [1, 1, 4]


def _report(doc: str, day: dt.date, status: str | None = "in force", parties=("a", "b")) -> Report:
    return Report(doc, 0, frozenset(parties), frozenset(), StatusObservation(doc, status, day, None, ()), day)  # type: ignore[arg-type]


def test_lifecycle_a_chain_of_reports_never_spans_more_than_a_year():
    start = dt.date(2020, 1, 1)
    reports = [_report(f"d{i:03}", start + dt.timedelta(days=20 * i)) for i in range(40)]  # 780 days
    truces, of = link(reports)
    assert len(truces) >= 3
    for t in truces:
        days = t.days
        assert (max(days) - min(days)).days <= MAX_SPAN_DAYS
    assert len(of) == 40


def test_lifecycle_other_parties_are_another_truce():
    day = dt.date(2022, 5, 1)
    truces, _ = link([_report("d1", day), _report("d2", day, parties=("a", "c")), _report("d3", day)])
    assert sorted(len(t.reports) for t in truces) == [1, 2]


@pytest.mark.parametrize("statuses, want", [
    ([("2023-01-01", "agreed"), ("2023-01-05", "in force"), ("2023-01-09", "agreed")], "agreed"),
    ([("2023-01-05", "violated"), ("2023-01-05", "in force")], "violated"),  # one day: the later status
    ([("2023-01-05", None), ("2023-01-01", "agreed")], "agreed"),  # a report without a status says nothing
    ([], None),
])
def test_lifecycle_current_status_is_the_latest_observation(statuses, want):
    obs = [StatusObservation(f"d{i}", s, dt.date.fromisoformat(d), None, ()) for i, (d, s) in enumerate(statuses)]  # type: ignore[arg-type]
    assert current_status(obs) == want
    assert status_on(obs, dt.date(2022, 12, 31)) is None


def test_lifecycle_accusations_by_party_concern_the_linked_ceasefire(truce_build):
    found = rows(truce_build, "accusations.rq")
    assert [(r["accuser"], r["accused"], r["date"], r["document"]) for r in found] == [
        ("Azerbaijan", "Armenia", "2023-03-19", "a3")]
    timeline = rows(truce_build, "ceasefire_timeline.rq")
    linked = {r["ceasefire"] for r in timeline if r["document"] == "a1"}
    assert {r["ceasefire"] for r in found} == linked  # the accusation is about the truce agreed in a1
    for engine in ("oxigraph", "rdflib"):
        for params, want in [(("accused=armenia",), 1), (("accuser=Azerbaijan",), 1), (("accuser=Armenia",), 0),
                             (("accuser=Azerbaijan", "accused=Armenia"), 1)]:
            text = q.run_file(QUERIES / "accusations.rq", graph_dir=truce_build, params=params, fmt="json",
                              engine=engine)
            assert len(json.loads(text)["results"]["bindings"]) == want, (engine, params)


def test_lifecycle_links_a_large_corpus_in_linear_time():
    """20,000 reports of truces between ten pairs of parties over five years: linked in seconds."""
    import time

    start = dt.date(2019, 1, 1)
    pairs = [(f"p{i}", f"q{i}") for i in range(10)]
    reports = [_report(f"d{n:05}", start + dt.timedelta(days=n % 1800), parties=pairs[n % 10]) for n in range(20_000)]
    began = time.perf_counter()
    truces, of = link(reports)
    assert time.perf_counter() - began < 10
    assert len(of) == 20_000
    assert all((t.last_day - t.first_day).days <= MAX_SPAN_DAYS for t in truces if t.first_day and t.last_day)


def test_lifecycle_accusations_carry_their_rules(truce_build):
    lines = (truce_build / "kg.nt").read_text(encoding="utf-8").splitlines()
    rules = {line.split(" ", 2)[2] for line in lines if "/accusation/" in line.split(" ", 1)[0] and "#rule>" in line}
    assert rules == {f'"{r}" .' for r in ("accusation.verb", "accusation.of_act", "accusation.accused")}

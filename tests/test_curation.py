"""Curation kept across rebuilds (kg.curation): a curation file applied on every build, after
resolution; each change as PROV-O provenance in graph/curation, queryable with curation.rq;
entries that match nothing reported, never dropped; malformed files one clear message; `kg
curate` writing the same file. Through the real CLI (real spaCy); texts written for this test."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kg import query as q
from kg.cli import main
from kg.curation import read_entries

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
KG = "https://w3id.org/kg-news/ontology#"
KGD = "https://w3id.org/kg-news/id/"

TEXTS = {
    "n1": ("2024-05-01", "Norwegian Foreign Minister Dmitri Halvorsen met Swedish Foreign Minister Ingrid Lind in "
                         "Oslo on Tuesday to discuss Arctic fisheries."),
    "n2": ("2024-05-03", "Halvorsen told reporters on Thursday that the fisheries talks with Sweden would continue "
                         "next month."),
    "n3": ("2024-05-04", "The Prime Minister said on Friday that the ceasefire between Armenia and Azerbaijan was "
                         "holding.\n\nArmenia and Azerbaijan agreed to a ceasefire on Monday, Kazakh President "
                         "Nurlan Temirov said."),
}
WHO, WHEN = "Ingrid Berg", "2024-06-10"


def corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["file,title,published,source"]
    for name, (published, text) in TEXTS.items():
        (folder / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
        lines.append(f"{name}.txt,{name},{published},")
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def kg(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def build(inputs: Path, out: Path, *extra: str):
    result = kg("build", str(inputs), "--out", str(out), "--no-html", "--jobs", "1", *extra)
    assert result.exit_code == 0, result.output
    return result


def rows(build_dir: Path, name: str, *params: str) -> list[dict[str, str]]:
    text = q.run_file(QUERIES / name, graph_dir=build_dir, params=params, fmt="json")
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(text)["results"]["bindings"]]


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """The corpus built without curation: the IRIs the entries name."""
    base = tmp_path_factory.mktemp("curation")
    inputs = corpus(base / "in")
    out = base / "plain"
    build(inputs, out)
    facts = {r["type"].removeprefix(KG): r["event"] for r in rows(out, "timeline.rq")}
    statements = {r["label"].split(":")[0]: r["event"] for r in rows(out, "timeline.rq")
                  if r["type"] == KG + "Statement"}
    return base, inputs, out, facts, statements


def entries(facts, statements) -> list[dict]:
    stamp = {"by": WHO, "when": WHEN}
    return [
        {"action": "split", "actor": "Dmitri Halvorsen", "alias": "Halvorsen", "why": "maybe his brother", **stamp},
        {"action": "merge", "actors": ["Halvorsen"], "into": "Dmitri Halvorsen", "why": "the same minister", **stamp},
        {"action": "retype", "actor": "Nurlan Temirov", "kind": "Organization", **stamp},
        {"action": "reject", "fact": facts["Meeting"], "why": "it never happened", **stamp},
        {"action": "fix", "fact": facts["Ceasefire"], "status": "collapsed", "date": "2024-05-02", **stamp},
        {"action": "fix", "fact": statements["Nurlan Temirov"], "speaker": "Kazakhstan", **stamp},
        {"action": "add", "fact": "meeting", "kind": "talks", "participants": ["Dmitri Halvorsen", "Sweden"],
         "status": "planned", "date": "2024-06-03", "source": "n2",
         "evidence": "the fisheries talks with Sweden would continue next month", **stamp},
        {"action": "reject", "actor": "Olaf Brekke", "why": "not an actor", **stamp},  # matches nothing
    ]


@pytest.fixture(scope="module")
def curated(plain):
    base, inputs, _, facts, statements = plain
    (inputs / "curation.yaml").write_text(yaml.safe_dump(entries(facts, statements), sort_keys=False),
                                          encoding="utf-8")
    out = base / "curated"
    result = build(inputs, out)
    return out, result.output, facts, statements


def test_curation_changes_the_graph_and_keeps_iris(curated, plain):
    out, _, facts, statements = curated
    actors = {r["actor"]: r for r in rows(out, "actors.rq")}
    assert actors["Nurlan Temirov"]["type"] == KG + "Organization"
    assert "Halvorsen" not in actors  # split off, then merged back
    timeline = {r["event"]: r for r in rows(out, "timeline.rq")}
    assert facts["Meeting"] not in timeline  # rejected
    assert timeline[facts["Ceasefire"]]["status"] == KG + "collapsed"
    assert timeline[facts["Ceasefire"]]["date"] == "2024-05-02"
    said = rows(out, "actor_statements.rq", "actor=Kazakhstan")
    assert [r["statement"] for r in said] == [statements["Nurlan Temirov"]]  # same IRI, new speaker
    added = [r for r in rows(out, "meetings.rq") if r.get("date") == "2024-06-03"]
    assert len(added) == 1 and added[0]["status"] == KG + "planned"
    evidence = rows(out, "evidence.rq", f"fact={added[0]['meeting']}")
    assert [(r["document"], r["sentence"]) for r in evidence] == [
        ("n2", "the fisheries talks with Sweden would continue next month")]
    # what was not curated keeps its IRI
    plain_actors = {r["node"] for r in rows(plain[2], "actors.rq")}
    assert {r["node"] for r in actors.values()} == plain_actors


def test_curation_is_recorded_as_provenance(curated):
    out, _, facts, _ = curated
    found = rows(out, "curation.rq")
    assert [r["action"] for r in found] == ["split", "merge", "retype", "reject", "fix", "fix", "fix", "add"]
    assert {r["curator"] for r in found} == {WHO}
    assert {r["when"] for r in found} == {"2024-06-10T00:00:00Z"}  # the file's date, not the clock
    split, merge, retype, reject, *_ = found
    assert split["why"] == "maybe his brother" and split["generated"].split()[1] == KGD + "actor/halvorsen"
    # the statement whose evidence names only "Halvorsen" went with the alias (and came back with the merge)
    assert sum("/statement/" in g for g in split["generated"].split()) == 1
    assert merge["previous"] == KGD + "actor/halvorsen" and merge["new"] == KGD + "actor/dmitri-halvorsen"
    assert (retype["attribute"], retype["previous"], retype["new"]) == ("type", "Person", "Organization")
    assert reject["used"] == facts["Meeting"] and reject["why"] == "it never happened"
    status = next(r for r in found if r.get("attribute") == "status")
    assert (status["previous"], status["new"]) == ("in force", "collapsed")
    assert [r["action"] for r in rows(out, "curation.rq", "action=merge")] == ["merge"]
    assert rows(out, "curation.rq", "curator=Someone Else") == []


def test_curation_unmatched_entry_is_reported_not_dropped(curated, plain):
    _, output, _, _ = curated
    assert "curated changes: 8" in output
    assert "entry 8 (reject): reject Olaf Brekke: matches nothing in this build (no actor named 'Olaf Brekke')" \
        in output
    assert len(read_entries(plain[1] / "curation.yaml")) == 8  # still in the file


def test_curation_rebuild_and_incremental_build_are_byte_identical(curated, plain):
    out, *_ = curated
    base, inputs = plain[0], plain[1]
    again = base / "curated-clean"
    build(inputs, again, "--no-cache")
    build(inputs, out)  # incremental: every extraction from the cache
    for name in ("kg.trig", "kg.nt", "kg.ttl"):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name


def test_curation_spilled_build_gives_the_bytes_of_records_in_memory(curated, plain, tmp_path):
    """Curation after a streamed resolution (records spilled to disk, kg.spill) changes the same nodes."""
    out, *_ = curated
    spilled = tmp_path / "spilled"
    build(plain[1], spilled, "--spill-after", "1")
    for name in ("kg.trig", "kg.nt", "kg.ttl", "build.json"):
        assert (spilled / name).read_bytes() == (out / name).read_bytes(), name


def test_curation_validates_in_owl_and_shacl(curated):
    out, *_ = curated
    result = kg("validate", "--graph", str(out))
    assert result.exit_code == 0, result.output


def test_curation_explicit_file_wins(plain, tmp_path):
    _, inputs, _, facts, _ = plain
    other = tmp_path / "mine.yaml"
    other.write_text(yaml.safe_dump([{"action": "reject", "fact": facts["Ceasefire"], "by": WHO, "when": WHEN}]),
                     encoding="utf-8")
    out = tmp_path / "out"
    result = build(inputs, out, "--curation", str(other))
    assert "curated changes: 1" in result.output
    assert [r["action"] for r in rows(out, "curation.rq")] == ["reject"]


@pytest.mark.parametrize("text, message", [
    ("- action: merge\n  actors: [A]\n  by: X\n  when: 2024-01-01\n", "entry 1 (merge): 'into' is missing"),
    ("- action: mrege\n", "action 'mrege' is not one of merge, split, retype, reject, fix, add"),
    ("- {action: retype, actor: A, kind: Planet, by: X, when: 2024-01-01}\n", "kind 'Planet' is not one of"),
    ("- {action: fix, fact: 'meeting:1', status: maybe, by: X, when: 2024-01-01}\n", "status 'maybe' is not"),
    ("- {action: reject, fact: 'meeting:1', by: X}\n", "'when' is missing"),
    ("- {action: reject, fact: 'meeting:1', by: X, when: someday}\n", "'when' must be a date"),
    ("- {action: reject, fact: 'meeting:1', actor: A, by: X, when: 2024-01-01}\n", "either 'actor' or 'fact'"),
    ("- {action: reject, fact: 'meeting:1', colour: red, by: X, when: 2024-01-01}\n", "unknown key(s) colour"),
    ("action: merge\n", "expected a list of entries"),
    ("- [unclosed\n", "not valid YAML"),
])
def test_curation_malformed_file_is_one_clear_message(plain, tmp_path, text, message):
    bad = tmp_path / "curation.yaml"
    bad.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(plain[1]), "--out", str(tmp_path / "out"), "--no-html",
                                       "--curation", str(bad)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out" / "kg.trig").exists()


def _curate_args(item: dict) -> list[str]:
    """The `kg curate` command line that writes ``item``."""
    action, rest = item["action"], {k: v for k, v in item.items() if k not in ("action", "by", "when", "why")}
    stamp = ["--by", item["by"], "--when", item["when"]] + (["--why", item["why"]] if "why" in item else [])
    if action == "merge":
        return ["merge", *rest["actors"], rest["into"], *stamp]
    if action == "split":
        return ["split", rest["actor"], rest["alias"], *stamp]
    if action == "retype":
        return ["retype", rest["actor"], rest["kind"], *stamp]
    if action == "reject":
        return ["reject", rest.get("fact") or rest["actor"], *stamp]
    if action == "fix":
        return ["fix", rest.pop("fact"), *[x for k, v in rest.items() for x in (f"--{k}", v)], *stamp]
    options = {"participants": "--participant", "kind": "--meeting-kind"}
    args = ["add", rest.pop("fact")]
    for key, value in rest.items():
        for v in value if isinstance(value, list) else [value]:
            args += [options.get(key, f"--{key}"), v]
    return args + stamp


def test_curation_curate_helpers_write_the_same_entries_and_graph(curated, plain, tmp_path):
    out, _, facts, statements = curated
    mine = tmp_path / "curation.yaml"
    mine.write_text("# my corrections\n\n# (kept as written)\n", encoding="utf-8")
    for item in entries(facts, statements):
        result = kg("curate", *_curate_args(item), "--file", str(mine))
        assert result.exit_code == 0, result.output
        assert f"of {mine}: " in result.output
    text = mine.read_text(encoding="utf-8")
    assert text.startswith("# my corrections\n\n# (kept as written)\n")  # comments and layout kept
    assert [e.id for e in read_entries(mine)] == [e.id for e in read_entries(plain[1] / "curation.yaml")]
    again = tmp_path / "out"
    build(plain[1], again, "--curation", str(mine))
    assert (again / "kg.trig").read_bytes() == (out / "kg.trig").read_bytes()


def test_curation_curate_refuses_a_bad_entry_and_leaves_the_file(tmp_path):
    mine = tmp_path / "curation.yaml"
    assert kg("curate", "retype", "Nurlan Temirov", "Organization", "--file", str(mine), "--by", WHO).exit_code == 0
    before = mine.read_bytes()
    result = CliRunner().invoke(main, ["curate", "fix", "meeting:1", "--status", "maybe", "--file", str(mine)])
    assert result.exit_code == 2 and "entry 2 (fix): status 'maybe' is not" in result.output
    assert mine.read_bytes() == before
    entry, = read_entries(mine)
    assert entry.by == WHO and entry.when.endswith("T00:00:00Z")  # today, written into the file


def test_curation_graph_loads_into_a_store_and_answers_there(curated, tmp_path):
    from query_support import Server, answers

    out, *_ = curated
    running = Server(tmp_path / "oxigraph")
    try:
        result = kg("load", "--graph", str(out), "--endpoint", running.url)
        assert result.exit_code == 0, result.output
        assert "3 document graphs" in result.output and f"curation graph <{KGD}graph/curation> (new)" in result.output
        assert answers(None, "curation.rq", endpoint=running.url + "/query") == answers(out, "curation.rq")
    finally:
        running.stop()


def test_curation_added_fact_carries_the_curation_rule(curated):
    out, *_ = curated
    found = rows(out, "facts_by_rule.rq", "rule=curation.add")
    assert [r["fact"] for r in found] == [r["meeting"] for r in rows(out, "meetings.rq") if r.get("date") == "2024-06-03"]

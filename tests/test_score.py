"""The shared scorer's figures on builds of the seeds and of the peer suite: a regression fails CI."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg.ontology import ontology_path
from kg.pipeline import BuildSettings, build

ROOT = Path(__file__).resolve().parent.parent


def score(shared: Path, gold: Path, graph: Path, tmp: Path, sources: Path | None = None) -> dict:
    report = tmp / "report.json"
    cmd = [sys.executable, str(shared / "eval" / "score.py"), "--gold", str(gold), "--graph", str(graph),
           "--ontology", str(ontology_path()), "--json", str(report)]
    if sources:
        cmd += ["--sources", str(sources)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(report.read_text())


@pytest.fixture(scope="module")
def seeds_report(shared_dir, seed_build, tmp_path_factory) -> dict:
    return score(shared_dir, shared_dir / "gold" / "seeds.yaml", seed_build, tmp_path_factory.mktemp("score"),
                 sources=ROOT / "seeds")


@pytest.fixture(scope="module")
def peer_report(shared_dir, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("peer-build")
    build(BuildSettings(inputs=(shared_dir / "peer" / "sentences.jsonl",), out=out, progress=False, html=False,
                        cache=False))
    return score(shared_dir, shared_dir / "peer" / "gold.yaml", out, tmp_path_factory.mktemp("peer-score"))


def test_score_seeds_overall(seeds_report):
    overall = seeds_report["overall"]
    assert overall["precision"] >= 0.9 and overall["recall"] >= 0.9, overall


@pytest.mark.parametrize("cls", ["Actor", "Role", "Meeting", "Statement", "Ceasefire"])
def test_score_seeds_every_class(seeds_report, cls):
    c = seeds_report["classes"][cls]
    assert c["f1"] >= 0.8, (cls, c)


def test_score_seeds_evidence_and_problems(seeds_report):
    ok, total = map(int, seeds_report["evidence_valid"].split("/"))
    assert total > 0 and ok == total
    problems = seeds_report["problems"]
    assert not [p for p in problems if "forbidden actor" in p], problems
    assert not [p for p in problems if "forbidden status" in p], problems
    assert not [p for p in problems if "merges" in p], problems


def test_score_seeds_attributes(seeds_report):
    """Mode and dates of the gold events: the call was by phone on 2021-05-20, the visit planned for 2024-08-18."""
    meetings = seeds_report["classes"]["Meeting"]["attributes"]
    assert meetings["mode"].split("/")[0] == meetings["mode"].split("/")[1]
    assert meetings["date"].split("/")[0] == meetings["date"].split("/")[1]


def test_score_peer_suite_holds(peer_report):
    """52 sentences of PLOVER and UniversalPetrarch: kg must keep reading someone else's test sentences well."""
    overall = peer_report["overall"]
    assert overall["precision"] >= 0.9 and overall["recall"] >= 0.9, overall
    ok, total = map(int, peer_report["evidence_valid"].split("/"))
    assert ok == total
    assert not [p for p in peer_report["problems"] if "forbidden" in p or "merges" in p]

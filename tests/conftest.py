"""Shared fixtures: the real spaCy model, the seed build, and the shared material beside the repo."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = Path(os.environ.get("KG_SHARED_DIR", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def nlp():
    """The spaCy pipeline kg reads with (loaded once per test session)."""
    from kg.nlp.model import load

    return load()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (gold files, scorer, peer suite); tests that need it are skipped without it,
    except in CI where its absence is an error."""
    if not (SHARED / "eval" / "score.py").is_file():
        unavailable(f"the shared material (gold files, scorer) is not at {SHARED}: put it in ../shared or set "
                    f"KG_SHARED_DIR")
    return SHARED


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory) -> Path:
    """A build of seeds/ (exports, graph.html), made once per test session."""
    from kg.pipeline import BuildSettings, build

    out = tmp_path_factory.mktemp("seed-build")
    build(BuildSettings(inputs=(SEEDS,), out=out, progress=False, cache=False))
    return out


def unavailable(reason: str) -> None:
    """Skip a test that needs something this machine lacks, saying what; in CI (CI set), where
    everything is installed, fail instead: no test is skipped silently."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def java() -> str:
    """The Java runtime HermiT and Pellet run in (owlready2 calls it)."""
    import shutil

    import owlready2

    found = shutil.which(owlready2.JAVA_EXE)
    if found is None:
        unavailable(f"Java is not installed (`{owlready2.JAVA_EXE}` is not on PATH): the OWL reasoner tests "
                    "need a JRE 11+ (apt-get install default-jre-headless)")
    return found


STORY = ROOT / "tests" / "data" / "story" / "border-truce.txt"
# Six outlets carry the same story (our own text: fictional people, real countries), published
# over four days: every fact is reported six times.
STORY_OUTLETS = [(f"outlet{i}-border-truce", day) for i, day in
                 enumerate(["2025-03-05", "2025-03-05", "2025-03-06", "2025-03-06", "2025-03-07", "2025-03-08"], 1)]


@pytest.fixture(scope="session")
def story_build(tmp_path_factory) -> Path:
    """A build of one story reported by six documents (graph only: no page)."""
    import json

    from kg.pipeline import BuildSettings, build

    folder = tmp_path_factory.mktemp("story")
    text = STORY.read_text(encoding="utf-8")
    corpus = folder / "six-outlets.jsonl"
    corpus.write_text("".join(json.dumps({"id": doc_id, "text": text, "published": day,
                                          "title": "Ghana and Togo agree to border truce",
                                          "url": f"https://{doc_id.split('-')[0]}.example/border-truce"}) + "\n"
                              for doc_id, day in STORY_OUTLETS), encoding="utf-8")
    out = folder / "build"
    build(BuildSettings(inputs=(corpus,), out=out, progress=False, cache=False, html=False))
    return out

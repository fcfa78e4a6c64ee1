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
        if os.environ.get("CI"):
            pytest.fail(f"shared material not found at {SHARED} (set KG_SHARED_DIR)")
        pytest.skip(f"shared material not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory) -> Path:
    """A build of seeds/ (exports, graph.html), made once per test session."""
    from kg.pipeline import BuildSettings, build

    out = tmp_path_factory.mktemp("seed-build")
    build(BuildSettings(inputs=(SEEDS,), out=out, progress=False, cache=False))
    return out

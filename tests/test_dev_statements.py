"""The development set of real texts (../shared/dev) holds the figures reached for statements,
roles, actors and identity across documents: a later change cannot lose them unnoticed."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# F1 floors, a little below the figures measured when they were set (README: "Statements, roles
# and identity in readouts, transcripts and real articles").
FLOORS = {"Actor": 0.95, "Role": 0.89, "Statement": 0.89}
IDENTITY_FLOOR = 0.95


def _run(shared: Path, script: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(shared / "dev" / script), "--project", str(ROOT), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _dev(shared_dir: Path) -> Path:
    if not (shared_dir / "dev" / "run.py").is_file():
        pytest.skip(f"no development set at {shared_dir / 'dev'}")
    return shared_dir


@pytest.mark.slow
@pytest.mark.parametrize("cls", sorted(FLOORS))
def test_dev_statements_roles_actors_hold(shared_dir, tmp_path_factory, cls):
    shared = _dev(shared_dir)
    out = tmp_path_factory.getbasetemp() / "dev-figures.json"
    if not out.is_file():
        _run(shared, "run.py", "--json", str(out))
    figures = json.loads(out.read_text())["classes"]
    assert figures[cls]["f1"] >= FLOORS[cls], figures[cls]


@pytest.mark.slow
def test_dev_statements_identity_across_documents_holds(shared_dir):
    shared = _dev(shared_dir)
    text = _run(shared, "identity.py")
    found = re.search(r"identity: (\d+)/(\d+)", text)
    assert found, text[-500:]
    one, named = map(int, found.groups())
    assert one / named >= IDENTITY_FLOOR, text[-1500:]

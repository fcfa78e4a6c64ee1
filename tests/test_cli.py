"""The command line: documented, thin, and friendly."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_in_readme_is_current():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "update_readme.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr or done.stdout


@pytest.mark.parametrize("command", sorted(main.commands))
def test_cli_every_command_is_documented(command):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"### `kg {command}`" in readme
    help_text = CliRunner().invoke(main, [command, "--help"]).output
    assert "Usage: " in help_text and len(help_text.splitlines()) > 4


def test_cli_build_prints_counts_and_files(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Kenyan President Samuel Otieno met Somali President Abdi Warsame in Nairobi on Monday.\n")
    result = CliRunner().invoke(main, ["build", str(article), "--out", str(tmp_path / "out"), "--no-html"])
    assert result.exit_code == 0, result.stderr
    assert "meetings: 1" in result.stdout and "roles: 2" in result.stdout
    assert "kg.ttl" in result.stdout and "kg.jsonld" in result.stdout


def test_cli_unknown_option_is_one_clear_error():
    result = CliRunner().invoke(main, ["build", "--no-such-option", "x"])
    assert result.exit_code == 2 and "No such option" in result.stderr and "Traceback" not in result.stderr


def test_cli_gazetteer_is_generated_from_its_sources():
    """kg/nlp/data/countries.tsv is what tools/make_gazetteer.py makes from countryinfo + overrides."""
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "make_gazetteer.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr or done.stdout

"""The command line: documented, thin, and friendly."""
from __future__ import annotations

import json
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


def test_cli_build_summary_lists_its_warnings(tmp_path):
    """The seeds' one warning (read in extraction, never printed before) is in the summary."""
    result = CliRunner().invoke(main, ["build", str(ROOT / "seeds"), "--out", str(tmp_path / "out"), "--no-html"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    at = lines.index("  warnings: 1")
    assert lines[at + 1:] == ["    000_d2de068a82ff7819: country:EGY mediates this ceasefire; 'broken by' it is read "
                              "as 'brokered by', not as a violation"]
    assert result.stderr == ""  # once, in the summary


def test_cli_build_summary_lists_the_first_twenty_warnings_and_counts_the_rest(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Kenyan President Amina Okafor met Norwegian Prime Minister Lena Berg in Oslo.\n")
    for i in range(25):
        (folder / f"empty-{i:02d}.txt").write_text("\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(folder), "--out", str(out), "--no-html"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    at = lines.index("  warnings: 26")
    assert lines[at + 1:at + 21] == [f"    {folder}/empty-{i:02d}.txt: empty document; nothing to read" for i in range(20)]
    assert lines[at + 21:] == [f"    … and 6 more (see {out}/build.json)"]
    assert len(json.loads((out / "build.json").read_text())["warnings"]) == 26


def test_cli_build_that_fails_prints_its_warnings_before_the_error(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    result = CliRunner().invoke(main, ["build", str(tmp_path / "empty.txt"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"kg: warning: {tmp_path}/empty.txt: empty document; nothing to read",
        f"kg: error: nothing could be built: no readable document in {tmp_path}/empty.txt (see the messages above)"]

"""The exports: every file parses back in a strict parser to the same triples, exports/ is the seeds' build, and a
build folder always holds one whole build (kg/export.py's BuildFolder), through the real command line."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.cli import main
from kg.errors import OutputError
from kg.export import PUBLISHED
from kg.pipeline import BuildSettings, build
from kg.vocab import KG, NIF

ROOT = Path(__file__).resolve().parent.parent
FORMATS = {"kg.ttl": ox.RdfFormat.TURTLE, "kg.nt": ox.RdfFormat.N_TRIPLES, "kg.jsonld": ox.RdfFormat.JSON_LD,
           "kg.trig": ox.RdfFormat.TRIG}


def triples(path: Path) -> set:
    return {(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path), format=FORMATS[path.name])}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_exports_every_format_parses_back_to_the_same_triples(seed_build, name):
    reference = triples(seed_build / "kg.nt")
    assert reference and triples(seed_build / name) == reference


def test_exports_trig_has_a_graph_per_document_and_the_entities(seed_build):
    graphs = {str(q.graph_name.value) for q in ox.parse(path=str(seed_build / "kg.trig"), format=ox.RdfFormat.TRIG)}
    assert {g.rsplit("/", 1)[-1] for g in graphs} == {"000_d2de068a82ff7819", "003_bf2bcb9fd38c8bbd", "entities"}


def test_exports_trig_holds_each_triple_in_one_graph(seed_build):
    """A fact is stored once (docs/graph-shape.md): the named graphs add up to the union, no triple twice."""
    quads = list(ox.parse(path=str(seed_build / "kg.trig"), format=ox.RdfFormat.TRIG))
    assert len(quads) == len({(q.subject, q.predicate, q.object) for q in quads}) == len(triples(seed_build / "kg.nt"))


def test_exports_jsonld_has_a_context(seed_build):
    data = json.loads((seed_build / "kg.jsonld").read_text(encoding="utf-8"))
    assert isinstance(data, dict) and "@context" in data
    assert data["@context"]["kg"] == str(KG._NS)


def test_exports_turtle_matches_rdflib_reading(seed_build):
    """Two independent parsers (pyoxigraph, rdflib) read the same graph."""
    a = Graph().parse(seed_build / "kg.ttl", format="turtle")
    b = Graph().parse(seed_build / "kg.nt", format="nt")
    assert isomorphic(a, b)


def test_exports_every_span_slices_its_document(seed_build):
    g = Graph().parse(seed_build / "kg.ttl", format="turtle")
    texts = {doc: str(text) for doc, text in g.subject_objects(NIF.isString)}
    spans = list(g.subjects(NIF.anchorOf, None))
    assert spans
    for span in spans:
        doc = g.value(span, KG.document)
        begin, end = int(g.value(span, NIF.beginIndex)), int(g.value(span, NIF.endIndex))
        assert texts[doc][begin:end] == str(g.value(span, NIF.anchorOf))
    facts = set(g.subjects(KG.evidence, None))
    for cls in (KG.Role, KG.Meeting, KG.Statement, KG.Ceasefire):
        assert set(g.subjects(None, cls)) <= facts  # every fact has evidence


def test_exports_folder_is_the_build_of_the_seeds(tmp_path, monkeypatch):
    """exports/ in the repository is exactly what `make demo` writes (rebuilds are byte-identical)."""
    if not (ROOT / "exports" / "kg.ttl").is_file():
        pytest.fail("exports/ holds no build: run `make demo` and commit exports/")
    monkeypatch.chdir(ROOT)
    build(BuildSettings(inputs=(Path("seeds"),), out=tmp_path, progress=False, cache=False))
    stale = [p.name for p in sorted((ROOT / "exports").iterdir())
             if p.is_file() and (tmp_path / p.name).read_bytes() != p.read_bytes()]
    assert not stale, f"exports/ is stale ({', '.join(stale)}): run `make demo` and commit exports/"
    if os.environ.get("CI"):
        assert (tmp_path / "graph.html").is_file()


# ---- the build folder: whole builds, one at a time, never someone else's folder -----------------------
KG_BUILD = [sys.executable, "-m", "kg.cli", "build", "--quiet"]
TEXT_A = "Kenyan President Amina Okafor met Norwegian Prime Minister Lena Berg in Oslo on Monday.\n"
TEXT_B = "Chilean Foreign Minister Sofia Costa telephoned Japanese Prime Minister Kenji Tanaka on Tuesday.\n"


def snapshot(out: Path) -> dict[str, bytes]:
    """What a reader of OUT sees: every published name, through the links."""
    return {name: (out / name).read_bytes() for name in PUBLISHED if (out / name).is_file()}


def leftovers(out: Path) -> list[str]:
    """What a finished build must not leave: staging folders, unpublished versions, dangling links."""
    found = [p.name for p in (out / ".kg").iterdir() if p.name not in ("current", "versions", "lock")]
    found += [f"versions/{p.name}" for p in (out / ".kg" / "versions").iterdir()][1:]
    found += [p.name for p in out.iterdir() if p.is_symlink() and not p.exists()]
    found += [p.name for p in out.iterdir() if p.name.startswith((".staging-", ".store."))]
    return found


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    """Build A (one article) in a folder, and build B (A's article and another) with the cache both need."""
    root = tmp_path_factory.mktemp("two-builds")
    (root / "in").mkdir()
    (root / "in" / "manifest.csv").write_text("file,published\na.txt,2024-05-13\nb.txt,2024-05-14\n")
    (root / "in" / "a.txt").write_text(TEXT_A)
    a_out, b_out = root / "a", root / "b"
    build(BuildSettings(inputs=(root / "in" / "a.txt",), out=a_out, progress=False))
    (root / "in" / "b.txt").write_text(TEXT_B)
    build(BuildSettings(inputs=(root / "in",), out=b_out, progress=False))
    return root / "in", a_out, b_out


def start_from(two_builds, tmp_path: Path) -> Path:
    """A folder holding build A, and the cache of both builds (the killed build B reads nothing again)."""
    _, a_out, b_out = two_builds
    out = tmp_path / "out"
    shutil.copytree(a_out, out, symlinks=True)
    shutil.rmtree(out / ".kg-cache")
    shutil.copytree(b_out / ".kg-cache", out / ".kg-cache")
    return out


def paused_build(inputs: Path, out: Path, point: str, tmp_path: Path) -> subprocess.Popen:
    """`kg build` into ``out``, waiting at ``point`` of publishing (kg.export.pause_point) once it gets there."""
    flag = tmp_path / f"at-{point}"
    proc = subprocess.Popen([*KG_BUILD, str(inputs), "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "KG_TEST_PAUSE": f"{point}:{flag}"})
    deadline = time.monotonic() + 120
    while not flag.exists():
        if proc.poll() is not None:
            pytest.fail(f"the build ended before {point}: {proc.communicate()[1].decode()}")
        assert time.monotonic() < deadline, f"the build never reached {point}"
        time.sleep(0.05)
    return proc


@pytest.mark.slow
@pytest.mark.parametrize("point, shows", [
    ("staged", "A"), ("versioned", "A"), ("linked", "A"), ("switched", "B"), ("relinked", "B"),
])
def test_exports_build_killed_while_publishing_leaves_one_whole_build(two_builds, tmp_path, point, shows):
    inputs, a_out, b_out = two_builds
    out = start_from(two_builds, tmp_path)
    expected = {"A": snapshot(a_out), "B": snapshot(b_out)}
    assert expected["A"] != expected["B"] and snapshot(out) == expected["A"]
    proc = paused_build(inputs, out, point, tmp_path)
    proc.kill()
    proc.wait()
    assert snapshot(out) == expected[shows]  # byte for byte, every file of one build and only of it
    # the next build clears what the killed one left and publishes B whole
    result = CliRunner().invoke(main, ["build", "--quiet", str(inputs), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert snapshot(out) == expected["B"] and not leftovers(out)


@pytest.mark.slow
def test_exports_second_build_into_the_same_folder_is_refused_at_once(two_builds, tmp_path):
    inputs, _, b_out = two_builds
    out = start_from(two_builds, tmp_path)
    first = paused_build(inputs, out, "staged", tmp_path)
    try:
        started = time.monotonic()
        result = CliRunner().invoke(main, ["build", "--quiet", str(inputs), "--out", str(out)])
        assert result.exit_code == OutputError.exit_code and time.monotonic() - started < 10
        assert result.stderr.strip() == (f"kg: error: another kg build is writing to {out} (pid {first.pid}); "
                                         "wait for it to finish, or choose another --out")
    finally:
        first.kill()
        first.wait()
    result = CliRunner().invoke(main, ["build", "--quiet", str(inputs), "--out", str(out)])
    assert result.exit_code == 0 and snapshot(out) == snapshot(b_out)


def test_exports_unchanged_rebuild_keeps_the_published_version(two_builds, tmp_path):
    inputs, _, b_out = two_builds
    out = tmp_path / "out"
    shutil.copytree(b_out, out, symlinks=True)
    version = os.readlink(out / ".kg" / "current")
    result = CliRunner().invoke(main, ["build", "--quiet", str(inputs), "--out", str(out)])
    assert result.exit_code == 0 and os.readlink(out / ".kg" / "current") == version
    assert snapshot(out) == snapshot(b_out) and not leftovers(out)


def test_exports_folder_of_an_older_kg_becomes_a_versioned_build(two_builds, tmp_path):
    """Files an older kg wrote in place (and its stale staging folder) are replaced by links, cleanly."""
    inputs, _, b_out = two_builds
    out = tmp_path / "out"
    out.mkdir()
    for name in ("kg.ttl", "kg.nt", "build.json", "graph.html"):
        (out / name).write_bytes(b"old " + name.encode())
    (out / "build.json").write_text('{"kg": "0.0.1"}')
    (out / ".staging-abc123").mkdir()
    (out / ".staging-abc123" / "kg.trig").write_text("half written")
    (out / "notes.txt").write_text("mine")
    result = CliRunner().invoke(main, ["build", "--quiet", str(inputs), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert snapshot(out) == snapshot(b_out) and not leftovers(out)
    assert all((out / name).is_symlink() for name in snapshot(out))
    assert (out / "notes.txt").read_text() == "mine"  # not kg's: left alone


def test_exports_build_without_a_page_or_store_removes_the_old_ones(two_builds, tmp_path):
    inputs, _, b_out = two_builds
    out = tmp_path / "out"
    shutil.copytree(b_out, out, symlinks=True)
    result = CliRunner().invoke(main, ["build", "--quiet", "--store", str(out / "store"), str(inputs), "--out", str(out)])
    assert result.exit_code == 0 and (out / "store").is_symlink() and (out / "store" / "CURRENT").is_file()
    result = CliRunner().invoke(main, ["build", "--quiet", "--no-html", str(inputs), "--out", str(out)])
    assert result.exit_code == 0
    assert not os.path.lexists(out / "graph.html") and not os.path.lexists(out / "store") and not leftovers(out)


@pytest.mark.parametrize("target, message", [
    ("/", "--out / is the root of the file system"),
    ("HOME", "is your home folder"),
    ("file", "is a file; give a folder"),
    ("foreign", "is not empty and holds no kg build; choose a new or empty folder"),
    ("under-a-file", "cannot write the build to {out}: Not a directory ({out}/.kg/versions); choose another --out"),
])
def test_exports_out_that_is_not_a_build_folder_is_refused(tmp_path, monkeypatch, target, message):
    home = tmp_path / "home"
    home.mkdir()
    (home / "letter.txt").write_text("dear")
    monkeypatch.setenv("HOME", str(home))
    paths = {"/": Path("/"), "HOME": home, "file": tmp_path / "notes.txt", "foreign": tmp_path / "mine",
             "under-a-file": tmp_path / "notes.txt" / "graph"}
    (tmp_path / "notes.txt").write_text("notes")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("chapter 1")
    (tmp_path / "a.txt").write_text(TEXT_A)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(main, ["build", "--quiet", str(tmp_path / "a.txt"), "--out", str(paths[target])])
    assert result.exit_code == OutputError.exit_code and message.format(out=paths[target]) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing written anywhere


@contextlib.contextmanager
def tmpfs(path: Path, options: str):
    """A real tmpfs mounted at ``path`` (root only); skipped, with the reason, where that is not possible."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small or read-only file system needs root")
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_exports_full_disk_is_one_line_and_keeps_the_previous_build(two_builds, tmp_path):
    inputs, _, _ = two_builds
    big = tmp_path / "big.jsonl"
    big.write_text("".join(json.dumps({"id": f"d{i}", "published": "2024-05-13", "text": f"{TEXT_A.strip()} "
                                       f"Envoy Rafael Moreau{i} visited Ghana on Friday.\n"}) + "\n" for i in range(60)))
    with tmpfs(tmp_path / "disk", "size=1M") as disk:
        out = disk / "out"
        result = CliRunner().invoke(main, ["build", "--quiet", str(inputs / "a.txt"), "--out", str(out)])
        assert result.exit_code == 0, result.stderr
        before = snapshot(out)
        result = CliRunner().invoke(main, ["build", "--quiet", str(big), "--out", str(out)])
        assert result.exit_code == OutputError.exit_code
        assert result.stderr.strip().splitlines()[-1].startswith(f"kg: error: cannot write the build to {out}: no space "
                                                                 "left on the device")
        assert "Traceback" not in result.stderr
        assert snapshot(out) == before and not leftovers(out)


def test_exports_read_only_file_system_is_one_line_and_keeps_the_previous_build(two_builds, tmp_path):
    inputs, _, _ = two_builds
    with tmpfs(tmp_path / "disk", "size=4M") as disk:
        out = disk / "out"
        assert CliRunner().invoke(main, ["build", "--quiet", str(inputs / "a.txt"), "--out", str(out)]).exit_code == 0
        before = snapshot(out)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        for target in (out, disk / "new"):
            result = CliRunner().invoke(main, ["build", "--quiet", str(inputs), "--out", str(target)])
            assert result.exit_code == OutputError.exit_code and "Traceback" not in result.stderr
            assert result.stderr.strip().startswith(f"kg: error: cannot write the build to {target}: read-only file system")
        assert snapshot(out) == before

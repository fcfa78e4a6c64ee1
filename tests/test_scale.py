"""The client side of a build at corpus scale, on synthetic extraction records (bench/synthetic.py):
records spilled to disk and streamed through resolution give the same bytes as records in memory,
and the client's peak memory does not grow with the number of documents."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

EXPORTS = ("kg.ttl", "kg.trig", "kg.nt", "kg.jsonld", "build.json")
# A build in a fresh interpreter, its peak RSS measured by the kernel. The sort's runs and the
# store's bulk-load slices are set small, so that both sizes below fill them (their memory is
# bounded by these constants at any size): what is left to grow is what grows with the corpus.
CHILD = """
import json, sys
from pathlib import Path
import kg.export
kg.export.RUN_SIZE = kg.export.STORE_SLICE = 50_000
from kg.pipeline import BuildSettings, build
corpus, out, spill = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
report = build(BuildSettings(inputs=(corpus,), out=out, html=False, progress=False, jobs=1, store=out / "store",
                             spill_after=None if spill == "none" else int(spill)))
# VmHWM: this process's own peak (ru_maxrss also counts the forking parent's memory, pytest's)
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"peak_mb": hwm / 1024, "cached": report.cached,
                  "documents": report.documents}))
"""


def _prefilled(folder: Path, n: int) -> tuple[Path, Path]:
    """A corpus of n synthetic documents and a build folder whose cache holds their extractions."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from synthetic import prefill
    finally:
        sys.path.remove(str(ROOT / "bench"))
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "out"
    return prefill(out, n, folder / "corpus.jsonl"), out


def _build(corpus: Path, out: Path, spill: str) -> dict:
    run = subprocess.run([sys.executable, "-c", CHILD, str(corpus), str(out), spill], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, Path]:
    return _prefilled(tmp_path_factory.mktemp("syn-500"), 500)


def test_scale_spilled_records_give_the_bytes_of_records_in_memory(small, tmp_path):
    import shutil

    from kg.pipeline import BuildSettings, build

    corpus, cached = small
    outs = {}
    for spill in (None, 0, 120):  # in memory; spilled from the start; spilled once 120 were read
        out = outs[spill] = tmp_path / f"spill-{spill}"
        shutil.copytree(cached / ".kg-cache", out / ".kg-cache")  # the same extractions
        report = build(BuildSettings(inputs=(corpus,), out=out, html=False, progress=False, jobs=1, spill_after=spill))
        assert report.cached == report.documents == 500
        assert not list((out / ".kg").glob("spill-*")), "the spill file is removed"
    for spill in (0, 120):
        for name in EXPORTS:
            assert (outs[spill] / name).read_bytes() == (outs[None] / name).read_bytes(), (spill, name)


@pytest.mark.slow
def test_scale_spilled_records_lower_the_client_peak(tmp_path):
    """5,000 synthetic documents (~1,000,000 quads, with the store): spilling the records from the start
    lowers the client's peak memory by more than the run-to-run noise (~45 MB seen on a busy machine).

    Memory is *not* flat in N yet: spilled, the peak still grows by ~40 KB a document between 500 and
    5,000 here (220 -> 417 MB; in memory 519 MB). The synthetic pools grow with N, so part of that is
    one entry per distinct actor and event, which resolution keeps by design; the rest is not yet
    analysed (bench/README.md, "Beyond one machine")."""
    import shutil

    corpus, cached = _prefilled(tmp_path / "syn-5000", 5000)
    peaks = {}
    for spill in ("0", "none"):
        out = tmp_path / f"build-{spill}"
        out.mkdir()
        shutil.copytree(cached / ".kg-cache", out / ".kg-cache")
        result = _build(corpus, out, spill)
        assert result["cached"] == result["documents"] == 5000
        peaks[spill] = result["peak_mb"]
    assert peaks["0"] < peaks["none"] - 50, peaks
    assert peaks["0"] < 600, peaks


def test_scale_rebuild_takes_unchanged_document_graphs_from_the_cache(small, tmp_path):
    """A rebuild writes the bytes of a clean build, making again only the graphs whose records changed."""
    import shutil

    from kg.pipeline import BuildSettings, build

    corpus, cached = small
    out = tmp_path / "incremental"
    shutil.copytree(cached / ".kg-cache", out / ".kg-cache")
    first = build(BuildSettings(inputs=(corpus,), out=out, html=False, progress=False, jobs=1))
    assert first.graphs_reused == 0
    fewer = tmp_path / "fewer.jsonl"  # 1 % of the documents gone
    lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    fewer.write_text("".join(lines[:-5]), encoding="utf-8")
    again = build(BuildSettings(inputs=(fewer,), out=out, html=False, progress=False, jobs=1))
    assert again.documents == 495 and again.graphs_reused >= 0.9 * 495, again.graphs_reused
    clean = tmp_path / "clean"
    shutil.copytree(cached / ".kg-cache", clean / ".kg-cache")
    (clean / ".kg-cache" / "graphs.sqlite").unlink(missing_ok=True)
    build(BuildSettings(inputs=(fewer,), out=clean, html=False, progress=False, jobs=1))
    for name in EXPORTS:
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name


@pytest.mark.parametrize("fmt", ["nq", "trig"])
def test_scale_split_shards_hold_the_graph_each_named_graph_in_one(small, tmp_path, fmt):
    import shutil

    import pyoxigraph as ox

    from kg.pipeline import BuildSettings, build
    from kg.rdf import ENTITIES_GRAPH

    corpus, cached = small
    out = tmp_path / "split"
    shutil.copytree(cached / ".kg-cache", out / ".kg-cache")
    report = build(BuildSettings(inputs=(corpus,), out=out, html=False, progress=False, jobs=1, split=4,
                                 split_format=fmt))
    shards = sorted((out / "shards").iterdir())
    assert [p.name for p in shards] == [f"kg-00{i}.{fmt}" for i in range(1, 5)]
    sizes = [p.stat().st_size for p in shards]
    graphs_of: dict[str, int] = {}
    quads = set()
    store = ox.Store()
    for i, shard in enumerate(shards):  # loaded one by one, as a store's parallel loader would
        for q in ox.parse(path=str(shard)):
            assert graphs_of.setdefault(q.graph_name.value, i) == i, "a named graph split across shards"
            quads.add(q)
        store.bulk_load(path=str(shard))
    assert quads == set(ox.parse(path=str(out / "kg.trig")))
    assert len(store) == report.quads == len(quads)
    # about the same size, but for the entities graph's shard (a graph is never cut: it can be the largest)
    entities = graphs_of[str(ENTITIES_GRAPH)]
    others = [size for i, size in enumerate(sizes) if i != entities]
    assert max(others) < 2 * min(others), sizes
    assert sizes[entities] <= max(others) or list(graphs_of.values()).count(entities) == 1, sizes


def test_scale_graph_blocks_keep_line_separators_inside_literals(tmp_path):
    """A document graph's block is split at "\\n" only: U+0085 and U+2028 stay inside their literal."""
    import pyoxigraph as ox

    from kg.pipeline import BuildSettings, build

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Kenyan President Amina Okafor met Norwegian Prime Minister Lena Berg in "
                                           "Oslo on Monday.\x85 \"We agree\u2028 on this,\" Okafor said.\n")
    report = build(BuildSettings(inputs=(tmp_path / "in",), out=tmp_path / "out", html=False, progress=False, jobs=1))
    assert len(set(ox.parse(path=str(tmp_path / "out" / "kg.trig")))) == report.quads
    assert any("\u2028" in t.object.value for t in ox.parse(path=str(tmp_path / "out" / "kg.nt"))
               if isinstance(t.object, ox.Literal))

"""kg beyond one machine: Dask against local workers, client memory in N, rebuilds after +1 %.

    .venv/bin/python bench/scale.py dask --size 1000              # local --jobs 2 vs a 2-worker Dask cluster
    .venv/bin/python bench/scale.py memory --sizes 1000 10000 100000 --modes spill memory
    .venv/bin/python bench/scale.py rebuild --sizes 1000 10000    # full build, then +1 % documents

* **dask**: the benchmark corpus (bench/corpus.py) of N documents built twice into fresh folders
  (no cache): ``kg build --jobs 2`` (kg's worker processes), then ``kg build --scheduler`` on a
  cluster of a ``dask scheduler`` and two ``dask worker --nthreads 1`` started here on 127.0.0.1
  beforehand (their start is not counted; their loading of the model is, in the build's extract
  stage, as the local workers' is). Throughput per worker process: documents / extract seconds / 2.
* **memory**: synthetic extraction records (bench/synthetic.py: no parsing) for N documents put in
  a build folder's extraction cache, then ``kg build`` of their JSONL (every extraction from the
  cache: resolution -> RDF -> exports and the store, ``--store`` at every size; no page),
  ``--spill-after 0`` (records on disk, streamed) or ``--spill-after`` above N (records in
  memory). Peak RSS of the build process (it is alone: no worker is started), and the time of
  each stage.
* **rebuild**: the benchmark corpus of N documents built (``--jobs 2``, fresh folder), then the
  same folder rebuilt with 1 % more documents (the cache holds the N): rebuild / full.

Every run is a child process measured by bench/run.py's ``measure`` (wall, CPU, peak memory).
Results: bench/scale-results.json (appended by each command) and a Markdown table on stdout.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import PY, machine, run_build  # noqa: E402

RESULTS = ROOT / "bench" / "scale-results.json"


def _corpus(n: int, path: Path, extra: int = 0) -> tuple[Path, Path | None]:
    """The first n articles of the benchmark corpus at ``path``, and ``extra`` more (pools sized for n + extra)."""
    from corpus import generate, write_jsonl

    records = list(generate(n + extra))
    write_jsonl(records[:n], path)
    if not extra:
        return path, None
    more = path.with_name(path.stem + "-more.jsonl")
    write_jsonl(records[n:], more)
    return path, more


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_dask(n: int, work: Path, dask_first: bool = False) -> dict:
    corpus, _ = _corpus(n, work / f"corpus-{n}.jsonl")
    result: dict = {"bench": "dask", "n": n, "dask_first": dask_first}
    if not dask_first:
        result["local"] = run_build([corpus], work / "local", 2, ("--no-cache",))
    dask = Path(PY).with_name("dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                               "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen([str(dask), "worker", address, "--nthreads", "1", "--no-nanny", "--host",
                                           "127.0.0.1", "--no-dashboard"], env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        result["dask"] = run_build([corpus], work / "dask", 2, ("--no-cache", "--scheduler", address))
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    if dask_first:
        result["local"] = run_build([corpus], work / "local", 2, ("--no-cache",))
    for engine in ("local", "dask"):
        r = result[engine]
        r["docs_per_s_per_worker"] = n / r["stages_s"].get("extract", float("nan")) / 2
    result["dask_over_local"] = result["dask"]["wall_s"] / result["local"]["wall_s"]
    same = all((work / "local" / f).read_bytes() == (work / "dask" / f).read_bytes()
               for f in ("kg.ttl", "kg.trig", "kg.nt", "kg.jsonld", "build.json"))
    result["same_bytes"] = same
    return result


def bench_memory(n: int, mode: str, work: Path) -> dict:
    from synthetic import prefill

    folder = work / f"syn-{n}"
    template = folder / "template"
    corpus = folder / "corpus.jsonl"
    if not corpus.exists():
        folder.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        prefill(template, n, corpus)
        print(f"  synthetic records for {n:,} documents: {time.perf_counter() - t:.0f} s", file=sys.stderr)
    out = folder / f"build-{mode}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    shutil.copytree(template / ".kg-cache", out / ".kg-cache")
    spill = "0" if mode == "spill" else str(n + 1)
    # the store at every size (a build of 2,000 documents or more writes one anyway)
    r = run_build([corpus], out, 1, ("--no-html", "--spill-after", spill, "--store", str(out / "store")))
    r.update({"bench": "memory", "n": n, "mode": mode})
    r["files_mb"] = sum(p.stat().st_size for p in (out / ".kg" / "current").rglob("*") if p.is_file()) / 2**20
    shutil.rmtree(out, ignore_errors=True)
    return r


def bench_rebuild(n: int, work: Path) -> dict:
    extra = max(1, n // 100)
    corpus, more = _corpus(n, work / f"corpus-{n}.jsonl", extra)
    out = work / f"rebuild-{n}"
    shutil.rmtree(out, ignore_errors=True)
    full = run_build([corpus], out, 2)
    again = run_build([corpus, more], out, 2)
    return {"bench": "rebuild", "n": n, "extra": extra, "full": full, "rebuild": again,
            "ratio": again["wall_s"] / full["wall_s"]}


def _save(result: dict) -> None:
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    result["machine"] = machine()
    result["when"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    results.append(result)
    RESULTS.write_text(json.dumps(results, indent=1, default=str) + "\n")


def _line(r: dict) -> str:
    s = r.get("stages_s", {})
    return (f"wall {r['wall_s']:.1f} s, CPU {r['cpu_s']:.1f} s, peak {r['max_process_rss_mb']:.0f} MB (process), "
            f"{r['peak_pss_mb']:.0f} MB (PSS, tree), load {r['load_before']:.1f}; stages "
            + ", ".join(f"{k} {v:.1f}" for k, v in s.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["dask", "memory", "rebuild"])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--modes", nargs="+", default=["spill", "memory"], choices=["spill", "memory"])
    parser.add_argument("--dask-first", action="store_true", help="dask: the Dask build first, then the local one")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="kg-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.what == "dask":
        r = bench_dask(args.size, work, args.dask_first)
        _save(r)
        print(f"| {args.size:,} | local --jobs 2 | {_line(r['local'])} | "
              f"{r['local']['docs_per_s_per_worker']:.2f} docs/s/worker |")
        print(f"| {args.size:,} | Dask, 2 workers | {_line(r['dask'])} | "
              f"{r['dask']['docs_per_s_per_worker']:.2f} docs/s/worker |")
        print(f"dask / local (wall): {r['dask_over_local']:.3f}; same bytes: {r['same_bytes']}")
    elif args.what == "memory":
        for n in args.sizes:
            for mode in args.modes:
                r = bench_memory(n, mode, work)
                _save(r)
                print(f"| {n:,} | {mode} | {_line(r)} | {r['counts']} |", flush=True)
    else:
        for n in args.sizes:
            r = bench_rebuild(n, work)
            _save(r)
            print(f"| {n:,} | full | {_line(r['full'])} |")
            print(f"| {n:,} | +{r['extra']} | {_line(r['rebuild'])} | {100 * r['ratio']:.1f} % |", flush=True)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""kg's build against the spaCy limit: throughput, memory, parallel speed-up, incremental rebuilds.

    make bench                                    # N = 100, 1,000, 10,000 (about an hour on 2 cores)
    .venv/bin/python bench/run.py --sizes 100 1000 --out /tmp/bench.json

For each N it writes a corpus (bench/corpus.py: N articles, plus 1 % more for the rebuild) and
times, on the same texts, one after the other:

  a. raw spaCy: ``nlp.pipe`` over the texts with kg's model (``kg.nlp.model.load``, the same
     components) and the same number of processes, doing nothing else;
  b. ``kg build`` end to end (fresh output folder, so no cache), in a separate process;
  c. the rebuild after adding 1 % new documents (``kg build`` of the N + the new ones into the
     same folder: the cache holds the N).

At ``--scaling-size`` (default 1,000) it also runs (a) and (b) with one process. Each run is
a child process; its wall time, CPU time (user + system, its children included) and peak
memory are measured from here: peak RSS is the largest sum of the resident memory of the
process and all its descendants, sampled every 0.5 s from /proc (Linux), both as RSS (a page
shared by forked workers counted in each) and as PSS (shared pages split: what the build
really holds), and the largest single process (``ru_maxrss``). The machine is described (CPU, cores, memory, load average before each
run: a shared machine skews wall times, CPU times much less).

Results: JSON (``--out``, default bench/results.json) and a Markdown table on stdout (and in
bench/results.md) from which bench/README.md's figures are copied.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PY = sys.executable
KG = [PY, "-m", "kg.cli"]
RAW_BATCH = 64  # spaCy's n_process sweet spot on this machine (/work/shared/measurements.md)
SAMPLE_S = 0.5  # memory sampling period: reading smaps_rollup costs CPU (~10 % of a core at 0.1 s)


# ---- measuring a child process ------------------------------------------------------------------------
def _tree_memory(root: int) -> tuple[int, int]:
    """(RSS, PSS) bytes summed over ``root`` and every descendant (Linux /proc).

    RSS counts a page shared by forked processes once per process; PSS splits it between them,
    so the PSS sum is what the build really holds.
    """
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    rss = pss = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
                for line in fh:
                    if line.startswith(b"Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith(b"Pss:"):
                        pss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return rss, pss


def measure(cmd: list[str], env: dict | None = None) -> dict:
    """Run ``cmd``; its wall and CPU seconds, peak tree RSS, max single-process RSS, stdout, stderr."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, env={**os.environ, **(env or {})})
        peak_rss = peak_pss = 0
        stop = threading.Event()

        def sample():
            nonlocal peak_rss, peak_pss
            while not stop.is_set():
                rss, pss = _tree_memory(proc.pid)
                peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
                stop.wait(SAMPLE_S)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_pss_mb": peak_pss / 2**20,
            "peak_rss_sum_mb": peak_rss / 2**20,
            "max_process_rss_mb": usage.ru_maxrss / 1024, "load_before": load, "stdout": stdout, "stderr": stderr}


# ---- (a) raw spaCy ---------------------------------------------------------------------------------------
def raw_spacy(corpus: Path, jobs: int, batch_size: int) -> None:
    """Child process: nlp.pipe over the corpus texts and nothing else; prints a JSON line."""
    from kg.nlp.model import load

    texts = [json.loads(line)["text"] for line in corpus.open(encoding="utf-8") if line.strip()]
    t0 = time.perf_counter()
    nlp = load(None)
    t1 = time.perf_counter()
    tokens = 0
    for doc in nlp.pipe(texts, n_process=jobs, batch_size=batch_size):
        tokens += len(doc)
    t2 = time.perf_counter()
    print(json.dumps({"docs": len(texts), "tokens": tokens, "load_s": t1 - t0, "pipe_s": t2 - t1,
                      "pipeline": nlp.pipe_names}))


def run_raw(corpus: Path, jobs: int) -> dict:
    m = measure([PY, str(Path(__file__).resolve()), "--raw-spacy", str(corpus), "--jobs", str(jobs)])
    m.update(json.loads(m.pop("stdout").strip().splitlines()[-1]))
    m.pop("stderr")
    return m


# ---- (b) kg build ------------------------------------------------------------------------------------------
_TIME = re.compile(r"(\w+) ([0-9.]+)s")


def run_build(inputs: list[Path], out: Path, jobs: int, extra: tuple[str, ...] = ()) -> dict:
    m = measure(KG + ["build", *map(str, inputs), "--out", str(out), "--jobs", str(jobs), *extra])
    text = m.pop("stdout")
    m["warnings"] = sum(1 for line in m.pop("stderr").splitlines() if line.startswith("kg: warning"))
    stage_line = next((line for line in text.splitlines() if line.strip().startswith("time:")), "")
    m["stages_s"] = {k: float(v) for k, v in _TIME.findall(stage_line)}
    counts = next((line for line in text.splitlines() if "actors:" in line), "")
    m["counts"] = counts.strip()
    cached = re.search(r"read (\d+) document\(s\).*?(\d+) from the cache", text)
    if cached:
        m["read_docs"], m["cached_docs"] = int(cached.group(1)), int(cached.group(2))
    m["summary"] = text.strip()
    return m


# ---- the benchmark -----------------------------------------------------------------------------------------
def machine() -> dict:
    cpu = ""
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                   "")
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal")))
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, StopIteration):
        pass
    from importlib.metadata import version

    from kg.nlp.model import model_name

    name = model_name(None)
    try:
        model = f"{name} {version(name.replace('_', '-'))}"
    except Exception:  # noqa: BLE001
        model = name
    return {"cpu": cpu or platform.processor(), "cores": len(os.sched_getaffinity(0)), "memory": mem,
            "os": platform.platform(), "python": platform.python_version(), "spacy": version("spacy"),
            "pyoxigraph": version("pyoxigraph"), "model": model,
            "date": time.strftime("%Y-%m-%d %H:%M")}


def bench_size(n: int, jobs: int, work: Path, scaling: bool, log) -> dict:
    from corpus import default_sizes, generate, write_jsonl

    people, countries, events = default_sizes(n)
    folder = work / f"n{n}"
    folder.mkdir(parents=True, exist_ok=True)
    base, new = folder / "base.jsonl", folder / "new.jsonl"
    extra = max(1, n // 100)
    write_jsonl(generate(n, people, countries, events), base)
    write_jsonl(generate(n + extra, people, countries, events, start=n), new)
    result: dict = {"n": n, "new_docs": extra, "pools": {"people": people, "countries": countries, "events": events},
                    "jobs": jobs}

    log(f"N={n}: (a) raw spaCy, {jobs} process(es)")
    a = result["raw_spacy"] = run_raw(base, jobs)
    log(f"  {a['wall_s']:.1f}s wall, {a['tokens']} tokens")
    out = folder / "out"
    log(f"N={n}: (b) kg build --jobs {jobs}")
    b = result["kg_build"] = run_build([base], out, jobs)
    log(f"  {b['wall_s']:.1f}s wall; {b['stages_s']}")
    log(f"N={n}: (c) rebuild with {extra} new document(s)")
    c = result["rebuild"] = run_build([base, new], out, jobs)
    log(f"  {c['wall_s']:.1f}s wall; {c['stages_s']}")
    if scaling:
        log(f"N={n}: (a) raw spaCy, 1 process")
        result["raw_spacy_1"] = run_raw(base, 1)
        log(f"N={n}: (b) kg build --jobs 1")
        result["kg_build_1"] = run_build([base], folder / "out1", 1)
        log(f"  {result['kg_build_1']['wall_s']:.1f}s wall")
    _derive(result)
    return result


def scaling_only(n: int, repeats: int, work: Path, log) -> dict:
    """`kg build --jobs 1` and `--jobs 2` (and raw spaCy with 1 and 2 processes), alternately, ``repeats`` times."""
    from corpus import default_sizes, generate, write_jsonl

    folder = work / f"scaling-n{n}"
    folder.mkdir(parents=True, exist_ok=True)
    base = folder / "base.jsonl"
    write_jsonl(generate(n, *default_sizes(n)), base)
    runs: dict[str, list[float]] = {"kg_1": [], "kg_2": [], "raw_1": [], "raw_2": []}
    for i in range(repeats):
        for jobs in (1, 2):
            log(f"scaling N={n} round {i + 1}: raw spaCy {jobs}, kg build --jobs {jobs}")
            runs[f"raw_{jobs}"].append(run_raw(base, jobs)["wall_s"])
            runs[f"kg_{jobs}"].append(run_build([base], folder / f"out-{i}-{jobs}", jobs)["wall_s"])
    med = {k: sorted(v)[len(v) // 2] for k, v in runs.items()}
    return {"n": n, "runs": runs, "median": med, "kg_speedup": med["kg_1"] / med["kg_2"],
            "raw_speedup": med["raw_1"] / med["raw_2"]}


def _derive(r: dict) -> None:
    a, b, c = r["raw_spacy"], r["kg_build"], r["rebuild"]
    docs, tokens = a["docs"], a["tokens"]
    r["raw_docs_per_s"] = docs / a["wall_s"]
    r["raw_tokens_per_s"] = tokens / a["wall_s"]
    r["raw_pipe_tokens_per_s"] = tokens / a["pipe_s"]
    r["kg_docs_per_s"] = docs / b["wall_s"]
    r["kg_tokens_per_s"] = tokens / b["wall_s"]
    r["ratio_b_over_a"] = r["kg_docs_per_s"] / r["raw_docs_per_s"]  # throughput ratio = a's time / b's time
    r["ratio_cpu"] = a["cpu_s"] / b["cpu_s"]
    r["rebuild_fraction"] = c["wall_s"] / b["wall_s"]
    if "kg_build_1" in r:
        r["kg_speedup_2_over_1"] = r["kg_build_1"]["wall_s"] / b["wall_s"]
        r["raw_speedup_2_over_1"] = r["raw_spacy_1"]["wall_s"] / a["wall_s"]


def table(results: list[dict], info: dict) -> str:
    lines = [f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory']}; {info['os']}; Python "
             f"{info['python']}, spaCy {info['spacy']}, {info['model']}, pyoxigraph {info['pyoxigraph']}; "
             f"{info['date']}", "",
             "| N | tokens | raw spaCy docs/s | raw tokens/s | kg docs/s | kg tokens/s | b/a (wall) | b/a (CPU) "
             "| peak mem raw | peak mem kg | rebuild +1 % | rebuild / full | load avg |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        a, b, c = r["raw_spacy"], r["kg_build"], r["rebuild"]
        lines.append(f"| {r['n']:,} | {a['tokens']:,} | {r['raw_docs_per_s']:.1f} | {r['raw_tokens_per_s']:,.0f} | "
                     f"{r['kg_docs_per_s']:.1f} | {r['kg_tokens_per_s']:,.0f} | {r['ratio_b_over_a']:.2f} | "
                     f"{r['ratio_cpu']:.2f} | {a['peak_pss_mb']:,.0f} MB | {b['peak_pss_mb']:,.0f} MB | "
                     f"{c['wall_s']:.1f} s | {r['rebuild_fraction']:.1%} | "
                     f"{a['load_before']:.1f} / {b['load_before']:.1f} |")
    lines += ["", "Stages of `kg build` (seconds):", ""]
    for r in results:
        lines.append(f"- N={r['n']:,}: full {r['kg_build']['wall_s']:.1f} s wall, {r['kg_build']['stages_s']}; "
                     f"rebuild {r['rebuild']['stages_s']}")
    for r in results:
        if "kg_speedup_2_over_1" in r:
            lines.append(f"\nAt N={r['n']:,}: `--jobs 2` vs `--jobs 1`: kg {r['kg_speedup_2_over_1']:.2f}x "
                         f"({r['kg_build_1']['wall_s']:.1f} s -> {r['kg_build']['wall_s']:.1f} s); raw spaCy "
                         f"n_process 2 vs 1: {r['raw_speedup_2_over_1']:.2f}x")
    sizes = {r["n"]: r for r in results}
    if 1000 in sizes and 10000 in sizes:
        drop = 1 - sizes[10000]["kg_docs_per_s"] / sizes[1000]["kg_docs_per_s"]
        lines.append(f"\nThroughput at 10,000 vs 1,000 documents: {-drop:+.1%}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--jobs", type=int, default=None, help="processes (default: the cores available)")
    ap.add_argument("--scaling-size", type=int, default=1000, help="N at which --jobs 1 is also timed (0: never)")
    ap.add_argument("--work", type=Path, default=None, help="folder for corpora and builds (default: a temp dir)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    ap.add_argument("--scaling-only", action="store_true",
                    help="only --jobs 1 vs 2 at --scaling-size, alternately, --repeat times (medians)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--raw-spacy", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--batch-size", type=int, default=RAW_BATCH, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    jobs = args.jobs or len(os.sched_getaffinity(0))
    if args.raw_spacy is not None:
        raw_spacy(args.raw_spacy, jobs, args.batch_size)
        return 0

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    info = machine()
    work = args.work or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    if args.scaling_only:
        result = scaling_only(args.scaling_size, args.repeat, work, log)
        args.out.write_text(json.dumps({"machine": info, "scaling": result}, indent=2) + "\n")
        print(json.dumps(result, indent=2))
        return 0
    results = []
    for n in args.sizes:
        results.append(bench_size(n, jobs, work, n == args.scaling_size, log))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"machine": info, "results": results}, indent=2) + "\n")
    text = table(results, info)
    args.out.with_suffix(".md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""kg build on a real Dask cluster on this machine's loopback: a `dask scheduler` and two `dask worker`
processes (one thread each), started for this module. The Dask build must write the same bytes
as a local build, survive a worker killed in the middle, and fail in one line when the scheduler
cannot be reached."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

pytest.importorskip("distributed")

pytestmark = pytest.mark.slow
EXPORTS = ("kg.ttl", "kg.trig", "kg.nt", "kg.jsonld", "build.json", "graph.html")
DASK = Path(sys.executable).with_name("dask")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A scheduler and its workers, as processes of their own."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.procs: list[subprocess.Popen] = []
        self.scheduler = self._start("scheduler", [str(DASK), "scheduler", "--host", "127.0.0.1", "--port",
                                                   self.address.rsplit(":", 1)[1], "--no-dashboard"])
        self.workers = [self.add_worker() for _ in range(2)]

    def _start(self, name: str, cmd: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}-{len(self.procs)}.log", "wb")  # noqa: SIM115 - the process writes it
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=self.folder)
        self.procs.append(proc)
        return proc

    def add_worker(self) -> subprocess.Popen:
        return self._start("worker", [str(DASK), "worker", self.address, "--nthreads", "1", "--no-nanny",
                                      "--host", "127.0.0.1", "--no-dashboard", "--memory-limit", "0"])

    def client(self):
        from distributed import Client

        return Client(self.address, timeout=30, set_as_default=False)

    def wait_for(self, n: int) -> None:
        with self.client() as client:
            client.wait_for_workers(n, timeout=60)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        c.wait_for(2)
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The seeds and 30 articles of the benchmark's corpus generator."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from corpus import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    path = tmp_path_factory.mktemp("corpus") / "articles.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in generate(30, seed=3)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def local_build(corpus, tmp_path_factory) -> Path:
    from kg.pipeline import BuildSettings, build

    out = tmp_path_factory.mktemp("local")
    build(BuildSettings(inputs=(SEEDS, corpus), out=out, jobs=1, progress=False, cache=False))
    return out


def _same(a: Path, b: Path) -> None:
    for name in EXPORTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_distributed_build_on_a_cluster_writes_the_bytes_of_a_local_build(cluster, corpus, local_build, tmp_path):
    from kg.pipeline import BuildSettings, build

    out = tmp_path / "dask"
    report = build(BuildSettings(inputs=(SEEDS, corpus), out=out, scheduler=cluster.address, progress=False))
    assert report.jobs == 2 and report.cached == 0 and report.documents == 32
    _same(out, local_build)
    # a second build consults the cache first: nothing is sent to the cluster
    again = build(BuildSettings(inputs=(SEEDS, corpus), out=out, scheduler=cluster.address, progress=False))
    assert again.cached == 32 and again.jobs == 0
    _same(out, local_build)


def test_distributed_unreachable_scheduler_is_one_line_and_leaves_the_build(local_build, corpus, tmp_path):
    import shutil

    out = tmp_path / "kept"
    shutil.copytree(local_build, out, symlinks=True)
    before = {name: (out / name).read_bytes() for name in EXPORTS}
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    run = subprocess.run([sys.executable, "-m", "kg.cli", "build", str(SEEDS), str(corpus), "--out", str(out),
                          "--no-cache", "--scheduler", f"tcp://127.0.0.1:{_free_port()}"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: error: cannot reach the Dask scheduler at tcp://127.0.0.1:"), \
        run.stderr
    assert {name: (out / name).read_bytes() for name in EXPORTS} == before


def test_distributed_worker_killed_mid_build_finishes_identical(cluster, corpus, local_build, tmp_path):
    """It leaves the cluster with one worker: the tests after it start their own."""
    from kg.pipeline import BuildSettings, build

    killed: list[str] = []
    stop = threading.Event()

    def kill_a_busy_worker() -> None:
        with cluster.client() as client:
            pids = client.run(os.getpid)
            while not stop.is_set() and not killed:
                busy = [addr for addr, keys in client.processing().items()
                        if any(str(k).startswith("kg-read-") for k in keys)]
                if busy:
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    killed.append(busy[0])
                    return
                time.sleep(0.02)

    watcher = threading.Thread(target=kill_a_busy_worker, daemon=True)
    watcher.start()
    out = tmp_path / "dask-killed"
    try:
        build(BuildSettings(inputs=(SEEDS, corpus), out=out, scheduler=cluster.address, progress=False, cache=False))
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert killed, "no worker was busy during the build"
    _same(out, local_build)


def test_distributed_engine_dask_without_scheduler_starts_a_local_cluster(seed_build, tmp_path):
    from kg.pipeline import BuildSettings, build

    out = tmp_path / "local-cluster"
    report = build(BuildSettings(inputs=(SEEDS,), out=out, engine="dask", jobs=1, progress=False, cache=False))
    assert report.jobs == 1
    _same(out, seed_build)

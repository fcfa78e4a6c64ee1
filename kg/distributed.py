"""Reading documents on a Dask cluster (``dask.distributed``): ``kg build --scheduler`` / ``--engine dask``.

``read_batches`` is the Dask counterpart of ``kg.parallel.read_batches``: it connects to a
running scheduler (``scheduler="tcp://host:8786"``) or starts a ``LocalCluster`` of ``workers``
single-threaded worker processes on this machine, and gives back each batch's outcomes as soon
as that batch is read (in the order they complete: the caller assembles them by document id,
so what it writes does not depend on which worker was faster).

* Each worker loads the spaCy model once, when the build registers its worker plugin
  (``ModelPlugin``); a worker that joins later loads it as it starts.
* The documents are shipped from the client with their batch, so the workers need not see the
  input paths (only kg and the model must be installed there, at the same version: a worker
  whose kg differs refuses to read and the build stops with one line saying so).
* At most ``IN_FLIGHT_PER_THREAD`` batches per worker thread are given out at once, so the
  client and the scheduler never hold more than that many batches of text.
* Fault tolerance is the engine's: the tasks of a worker that dies are rerun on the others. A
  batch whose workers died ``distributed.scheduler.allowed-failures`` times (a document that
  kills whoever reads it) is split into single documents, and a document that still kills its
  worker is reported as skipped. (``--doc-timeout`` and ``--doc-memory`` are the local
  engine's; on a cluster, the workers' own ``--memory-limit`` applies.)
* A batch is shown in Dask's logs and dashboard as ``<N documents>``: its text never is.

An unreachable scheduler, or one with no workers, is one ``BuildError`` line. How long to try is
Dask's setting ``distributed.comm.timeouts.connect`` (e.g. ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``).
"""
from __future__ import annotations

import contextlib
import functools
import logging
import uuid
from collections import deque
from collections.abc import Iterable, Iterator, Sequence

from kg.errors import BuildError, KgError, ModelError
from kg.models import Document
from kg.parallel import Extractor, Outcome

IN_FLIGHT_PER_THREAD = 3  # batches given out but not yet returned, per worker thread
WORKERS_TIMEOUT = 60.0  # seconds to wait for a scheduler's first worker


class Batch:
    """Documents sent together to a worker; its repr (what Dask logs and shows) names no text."""

    __slots__ = ("docs",)

    def __init__(self, docs: Sequence[Document]):
        self.docs = list(docs)

    def __repr__(self) -> str:
        return f"<{len(self.docs)} documents>"

    def __getstate__(self):
        return self.docs

    def __setstate__(self, state) -> None:
        self.docs = state


@functools.lru_cache(maxsize=1)
def _fingerprint() -> str:
    from kg.cache import code_fingerprint

    return code_fingerprint()


try:
    from distributed import WorkerPlugin as _WorkerPlugin
except ImportError:  # no Dask: only the local engine
    _WorkerPlugin = object  # type: ignore[assignment,misc]


class ModelPlugin(_WorkerPlugin):
    """Loads the model (and what kg loads on first use) once in each worker."""

    def __init__(self, model: str | None, extractor: Extractor | None):
        self.model, self.extractor = model, extractor
        self.name = f"kg-model-{model}"

    def setup(self, worker) -> None:
        import gc

        from kg.parallel import _load_here, _warm_up

        gc.enable()
        _warm_up(_load_here(self.model), self.extractor)


def read_on_worker(batch: Batch, model: str | None, extractor: Extractor | None, fingerprint: str) -> list[Outcome]:
    """The task: read a batch with the worker's model (loaded by the plugin, or here on first use)."""
    from kg.parallel import _load_here, read_batch

    if fingerprint != _fingerprint():
        import socket

        from kg import __version__

        raise BuildError(f"the Dask worker on {socket.gethostname()} runs another kg (kg {__version__}, different "
                         "extraction code): install the same kg on the workers as on the client")
    return read_batch(batch.docs, _load_here(model), extractor)


def dask_available() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


@contextlib.contextmanager
def connect(scheduler: str | None, workers: int):
    """A Client of the scheduler at ``scheduler``, or of a new LocalCluster of ``workers`` processes."""
    if not dask_available():
        raise BuildError("the Dask engine needs dask and distributed: pip install 'kg[dask]' (or use the default "
                         "local engine)")
    from distributed import Client, LocalCluster

    quiet = _quiet_logs()
    with contextlib.ExitStack() as stack:
        stack.enter_context(quiet)
        if scheduler is None:
            cluster = stack.enter_context(LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                                                       processes=True, host="127.0.0.1", dashboard_address=":0",
                                                       silence_logs=logging.ERROR))
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = Client(scheduler, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                raise BuildError(f"cannot reach the Dask scheduler at {scheduler} ({_short(exc)}); is `dask scheduler` "
                                 "running there? Nothing was written.") from None
            stack.callback(client.close)
            try:
                client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                raise BuildError(f"the Dask scheduler at {scheduler} has no workers ({_short(exc)}); start some with "
                                 f"`dask worker {scheduler}`. Nothing was written.") from None
        yield client


@contextlib.contextmanager
def _quiet_logs():
    """Dask's own log lines (a worker lost, a connection retried) stay below ERROR during a build:
    kg reports what matters in one line, and the cluster's logs have the rest."""
    loggers = [logging.getLogger(n) for n in ("distributed", "distributed.client", "distributed.worker",
                                              "distributed.scheduler", "distributed.nanny", "distributed.core",
                                              "distributed.comm", "distributed.batched")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def threads(client) -> int:
    """Worker threads on the cluster now (each reads one batch at a time)."""
    return max(1, sum(client.nthreads().values()))


def read_batches(batches: Iterable[list[Document]], client, *, model: str | None,
                 extractor: Extractor | None = None) -> Iterator[list[Outcome]]:
    """The outcomes of each batch, as the batches complete on ``client``'s cluster (see the module's docstring)."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    try:
        client.register_plugin(ModelPlugin(model, extractor))
    except KgError:
        raise
    except Exception as exc:  # noqa: BLE001 - a worker that cannot load the model
        raise ModelError(f"the Dask workers cannot load the spaCy model {model!r}: {_short(exc)}") from None
    fingerprint = _fingerprint()
    build = uuid.uuid4().hex[:8]
    source = iter(batches)  # taken as needed: a corpus on disk is not loaded at once
    queue: deque[list[Document]] = deque()  # batches to give again (one document at a time)
    limit = threads(client) * IN_FLIGHT_PER_THREAD
    running = as_completed(loop=client.loop)
    given: dict[str, tuple[object, list[Document]]] = {}  # key -> (future, its documents)
    number = 0

    def submit() -> None:
        nonlocal number
        while len(given) < limit:
            docs = queue.popleft() if queue else next(source, None)
            if docs is None:
                return
            number += 1
            future = client.submit(read_on_worker, Batch(docs), model, extractor, fingerprint,
                                   key=f"kg-read-{build}-{number}", pure=False)
            given[future.key] = (future, docs)
            running.add(future)

    submit()
    try:
        for future in running:
            docs = given.pop(future.key)[1]
            try:
                outcomes = future.result()
            except KgError:
                raise
            except KilledWorker:
                if len(docs) > 1:  # one of them kills whoever reads it: find which, alone
                    queue.extendleft([d] for d in reversed(docs))
                else:
                    outcomes = [Outcome(docs[0].id, None, "the Dask workers reading it died (each time it was tried)",
                                        over_budget=True)]
                    yield outcomes
                submit()
                continue
            except Exception as exc:  # noqa: BLE001 - the scheduler lost, the build cancelled
                raise BuildError(f"the Dask cluster failed during the build ({type(exc).__name__}: {_short(exc)}); "
                                 "nothing was written (what was read is cached: rerun to go on)") from None
            finally:
                future.release()
            submit()
            yield outcomes
    finally:
        if given:
            with contextlib.suppress(Exception):
                client.cancel([f for f, _ in given.values()])

"""Parsing and reading documents, in worker processes that a budget watches.

``read_document`` parses and reads one document; ``read_batch`` a batch of them (short documents
are parsed together with ``nlp.pipe``, long ones alone). A document whose reading raises is
returned as a failure with the error; the others go on.

``read_batches`` hands batches to ``jobs`` worker processes, each with the model loaded once,
and gives back each batch's outcomes in the order the batches were given, so what the caller
assembles does not depend on which worker was faster. It keeps a ``Budget``: a worker that
spends longer than ``seconds`` on one document, or whose memory grows by more than
``memory_mb`` while reading it, is killed and replaced; that document is reported as skipped
(after one retry in a fresh worker, for memory, since a worker's memory also holds what earlier
documents left), and the rest of its batch is read by the replacement. A worker that dies on
its own is handled the same way. With one job and no budget, documents are read in this process.

    for outcomes in read_batches(batches, model="en_core_web_sm", jobs=2, budget=Budget(seconds=120)):
        ...
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, cast

from kg.errors import BuildError
from kg.models import Document, Extraction

# A parsed document -> its extraction; kg.extract.extract unless the caller gives another
# (a module-level function, so that worker processes can import it by name).
Extractor = Callable[[Document, object], Extraction]
# 'fork' starts a worker in ~0.05 s and shares kg's imports; 'spawn' is the portable choice.
START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() and sys.platform == "linux" else "spawn"
IN_FLIGHT_PER_JOB = 3  # batches given out but not yet returned, per worker: enough to keep it busy, few enough to bound memory
ALONE_CHARS = 20_000  # documents longer than this are parsed on their own, so that a budget names the one at fault
WATCH_SECONDS = 0.1  # how often the watchdog looks at the workers' clocks and memory
MAX_WORKER_STARTS = 20  # workers that died before reading anything, per build, before giving up


@dataclass(frozen=True)
class Budget:
    """What reading one document may cost; ``None`` or 0: no limit."""

    seconds: float | None = 120.0  # wall time for one document (or one group of short ones parsed together)
    memory_mb: int | None = 2000  # growth of the reading process's resident memory while reading it

    def __bool__(self) -> bool:
        return bool(self.seconds) or bool(self.memory_mb)


@dataclass(frozen=True)
class Outcome:
    """What reading one document gave: an extraction (without its Document) or an error."""

    doc_id: str
    extraction: Extraction | None
    error: str | None = None
    over_budget: bool = False  # skipped by the budget (too slow, too big), not failed


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def read_document(doc: Document, nlp, extractor: Extractor | None = None, parsed=None) -> Outcome:
    """Parse ``doc`` (unless ``parsed`` is given) and read it; an exception becomes the outcome's error."""
    from kg.nlp.model import parse

    if extractor is None:
        from kg.extract import extract

        extractor = cast(Extractor, extract)  # it takes an optional lexicon too
    try:
        x = extractor(doc, parsed if parsed is not None else parse(nlp, doc.text))
        if not isinstance(x, Extraction):
            raise TypeError(f"the extractor returned {type(x).__name__}, not an Extraction")
        return Outcome(doc.id, dataclasses.replace(x, document=None))  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the others
        return Outcome(doc.id, None, _describe(exc))


def read_batch(docs: Sequence[Document], nlp, extractor: Extractor | None = None,
               on_step: Callable[[list[str]], None] | None = None) -> list[Outcome]:
    """Parse and read a batch; one document's failure does not touch the others."""
    return list(_read(docs, nlp, extractor, on_step or (lambda ids: None)))


def _read(docs: Sequence[Document], nlp, extractor: Extractor | None,
          on_step: Callable[[list[str]], None]) -> Iterator[Outcome]:
    """The outcome of each document, in order. ``on_step(ids)`` is called as each step starts: the
    parse of the short documents together, then each document (its parse if long, and its reading)."""
    short = [d for d in docs if len(d.text) <= ALONE_CHARS]
    parsed: dict[str, Any] = {}
    if len(short) > 1:
        on_step([d.id for d in short])
        try:
            parsed = dict(zip((d.id for d in short), nlp.pipe([d.text for d in short], batch_size=len(short))))
        except Exception:  # noqa: BLE001 - a batch spaCy cannot parse: each document is parsed alone below
            parsed = {}
    for doc in docs:
        on_step([doc.id])
        yield read_document(doc, nlp, extractor, parsed.pop(doc.id, None))


def _describe(exc: BaseException) -> str:
    """'TypeError: message (at kg/extract.py:123)': the error and the last line of kg it went through."""
    where = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        parts = frame.filename.replace("\\", "/").split("/")
        if "kg" in parts:
            where = f" (at {'/'.join(parts[parts.index('kg'):])}:{frame.lineno})"
            break
    return f"{type(exc).__name__}: {exc}{where}"


@functools.lru_cache(maxsize=1)
def _load_here(model: str | None):
    """The model for reading in this process, kept for the next build (tests, notebooks)."""
    from kg.nlp import model as models

    return models.load(model)


def read_batches(batches: Iterable[list[Document]], *, model: str | None, jobs: int,
                 extractor: Extractor | None = None, budget: Budget = Budget()) -> Iterator[list[Outcome]]:
    """The outcomes of each batch, in the order of ``batches``, read by ``jobs`` worker processes
    under ``budget`` (in this process when ``jobs`` is 1 and there is no budget)."""
    if jobs <= 1 and not budget:
        nlp = _load_here(model)
        for batch in batches:
            yield read_batch(batch, nlp, extractor)
        return
    if jobs <= 1 and START_METHOD == "fork":  # loaded once here, the worker (and any replacement) is forked with it
        _warm_up(_load_here(model), extractor)
    yield from _Pool(model, max(1, jobs), extractor, budget).run(batches)


WARM_UP = Document(id="warm-up", text="Kenyan President Amina Okafor met Norwegian Prime Minister Lena Berg in Oslo "
                                        "on Monday, the ministry said.")


@functools.lru_cache(maxsize=4)
def _warm_up(nlp, extractor: Extractor | None) -> None:
    """Read one short text, so that what the model and kg load on first use is not charged to a budget."""
    read_document(WARM_UP, nlp, extractor)


# ---- worker processes ------------------------------------------------------------------------------
def _resident_bytes(pid: int | str = "self") -> int | None:
    """Resident memory of a process (Linux); None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _worker_main(conn, model: str | None, extractor: Extractor | None) -> None:
    """A worker: load the model, then read the batches it is sent, reporting each step and outcome."""
    import gc

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops its workers
    gc.enable()  # the parent may have paused it (kg.pipeline)
    try:
        from kg.nlp import model as models

        nlp = models.load(model)
        _warm_up(nlp, extractor)
    except Exception as exc:  # noqa: BLE001 - given back to the parent, which raises it
        conn.send(("error", exc))
        return
    conn.send(("ready",))
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        number, docs = task
        for outcome in _read(docs, nlp, extractor, lambda ids: conn.send(("step", ids, _resident_bytes()))):
            conn.send(("outcome", outcome))
        conn.send(("done", number))


@dataclass
class _Task:
    number: int  # the batch it belongs to
    docs: list[Document]


class _Worker:
    """One worker process, what it is reading, and since when."""

    def __init__(self, context, model: str | None, extractor: Extractor | None):
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker_main, args=(child, model, extractor), daemon=True)
        self.process.start()
        child.close()
        self.task: _Task | None = None
        self.done_ids: set[str] = set()
        self.step: list[str] | None = None
        self.step_started = 0.0
        self.step_memory: int | None = None
        self.ready = False

    def give(self, task: _Task) -> None:
        self.task, self.done_ids, self.step = task, set(), None
        self.conn.send((task.number, task.docs))

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self) -> None:
        if self.task is None:  # idle: let it finish on its own
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
            self.process.join(timeout=5)
        self.kill()


class _Pool:
    """Worker processes under a budget; see the module's docstring."""

    def __init__(self, model: str | None, jobs: int, extractor: Extractor | None, budget: Budget):
        self.model, self.jobs, self.extractor, self.budget = model, jobs, extractor, budget
        self.context = multiprocessing.get_context(START_METHOD)
        self.workers: list[_Worker] = []
        self.queue: deque[_Task] = deque()
        self.results: dict[int, dict[str, Outcome]] = {}  # batch number -> outcomes so far
        self.order: dict[int, list[str]] = {}  # batch number -> its document ids, in order
        self.retried: set[str] = set()
        self.starts = 0

    def run(self, batches: Iterable[list[Document]]) -> Iterator[list[Outcome]]:
        todo = iter(batches)
        given = next_out = 0
        exhausted = False
        try:
            while True:
                while not exhausted and given - next_out < self.jobs * IN_FLIGHT_PER_JOB:
                    batch = next(todo, None)
                    if batch is None:
                        exhausted = True
                        break
                    self.order[given], self.results[given] = [d.id for d in batch], {}
                    self.queue.append(_Task(given, list(batch)))
                    given += 1
                while next_out in self.order and len(self.results[next_out]) == len(self.order[next_out]):
                    outcomes = self.results.pop(next_out)
                    yield [outcomes[i] for i in self.order.pop(next_out)]
                    next_out += 1
                if exhausted and next_out == given:
                    return
                self._dispatch()
                self._watch()
        finally:
            for worker in self.workers:
                worker.stop()

    def _dispatch(self) -> None:
        for worker in self.workers:
            if worker.task is None and worker.ready and self.queue:
                worker.give(self.queue.popleft())
        while self.queue and len(self.workers) < self.jobs:
            if self.starts >= MAX_WORKER_STARTS:
                raise BuildError(f"{self.starts} worker processes died before reading anything; rerun with "
                                 "--jobs 1 and report it")
            self.starts += 1
            self.workers.append(_Worker(self.context, self.model, self.extractor))

    def _watch(self) -> None:
        """Take in what the workers say for up to WATCH_SECONDS; stop those over budget or dead."""
        by_conn = {w.conn: w for w in self.workers}
        by_sentinel = {w.process.sentinel: w for w in self.workers}
        for ready in wait(list(by_conn) + list(by_sentinel), timeout=WATCH_SECONDS):
            worker = by_conn.get(ready) or by_sentinel[ready]
            if worker not in self.workers:
                continue
            try:
                while worker.conn.poll():
                    self._hear(worker, worker.conn.recv())
            except (EOFError, OSError):
                self._lost(worker, None)
                continue
            if not worker.process.is_alive() and worker in self.workers:
                self._lost(worker, None)
        now = time.monotonic()
        for worker in list(self.workers):
            if worker.task is None or worker.step is None:
                continue
            if self.budget.seconds and now - worker.step_started > self.budget.seconds:
                self._lost(worker, f"took longer than {self.budget.seconds:g} s (--doc-timeout)", retry=False)
                continue
            if self.budget.memory_mb and worker.step_memory is not None:
                rss = _resident_bytes(worker.process.pid)
                if rss is not None and rss - worker.step_memory > self.budget.memory_mb * 2**20:
                    self._lost(worker, f"needed more than {self.budget.memory_mb:,} MB of memory (--doc-memory)")

    def _hear(self, worker: _Worker, message: tuple) -> None:
        kind = message[0]
        if kind == "ready":
            worker.ready = True
            self.starts = 0
        elif kind == "step":
            worker.step, worker.step_memory, worker.step_started = message[1], message[2], time.monotonic()
        elif kind == "outcome":
            outcome = message[1]
            assert worker.task is not None
            self.results[worker.task.number][outcome.doc_id] = outcome
            worker.done_ids.add(outcome.doc_id)
        elif kind == "done":
            worker.task, worker.step = None, None
        elif kind == "error":
            raise message[1]

    def _lost(self, worker: _Worker, reason: str | None, retry: bool = True) -> None:
        """A worker killed for ``reason`` (None: it died): blame its step, give the rest of its task back.

        A document blamed alone is reported, unless ``retry`` and it has not been retried yet."""
        worker.kill()
        self.workers.remove(worker)
        task = worker.task
        if task is None:
            return
        rest = [d for d in task.docs if d.id not in worker.done_ids]
        # the step it was in; between steps (or after its last outcome), the next document takes the blame
        step = [i for i in worker.step or [] if i not in worker.done_ids] or [d.id for d in rest[:1]]
        if reason is None:
            code = worker.process.exitcode
            reason = (f"the process reading it was killed by signal {-code}" if code is not None and code < 0
                      else f"the process reading it stopped (exit code {code})")
        if len(step) == 1 and (not retry or step[0] in self.retried):
            self.results[task.number][step[0]] = Outcome(step[0], None, reason, over_budget=True)
            rest = [d for d in rest if d.id != step[0]]
        elif len(step) == 1:
            self.retried.add(step[0])  # once more, in a fresh worker: the memory may not have been its own
        others = [d for d in rest if d.id not in step]
        if others:
            self.queue.appendleft(_Task(task.number, others))
        for doc in reversed(rest):
            if doc.id in step:  # the step's documents alone, so that the one at fault is found
                self.queue.appendleft(_Task(task.number, [doc]))


# ---- the end of a build: independent steps side by side ---------------------------------------------
class Background:
    """``fn(*args)`` in a thread (for work that releases the GIL) or a process; ``result()`` waits.

    In a process, the function must be module-level; its return value or exception comes back
    through a pipe. ``inline=True`` runs it at once in the caller (builds with --jobs 1).
    """

    def __init__(self, fn, *args, process: bool = False, inline: bool = False):
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread: Any = None  # threading.Thread
        self._proc: Any = None  # multiprocessing.Process of the start method's context
        self._conn: Any = None  # its end of the pipe
        if inline:
            try:
                self._value = fn(*args)
            except BaseException as exc:  # noqa: BLE001 - re-raised by result()
                self._error = exc
        elif process:
            context = multiprocessing.get_context(START_METHOD)
            self._conn, child = context.Pipe(duplex=False)
            self._proc = context.Process(target=_run_child, args=(child, fn, args), daemon=True)  # type: ignore[attr-defined]
            self._proc.start()
            child.close()
        else:
            import threading

            self._thread = threading.Thread(target=self._run_thread, args=(fn, args), daemon=True)
            self._thread.start()

    def _run_thread(self, fn, args) -> None:
        try:
            self._value = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised by result()
            self._error = exc

    def result(self):
        if self._thread is not None:
            self._thread.join()
        elif self._proc is not None:
            try:
                ok, payload = self._conn.recv()
            except EOFError:
                ok, payload = False, RuntimeError(f"the worker process died (exit code {self._proc.exitcode})")
            self._proc.join()
            self._conn.close()
            self._proc = None
            if ok:
                self._value = payload
            else:
                self._error = payload
        if self._error is not None:
            raise self._error
        return self._value

    def cancel(self) -> None:
        """Stop a process that is no longer wanted (the build failed)."""
        if self._proc is not None and self._proc.is_alive():
            self._proc.terminate()
            self._proc.join()
        if self._thread is not None:
            self._thread.join()


def _run_child(conn, fn, args) -> None:
    import gc

    gc.enable()  # the parent may have paused it (kg.pipeline)
    try:
        conn.send((True, fn(*args)))
    except BaseException as exc:  # noqa: BLE001 - given back to the parent
        try:
            conn.send((False, exc))
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            conn.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()

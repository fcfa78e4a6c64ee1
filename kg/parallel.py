"""Parsing and reading documents, in this process or in worker processes.

Each worker loads the spaCy model once (in the pool's initializer), then takes batches of
documents: ``nlp.pipe`` over the batch, then ``extract`` on each parsed document. A document
whose reading raises is returned as a failure with the error; the others in its batch go on.
Batches come back in the order they were given, so what the caller assembles does not depend
on which worker was faster.

    for outcomes in read_batches(batches, model="en_core_web_sm", jobs=2):
        ...
"""
from __future__ import annotations

import dataclasses
import functools
import multiprocessing
import os
import sys
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, cast

from kg.errors import BuildError
from kg.models import Document, Extraction

# A parsed document -> its extraction; kg.extract.extract unless the caller gives another
# (a module-level function, so that worker processes can import it by name).
Extractor = Callable[[Document, object], Extraction]
# 'fork' starts a worker in ~0.05 s and shares kg's imports; 'spawn' is the portable choice.
START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() and sys.platform == "linux" else "spawn"
IN_FLIGHT_PER_JOB = 3  # batches queued per worker: enough to keep it busy, few enough to bound memory


@dataclass(frozen=True)
class Outcome:
    """What reading one document gave: an extraction (without its Document) or an error."""

    doc_id: str
    extraction: Extraction | None
    error: str | None = None


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def read_batch(docs: Sequence[Document], nlp, extractor: Extractor | None = None) -> list[Outcome]:
    """Parse and read a batch; one document's failure does not touch the others."""
    if extractor is None:
        from kg.extract import extract

        extractor = cast(Extractor, extract)  # it takes an optional lexicon too
    try:
        parsed = list(nlp.pipe([d.text for d in docs], batch_size=max(1, len(docs))))
    except Exception:  # noqa: BLE001 - a batch spaCy cannot parse: parse one document at a time
        parsed = None
    outcomes = []
    for i, doc in enumerate(docs):
        try:
            x = extractor(doc, parsed[i] if parsed is not None else nlp(doc.text))
            if not isinstance(x, Extraction):
                raise TypeError(f"the extractor returned {type(x).__name__}, not an Extraction")
            outcomes.append(Outcome(doc.id, dataclasses.replace(x, document=None)))  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - one bad document must not stop the others
            outcomes.append(Outcome(doc.id, None, _describe(exc)))
    return outcomes


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


# ---- worker processes ------------------------------------------------------------------------------
_worker: dict = {}


def _init_worker(model: str | None, extractor: Extractor | None) -> None:
    import gc

    from kg.nlp import model as models

    gc.enable()  # the parent may have paused it (kg.pipeline)

    try:
        _worker["nlp"] = models.load(model)
    except Exception as exc:  # noqa: BLE001 - given back with the first batch, as the caller's error
        _worker["error"] = exc
    _worker["extractor"] = extractor


def _work(docs: list[Document]) -> list[Outcome]:
    if "error" in _worker:
        raise _worker["error"]
    return read_batch(docs, _worker["nlp"], _worker["extractor"])


def read_batches(batches: Iterable[list[Document]], *, model: str | None, jobs: int,
                 extractor: Extractor | None = None) -> Iterator[list[Outcome]]:
    """The outcomes of each batch, in the order of ``batches``; ``jobs`` worker processes (none for 1)."""
    if jobs <= 1:
        nlp = _load_here(model)
        for batch in batches:
            yield read_batch(batch, nlp, extractor)
        return
    context = multiprocessing.get_context(START_METHOD)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                               initargs=(model, extractor))
    pending: deque = deque()
    todo = iter(batches)
    try:
        for batch in todo:
            pending.append((batch, pool.submit(_work, batch)))
            if len(pending) >= jobs * IN_FLIGHT_PER_JOB:
                break
        while pending:
            batch, future = pending.popleft()
            try:
                outcomes = future.result()
            except BrokenProcessPool as exc:
                ids = ", ".join(d.id for d in batch[:5]) + (" ..." if len(batch) > 5 else "")
                raise BuildError(f"a worker process died while reading {ids} ({exc}); rerun with --jobs 1 "
                                 "to find the document, and report it") from None
            nxt = next(todo, None)
            if nxt is not None:
                pending.append((nxt, pool.submit(_work, nxt)))
            yield outcomes
    finally:
        for _, future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


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

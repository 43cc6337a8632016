"""Independent steps of a run in worker processes; results never depend on how many there are.

Most of the heavy steps run on one core: scikit-learn's K-Means is held to one thread (its result
depends on the thread count), and kmedoids' FasterPAM holds the GIL, so threads gained 1.2 s of
11.5 s on the real table. Worker processes do run them side by side. Each task is a pure function
of its arguments and seed, so one worker or several give identical results.

Workers are forked when the pool opens, once a run has read and checked its table and before it
fits anything: a fork server or spawned workers would re-import the caller's main script, which
breaks every script without an `if __name__ == "__main__"` guard. The process has then used
OpenMP at most on one thread (scikit-learn's K-Means is held to one), which a fork survives;
libgomp's thread team would not. Each worker keeps BLAS and OpenMP to one thread: the workers
already fill the cores.

Workers end with the run: the kernel kills them when their parent dies, even by SIGKILL
(Linux), and a run that fails or is stopped kills them at once instead of letting them finish.
Stop signals are the parent's to handle: a worker ignores Ctrl-C (the terminal sends it to the
workers too) and dies at SIGTERM or SIGHUP without running anything of its parent's.

Tasks wait here, not in the pool's own queue, until a worker is free, and the calling process
helps: when it waits for a result whose task no worker has taken yet, it runs that task itself,
on one BLAS thread as a worker would, instead of idling while it queues behind others.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, as_completed, wait
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

from .numeric import one_thread

T = TypeVar("T")

# Below this many rows a run takes a few seconds; starting workers would cost more than it saves.
MIN_ROWS = 10_000
WORKER_NICENESS = 5
# Signals that stop a run; the parent handles them (see cli.main), workers do not.
STOP_SIGNALS = frozenset(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def default_workers(rows: int) -> int:
    """Workers for a table of `rows` rows: one per core (at most 4), or none for small tables."""
    if rows < MIN_ROWS:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


class Workers:
    """A pool of worker processes, or the calling process itself when processes <= 1."""

    def __init__(self, processes: int) -> None:
        self.processes = max(1, int(processes))
        self._pool: ProcessPoolExecutor | None = None
        # Tasks no worker has taken yet, oldest first, and how many more the workers can take.
        # The pool's done-callbacks (in its manager thread) hand out the next task, hence the lock.
        self._waiting: list[tuple[_Helped[Any], Callable[[], Any]]] = []
        self._free = self.processes
        self._lock = threading.Lock()
        if self.processes > 1:
            self._pool = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
            # Forks every worker now, before any work. A stop signal arriving meanwhile waits
            # until a worker has set its own handling: a fork inherits the parent's handlers.
            with _stop_signals_blocked():
                forked = self._pool.submit(int)
            try:
                forked.result()
            except BaseException:  # stopped while the workers start: no `with` will close them
                self.close(at_once=True)
                raise

    def submit(self, function: Callable[..., T], *args: Any) -> Future[T]:
        """Start function(*args) in a worker; inline (already done) without workers."""
        if self._pool is None:
            done: Future[T] = Future()
            done.set_result(function(*args))
            return done
        ours: _Helped[T] = _Helped(self)
        with self._lock:
            self._waiting.append((ours, partial(function, *args)))
        self._hand_out()
        return ours

    def map(self, function: Callable[..., T], *iterables: Iterable[Any]) -> list[T]:
        """function over the items, in order."""
        futures = [self.submit(function, *args) for args in zip(*iterables, strict=True)]
        return [future.result() for future in futures]

    def first_completed(self, futures: Iterable[Future[T]]) -> Future[T]:
        """One of `futures` that is done; waiting tasks run here while none is."""
        futures = list(futures)
        self.help_until(futures)
        return next(as_completed(futures))

    def wait_all(self, futures: Iterable[Future[Any]], helping: Iterable[Future[Any]] = ()) -> None:
        """Wait until every one of `futures` is done. Meanwhile this process runs the tasks no
        worker has taken yet, oldest first: those of `futures`, then those of `helping` (work
        that follows anyway), instead of idling while they queue."""
        futures, helping = list(futures), list(helping)
        while not all(future.done() for future in futures):
            if not self._run_waiting(futures) and not self._run_waiting(helping):
                wait([f for f in futures if not f.done()], return_when=FIRST_COMPLETED)

    def help_until(self, futures: Sequence[Future[Any]]) -> None:
        """Run the awaited tasks no worker has taken yet in this process, until one of
        `futures` is done. Other tasks are left to the workers: this process has its own
        work to get back to as soon as what it waits for is done."""
        while not any(future.done() for future in futures) and self._run_waiting(futures):
            pass

    def _run_waiting(self, futures: Sequence[Future[Any]]) -> bool:
        """Run here the oldest task of `futures` that no worker has taken yet; False when
        none is waiting."""
        with self._lock:
            task = next((t for t in self._waiting if any(t[0] is f for f in futures)), None)
            if task is None:
                return False
            self._waiting.remove(task)
        ours, call = task
        with one_thread():  # the numbers a worker would compute
            try:
                result = call()
            except BaseException as exc:  # the caller gets it from the future, as from a worker
                ours.set_exception(exc)
                if not isinstance(exc, Exception):  # Ctrl-C and the like still stop the run
                    raise
            else:
                ours.set_result(result)
        return True

    def _hand_out(self) -> None:
        """Give waiting tasks, oldest first, to free workers."""
        handed = []
        with self._lock:
            while self._pool is not None and self._free and self._waiting:
                ours, call = self._waiting.pop(0)
                try:
                    theirs = self._pool.submit(call)
                except Exception as exc:  # a broken pool (a worker died): no task will run
                    for waiting in [ours, *(task[0] for task in self._waiting)]:
                        waiting.set_exception(exc)
                    self._waiting.clear()
                    break
                self._free -= 1
                handed.append((ours, theirs))
        # Outside the lock: on a task already done, add_done_callback calls _finished at once,
        # in this thread, and _finished takes the lock.
        for ours, theirs in handed:
            theirs.add_done_callback(partial(self._finished, ours))

    def _finished(self, ours: Future[Any], theirs: Future[Any]) -> None:
        try:
            if theirs.cancelled():  # the pool was shut down at once (the run was stopped)
                ours.cancel()
                return
            error = theirs.exception()
            if error is not None:
                ours.set_exception(error)
            else:
                ours.set_result(theirs.result())
        finally:  # the worker is free whatever became of our future
            with self._lock:
                self._free += 1
            self._hand_out()

    def close(self, *, at_once: bool = False) -> None:
        """Stop the workers; a task no worker took fails instead of staying pending.
        `at_once` kills them instead of waiting for their tasks (the run failed or was stopped)."""
        if self._pool is not None:
            with self._lock:
                pool, self._pool = self._pool, None
                abandoned, self._waiting = self._waiting, []
            for ours, _ in abandoned:
                ours.set_exception(RuntimeError("the workers were closed before this task ran"))
            if at_once:
                # The pool's own processes: Python 3.14's ProcessPoolExecutor.kill_workers().
                for process in list((pool._processes or {}).values()):
                    process.kill()
            pool.shutdown(cancel_futures=at_once)  # waits for the killed ones to be reaped

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, failed: type[BaseException] | None, *exc: object) -> None:
        self.close(at_once=failed is not None)


class _Helped(Future[T]):
    """A task's future whose result(), while the task waits in the queue, runs queued tasks in
    the waiting process."""

    def __init__(self, workers: Workers) -> None:
        super().__init__()
        self._workers = workers

    def result(self, timeout: float | None = None) -> T:
        self._workers.help_until([self])
        return super().result(timeout)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        self._workers.help_until([self])
        return super().exception(timeout)


INLINE = Workers(1)


@contextmanager
def _stop_signals_blocked() -> Iterator[None]:
    """Hold back the stop signals in this thread (and the threads and processes it starts)."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _start_worker(parent: int) -> None:
    """Set up a forked worker: dies with `parent`, leaves stopping to it, one thread each."""
    if sys.platform.startswith("linux"):
        # The kernel kills this worker when the thread that forked it (the run's) ends.
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before that: nobody will collect our work
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for stop in STOP_SIGNALS - {signal.SIGINT}:
        signal.signal(stop, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    _one_thread_each()


def _one_thread_each() -> None:
    one_thread()
    # What the worker inherits (every imported module, the table) lives as long as the worker;
    # frozen, it is left out of the full garbage collections that drawing charts triggers.
    gc.freeze()
    # The calling process does the steps everything waits on (silhouettes, choosing k); a lower
    # priority keeps workers from slowing it down, and they still get every idle cycle.
    os.nice(WORKER_NICENESS)

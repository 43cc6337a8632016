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

Tasks wait here, not in the pool's own queue, until a worker is free, and the calling process
helps: when it waits for a result whose task no worker has taken yet, it runs that task itself,
on one BLAS thread as a worker would, instead of idling while it queues behind others.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from functools import partial
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits

T = TypeVar("T")

# Below this many rows a run takes a few seconds; starting workers would cost more than it saves.
MIN_ROWS = 10_000
WORKER_NICENESS = 5


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
                initializer=_one_thread_each,
            )
            self._pool.submit(int).result()  # forks every worker now, before any work

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

    def help_until(self, futures: Sequence[Future[Any]]) -> None:
        """Run the awaited tasks no worker has taken yet in this process, until one of
        `futures` is done. Other tasks are left to the workers: this process has its own
        work to get back to as soon as what it waits for is done."""
        while not any(future.done() for future in futures):
            with self._lock:
                awaited = [task for task in self._waiting if any(task[0] is f for f in futures)]
                if not awaited:
                    return
                task = awaited[0]
                self._waiting.remove(task)
            ours, call = task
            with threadpool_limits(limits=1):  # the numbers a worker would compute
                try:
                    result = call()
                except BaseException as exc:  # the caller gets it from the future, as from a worker
                    ours.set_exception(exc)
                    if not isinstance(exc, Exception):  # Ctrl-C and the like still stop the run
                        raise
                else:
                    ours.set_result(result)

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
            error = theirs.exception()
            if error is not None:
                ours.set_exception(error)
            else:
                ours.set_result(theirs.result())
        finally:  # the worker is free whatever became of our future
            with self._lock:
                self._free += 1
            self._hand_out()

    def close(self) -> None:
        """Stop the workers; a task no worker took fails instead of staying pending."""
        if self._pool is not None:
            with self._lock:
                pool, self._pool = self._pool, None
                abandoned, self._waiting = self._waiting, []
            for ours, _ in abandoned:
                ours.set_exception(RuntimeError("the workers were closed before this task ran"))
            pool.shutdown()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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


def _one_thread_each() -> None:
    threadpool_limits(limits=1)
    # What the worker inherits (every imported module, the table) lives as long as the worker;
    # frozen, it is left out of the full garbage collections that drawing charts triggers.
    gc.freeze()
    # The calling process does the steps everything waits on (silhouettes, choosing k); a lower
    # priority keeps workers from slowing it down, and they still get every idle cycle.
    os.nice(WORKER_NICENESS)

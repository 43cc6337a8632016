"""Independent steps of a run in worker processes; results never depend on how many there are.

Most of the heavy steps run on one core: scikit-learn's K-Means is held to one thread (its result
depends on the thread count), and kmedoids' FasterPAM holds the GIL, so threads gained 1.2 s of
11.5 s on the real table. Worker processes do run them side by side. Each task is a pure function
of its arguments and seed, so one worker or several give identical results.

Workers are forked when the pool opens, at the start of a run, before that run does any work:
a fork server or spawned workers would re-import the caller's main script, which breaks every
script without an `if __name__ == "__main__"` guard. The process has then used OpenMP at most on
one thread (scikit-learn's K-Means is held to one), which a fork survives; libgomp's thread team
would not. Each worker keeps BLAS and OpenMP to one thread: the workers already fill the cores.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
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
        if self.processes > 1:
            self._pool = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_one_thread_each,
            )
            self._pool.submit(int).result()  # forks every worker now, before any work

    def submit(self, function: Callable[..., T], *args: Any) -> Future[T]:
        """Start function(*args) in a worker; inline (already done) without workers."""
        if self._pool is not None:
            return self._pool.submit(function, *args)
        done: Future[T] = Future()
        done.set_result(function(*args))
        return done

    def map(self, function: Callable[..., T], *iterables: Iterable[Any]) -> list[T]:
        """function over the items, in order."""
        futures = [self.submit(function, *args) for args in zip(*iterables, strict=True)]
        return [future.result() for future in futures]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


INLINE = Workers(1)


def _one_thread_each() -> None:
    threadpool_limits(limits=1)
    # The calling process does the steps everything waits on (silhouettes, choosing k); a lower
    # priority keeps workers from slowing it down, and they still get every idle cycle.
    os.nice(WORKER_NICENESS)

"""parallel: tasks give the same results wherever they run, and the caller helps with them."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import wait
from concurrent.futures.process import BrokenProcessPool

import pytest

from segmentasi.parallel import INLINE, Workers


def _square(x: int) -> int:
    return x * x


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _fail(message: str) -> None:
    raise ValueError(message)


def _die() -> None:
    os._exit(3)


def test_map_keeps_order_with_and_without_workers():
    with Workers(2) as pool:
        assert pool.map(_square, range(7)) == [x * x for x in range(7)]
    assert INLINE.map(_square, range(7)) == [x * x for x in range(7)]


def test_an_awaited_task_no_worker_has_started_runs_in_the_caller():
    with Workers(2) as pool:
        busy = [pool.submit(_pid_after, 1.0) for _ in range(2)]
        queued = pool.submit(_pid_after, 0.0)
        assert queued.result() == os.getpid()  # both workers were busy: the caller ran it
        assert all(future.result() != os.getpid() for future in busy)


def test_first_completed_returns_a_finished_future():
    with Workers(2) as pool:
        slow, fast = pool.submit(_pid_after, 1.0), pool.submit(_pid_after, 0.0)
        done = pool.first_completed([slow, fast])
        assert done is fast and done.done()


@pytest.mark.parametrize("awaited_first", [True, False])
def test_errors_reach_the_caller_from_workers_and_from_the_caller(awaited_first):
    with Workers(2) as pool:
        busy = [pool.submit(_pid_after, 0.5) for _ in range(2)] if awaited_first else []
        failing = pool.submit(_fail, "bad input")
        with pytest.raises(ValueError, match="bad input"):
            failing.result()
        for future in busy:
            future.result()


def test_a_dead_worker_fails_the_waiting_tasks_instead_of_hanging():
    with Workers(2) as pool:
        dying = pool.submit(_die)
        later = [pool.submit(_pid_after, 0.2) for _ in range(4)]
        with pytest.raises(BrokenProcessPool):
            dying.result()
        # Waiting without helping: tasks no worker had taken must fail too, not wait forever.
        done, _ = wait(later, timeout=30)
        assert len(done) == len(later)
        assert all(isinstance(future.exception(), BrokenProcessPool) for future in later)


def test_a_task_that_finishes_before_its_callback_is_added_does_not_deadlock():
    pool = Workers(2)
    submit = pool._pool.submit

    def submit_and_finish(*args):  # the worker is done before submit returns
        future = submit(*args)
        future.result()
        return future

    pool._pool.submit = submit_and_finish
    outcome = []
    caller = threading.Thread(target=lambda: outcome.append(pool.submit(_square, 3).result()),
                              daemon=True)
    caller.start()
    caller.join(timeout=20)
    deadlocked = caller.is_alive()
    if not deadlocked:  # closing a deadlocked pool would hang the test too
        pool._pool.submit = submit
        pool.close()
    assert not deadlocked, "submit deadlocked"
    assert outcome == [9]


def test_closing_fails_the_tasks_no_worker_took():
    pool = Workers(2)
    running = [pool.submit(_pid_after, 0.5) for _ in range(2)]
    never = pool.submit(_square, 4)
    pool.close()
    assert all(future.done() for future in running)
    with pytest.raises(RuntimeError, match="closed before this task ran"):
        never.result(timeout=5)

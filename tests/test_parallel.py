"""parallel: tasks give the same results wherever they run, and the caller helps with them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

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


def test_waiting_for_all_runs_those_no_worker_has_started_in_the_caller():
    with Workers(2) as pool:
        busy = [pool.submit(_pid_after, 1.0) for _ in range(2)]
        queued = [pool.submit(_pid_after, 0.0) for _ in range(2)]
        pool.wait_all([*queued, *busy])
        assert all(future.done() for future in busy + queued)
        assert [future.result() for future in queued] == [os.getpid()] * 2
        assert all(future.result() != os.getpid() for future in busy)


def test_waiting_for_some_runs_the_waiting_tasks_it_is_given_to_help_with():
    with Workers(2) as pool:
        busy = [pool.submit(_pid_after, 1.0) for _ in range(2)]
        other, left = pool.submit(_pid_after, 0.0), pool.submit(_pid_after, 1.0)
        pool.wait_all(busy, helping=[other])
        assert all(future.done() for future in busy) and other.result() == os.getpid()
        assert not left.done()  # not given to help with: it waited for a worker
        left.result()


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
    caller = threading.Thread(
        target=lambda: outcome.append(pool.submit(_square, 3).result()), daemon=True
    )
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


def _alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie waiting to be reaped does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_a_failing_block_kills_the_workers_instead_of_waiting_for_their_tasks():
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="the run failed"), Workers(2) as pool:
        processes = list(pool._pool._processes.values())
        pool.submit(_pid_after, 30.0)
        pool.submit(_pid_after, 30.0)
        raise RuntimeError("the run failed")
    assert time.monotonic() - started < 10
    assert not any(process.is_alive() for process in processes)


def test_workers_leave_ctrl_c_to_their_parent():
    with Workers(2) as pool:
        for pid in pool._pool._processes:
            os.kill(pid, signal.SIGINT)  # as a terminal sends Ctrl-C to the whole group
        assert pool.map(_square, range(4)) == [0, 1, 4, 9]
        assert all(_alive(pid) for pid in pool._pool._processes)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_die_with_their_parent_even_when_it_is_killed():
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from segmentasi.parallel import Workers\n"
            "pool = Workers(2)\n"
            "print(*pool._pool._processes, flush=True)\n"
            "time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    parent.kill()
    parent.wait(timeout=10)
    assert _wait_until(lambda: not any(_alive(pid) for pid in workers), timeout=5)

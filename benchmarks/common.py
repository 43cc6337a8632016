"""What the benchmark scripts share: where ../shared is, the experiments' matrices, and memory.

Scripts run as `python benchmarks/NAME.py`, so this folder is on sys.path and `import common`
finds this file.
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from process_memory import descendants

# The project's sibling folder ../shared: the real table (never committed) and the peer baseline.
SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL_TABLE = SHARED / "data" / "fundfusion" / "clustering_data.csv"
BASELINE = SHARED / "bench" / "baseline_sklearn.py"

# Reading a process's PSS costs about 5 ms of CPU (the kernel walks its pages): sampled every
# 0.1 s, a tree of 3 processes took 20% of a core away from the run being measured, which on 2
# cores made segmentasi's run about 10% slower. Every 0.5 s it takes 3%; the main process's own
# peak (wait4) is exact whatever the interval.
SAMPLE_SECONDS = 0.5


def experiment_matrix(table: Path, experiment: str) -> tuple[np.ndarray, str]:
    """The matrix and distance `segmentasi run` clusters `experiment` on (built-in schema)."""
    from segmentasi import load_schema, read_table, validate
    from segmentasi.features import FeatureSpace

    schema = load_schema()
    validated, _ = validate(read_table(table), schema)
    spec = schema.experiment(experiment)
    return FeatureSpace(schema, spec).fit_transform(validated), spec.metric


def rss_mb(field: str = "VmRSS") -> float:
    """This process's memory in MiB: VmRSS now, or VmHWM, its peak (ru_maxrss without /proc)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Start VmHWM again from the current RSS (Linux; elsewhere nothing happens)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def traced_peak_mb(run: Callable[[], object]) -> float:
    """Peak of the Python-visible allocations (tracemalloc) while `run` runs, in MiB."""
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def tree_pss_mb(root: int) -> float:
    """Memory (MiB) a process and all its descendants hold: the sum of their proportional set
    sizes (PSS) from /proc, where a page shared by forked workers counts once in total."""
    tree = descendants(root)
    total_kb = 0
    for pid in tree:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total_kb += next(
            (int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0
        )
    return total_kb / 1024


def measure(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak memory (MiB) and stdout of one child process; exits if it fails.

    Peak memory is the larger of the child's own rusage (wait4) and the summed PSS of its process
    tree sampled every SAMPLE_SECONDS, so worker processes count too."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        tree_peak, done = [0.0], threading.Event()
        sampler = threading.Thread(target=_sample_tree_peak, args=(child.pid, tree_peak, done))
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode:
            sys.exit(f"{' '.join(command[:4])} failed ({child.returncode}):\n{err.read()[-2000:]}")
        return wall, max(usage.ru_maxrss / 1024, tree_peak[0]), out.read()


def _sample_tree_peak(pid: int, peak: list[float], done: threading.Event) -> None:
    while not done.wait(SAMPLE_SECONDS):
        peak[0] = max(peak[0], tree_pss_mb(pid))

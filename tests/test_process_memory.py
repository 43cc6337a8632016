"""benchmarks/process_memory.py: the peaks of a process tree whose sizes the test chooses (a
driver holding 100 MiB, a grandchild orphaned by its parent holding 300 MiB)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "process_memory.py"
MIB = 2**20

# The grandchild fills 300 MiB, then says so and holds it a moment.
GRANDCHILD = "import sys, time; held = b'x' * (300 * 2**20); print(flush=True); time.sleep(1)"
# Its parent starts it and exits at once, leaving it an orphan of the command's session.
PARENT = f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {GRANDCHILD!r}])"
# The driver fills 100 MiB, starts the parent, and waits until the grandchild has filled its
# 300 MiB (the grandchild's stdout is the driver's pipe), then holds a moment more.
DRIVER = (
    "import subprocess, sys, time; held = b'x' * (100 * 2**20); "
    f"parent = subprocess.Popen([sys.executable, '-c', {PARENT!r}], stdout=subprocess.PIPE); "
    "parent.stdout.readline(); time.sleep(0.5)"
)


@pytest.fixture(scope="module")
def process_memory():
    spec = importlib.util.spec_from_file_location("process_memory", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_driver_largest_process_and_tree_sum(process_memory):
    measured = process_memory.measure_tree([sys.executable, "-c", DRIVER], interval=0.05)
    assert measured.returncode == 0
    assert 100 < measured.driver_peak_mb < 100 + 60  # 100 MiB and the interpreter
    assert measured.largest.name.startswith("python")
    assert 300 < measured.largest.peak_mb < 300 + 60
    assert measured.processes[1].peak_mb == measured.driver_peak_mb
    assert measured.tree_peak_mb > 400  # both held at once, the grandchild found as an orphan
    # the driver and the grandchild; the parent, which exits at once, may fall between samples
    assert len(measured.processes) in (2, 3)

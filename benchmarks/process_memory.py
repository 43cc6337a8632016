"""Memory of a command and every process it starts, sampled from Linux's /proc while it runs.

For a Spark run the command's process is the Python driver; the tree under it holds the driver's
JVM (started by spark-submit), and in local mode the executors' Python workers; on a standalone
cluster the executors belong to the cluster's workers, not to this tree. Each sample reads every
process of the tree: the processes descending from the command (parent links) and those of the
command's session (it is started in a session of its own), so a child whose parent exited still
counts. Reported:

- the driver's peak RSS: the command's own process (its VmHWM, the kernel's exact peak);
- the largest single process's peak RSS (VmHWM), with its name and pid;
- the peak of the tree's summed RSS (VmRSS), over the samples: a sampled figure, so a peak
  shorter than the interval can be missed; shared pages count once per process.

    python benchmarks/process_memory.py [--interval 0.2] [--json OUT] -- COMMAND [ARG ...]

prints the figures (MiB) and exits with the command's exit code.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

INTERVAL_SECONDS = 0.2


@dataclass(frozen=True)
class ProcessPeak:
    """One process's peak resident memory (VmHWM), in MiB."""

    pid: int
    name: str
    peak_mb: float


@dataclass(frozen=True)
class TreeMemory:
    """What measure_tree found: the command's run and its memory, in MiB."""

    command: list[str]
    returncode: int
    seconds: float
    samples: int
    driver_peak_mb: float
    largest: ProcessPeak
    tree_peak_mb: float
    processes: list[ProcessPeak] = field(default_factory=list)  # every one seen, largest first

    def summary(self) -> str:
        return (
            f"driver peak RSS {self.driver_peak_mb:,.0f} MiB; largest process "
            f"{self.largest.name} (pid {self.largest.pid}) {self.largest.peak_mb:,.0f} MiB; "
            f"tree sum peak {self.tree_peak_mb:,.0f} MiB ({len(self.processes)} processes, "
            f"{self.samples} samples in {self.seconds:.1f} s)"
        )


def process_table() -> dict[int, tuple[int, int]]:
    """Every process's parent and session: pid -> (ppid, sid), from /proc/PID/stat."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = entry.joinpath("stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it exited meanwhile
        table[int(entry.name)] = (int(fields[1]), int(fields[3]))
    return table


def descendants(root: int, table: dict[int, tuple[int, int]] | None = None) -> set[int]:
    """`root` and the processes descending from it by parent links."""
    table = process_table() if table is None else table
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    tree, frontier = {root}, [root]
    while frontier:
        found = children.get(frontier.pop(), [])
        tree.update(found)
        frontier.extend(found)
    return tree


def _memory_kb(pid: int) -> tuple[str, int, int] | None:
    """A process's name, VmRSS and VmHWM (KiB); None when it is gone or a zombie."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    if "VmHWM" not in values:  # a zombie or a kernel thread: no memory of its own
        return None
    return values["Name"].strip(), int(values["VmRSS"].split()[0]), int(values["VmHWM"].split()[0])


class _Sampler:
    """The peaks seen so far in one process tree."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.samples = 0
        self.tree_peak_kb = 0
        self.peaks: dict[int, tuple[str, int]] = {}  # pid -> (name, VmHWM KiB)

    def sample(self) -> None:
        table = process_table()
        members = descendants(self.root, table)
        members |= {pid for pid, (_, session) in table.items() if session == self.root}
        total = 0
        for pid in members:
            memory = _memory_kb(pid)
            if memory is None:
                continue
            name, rss, hwm = memory
            total += rss
            self.peaks[pid] = (name, max(hwm, self.peaks.get(pid, (name, 0))[1]))
        self.samples += 1
        self.tree_peak_kb = max(self.tree_peak_kb, total)


def measure_tree(command: list[str], interval: float = INTERVAL_SECONDS) -> TreeMemory:
    """Run `command` (in a session of its own, output passed through) and sample its process
    tree every `interval` seconds until it exits."""
    started = time.monotonic()
    child = subprocess.Popen(command, start_new_session=True)
    sampler = _Sampler(child.pid)
    done = threading.Event()

    def sample_until_done() -> None:
        while True:
            sampler.sample()
            if done.wait(interval):
                return

    thread = threading.Thread(target=sample_until_done, daemon=True)
    thread.start()
    try:
        returncode = child.wait()
    finally:
        done.set()
        thread.join()
    seconds = time.monotonic() - started
    processes = sorted(
        (ProcessPeak(pid, name, kb / 1024) for pid, (name, kb) in sampler.peaks.items()),
        key=lambda process: -process.peak_mb,
    )
    driver = sampler.peaks.get(child.pid, ("", 0))[1] / 1024
    return TreeMemory(
        command=list(command),
        returncode=returncode,
        seconds=seconds,
        samples=sampler.samples,
        driver_peak_mb=driver,
        largest=processes[0] if processes else ProcessPeak(child.pid, "", 0.0),
        tree_peak_mb=sampler.tree_peak_kb / 1024,
        processes=processes,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interval", type=float, default=INTERVAL_SECONDS, help="seconds")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG ...]")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    measured = measure_tree(command, args.interval)
    print(measured.summary(), file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(asdict(measured), indent=2) + "\n", encoding="utf-8")
    sys.exit(measured.returncode)


if __name__ == "__main__":
    main()

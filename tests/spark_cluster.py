"""A Spark standalone cluster on 127.0.0.1 for tests.

The master and the workers are started from the installed pyspark's own distribution
(SPARK_HOME is the pyspark package's folder), each in a session of its own: killing a session
kills everything its daemon started (executor JVMs, the Python workers that pyspark moves into
process groups of their own), so a killed worker or a stopped cluster leaves no process behind.
Drivers (segmentasi's command line) run in child processes, never in the test's own: pytest's
process may hold a local SparkSession, which getOrCreate would hand back instead of a session on
the cluster.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
# JVM options for the daemons: little memory, and start-up before speed (the jobs are tiny).
DAEMON_MEMORY = "256m"
QUICK_START = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
POLL_SECONDS = 0.2


class ClusterError(RuntimeError):
    """The cluster or a driver did not do what a test needs; the message holds their logs."""


def spark_home() -> Path:
    """The installed pyspark package's folder: a Spark distribution (bin/, jars/)."""
    spec = importlib.util.find_spec("pyspark")
    if spec is None or spec.origin is None:
        raise ClusterError("pyspark is not installed")
    return Path(spec.origin).parent


def session_members(session: int) -> list[int]:
    """The live processes of a session (zombies left out: they hold nothing and cannot be
    killed), from Linux's /proc/PID/stat."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError, IndexError, ValueError):
            state, _, _, sid = entry.joinpath("stat").read_text().rsplit(")", 1)[1].split()[:4]
            if int(sid) == session and state != "Z":
                members.append(int(entry.name))
    return members


def kill_session(session: int, timeout: float = 30.0) -> None:
    """SIGKILL every process of a session, again until none is left (one may be forking)."""
    deadline = time.monotonic() + timeout
    while members := session_members(session):
        if time.monotonic() > deadline:
            raise ClusterError(f"processes {members} of session {session} outlived SIGKILL")
        for pid in members:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the OS's pick)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        return f"({exc})"
    return "\n".join(text[-lines:])


@dataclass
class _Daemon:
    name: str
    process: subprocess.Popen
    log: Path


class StandaloneCluster:
    """A master and `workers` workers on 127.0.0.1, each worker with `cores` cores and `memory`
    for executors; logs and work folders in `folder`.

    start() returns once the master lists every worker ALIVE; url is the master's spark:// URL;
    kill_worker(i) kills worker i and all it started; stop() kills everything."""

    def __init__(self, folder: Path, workers: int = 2, cores: int = 1, memory: str = "1g") -> None:
        self.folder = folder
        self.workers = workers
        self.cores = cores
        self.memory = memory
        self.port = free_port()
        self.webui_port = free_port()
        self.url = f"spark://{HOST}:{self.port}"
        self._daemons: list[_Daemon] = []
        self._spark_home = spark_home()

    def start(self, timeout: float = 180.0) -> float:
        """Start the master, then the workers once it listens; wait until the master shows all
        of them ALIVE. Seconds it took; ClusterError with the logs when a daemon exits or
        `timeout` passes first."""
        started = time.monotonic()
        deadline = started + timeout
        self._start(
            "master",
            "org.apache.spark.deploy.master.Master",
            *("--host", HOST, "--port", self.port, "--webui-port", self.webui_port),
        )
        self._wait(deadline, self._master_listens, f"the master to listen on port {self.port}")
        for index in range(self.workers):
            work = self.work_dir(index)
            work.mkdir(parents=True, exist_ok=True)
            self._start(
                f"worker-{index}",
                "org.apache.spark.deploy.worker.Worker",
                self.url,
                *("--host", HOST, "--cores", self.cores, "--memory", self.memory),
                *("--webui-port", free_port(), "--work-dir", work),
            )
        self._wait(deadline, lambda: self.alive_workers() == self.workers, "the workers")
        return time.monotonic() - started

    def work_dir(self, index: int) -> Path:
        """Worker `index`'s work folder: its executors run in folders below it."""
        return self.folder / f"worker-{index}"

    def worker_of(self, path: str | Path) -> int:
        """The worker whose work folder holds `path` (an executor's working folder)."""
        for index in range(self.workers):
            if self.work_dir(index) in Path(path).parents:
                return index
        raise ClusterError(f"{path} is in no worker's work folder")

    def status(self) -> dict[str, Any]:
        """The master's status as its web UI gives it in JSON."""
        with urllib.request.urlopen(f"http://{HOST}:{self.webui_port}/json/", timeout=5) as page:
            return json.load(page)

    def alive_workers(self) -> int:
        """How many workers the master lists ALIVE (0 while its web UI is not up)."""
        try:
            workers = self.status()["workers"]
        except (OSError, ValueError, KeyError):
            return 0
        return sum(worker.get("state") == "ALIVE" for worker in workers)

    def worker_processes(self, index: int) -> list[int]:
        """The live processes worker `index` started, itself included."""
        return session_members(self._daemons[index + 1].process.pid)

    def kill_worker(self, index: int) -> None:
        """SIGKILL worker `index`, its executors and their Python workers, as a machine lost."""
        daemon = self._daemons[index + 1]
        kill_session(daemon.process.pid)
        daemon.process.wait()

    def stop(self) -> None:
        """Kill every daemon and what it started; ClusterError if a process survives."""
        for daemon in reversed(self._daemons):
            kill_session(daemon.process.pid)
            daemon.process.wait()
        self._daemons.clear()

    def logs(self) -> str:
        """The end of each daemon's log and of each executor's stderr, for a failure message."""
        parts = [
            f"--- {daemon.name} ({daemon.log}):\n{_tail(daemon.log)}" for daemon in self._daemons
        ]
        for index in range(self.workers):
            for stderr in sorted(self.work_dir(index).glob("*/*/stderr")):
                parts.append(f"--- executor {stderr}:\n{_tail(stderr)}")
        return "\n".join(parts)

    def driver_conf(self) -> dict[str, str]:
        """Spark settings for a driver on this cluster, small as a shared test machine needs."""
        return {
            "spark.master": self.url,
            "spark.driver.host": HOST,
            "spark.driver.bindAddress": HOST,
            "spark.driver.memory": "1g",
            "spark.driver.extraJavaOptions": QUICK_START,
            "spark.executor.memory": "512m",
            "spark.executor.extraJavaOptions": QUICK_START,
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "4",
        }

    def environment(self) -> dict[str, str]:
        """The environment of the daemons and drivers: Spark on loopback only, executors'
        Python this one (it has pyspark)."""
        return {
            **os.environ,
            "SPARK_HOME": str(self._spark_home),
            "SPARK_LOCAL_IP": HOST,
            "SPARK_DAEMON_MEMORY": DAEMON_MEMORY,
            "SPARK_DAEMON_JAVA_OPTS": QUICK_START,
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable,
        }

    def __enter__(self) -> StandaloneCluster:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _start(self, name: str, main_class: str, *args: object) -> None:
        log = self.folder / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [self._spark_home / "bin" / "spark-class", main_class, *map(str, args)],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
                env=self.environment(),
                start_new_session=True,
            )
        self._daemons.append(_Daemon(name, process, log))

    def _master_listens(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex((HOST, self.port)) == 0

    def _wait(self, deadline: float, ready: Any, what: str) -> None:
        while not ready():
            for daemon in self._daemons:
                if daemon.process.poll() is not None:
                    raise ClusterError(
                        f"{daemon.name} exited with code {daemon.process.returncode} while "
                        f"waiting for {what}\n{self.logs()}"
                    )
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"timed out waiting for {what}: the master at "
                    f"{self.url} lists {self.alive_workers()} of {self.workers} workers "
                    f"ALIVE\n{self.logs()}"
                )
            time.sleep(POLL_SECONDS)

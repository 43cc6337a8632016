"""The Spark session the engine runs in: started with one-line reasons when it cannot be."""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UserError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PYSPARK_MISSING = "the Spark engine needs pyspark: pip install 'segmentasi[spark]'"
JAVA_MISSING = (
    "the Spark engine needs Java 17 or later: install it, or set JAVA_HOME to where it is"
)
CONNECT_SECONDS = 5.0
JAVA_NEEDED = 17  # Spark 4's oldest
_LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
_JAVA_OPTIONS = "spark.driver.extraJavaOptions"
_started: list[SparkSession] = []  # the session spark_session gave, for stop_session


def missing_requirement() -> str | None:
    """Why no Spark session can start here, or None: pyspark missing, or no Java 17 or later
    where pyspark looks for it ($JAVA_HOME/bin/java, else java on PATH). Asked once."""
    return _missing_requirement()


@functools.cache
def _missing_requirement() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return PYSPARK_MISSING
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if java is None or not Path(java).is_file():
        return JAVA_MISSING
    try:
        answer = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{JAVA_MISSING} ({java} does not run: {error})"
    found = re.search(r'version "(?:1\.)?(\d+)', answer.stderr)
    if answer.returncode or found is None:
        return f"{JAVA_MISSING} ({java} -version failed: {answer.stderr.strip()[:200]})"
    if int(found[1]) < JAVA_NEEDED:
        return f"{JAVA_MISSING} ({java} is Java {found[1]})"
    return None


def spark_session(master: str = "local[*]", conf: Mapping[str, str] = {}) -> SparkSession:
    """A Spark session on `master` (local[N], spark://host:port, yarn, ...) with `conf` set on
    it, or the one already running (stop_session then leaves it running). UserError with a
    one-line reason when pyspark or Java is missing, or a standalone master does not answer."""
    reason = missing_requirement()
    if reason:
        raise UserError(reason)
    # pyspark warns on every pandas UDF that it "does not yet fully support pandas >= 3"; the
    # engine's tests run on pandas 3 (spark/ is tested whole in the suite).
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UserError(PYSPARK_MISSING) from None
    _check_reachable(master)
    running = SparkSession.getActiveSession()
    if running is not None:  # another part of the program started it, and will stop it
        return running
    builder = SparkSession.builder.master(master).appName("segmentasi")
    if master.startswith("local"):
        # Local Python workers run this interpreter, which has segmentasi and its libraries
        # (pyspark reads only the variable; a user's own choice stays).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    defaults = {
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        # The command line shows its own progress; Spark's bar would write over it.
        "spark.ui.showConsoleProgress": "false",
    }
    settings = {**defaults, **conf}
    # The driver's Java options gain the log configuration unless they name one themselves.
    java_options = settings.get(_JAVA_OPTIONS, "")
    if "log4j2.configurationFile" not in java_options:
        log_option = f"-Dlog4j2.configurationFile={_LOG_CONFIG.as_uri()}"
        settings[_JAVA_OPTIONS] = f"{java_options} {log_option}".strip()
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as error:  # the JVM's reasons come in many types: shown in one line
        lines = str(error).strip().splitlines() or [type(error).__name__]
        raise UserError(f"the Spark session on {master} did not start: {lines[0]}") from None
    session.sparkContext.setLogLevel("ERROR")  # its warnings are not the user's business
    _started[:] = [session]
    return session


def stop_session() -> None:
    """Stop the session spark_session gave, if it is running."""
    while _started:
        _started.pop().stop()


def _check_reachable(master: str) -> None:
    """A standalone master (spark://host:port, or several, comma-separated) answers on one of
    its ports; Spark itself would retry for a minute and then stop the session quietly."""
    if not master.startswith("spark://"):
        return
    reasons = []
    for address in master.removeprefix("spark://").split(","):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise UserError(f"the Spark master {master} is not spark://host:port")
        try:
            with socket.create_connection((host, int(port)), timeout=CONNECT_SECONDS):
                return
        except OSError as error:
            reasons.append(f"{address}: {error.strerror or error}")
    raise UserError(f"cannot reach the Spark master {master} ({'; '.join(reasons)})")

"""Spark's failures told in one line: the user's to fix (a path Spark cannot find, a master it
cannot reach: UserError, exit 2) or the cluster's (executors lost beyond Spark's retries, out of
memory: EngineFailure, exit 1). An error segmentasi raised inside a Spark task (an InputError
about a cell) comes back as itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import EngineFailure, InputError, UserError

# segmentasi's own errors raised in a Python worker, as PySpark reports them
_OURS = re.compile(
    r"segmentasi\.(?:errors|validation|model)\.(InputError|UserError|ValidationError): (.+)"
)
_USERS = (
    ("PATH_NOT_FOUND", "Spark cannot find the input"),
    ("Path does not exist", "Spark cannot find the input"),
    ("TABLE_OR_VIEW_NOT_FOUND", "the Spark catalog has no such table"),
    ("All masters are unresponsive", "the Spark master cannot be reached"),
    ("Could not connect to", "the Spark master cannot be reached"),
    ("Connection refused", "the Spark master cannot be reached"),
)
_CLUSTERS = (
    (
        "OutOfMemoryError",
        "Spark ran out of memory (give it more with --spark-conf "
        "spark.executor.memory=... or spark.driver.memory=...)",
    ),
    ("ExecutorLostFailure", "Spark lost executors beyond its retries"),
    ("failed 4 times", "a Spark task failed on every retry"),
    ("SparkContext was shut down", "the Spark application was stopped"),
)


@contextmanager
def told_in_one_line(master: str) -> Iterator[None]:
    """Run the block; Spark's exceptions leave it as UserError or EngineFailure."""
    try:
        yield
    except (UserError, EngineFailure):
        raise
    except Exception as exc:
        if not _is_spark(exc):
            raise
        raise translated(exc, master) from None


def translated(exc: BaseException, master: str) -> Exception:
    """The one-line error for a Spark exception."""
    text = str(exc)
    ours = _OURS.search(text)
    if ours:
        return InputError(ours.group(2).strip())
    first = one_line(text)
    for marker, reason in _USERS:
        if marker in text:
            where = f" ({master})" if "master" in reason else ""
            return UserError(f"{reason}{where}: {first}")
    for marker, reason in _CLUSTERS:
        if marker in text:
            return EngineFailure(f"{reason}: {first}")
    return EngineFailure(f"Spark failed: {first}")


def _is_spark(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.startswith(("pyspark", "py4j")) or isinstance(exc, ConnectionError)


def one_line(text: str, limit: int = 300) -> str:
    """The first informative line of a (Java) error text: without its stack, its error class
    ([PATH_NOT_FOUND]) and SQL state, at most `limit` characters."""
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("at ", "Traceback", "File ", "JVM stacktrace")):
            line = re.sub(r"^\[[A-Z0-9_.]+\]\s*", "", line)
            line = re.sub(r"\s*SQLSTATE: \w+\s*$", "", line)
            return line[:limit] or "no reason given"
    return "no reason given"

"""Errors that are the user's to fix: the command line shows their message and exits with 2.

Messages quote cells, column names and levels from the user's files; `quoted` and `printable`
show such text as data: control and text-direction characters as escapes, long cells cut.
"""

from __future__ import annotations

import re

# Shown in a message as escapes: C0 and C1 controls (ESC starts a terminal escape sequence)
# except the newline, and the invisible characters that reorder or hide text (bidi marks,
# overrides and isolates, zero-width characters, the byte order mark).
INVISIBLE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
CELL_LIMIT = 80  # characters of a cell shown in a message


class UserError(ValueError):
    """Bad input, options or files; never a bug in segmentasi."""


class InputError(UserError):
    """A file or option the user gave cannot be used."""


class EngineFailure(RuntimeError):
    """The engine could not finish (a cluster lost its executors beyond retries, ran out of
    memory): not the user's input and not a bug; the command line shows the one-line reason
    and exits with 1."""


def printable(text: str) -> str:
    """`text` with control and invisible characters written as escapes (\\x1b, \\u202e)."""
    return INVISIBLE.sub(lambda found: found.group().encode("unicode_escape").decode(), text)


def quoted(value: object, limit: int = CELL_LIMIT) -> str:
    """A cell for a message: in quotes, on one line, invisible characters shown, at most
    `limit` characters of it (then an ellipsis)."""
    text = str(value)
    cut = text[:limit] + "…" if len(text) > limit else text
    return "'" + printable(cut).replace("\n", "\\n") + "'"

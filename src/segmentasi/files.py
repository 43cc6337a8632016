"""Reading tables and writing files; outputs.py decides where outputs may go and writes
folders whole.

Every CSV (and XLSX) segmentasi writes goes through `write_csv` / `write_table`, which make
text cells safe to open in a spreadsheet (see `spreadsheet_safe`); Parquet keeps raw values
(typed columns that no spreadsheet evaluates).
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import json
import math
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from .decimals import DECIMAL_ATTR, check_decimal
from .errors import InputError, quoted

READERS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
}
# Values read as missing in text and Excel files; "NA" is kept out so a level named "NA" survives.
MISSING_MARKERS = ["", "NULL", "null", "None", "#N/A", "N/A", "-"]
# Read as text: validation takes it as missing in text columns and refuses it in numeric ones
# (a number that is not finite, like inf).
NAN_TEXT = ("nan", "NaN")
# OWASP's CSV-injection rule: a spreadsheet runs a cell that starts with = + - @ tab or CR as a
# formula, unless a ' comes first. Text that already starts with ' before one of them gets one
# more, so that removing one ' gives back the exact text (see spreadsheet_restored).
FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
# A text cell that is a plain decimal number ("-3", "-12.5", "+1e-5") is a number to the
# spreadsheet, never a formula: it stays as it is. ASCII digits only.
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def read_table(path: str | Path, decimal: str = "auto") -> pd.DataFrame:
    """Read a CSV, Parquet or Excel table; text cells stay text so validation sees them raw.

    `decimal`: the mark of numbers written as text: auto (validation decides it from the
    table's numeric columns, see decimals.py), '.' or ','. It is recorded in the frame's
    attrs for validate(). Cells that Excel or Parquet already hold as numbers stay as they are.
    """
    check_decimal(decimal)
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a table file")
    if special := special_file(path):
        raise InputError(f"{path}: is {special}, not a table file")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{path}: unsupported file type '{path.suffix or '(none)'}'; "
            "use .csv, .parquet or .xlsx"
        )
    try:
        if kind == "csv":
            encoding = _text_encoding(path)
            frame = pd.read_csv(
                path,
                dtype=str,
                sep=_delimiter(path, encoding),
                keep_default_na=False,
                na_values=MISSING_MARKERS,
                skipinitialspace=True,
                encoding=encoding,
            )
        elif kind == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_excel(
                path, dtype=object, keep_default_na=False, na_values=MISSING_MARKERS
            )
    except UnicodeDecodeError:
        raise InputError(
            f"{path}: not a text table (it is not UTF-8 text; in Excel save it as CSV UTF-8)"
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty") from None
    except KeyError:
        # pandas and openpyxl raise KeyError for a zip archive that holds no workbook
        raise InputError(
            f"{path}: cannot be read as {kind}: a zip archive without an Excel workbook in it"
        ) from None
    except (
        pd.errors.ParserError,
        ValueError,
        OSError,
        zipfile.BadZipFile,
        ImportError,
        pa.ArrowException,  # e.g. a list or struct column whose pandas metadata says text
    ) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: cannot be read as {kind}: {first_line}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.attrs[DECIMAL_ATTR] = decimal
    return frame


def special_file(path: Path) -> str | None:
    """What `path` is when it is not a regular file (a named pipe or device, whose reading
    could block or never end), else None. Missing files are left to the reader's error."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def _text_encoding(path: Path) -> str:
    with open(path, "rb") as handle:
        return text_encoding(handle.read(2))


def text_encoding(start: bytes) -> str:
    """The encoding of a text table that starts with the bytes `start`: UTF-16 when they are
    its byte-order mark (Excel's "Unicode text"), else UTF-8 (with or without a byte-order
    mark)."""
    return "utf-16" if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"


def _delimiter(path: Path, encoding: str) -> str:
    with open(path, encoding=encoding, errors="replace") as handle:
        return delimiter(handle.readline(), path)


def delimiter(header: str, path: str | Path) -> str:
    """Comma, semicolon (Excel's CSV in Indonesian locales) or tab, judged from the header line
    of the file at `path`; InputError when the line is blank (an empty file)."""
    if not header.strip():
        raise InputError(f"{path}: the file is empty")
    return max([",", ";", "\t"], key=header.count)


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write CSV, XLSX (both spreadsheet-safe) or Parquet (raw values) by the file's extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_csv(frame, path)
    elif suffix == ".xlsx":
        write_xlsx(frame, path)
    elif suffix in (".parquet", ".pq"):
        frame.to_parquet(path, index=False)
    else:
        raise InputError(f"{path}: output must be .csv, .xlsx or .parquet")


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write `frame` as CSV without its index, every text cell made safe for spreadsheets and
    whole numbers written as integers (`whole_numbers_as_integers`). CSVs are for machines:
    a dot decimal mark and no thousands separators, whatever the report's language."""
    whole_numbers_as_integers(spreadsheet_safe(frame)).to_csv(path, index=False)


# Whole numbers a float64 holds exactly; beyond it a float's integer digits are not the data's.
EXACT_INTEGERS = 2.0**53


def _whole_floats(values: pd.Series) -> bool:
    if not pd.api.types.is_float_dtype(values.dtype):
        return False
    numbers = values.to_numpy(dtype="float64", na_value=float("nan"))
    present = numbers[~pd.isna(numbers)]
    return bool((abs(present) < EXACT_INTEGERS).all() and (present == present.round()).all())


def whole_numbers_as_integers(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every float column whose values are all whole numbers as nullable Int64, so
    CSV cells read 44607, not 44607.0, and missing cells stay empty. A table read and validated
    holds its numbers as float64 (a column with a missing value cannot be int64): this puts
    back the integers of the schema's `integer = true` columns, product flags, counts and
    segment numbers. A column with any fraction, infinity or huge value stays float. Returns
    `frame` itself when no column changes."""
    whole = [i for i in range(frame.shape[1]) if _whole_floats(frame.iloc[:, i])]
    if not whole:
        return frame
    out = frame.copy(deep=False)
    for i in whole:  # by position: column names may repeat
        out.isetitem(i, frame.iloc[:, i].astype("Int64"))
    return out


def write_xlsx(frame: pd.DataFrame, path: str | Path) -> None:
    """Write `frame` as an Excel sheet without its index, text made safe like `write_csv`'s.

    A control character .xlsx cannot store is refused here rather than left to the writer:
    openpyxl raises on it, while pandas 3.1 silently escapes it as `_x001B_`.
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    safe = spreadsheet_safe(frame)
    for value in _text_cells(safe):
        if ILLEGAL_CHARACTERS_RE.search(value):
            raise InputError(
                f"{path}: a cell holds a control character that .xlsx cannot store "
                f"({quoted(value)}); write .csv or .parquet instead"
            )
    safe.to_excel(path, index=False)


def _text_cells(frame: pd.DataFrame) -> Iterator[str]:
    """Every text cell and column name of `frame`."""
    yield from (name for name in frame.columns if isinstance(name, str))
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            yield from (v for v in column if isinstance(v, str))


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with a ' before every text cell and column name a spreadsheet would run as a
    formula (OWASP: a leading = + - @ tab or carriage return). Numbers stay as they are:
    numeric columns, and text cells that are a plain decimal number such as "-12.5".
    Returns `frame` itself when nothing needs it."""
    return _map_text(frame, spreadsheet_cell)


def spreadsheet_restored(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo `spreadsheet_safe` on a table read back from a CSV segmentasi wrote."""
    return _map_text(frame, spreadsheet_text)


def spreadsheet_cell(value: Any) -> Any:
    """One value as `spreadsheet_safe` writes it."""
    if isinstance(value, str) and FORMULA_START.match(value) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def spreadsheet_text(value: Any) -> Any:
    """One written value back as it was: one leading ' removed where spreadsheet_cell added it."""
    if isinstance(value, str) and value.startswith("'") and FORMULA_START.match(value, 1):
        return value[1:]
    return value


def _map_text(frame: pd.DataFrame, convert: Callable[[Any], Any]) -> pd.DataFrame:
    """`convert` applied to the column names and every text cell; `frame` if none changed."""
    original_names = list(frame.columns)
    names = [convert(name) for name in original_names]
    changed = {}
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        converted = _map_series(column, convert)
        if converted is not column:
            changed[position] = converted
    if not changed and all(a is b for a, b in zip(names, original_names, strict=True)):
        return frame
    result = frame.copy(deep=False)
    for position, converted in changed.items():
        result.isetitem(position, converted)
    result.columns = names
    return result


def _map_series(column: pd.Series, convert: Callable[[Any], Any]) -> pd.Series:
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = list(column.cat.categories)
        renamed = [convert(c) for c in categories]
        if all(a is b for a, b in zip(renamed, categories, strict=True)):
            return column
        return column.cat.rename_categories(renamed)
    if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
        return column
    values = column.tolist()
    converted = [convert(v) for v in values]
    if all(a is b for a, b in zip(converted, values, strict=True)):
        return column
    return pd.Series(converted, index=column.index, name=column.name, dtype=column.dtype)


def json_safe(value: Any) -> Any:
    """Nested data as strict JSON values: numpy values as plain ones, keys as text, NaN and
    infinities as None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "tolist"):
        return json_safe(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(data: Any, path: str | Path) -> None:
    Path(path).write_text(
        json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n",
        encoding="utf-8",
    )


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# What the operating system says when it will not write somewhere: the user's to fix.
REFUSALS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large for the file system",
    errno.ENAMETOOLONG: "file name too long",
}
# ... and what it says when the path itself is wrong (only while placing a file or folder:
# inside a folder segmentasi is filling, these would be bugs).
PATH_REFUSALS = {
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder",
    errno.EEXIST: "it already exists",
    errno.ENOTEMPTY: "it is a folder that is not empty",
    errno.ELOOP: "too many symbolic links",
}


class WriteRefused(InputError):
    """The operating system would not write an output: permission, full disk, a file where a
    folder must be, a name too long."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.reason = reason


@contextmanager
def writing(path: str | Path, *, placing: bool = True) -> Iterator[None]:
    """Turn the operating system's refusals inside the block into WriteRefused naming `path`
    (the outermost block's path, when blocks nest). `placing`: the block creates, moves or
    replaces `path` itself, so refusals about the path count too (see PATH_REFUSALS)."""
    try:
        yield
    except WriteRefused as refused:
        raise WriteRefused(path, refused.reason) from None
    except OSError as exc:
        reason = REFUSALS.get(exc.errno) or (PATH_REFUSALS.get(exc.errno) if placing else None)
        if reason is None:
            raise
        raise WriteRefused(path, reason) from None


def write_file_atomically(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Write a single file through a temporary sibling so a failure leaves no partial file.
    A symbolic link at `path` is replaced, not followed: the write changes no other file."""
    given = path
    path = Path(path).parent.resolve() / Path(path).name
    with writing(given):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent
        )
        os.close(handle)
    temp = Path(temp_name)
    try:
        with writing(given, placing=False):
            write(temp)
        with writing(given):
            umask = os.umask(0)
            os.umask(umask)
            temp.chmod(0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
            os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path

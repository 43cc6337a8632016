"""Where outputs may go, and putting them there whole, one writer at a time.

The rules, so that segmentasi never deletes or overwrites what it did not write:

- A folder output (run, search, measurement, tracking, synthetic dataset) goes where nothing
  is, into an empty folder, or, only with overwrite, over a folder of the same kind that
  segmentasi wrote (recognised by its record, manifest.json, search.json, measurement.json,
  tracking.json or _synthetic.json) and that holds nothing else at its top level.
- A file output (assign, targets and its split record) replaces an existing file only with
  overwrite.
- No output is, or holds, the current folder or an input file, and none goes inside a folder
  segmentasi wrote (a run folder holds only what its run wrote).
- One writer per output: `.NAME.lock` beside the output, holding the writer's process id, is
  locked from the checks until the output is in place, then removed.
- A folder is written into a hidden sibling `.NAME.<pid>-<start>.<random>.partial` and moved
  into place whole; the folder it replaces is moved aside to `.NAME.<pid>-<start>.old`, then
  deleted. A writer that is killed leaves them behind; the next writer of NAME removes them once
  it has proved their writer gone (its process id and start time name it), and puts an `.old`
  back where its replacement never arrived.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import InputError
from .files import writing

# A record larger than this is not one segmentasi wrote; it is not read.
MAX_RECORD_BYTES = 1 << 24
# What a killed writer leaves beside NAME, after the ".NAME." prefix: its process id and start
# time, then tempfile's random letters and ".partial" (the folder being written) or ".old" (the
# folder it was replacing).
LEFT_BEHIND = re.compile(r"(?P<pid>\d+)-(?P<start>\d+)\.(?:[a-z0-9_]+\.partial|old)")


@dataclass(frozen=True)
class FolderKind:
    """A folder segmentasi writes whole, recognised by the JSON record it writes at its top."""

    name: str
    record: str
    files: frozenset[str]  # the other files it writes at its top level
    # The other names a record lists at the top (a run's experiment folders, a dataset's part
    # files), or None when the record is not this kind's.
    experiments: Callable[[dict], list[str] | None]


def _run_experiments(manifest: dict) -> list[str] | None:
    """Experiment folders of a run manifest (see run_folder._manifest)."""
    versions, options = manifest.get("versions"), manifest.get("options")
    if not (
        isinstance(manifest.get("format_version"), int)
        and isinstance(versions, dict)
        and "segmentasi" in versions
        and isinstance(manifest.get("schema"), dict)
        and isinstance(options, dict)
    ):
        return None
    names = options.get("experiments")
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def _search_experiments(record: dict) -> list[str] | None:
    """Experiment folders of a search record (see search.SearchRun.to_dict)."""
    if not all(
        isinstance(record.get(key), dict)
        for key in ("source", "options", "guardrails", "experiments")
    ):
        return None
    return list(record["experiments"])


RUN_FOLDER = FolderKind(
    "run folder",
    "manifest.json",
    frozenset(
        {
            "report.html",
            "report.pptx",
            "segments.xlsx",
            "actions",
            "segments.csv",
            "quality.json",
            "quality_columns.csv",
        }
    ),
    _run_experiments,
)
SEARCH_FOLDER = FolderKind("search folder", "search.json", frozenset(), _search_experiments)


def _measurement_parts(record: dict) -> list[str] | None:
    """A measurement record's sub-folders (none), or None when it is not one (see
    campaign.Measurement.to_dict)."""
    if isinstance(record.get("segments"), list) and isinstance(record.get("overall"), dict):
        return []
    return None


MEASUREMENT_FOLDER = FolderKind(
    "measurement folder",
    "measurement.json",
    frozenset({"measurement.csv", "measurement.html"}),
    _measurement_parts,
)


def _tracking_parts(record: dict) -> list[str] | None:
    """A tracking record (see tracking_folder.py) has no experiment folders."""
    return [] if record.get("format") == "segmentasi-tracking" else None


TRACKING_FOLDER = FolderKind(
    "tracking folder",
    "tracking.json",
    frozenset({"transitions.csv", "flows.csv", "movers.csv", "drift.csv", "tracking.html"}),
    _tracking_parts,
)


# The part files of a synthetic Parquet dataset (see synth_dataset.py).
PART_FILE = re.compile(r"part-\d{5}\.parquet")


def _dataset_parts(record: dict) -> list[str] | None:
    """The part files a synthetic dataset's record lists (names of that form only), or None
    when it is not one."""
    parts = record.get("files")
    if record.get("format") != "segmentasi-synthetic-parquet" or not isinstance(parts, list):
        return None
    return [name for name in parts if isinstance(name, str) and PART_FILE.fullmatch(name)]


SYNTHETIC_DATASET = FolderKind("synthetic dataset", "_synthetic.json", frozenset(), _dataset_parts)


def written_by_segmentasi(folder: Path) -> tuple[FolderKind, frozenset[str]] | None:
    """The kind of segmentasi folder `folder` is and the names it writes at its top level, or
    None when it is not one."""
    kinds = (RUN_FOLDER, SEARCH_FOLDER, MEASUREMENT_FOLDER, TRACKING_FOLDER, SYNTHETIC_DATASET)
    for kind in kinds:
        path = folder / kind.record
        try:
            if not path.is_file() or path.stat().st_size > MAX_RECORD_BYTES:
                continue
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # unreadable, not UTF-8 or not JSON: not ours
            continue
        experiments = kind.experiments(record) if isinstance(record, dict) else None
        if experiments is not None:
            return kind, kind.files | {kind.record, *experiments}
    return None


def check_output_folder(
    out: str | Path,
    overwrite: bool = False,
    *,
    kind: FolderKind = RUN_FOLDER,
    inputs: Iterable[str | Path | None] = (),
) -> Path:
    """`out` resolved, if a `kind` folder may be written there (see the module's rules);
    otherwise InputError saying why. Touches nothing."""
    target = _resolved(out)
    with suppress(FileNotFoundError):  # the current folder may have been deleted
        here = _resolved(Path.cwd())
        if _holds(target, here):
            raise InputError(
                f"{out}: {'is' if target == here else 'holds'} the current folder; "
                "choose another --out"
            )
    for item in inputs:
        if item is not None and _holds(target, _resolved(item)):
            raise InputError(
                f"{out}: {'is' if target == _resolved(item) else 'holds'} the input {item}; "
                "choose another --out"
            )
    _refuse_inside_segmentasi_folder(out, target)
    with writing(out):
        if not target.exists():
            if Path(out).is_symlink():  # following it would create a folder wherever it points
                raise InputError(
                    f"{out}: is a symbolic link to {target}, which does not exist; "
                    "choose another --out"
                )
            return target
        if not target.is_dir():
            raise InputError(f"{out}: exists and is not a folder")
        names = set(os.listdir(target))
    if not names:
        return target
    found = written_by_segmentasi(target)
    if found is None or found[0] is not kind:
        raise InputError(
            f"{out}: folder exists, is not empty and is not a segmentasi {kind.name}; "
            f"--overwrite replaces only a {kind.name}: choose another --out"
        )
    if not overwrite:
        raise InputError(f"{out}: folder exists and is not empty (use --overwrite to replace it)")
    foreign = sorted(names - found[1])
    if foreign:
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        raise InputError(
            f"{out}: holds {', '.join(foreign[:5])}{more}, which segmentasi did not write; "
            "--overwrite would delete it, so nothing was touched: move it out or choose "
            "another --out"
        )
    return target


def check_output_file(
    out: str | Path, overwrite: bool = False, *, inputs: Iterable[str | Path | None] = ()
) -> Path:
    """`out` resolved, if a file may be written there (see the module's rules); otherwise
    InputError saying why. Touches nothing."""
    target = _resolved(out)
    for item in inputs:
        if item is not None and target == _resolved(item):
            raise InputError(f"{out}: would overwrite the input {item}; choose another --out")
    _refuse_inside_segmentasi_folder(out, target)
    with writing(out):
        if target.is_dir():
            raise InputError(f"{out}: is a folder; give a file name")
        if (target.exists() or Path(out).is_symlink()) and not overwrite:
            raise InputError(f"{out}: exists (use --overwrite to replace it)")
    return target


def reserve_folder(
    out: str | Path,
    overwrite: bool = False,
    *,
    kind: FolderKind = RUN_FOLDER,
    inputs: Iterable[str | Path | None] = (),
) -> AbstractContextManager[Path]:
    """Check that a `kind` folder may be written at `out`, then hold it for this process alone
    (until the block ends) and remove what killed writers left beside it. Yields `out`
    resolved. Another process holding it is InputError naming that process."""
    inputs = list(inputs)
    check = partial(check_output_folder, out, overwrite, kind=kind, inputs=inputs)
    return _reserved(out, check, _remove_abandoned)


def reserve_file(
    out: str | Path, overwrite: bool = False, *, inputs: Iterable[str | Path | None] = ()
) -> AbstractContextManager[Path]:
    """reserve_folder for a file output."""
    return _reserved(out, partial(check_output_file, out, overwrite, inputs=list(inputs)))


def write_folder_atomically(
    out: str | Path,
    fill: Callable[[Path], None],
    overwrite: bool = False,
    *,
    kind: FolderKind = RUN_FOLDER,
    inputs: Iterable[str | Path | None] = (),
) -> Path:
    """Let `fill` write into a hidden sibling folder, then move it into place whole (see
    staged_folder)."""
    with staged_folder(out, overwrite, kind=kind, inputs=inputs) as staging:
        fill(staging)
    return _resolved(out)


@contextmanager
def staged_folder(
    out: str | Path,
    overwrite: bool = False,
    *,
    kind: FolderKind = RUN_FOLDER,
    inputs: Iterable[str | Path | None] = (),
) -> Iterator[Path]:
    """A hidden sibling folder of `out` to write into, moved into place whole when the block
    ends. If the block fails, or a stop signal unwinds it, the sibling is removed and `out` is
    untouched. The rules of reserve_folder apply.
    """
    with reserve_folder(out, overwrite, kind=kind, inputs=inputs) as target:
        with writing(out):
            staging = Path(
                tempfile.mkdtemp(
                    prefix=f".{target.name}.{_writer()}.", suffix=".partial", dir=target.parent
                )
            )
        try:
            with writing(out, placing=False):
                yield staging
            with writing(out):
                _put_in_place(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def _put_in_place(staging: Path, target: Path) -> None:
    if not target.exists():
        os.replace(staging, target)
        return
    retired = target.with_name(f".{target.name}.{_writer()}.old")
    os.replace(target, retired)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)


@contextmanager
def _reserved(
    out: str | Path, check: Callable[[], Path], tidy: Callable[[Path], None] | None = None
) -> Iterator[Path]:
    target = check()  # before anything is written: a refusal leaves no trace
    with _locked(out, target):
        if tidy is not None:
            with writing(out):
                tidy(target)
        yield check()  # again, now alone: another writer may have finished meanwhile


# Lock files this process holds, with how many reservations of this process hold each: a run
# holds its folder from the start, and saving the folder reserves it again.
_held: dict[Path, int] = {}


@contextmanager
def _locked(out: str | Path, target: Path) -> Iterator[None]:
    """Hold `.NAME.lock` beside `target`, creating the folders it needs (removed again if
    they stay empty); the lock file names this process and is removed at the end."""
    lock_path = target.with_name(f".{target.name}.lock")
    if lock_path in _held:
        _held[lock_path] += 1
        try:
            yield
        finally:
            _held[lock_path] -= 1
        return
    with writing(out):
        made = _make_folders(lock_path.parent)
        lock: FileLock | None = FileLock(lock_path, blocking=False, on_acquired=_write_pid)
        try:
            lock.acquire()
        except Timeout:
            _remove_empty(made)
            raise InputError(
                f"{out}: another segmentasi process{_holder(lock_path)} is writing it; wait "
                "for it to finish or choose another --out"
            ) from None
        except OSError as exc:
            if exc.errno not in (errno.ENOSYS, errno.ENOLCK):
                _remove_empty(made)
                raise
            lock = None  # a file system without locks: one writer at a time is not enforced
    _held[lock_path] = 1
    try:
        yield
    finally:
        del _held[lock_path]
        if lock is not None:
            # Removed while still held: a process that opened it meanwhile finds, once it gets
            # the lock, that the file is gone, and filelock makes it start over.
            with suppress(OSError):
                lock_path.unlink()
            lock.release()
        _remove_empty(made)


def _write_pid(descriptor: int) -> None:
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)


def _holder(lock_path: Path) -> str:
    """' (pid N)' naming the process that holds `lock_path`, when it has written its pid."""
    with suppress(OSError, ValueError):
        return f" (pid {int(lock_path.read_text(encoding='ascii').strip())})"
    return ""


def _make_folders(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents; the ones created, outermost first."""
    missing = []
    while not folder.exists() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))
    missing.reverse()
    for position, folder in enumerate(missing):
        try:
            folder.mkdir()
        except BaseException:
            _remove_empty(missing[:position])
            raise
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for folder in reversed(folders):
        with suppress(OSError):
            folder.rmdir()


def _remove_abandoned(target: Path) -> None:
    """Remove the staging and retired folders that killed writers of `target` left beside it,
    once each writer is proved gone; an `.old` whose replacement never arrived goes back."""
    prefix = f".{target.name}."
    for entry in os.scandir(target.parent):
        found = LEFT_BEHIND.fullmatch(entry.name[len(prefix) :])
        if (
            found is None
            or not entry.name.startswith(prefix)
            or not entry.is_dir(follow_symlinks=False)
            or _running(int(found["pid"]), int(found["start"]))
        ):
            continue
        if entry.name.endswith(".old") and not target.exists():
            os.replace(entry.path, target)
        else:
            shutil.rmtree(entry.path, ignore_errors=True)


def _writer() -> str:
    """This process as the names of its staging folders give it: pid and start time."""
    return f"{os.getpid()}-{_start_time(os.getpid()) or 0}"


def _start_time(pid: int) -> int | None:
    """When process `pid` started, in clock ticks after boot (Linux's /proc/PID/stat, field
    22); None where there is no /proc or no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return int(stat.rsplit(")", 1)[1].split()[19])  # after the name, field 3 is [0]
    except (OSError, IndexError, ValueError):
        return None


def _running(pid: int, start: int) -> bool:
    """Whether the process that wrote `pid`-`start` may still run: False only when proved gone
    (no process `pid`, or one that started at another time: the pid was reused)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, run by another user
    except (OverflowError, ValueError):
        return False  # no process can have that pid
    now = _start_time(pid)
    return start == 0 or now is None or now == start


def _resolved(path: str | Path) -> Path:
    return Path(path).resolve()


def _holds(folder: Path, path: Path) -> bool:
    return folder == path or folder in path.parents


def _refuse_inside_segmentasi_folder(out: str | Path, target: Path) -> None:
    for parent in target.parents:
        found = written_by_segmentasi(parent)
        if found is not None:
            raise InputError(
                f"{out}: is inside the segmentasi {found[0].name} {parent}, which holds only "
                "what segmentasi wrote there; choose another --out outside it"
            )

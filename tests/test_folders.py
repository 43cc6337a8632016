"""Where outputs go: never over what segmentasi did not write, one writer per output, clean
stops (signals, a closed pipe), and the operating system's refusals as exit 2."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from segmentasi import InputError, files, outputs
from segmentasi.cli import Interrupted, _stop_signals_interrupt
from segmentasi.outputs import (
    SEARCH_FOLDER,
    check_output_folder,
    write_folder_atomically,
    written_by_segmentasi,
)
from segmentasi.search import Guardrails, SearchOptions, SearchRun, write_search_folder

from .conftest import cli_in_process

QUICK_RUN = ("--experiment", "demografi", "--k-max", "3", "--quiet")


def segmentasi(*args: str) -> tuple[int, str]:
    """The command line in this process: its exit code and what it printed on stderr."""
    done = cli_in_process(*args)
    return done.returncode, done.stderr


def in_a_child(*args: str, **options) -> subprocess.Popen:
    """The command line in a child process, as a user runs it."""
    return subprocess.Popen(
        [sys.executable, "-m", "segmentasi.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under `root` (and `root`) with its modification time and size."""
    return {
        str(path.relative_to(root)): (path.lstat().st_mtime_ns, path.lstat().st_size)
        for path in [root, *sorted(root.rglob("*"))]
    }


def children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is `pid`."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, ValueError):
            continue
        if int(parent) == pid and state != "Z":
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(condition, timeout: float = 120.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def table(tmp_path_factory, synthetic) -> Path:
    path = tmp_path_factory.mktemp("data") / "customers.csv"
    synthetic.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def big_table(tmp_path_factory, schema) -> Path:
    """20,000 rows: a run starts worker processes for it and takes long enough to stop."""
    from segmentasi import synthesize

    path = tmp_path_factory.mktemp("big") / "customers.csv"
    synthesize(schema, rows=20_000, seed=1).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def run_template(tmp_path_factory, table) -> Path:
    """A real run folder, copied by the tests that need one."""
    from segmentasi.job import run
    from segmentasi.sweep import SweepOptions

    out = tmp_path_factory.mktemp("template") / "run"
    run(table, experiments=["demografi"], options=SweepOptions(ks=(2, 3)), diagnose=False, out=out)
    return out


@pytest.fixture
def run_dir(tmp_path, run_template) -> Path:
    return Path(shutil.copytree(run_template, tmp_path / "runs" / "latest"))


# --- never over what segmentasi did not write -------------------------------------------------


def test_run_and_search_folders_are_recognised_by_their_records(run_dir, tmp_path):
    kind, names = written_by_segmentasi(run_dir)
    assert kind.name == "run folder" and "demografi" in names and "segments.csv" in names
    empty = SearchRun({}, SearchOptions(), Guardrails(), {"path": "x"}, "toy")
    search_folder = write_search_folder(empty, tmp_path / "search")
    assert written_by_segmentasi(search_folder)[0] is SEARCH_FOLDER
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "manifest.json").write_text(json.dumps({"format_version": 1}))
    assert written_by_segmentasi(tmp_path / "other") is None
    (tmp_path / "other" / "manifest.json").write_text("[1, 2]")
    assert written_by_segmentasi(tmp_path / "other") is None
    assert written_by_segmentasi(tmp_path) is None


def test_a_run_folder_is_replaced_with_overwrite_and_nothing_is_left_beside_it(run_dir, table):
    before = json.loads((run_dir / "manifest.json").read_text())
    (run_dir / "manifest.json").write_text(json.dumps({**before, "created": "earlier"}))
    code, err = segmentasi("run", str(table), "--out", str(run_dir), *QUICK_RUN)
    assert code == 2 and "folder exists and is not empty (use --overwrite" in err
    code, err = segmentasi("run", str(table), "--out", str(run_dir), "--overwrite", *QUICK_RUN)
    assert code == 0, err
    assert json.loads((run_dir / "manifest.json").read_text())["created"] != "earlier"
    assert sorted(p.name for p in run_dir.parent.iterdir()) == ["latest"]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("input inside", "holds the input"),
        ("cwd inside", "holds the current folder"),
        ("out is cwd", ": is the current folder; choose another --out"),
        ("not a run folder", "is not a segmentasi run folder; --overwrite replaces only a run"),
        ("a file of the user's", "which segmentasi did not write; --overwrite would delete it"),
        ("inside a run folder", "is inside the segmentasi run folder"),
        ("a search folder", "is not a segmentasi run folder"),
        ("a file", "exists and is not a folder"),
        ("under a file", "a part of the path is a file, not a folder"),
        ("name too long", "file name too long"),
    ],
)
def test_run_refuses_and_touches_nothing(monkeypatch, tmp_path, run_dir, table, case, message):
    data, out = str(table), str(run_dir)
    if case == "input inside":
        data = str(shutil.copy(table, run_dir / "demografi" / "customers.csv"))
    elif case == "cwd inside":
        monkeypatch.chdir(run_dir / "demografi")
    elif case == "out is cwd":
        monkeypatch.chdir(run_dir)
        out = "."
    elif case == "not a run folder":
        (run_dir / "manifest.json").unlink()
    elif case == "a file of the user's":
        (run_dir / "notes.txt").write_text("mine")
    elif case == "inside a run folder":
        out = str(run_dir / "again")
    elif case == "a search folder":
        shutil.rmtree(run_dir)
        write_search_folder(
            SearchRun({}, SearchOptions(), Guardrails(), {"path": "x"}, "toy"), run_dir
        )
    elif case == "a file":
        out = str(tmp_path / "notes.txt")
        Path(out).write_text("mine")
    elif case == "under a file":
        out = str(tmp_path / "runs" / "latest" / "report.html" / "x")
        (run_dir / "manifest.json").unlink()  # else: inside a run folder
    elif case == "name too long":
        out = str(tmp_path / ("x" * 300))
    before = snapshot(tmp_path)
    code, err = segmentasi("run", data, "--out", out, "--overwrite", *QUICK_RUN)
    assert code == 2, err
    assert message in err and "Traceback" not in err
    assert snapshot(tmp_path) == before


def test_a_dangling_symbolic_link_as_folder_output_is_refused(tmp_path, table):
    planted = tmp_path / "planted"
    link = tmp_path / "latest"
    link.symlink_to(planted / "run")  # as another user could leave in a shared folder
    before = snapshot(tmp_path)
    code, err = segmentasi("run", str(table), "--out", str(link), *QUICK_RUN)
    assert code == 2 and "latest: is a symbolic link to" in err and "which does not exist" in err
    assert snapshot(tmp_path) == before and not planted.exists()


def test_an_empty_folder_is_used_without_overwrite(tmp_path):
    (tmp_path / "empty").mkdir()
    write_folder_atomically(tmp_path / "empty", lambda folder: (folder / "a").write_text("a"))
    assert (tmp_path / "empty" / "a").read_text() == "a"


def test_demo_does_not_replace_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("years of work")
    before = snapshot(tmp_path)
    code, err = segmentasi("demo", "--out", str(tmp_path / "mine"), "--rows", "100")
    assert code == 2 and "not a segmentasi run folder" in err
    assert snapshot(tmp_path) == before


def test_search_replaces_only_a_search_folder(tmp_path, run_dir, table):
    found = SearchRun({}, SearchOptions(), Guardrails(), {"path": "x"}, "toy")
    write_search_folder(found, tmp_path / "search")
    with pytest.raises(InputError, match="use --overwrite"):
        write_search_folder(found, tmp_path / "search")
    write_search_folder(found, tmp_path / "search", overwrite=True)
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match="is not a segmentasi search folder"):
        write_search_folder(found, run_dir, overwrite=True)
    with pytest.raises(InputError, match="holds the input"):
        check_output_folder(tmp_path, True, kind=SEARCH_FOLDER, inputs=[table, tmp_path / "x"])
    assert snapshot(tmp_path) == before


def write_file_output(
    command: str, run_dir: Path, table: Path, out: Path, *more: str
) -> tuple[int, str]:
    """`assign` (with the run's model and `table`) or `targets` (on `run_dir`) into `out`."""
    if command == "assign":
        model = run_dir / "demografi" / "segmentation.model"
        return segmentasi("assign", str(model), str(table), "--out", str(out), "--quiet", *more)
    return segmentasi(
        "targets",
        str(run_dir),
        "--segment",
        "1",
        "--product",
        "deposito",
        "--out",
        str(out),
        "--quiet",
        *more,
    )


@pytest.mark.parametrize("command", ["assign", "targets"])
def test_file_outputs_refuse_existing_files_and_run_folders(tmp_path, run_dir, table, command):
    def write(out: Path, *more: str) -> tuple[int, str]:
        return write_file_output(command, run_dir, table, out, *more)

    existing = tmp_path / "placed.csv"
    existing.write_text("keep me")
    (tmp_path / "folder.csv").mkdir()
    before = snapshot(tmp_path)
    for out, message in [
        (run_dir / "segments.csv", "is inside the segmentasi run folder"),
        (run_dir / "demografi" / "new.csv", "is inside the segmentasi run folder"),
        (existing, "exists (use --overwrite to replace it)"),
        (tmp_path / "folder.csv", "is a folder"),
    ]:
        code, err = write(out)
        assert code == 2 and message in err, (out, err)
        assert snapshot(tmp_path) == before
    if command == "assign":
        code, err = write(table, "--overwrite")
        assert code == 2 and "would overwrite the input" in err
        assert snapshot(tmp_path) == before
    code, err = write(run_dir / "segments.csv", "--overwrite")
    assert code == 2 and "is inside the segmentasi run folder" in err
    code, err = write(existing, "--overwrite")
    assert code == 0, err
    assert existing.read_text() != "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.csv", "placed.csv", "runs"]


@pytest.mark.parametrize("command", ["assign", "targets"])
def test_a_symbolic_link_as_file_output_is_replaced_never_followed(
    tmp_path, run_dir, table, command
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "notes.txt"
    victim.write_text("keep me")
    linked, dangling = tmp_path / "linked.csv", tmp_path / "dangling.csv"
    linked.symlink_to(victim)
    dangling.symlink_to(tmp_path / "not_yet" / "planted.csv")  # as another user could leave
    for out in (linked, dangling):
        code, err = write_file_output(command, run_dir, table, out)
        assert code == 2 and "exists (use --overwrite to replace it)" in err, err
        code, err = write_file_output(command, run_dir, table, out, "--overwrite")
        assert code == 0, err
        assert not out.is_symlink() and out.read_text(encoding="utf-8").startswith("GCIF,")
    assert victim.read_text() == "keep me" and sorted(os.listdir(elsewhere)) == ["notes.txt"]
    assert not (tmp_path / "not_yet").exists()


# --- the operating system's refusals are the user's to fix ----------------------------------


def test_a_full_disk_while_writing_is_exit_2_and_leaves_nothing(
    monkeypatch, tmp_path, run_dir, table
):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "write_table", full)
    model = run_dir / "demografi" / "segmentation.model"
    out = tmp_path / "placed.csv"
    code, err = segmentasi("assign", str(model), str(table), "--out", str(out), "-q")
    assert code == 2, err
    assert f"cannot write {out}: no space left on the device" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]

    def fill(folder: Path) -> None:
        (folder / "segments.csv").write_text("half")
        files.write_file_atomically(folder / "segmentation.model", full)

    with pytest.raises(files.WriteRefused) as refused:  # named as the user named it
        write_folder_atomically(tmp_path / "new", fill)
    assert str(refused.value) == f"cannot write {tmp_path / 'new'}: no space left on the device"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]


def test_a_bug_inside_the_folder_stays_a_bug(tmp_path):
    def fill(folder: Path) -> None:
        (folder / "x").mkdir()
        (folder / "x").mkdir()  # EEXIST while filling: segmentasi's mistake, not the user's

    with pytest.raises(FileExistsError):
        write_folder_atomically(tmp_path / "new", fill)
    assert list(tmp_path.iterdir()) == []


def test_permission_denied_is_exit_2(monkeypatch, tmp_path, table):
    def refuse(folder: Path) -> None:  # as in a folder the user may not write
        raise PermissionError(errno.EACCES, "Permission denied", str(folder))

    monkeypatch.setattr(outputs, "_make_folders", refuse)
    out = tmp_path / "runs" / "x"
    code, err = segmentasi("run", str(table), "--out", str(out), *QUICK_RUN)
    assert code == 2, err
    assert f"cannot write {out}: permission denied" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_exit_2(tmp_path, table):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, err = segmentasi("run", str(table), "--out", str(locked / "x"), *QUICK_RUN)
    assert code == 2 and "permission denied" in err


# --- what killed writers leave behind -------------------------------------------------------


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_later_writer_removes_only_what_proven_dead_writers_left(tmp_path):
    me = f"{os.getpid()}-{outputs._start_time(os.getpid())}"
    left = {
        f".run.{dead_pid()}-123.abc_1.partial": False,  # its writer is gone
        f".run.{os.getpid()}-1.abc_2.partial": False,  # its pid was reused by another process
        f".run.{me}.abc_3.partial": True,  # its writer runs
        ".run.abc_4.partial": True,  # no writer named: never removed
        f".run.{dead_pid()}-123.abc_5.partial.mine": True,  # not a name segmentasi gives
        f".other.{dead_pid()}-123.abc_6.partial": True,  # another output's
    }
    for name in left:
        (tmp_path / name).mkdir()
        (tmp_path / name / "segments.csv").write_text("half")
    write_folder_atomically(tmp_path / "run", lambda folder: (folder / "a").write_text("a"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["run", *(name for name, kept in left.items() if kept)]
    )


def test_a_folder_moved_aside_by_a_killed_writer_comes_back(tmp_path):
    old = tmp_path / f".run.{dead_pid()}-123.old"
    old.mkdir()
    (old / "manifest.json").write_text("the previous run")
    with pytest.raises(InputError, match="folder exists"):
        write_folder_atomically(tmp_path / "run", lambda folder: None)
    assert (tmp_path / "run" / "manifest.json").read_text() == "the previous run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_stop_signal_while_the_folder_is_written_removes_the_staging_folder(tmp_path, stop):
    def fill(folder: Path) -> None:
        (folder / "segments.csv").write_text("half")
        os.kill(os.getpid(), getattr(signal, stop))
        pytest.fail("the signal's exception did not end the writing at once")

    with _stop_signals_interrupt(), pytest.raises(Interrupted) as stopped:
        write_folder_atomically(tmp_path / "run", fill)
    assert str(stopped.value) == stop
    assert list(tmp_path.iterdir()) == []  # neither the staging folder nor the lock file


# --- stop signals, one writer, a closed pipe: as a user runs it -----------------------------


def run_until_workers(big_table: Path, out: Path) -> tuple[subprocess.Popen, set[int]]:
    """A run of the big table with two workers, once both exist."""
    child = in_a_child("run", str(big_table), "--out", str(out), "--workers", "2", *QUICK_RUN)
    wait_for(lambda: len(children(child.pid)) == 2 or child.poll() is not None, what="workers")
    assert child.poll() is None, child.communicate()
    return child, children(child.pid)


def test_a_second_writer_is_refused_naming_the_first_and_sigterm_stops_the_first(
    tmp_path, big_table
):
    out = tmp_path / "run"
    first, workers = run_until_workers(big_table, out)
    code, err = segmentasi("run", str(big_table), "--out", str(out), *QUICK_RUN)
    assert code == 2, err
    assert f"another segmentasi process (pid {first.pid}) is writing it" in err
    first.send_signal(signal.SIGTERM)
    _, err = first.communicate(timeout=60)
    assert first.returncode == 143, err
    assert err.strip() == "Interrupted by SIGTERM: stopped, no partial output left."
    wait_for(lambda: not any(alive(pid) for pid in workers), timeout=10, what="workers to end")
    assert list(tmp_path.iterdir()) == []  # no run folder, staging folder or lock file


def test_ctrl_c_stops_the_run_and_its_workers(tmp_path, big_table):
    run, workers = run_until_workers(big_table, tmp_path / "run")
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    assert err.strip() == "Interrupted by SIGINT: stopped, no partial output left."
    wait_for(lambda: not any(alive(pid) for pid in workers), timeout=10, what="workers to end")
    assert list(tmp_path.iterdir()) == []


def test_a_closed_pipe_ends_the_run_quietly(tmp_path, table):
    child = in_a_child(
        "run",
        str(table),
        "--out",
        str(tmp_path / "run"),
        "--workers",
        "2",
        "--experiment",
        "demografi",
        "--k-max",
        "3",
    )
    # The reader goes away before the run prints anything, as `| head -0` or a reader that
    # died does; closing after the first line raced with a child that had printed everything.
    child.stdout.close()
    child.stdout = None
    _, err = child.communicate(timeout=300)
    assert child.returncode == 128 + signal.SIGPIPE, err
    assert "Traceback" not in err and "Error" not in err
    assert (tmp_path / "run" / "manifest.json").is_file()

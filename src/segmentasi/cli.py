"""Command line: parses arguments, calls the Python API, prints. No logic of its own.

Exit codes: 0 done, 2 the user's input is wrong (message, no traceback), 1 internal error,
128 + the signal's number when stopped by SIGINT (130), SIGTERM (143) or SIGHUP (129), and 141
(as if by SIGPIPE) when the reader of the output went away (`segmentasi ... | head`).
"""

from __future__ import annotations

import gc

# The cyclic garbage collector waits while the imports below run: the modules they load live
# until the process ends, and collecting among them took 0.2 s of the 2 s the imports take,
# on one core before a run's workers start. It resumes after them.
_collecting = gc.isenabled()
gc.disable()

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from . import files, search_defaults
from .config import base_schema_for, load_config, reproduction_note
from .decision import NO_STRUCTURE_MARGIN, near_shuffled, structure
from .errors import EngineFailure, InputError, UserError, printable
from .model import DEFAULT_CHUNK_ROWS, DEFAULT_TOP_OFFERS, load_model
from .outputs import (
    MEASUREMENT_FOLDER,
    SEARCH_FOLDER,
    TRACKING_FOLDER,
    check_output_file,
    check_output_folder,
    reserve_file,
    reserve_folder,
)
from .parallel import STOP_SIGNALS
from .quality import Handling, assess
from .rules import DEFAULT_DIALECT, MODES
from .schema import load_schema
from .sweep import MAX_K, SweepOptions
from .text.findings import describe
from .text.numbers import num, pct
from .validation import ValidationError

if _collecting:
    gc.enable()

# Each command imports what only it uses (the campaign, tracking and run-folder modules, the
# report's, the search's): a run's command line then loads only what the run does, on one core
# before its workers start.
if TYPE_CHECKING:
    from .campaign import Measurement, Power, Split
    from .engine import CatalogTable, Engine
    from .recommend import CampaignList
    from .results import ExperimentResult, RunResult
    from .search import SearchRun

app = typer.Typer(
    help="Customer segmentation for banks: validate a customer table, segment it, profile the "
    "segments.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class DataConsole(Console):
    """A console that prints every string as data: no [markup], no :emoji: codes, and control
    or text-direction characters shown as escapes, so a cell holding "[/]" or an ANSI escape
    sequence prints as those characters and never styles the terminal. Words meant to be styled
    are passed as rich Text (see `_styled`)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(soft_wrap=True, markup=False, emoji=False, highlight=False, **options)

    def render_str(self, text: str, **options: Any) -> Text:
        return super().render_str(printable(text), **options)


def _styled(words: str, style: str, text: str = "") -> Text:
    """`words` in `style`, then `text`; both printed as data like every string."""
    return Text.assemble((printable(words), style), printable(text))


out_console = DataConsole()
err_console = DataConsole(stderr=True)

SchemaOption = Annotated[
    Path | None, typer.Option("--schema", help="Schema TOML file (default: built-in FundFusion).")
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print only errors and the result path.")
]
OverwriteFileOption = Annotated[
    bool, typer.Option(help="Replace the --out file if it exists (never an input file).")
]
DecimalOption = Annotated[
    str,
    typer.Option(
        "--decimal",
        help="Decimal mark of numbers in a text table: auto (detect it), '.' or ','.",
    ),
]
EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        help="Where the steps that touch every row run: in-process (default) or spark "
        "(Apache Spark; pip install 'segmentasi[spark]').",
    ),
]
SparkMasterOption = Annotated[
    str,
    typer.Option(
        "--spark-master", help="Spark master: local[*] (default), spark://HOST:7077, yarn, ..."
    ),
]
SparkConfOption = Annotated[
    list[str] | None,
    typer.Option("--spark-conf", help="A Spark setting key=value (repeatable)."),
]
OutTableOption = Annotated[
    str | None,
    typer.Option(help="With --engine spark: also write a new table of the Spark catalog."),
]
TableOption = Annotated[
    str | None,
    typer.Option(
        "--table",
        help="Read this table of the Spark catalog (Hive, JDBC, ...) instead of DATA "
        "(--engine spark).",
    ),
]
DataArgument = Annotated[
    str | None,
    typer.Argument(
        help="Customer table: .csv, .parquet or .xlsx; with --engine spark also a Parquet or "
        "CSV directory or URI Spark reads (hdfs://, s3a://, ...).",
        show_default=False,
    ),
]
# One default language for every command: Bahasa Indonesia, or SEGMENTASI_LANG once for all.
# Messages on the terminal are English whatever the language.
LANG_ENV = "SEGMENTASI_LANG"


def default_lang() -> str:
    """The language every command uses unless --lang says otherwise: $SEGMENTASI_LANG, else id."""
    return os.environ.get(LANG_ENV, "").strip().lower() or "id"


def _lang(lang: str | None) -> str:
    chosen = default_lang() if lang is None else lang
    if chosen not in ("id", "en"):
        where = "--lang" if lang is not None else f"${LANG_ENV}"
        raise InputError(f"{where}: language must be id or en, not {chosen!r}")
    return chosen


ReportLangOption = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Language of report.html: id (Bahasa Indonesia) or en (English); default "
        f"${LANG_ENV}, else id.",
    ),
]


class Interrupted(BaseException):
    """A stop signal, raised in the main thread so that the run unwinds: its workers are
    killed, its staging folder and lock file removed. Not an Exception: nothing catches it
    by accident."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal.Signals(signal_number).name)
        self.signal_number = signal_number


def main() -> None:
    """The command line in this process: usage errors exit 2 (typer); our errors and stop
    signals are mapped here. Ends with SystemExit, like every click command."""
    with _stop_signals_interrupt():
        try:
            app()
        except Interrupted as stop:
            err_console.print(
                f"Interrupted by {stop}: stopped, no partial output left.", highlight=False
            )
            sys.exit(128 + stop.signal_number)
        except Exception as exc:
            sys.exit(_report_failure(exc))


@contextmanager
def _stop_signals_interrupt() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise Interrupted (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signal_number: int, frame: object) -> None:
        raise Interrupted(signal_number)

    previous = {stop: signal.signal(stop, interrupt) for stop in STOP_SIGNALS}
    try:
        yield
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)


def program() -> None:
    """What the installed `segmentasi` command runs: main(), then os._exit once the output is
    flushed. The interpreter's normal teardown, freeing every module pandas, scikit-learn and
    matplotlib loaded, took 0.3-0.4 s after the work was done; nothing is left to clean up by
    then (worker pools are closed, a run folder is moved into place whole).

    The modules imported by then live until that exit, so they are frozen out of the garbage
    collector's full passes, and so is all that is alive when a run's workers fork (the
    modules the run loaded, its table): collecting while the workers work, this process
    scans only what it made since (workers do the same with what they inherit, see
    parallel.py)."""
    gc.freeze()
    os.register_at_fork(before=gc.freeze)
    stdout, stdout_file = sys.stdout, _file_identity(sys.stdout)
    try:
        main()
        code: int | str | None = 0
    except SystemExit as done:
        code = done.code
    if isinstance(code, str):  # sys.exit("message") prints the message and exits 1
        print(code, file=sys.stderr)
        code = 1
    # A closed stdout (EPIPE: its reader went away, as in `segmentasi run ... | head`) ends
    # the command quietly: rich points stdout at os.devnull, typer wraps sys.stdout, and both
    # exit 1, which here would mean a bug. It ends as if by SIGPIPE instead, like Unix tools.
    reader_gone = sys.stdout is not stdout or _file_identity(sys.stdout) != stdout_file
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        reader_gone = True
    if reader_gone:
        code = 128 + signal.SIGPIPE
    with suppress(OSError):
        sys.stderr.flush()
    os._exit(code or 0)


def _file_identity(stream: Any) -> tuple[int, int] | None:
    """The device and inode of the file behind `stream`, if any."""
    with suppress(AttributeError, OSError, ValueError):
        found = os.fstat(stream.fileno())
        return found.st_dev, found.st_ino
    return None


OUT_OF_MEMORY = (
    "out of memory: the table is larger than this machine can hold in one process; run on "
    "fewer rows (--where), or with --engine spark (pip install 'segmentasi[spark]')"
)


def _report_failure(exc: BaseException) -> int:
    if isinstance(exc, ValidationError):
        err_console.print(_styled("Invalid table.", "bold red", f" {exc.explain()}"))
        return 2
    if isinstance(exc, UserError):
        err_console.print(_styled("Error:", "bold red", f" {exc}"))
        return 2
    if isinstance(exc, EngineFailure):
        err_console.print(_styled("Failed:", "bold red", f" {exc}"))
        return 1
    if isinstance(exc, MemoryError) and not os.environ.get("SEGMENTASI_DEBUG"):
        # Not a bug, and not the input's fault: the table is larger than this machine holds.
        err_console.print(_styled("Failed:", "bold red", f" {OUT_OF_MEMORY} ({exc})"))
        return 1
    if os.environ.get("SEGMENTASI_DEBUG"):
        raise exc
    err_console.print(
        _styled(
            "Internal error",
            "bold red",
            f" ({type(exc).__name__}: {exc}). This is a bug in "
            "segmentasi; set SEGMENTASI_DEBUG=1 to see the traceback.",
        )
    )
    return 1


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    if quiet:
        yield None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(step: str, done: int, total: int) -> None:
            key, step = step.rsplit(":", 1)[0], printable(step)
            if key not in tasks:
                tasks[key] = bar.add_task(step, total=total)
            bar.update(tasks[key], description=step, completed=done, total=total)

        yield update


@app.command("validate")
def validate_command(
    data: DataArgument = None,
    schema: SchemaOption = None,
    lang: Annotated[
        str | None,
        typer.Option(help=f"Language of the findings: id or en (default ${LANG_ENV}, else id)."),
    ] = None,
    allow_extra_columns: Annotated[
        bool, typer.Option(help="Ignore columns the schema does not declare.")
    ] = False,
    decimal: DecimalOption = "auto",
    engine: EngineOption = "in-process",
    spark_master: SparkMasterOption = "local[*]",
    spark_conf: SparkConfOption = None,
    table: TableOption = None,
) -> None:
    """Check a table against the schema and print its data-quality report.

    Example: segmentasi validate clustering_data.csv
    """
    lang = _lang(lang)
    loaded = load_schema(schema)
    chosen, source = _engine_and_source(data, table, engine, spark_master, spark_conf)
    with _closing(chosen):
        table_read, read_from = chosen.load(
            source, loaded, allow_extra=allow_extra_columns, where=None, decimal=decimal
        )
    report = assess(table_read, loaded)
    data = read_from.get("table", read_from.get("path"))
    sampled = (
        f" (the report below reads a sample of {report.rows:,})"
        if read_from["rows"] > report.rows
        else ""
    )
    out_console.print(
        _styled(
            str(data),
            "bold green",
            f": {read_from['rows']:,} rows, all "
            f"{len(report.columns)} columns valid for schema '{loaded.name}'{sampled}.",
        )
    )
    summary = Table("column", "role", "missing", "range / levels", title="Columns")
    for rec in report.columns.to_dict(orient="records"):
        if isinstance(rec["levels"], str):
            spread = rec["levels"]
        elif pd.notna(rec["min"]):
            spread = f"{num(rec['min'], 'en')} .. {num(rec['max'], 'en')}"
        else:
            spread = ""
        summary.add_row(rec["column"], rec["role"], pct(rec["missing_share"], "en"), spread)
    out_console.print(summary)
    out_console.print(_styled("Findings", "bold"))
    for finding in report.findings:
        out_console.print(f"  - {describe(finding, lang)}", highlight=False)


@app.command("run")
def run_command(
    data: DataArgument = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Run folder to create.")] = Path(
        "runs/latest"
    ),
    schema: SchemaOption = None,
    experiment: Annotated[
        list[str] | None,
        typer.Option(
            "--experiment", "-e", help="Experiment to run (repeatable; default: all in the schema)."
        ),
    ] = None,
    algorithm: Annotated[
        list[str] | None,
        typer.Option("--algorithm", "-a", help="kmeans and/or kmedoids (default: both)."),
    ] = None,
    k_min: Annotated[int, typer.Option(min=2, max=MAX_K, help="Smallest k in the sweep.")] = 2,
    k_max: Annotated[int, typer.Option(min=2, max=MAX_K, help="Largest k in the sweep.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed for every random choice.")] = 0,
    target_silhouette: Annotated[
        float, typer.Option(help="Silhouette the segmentation should reach.")
    ] = 0.7,
    where: Annotated[
        str | None,
        typer.Option(
            help="Keep only rows matching a filter (no code runs): comparisons "
            "== != < <= > >=, `col in [...]`, `col between A and B`, `col is missing` "
            "(each also with not), joined by and, or, not and parentheses; numbers bare, "
            "levels and text quoted, column names with spaces in backquotes. "
            "E.g. \"Usia >= 40 and Area in ['Jakarta', 'Bogor']\"."
        ),
    ] = None,
    missing: Annotated[
        str,
        typer.Option(
            help="Missing feature values: set-aside (customers without a number that is often "
            "unrecorded get no segment; other gaps the median or most frequent level), indicate "
            "(such numbers marked unrecorded by an extra column and given the mean), impute "
            "(median or most frequent level, unmarked) or drop (rows left out)."
        ),
    ] = "set-aside",
    duplicate_ids: Annotated[
        str, typer.Option(help="Rows with a repeated ID: keep or drop.")
    ] = "keep",
    allow_extra_columns: Annotated[
        bool, typer.Option(help="Ignore columns the schema does not declare.")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option(help="Replace the run folder if it is one segmentasi wrote.")
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Run exactly this configuration (a TOML written by `segmentasi search`): "
            "its experiment, features, scales, encoding, algorithm, metric, k and "
            "seed replace --experiment, --algorithm, --k-min, --k-max and --seed.",
        ),
    ] = None,
    lang: ReportLangOption = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Processes for independent steps (default: one per core from 10,000 rows); "
            "results are the same for any number.",
        ),
    ] = None,
    decimal: DecimalOption = "auto",
    engine: EngineOption = "in-process",
    spark_master: SparkMasterOption = "local[*]",
    spark_conf: SparkConfOption = None,
    table: TableOption = None,
    out_table: Annotated[
        str | None,
        typer.Option(
            help="With --engine spark: also write every customer's segments (the run folder's "
            "segments.parquet) as a new table of the Spark catalog, once the folder is complete."
        ),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Segment a customer table: k-sweep with K-Means and K-Medoids, profiles, run folder.

    Example: segmentasi run clustering_data.csv --out runs/fundfusion --experiment demografi
    """
    options = SweepOptions(
        ks=tuple(range(k_min, k_max + 1)),
        algorithms=tuple(algorithm) if algorithm else SweepOptions().algorithms,
        seed=seed,
        target_silhouette=target_silhouette,
    )
    refined = load_config(config) if config else None
    if refined is not None:
        if experiment or algorithm:
            raise InputError(
                "--config names the experiment and algorithm; drop --experiment and --algorithm"
            )
        schema = refined.schema_for(base_schema_for(refined, schema))
        experiment, options = [refined.experiment], refined.sweep_options()
    handling = Handling(missing=missing, duplicate_ids=duplicate_ids)
    lang = _lang(lang)
    chosen, source = _engine_and_source(
        data, table, engine, spark_master, spark_conf, segments_table=out_table
    )
    with _closing(chosen):
        result = _run_and_summarise(
            source,
            quiet,
            engine=chosen,
            schema=schema,
            experiments=experiment or None,
            options=options,
            handling=handling,
            where=where,
            allow_extra_columns=allow_extra_columns,
            lang=lang,
            workers=workers,
            out=out,
            overwrite=overwrite,
            decimal=decimal,
        )
    note = reproduction_note(refined, result) if refined is not None else None
    if note:
        out_console.print(note, highlight=False)
    _print_paths(out.resolve())


def _engine_and_source(
    data: str | None,
    table: str | None,
    engine: str,
    spark_master: str,
    spark_conf: list[str] | None,
    *,
    segments_table: str | None = None,
    names: tuple[str, str, str] = ("DATA", "--table", "the customer table to read"),
) -> tuple[Engine, str | Path | CatalogTable]:
    """The engine the options name, and what it reads: DATA, or the catalog table --table
    (`names`: as _data_or_table's)."""
    from .engines import make_engine

    chosen = make_engine(
        engine,
        spark_master=spark_master,
        spark_conf=spark_conf or (),
        segments_table=segments_table,
    )
    return chosen, _data_or_table(data, table, engine, names=names)


def _data_or_table(
    data: str | None,
    table: str | None,
    engine: str,
    *,
    names: tuple[str, str, str],
) -> str | Path | CatalogTable:
    """What one table is read from: `data` (a path or URI) or the catalog table `table`, never
    both; `names`: the two options' names, as the messages say them, and what the table is."""
    data_name, table_name, what = names
    if table is not None:
        if data is not None:
            raise InputError(f"give either {data_name} or {table_name}, not both")
        if engine != "spark":
            raise InputError(f"{table_name} reads a table of the Spark catalog: add --engine spark")
        from .engine import CatalogTable

        return CatalogTable(table)
    if data is None:
        raise InputError(f"missing {data_name}: {what} (or {table_name} with Spark)")
    return _source(data, engine)


def _source(data: str, engine: str) -> str | Path:
    """The table `data` names: a path, or a URI Spark reads (hdfs://, s3a://), kept as text (a
    Path would fold its '//')."""
    return data if engine == "spark" and "://" in data else Path(data)


@contextmanager
def _closing(engine: Engine) -> Iterator[Engine]:
    """`engine`, its failures told as errors, closed (a Spark session stopped) when the block
    ends."""
    try:
        with engine.failures():
            yield engine
    finally:
        engine.close()


def _run_and_summarise(data: Any, quiet: bool, **arguments: Any) -> RunResult:
    """segmentasi.run with a progress bar, then the sweep's summary (unless quiet)."""
    from .job import run

    with _progress(quiet) as progress:
        result = run(data, progress=progress, **arguments)
    if not quiet:
        _print_summary(result)
    return result


@app.command("search")
def search_command(
    data: Annotated[Path, typer.Argument(help="Customer table: .csv, .parquet or .xlsx.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the results and configs.")
    ] = Path("runs/search"),
    schema: SchemaOption = None,
    experiment: Annotated[
        list[str] | None,
        typer.Option("--experiment", "-e", help="Experiment to search (repeatable; default: all)."),
    ] = None,
    target_silhouette: Annotated[float, typer.Option(help="Silhouette to reach.")] = 0.7,
    time_budget: Annotated[
        float, typer.Option(help="Seconds for the whole search (shared by the experiments).")
    ] = search_defaults.TIME_BUDGET,
    seed: Annotated[int, typer.Option(help="Seed for every random choice.")] = 0,
    min_segment_share: Annotated[
        float, typer.Option(help="Guardrail: every segment holds at least this share of customers.")
    ] = search_defaults.MIN_SEGMENT_SHARE,
    k_min: Annotated[int, typer.Option(help="Guardrail: smallest k.")] = search_defaults.K_MIN,
    k_max: Annotated[int, typer.Option(help="Guardrail: largest k.")] = search_defaults.K_MAX,
    min_features: Annotated[
        int, typer.Option(help="Guardrail: fewest features a configuration may use.")
    ] = search_defaults.MIN_FEATURES,
    min_stability: Annotated[
        float, typer.Option(help="Guardrail: lowest mean ARI under resampling.")
    ] = search_defaults.MIN_STABILITY,
    overwrite: Annotated[
        bool, typer.Option(help="Replace the folder if it is a search folder segmentasi wrote.")
    ] = False,
    decimal: DecimalOption = "auto",
    quiet: QuietOption = False,
) -> None:
    """Search an experiment's configurations (features, scaling, encoding, algorithm, distance,
    k) for the best segmentation under guardrails, and say whether the target is reachable.

    Example: segmentasi search clustering_data.csv --experiment demografi --target-silhouette 0.7
    """
    from .search import (  # only this command
        Guardrails,
        SearchOptions,
        search_configurations,
        write_search_folder,
    )

    guardrails = Guardrails(
        min_segment_share=min_segment_share,
        k_min=k_min,
        k_max=k_max,
        min_features=min_features,
        min_stability=min_stability,
    )
    options = SearchOptions(target_silhouette=target_silhouette, time_budget=time_budget, seed=seed)
    reserved = reserve_folder(out, overwrite, kind=SEARCH_FOLDER, inputs=(data, schema))
    with reserved, _progress(quiet) as progress:
        result = search_configurations(
            data,
            schema=schema,
            experiments=experiment or None,
            options=options,
            guardrails=guardrails,
            progress=progress,
            decimal=decimal,
        )
        folder = write_search_folder(result, out, overwrite)
    _print_search(result, folder, data, quiet)


def _print_search(result: SearchRun, folder: Path, data: Path, quiet: bool) -> None:
    for name, found in result.experiments.items():
        out_console.print(_styled(found.verdict, "bold"))
        if quiet:
            continue
        for reason in found.reasons:
            out_console.print(f"  - {reason}", highlight=False)
        if not found.front:
            out_console.print(
                f"  Pareto front of {name}: empty (no configuration passed the guardrails).",
                highlight=False,
            )
        else:
            out_console.print(
                f"  Pareto front of {name} (silhouette on all rows in each "
                "configuration's own space; null = same method on shuffled "
                "columns):",
                highlight=False,
            )
        for evaluation in found.front:
            config, null = evaluation.config, evaluation.null_silhouette
            out_console.print(
                f"    {evaluation.id}: silhouette {evaluation.silhouette:.3f}"
                f"{'' if null is None else f' (null {null:.3f})'}, information kept "
                f"{pct(evaluation.information_kept, 'en')}, "
                f"{config.algorithms[0]} k={evaluation.k} "
                f"{config.metric} on the {config.encoding} encoding, smallest segment "
                f"{pct(evaluation.smallest_segment_share, 'en')}, stability "
                f"{evaluation.stability_ari:.2f}; features: {', '.join(config.features)}",
                highlight=False,
            )
        if found.best is not None:
            out_console.print(
                f"Rerun the best: segmentasi run {data} --config {folder / name / 'best.toml'}",
                highlight=False,
            )
        elif found.closest is not None:
            path = folder / name / "configs" / f"{found.closest.id}.toml"
            out_console.print(f"The closest (it breaks a guardrail): {path}", highlight=False)
    out_console.print(f"Search folder: {folder}", highlight=False)


def _print_paths(folder: Path) -> None:
    from .report import REPORT_FILE

    out_console.print(f"Run folder: {folder}")
    out_console.print(f"Report (open in a browser): {folder / REPORT_FILE}", highlight=False)


def _print_summary(result: RunResult) -> None:
    for name, exp in result.experiments.items():
        sweep = exp.sweep
        table = Table(
            "algorithm",
            "k",
            "silhouette",
            "Davies-Bouldin",
            "smallest segment",
            title=f"{name}: sweep (silhouette in the space each algorithm clustered)",
        )
        for row in sweep.table.itertuples():
            mark = " *" if row.chosen else ""
            table.add_row(
                row.algorithm,
                f"{row.k}{mark}",
                f"{row.silhouette:.3f}",
                f"{row.davies_bouldin:.2f}",
                pct(row.smallest_segment_share, "en"),
            )
        out_console.print(table)
        out_console.print(summary_line(name, exp), highlight=False)


def summary_line(name: str, exp: ExperimentResult) -> str:
    """'produk: recommended kmeans k=4, silhouette 1.000; target 0.7 met, but ...': a met
    target within decision.NO_STRUCTURE_MARGIN of shuffled data says so in the same line."""
    sweep = exp.sweep
    algorithm, k = sweep.recommended
    verdict = "met" if sweep.target_met else "NOT met"
    null = structure(name, exp).null_silhouette
    if sweep.target_met and near_shuffled(sweep.recommended_silhouette, null):
        verdict = (
            f"met, but the same data shuffled reach {null:.3f} (less than "
            f"{NO_STRUCTURE_MARGIN} apart): not natural groups"
        )
    return (
        f"{name}: recommended {algorithm} k={k}, silhouette "
        f"{sweep.recommended_silhouette:.3f}; target {sweep.target} {verdict}."
    )


@app.command("synth")
def synth_command(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="File to write (.csv, .xlsx or .parquet).")
    ],
    rows: Annotated[int, typer.Option(help="Number of customers.")] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    schema: SchemaOption = None,
    table_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="parquet: OUT is a folder of Parquet part files (a dataset pandas, pyarrow and "
            "Spark read as one table), written a block of rows at a time, so any number of "
            "rows fits in memory; --overwrite replaces only such a folder segmentasi wrote. "
            "Default: one file, its format by OUT's extension.",
        ),
    ] = None,
    period_shift: Annotated[
        bool,
        typer.Option(
            "--period-shift",
            help="Instead of new customers, write a second period of --from's customers with "
            "known changes (--move, --left, --joined, --drift) under --model, and beside OUT "
            "the record of what was planted (OUT with .planted.json).",
        ),
    ] = False,
    source: Annotated[
        Path | None,
        typer.Option("--from", help="With --period-shift: the first period's table."),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="With --period-shift: the saved segmentation (a model file, an experiment "
            "folder or a run folder, as for assign).",
        ),
    ] = None,
    move: Annotated[
        list[str] | None,
        typer.Option(
            "--move",
            help="With --period-shift (repeatable): A:B=5% moves 5% of segment A's customers to "
            "segment B (each takes the features of a random customer of B, so the model places "
            "it there), A:B=120 moves 120 of them.",
        ),
    ] = None,
    left: Annotated[
        str,
        typer.Option(help="With --period-shift: customers who leave, as 3% or a number."),
    ] = "0",
    joined: Annotated[
        str,
        typer.Option(
            help="With --period-shift: new customers (copies of random customers under new "
            "ids), as 2% of the first period or a number."
        ),
    ] = "0",
    drift: Annotated[
        list[str] | None,
        typer.Option(
            "--drift",
            help="With --period-shift (repeatable): COLUMN=+0.5sd or =-1sd shifts a number by "
            "its standard deviations, COLUMN=*1.2 multiplies it, COLUMN=LEVEL+20% sets 20% of "
            "the customers with another level (or 0/1 value) to LEVEL. Drift of a feature the "
            "model uses moves customers too: the record then gives the matrix the model finds.",
        ),
    ] = None,
    duplicate_ids: Annotated[
        str,
        typer.Option(
            help="With --period-shift: rows of --from with a repeated id: pair (kept in their "
            "order, as track pairs them), refuse, or drop them from the second period (then "
            "track with --duplicate-ids drop)."
        ),
    ] = "pair",
    overwrite: OverwriteFileOption = False,
) -> None:
    """Write a synthetic customer table calibrated to the real FundFusion table, or with
    --period-shift a second period of a table with planted moves, churn and drift.

    Example: segmentasi synth --rows 100000 --seed 1 --out customers.csv

    Example: segmentasi synth --rows 10000000 --format parquet --out customers/

    Example: segmentasi synth --period-shift --from jan.csv --model runs/jan/demografi
    --move 1:2=5% --move 3:1=2% --left 3% --joined 2% --drift Pendapatan_Tahunan=+0.5sd
    --out feb.csv --seed 7
    """
    from .synth import synthesize
    from .synth_dataset import synthesize_parquet

    shift_options = {"--from": source, "--model": model, "--move": move, "--drift": drift}
    if table_format not in (None, "parquet"):
        raise InputError(
            f"--format {table_format}: only parquet (a folder of Parquet files); without "
            "--format, OUT's extension chooses .csv, .xlsx or .parquet"
        )
    if not period_shift:
        given = [name for name, value in shift_options.items() if value]
        if given or left != "0" or joined != "0":
            raise InputError(f"{', '.join(given) or '--left, --joined'}: only with --period-shift")
        if rows < 1:
            raise InputError("--rows must be at least 1")
        if table_format == "parquet":
            synthesize_parquet(
                load_schema(schema), rows, out, seed=seed, overwrite=overwrite, inputs=(schema,)
            )
            out_console.print(f"Wrote {rows:,} synthetic customers to the Parquet dataset {out}")
            return
        check_output_file(out, overwrite, inputs=(schema,))  # before the work, not only after
        frame = synthesize(load_schema(schema), rows=rows, seed=seed)
        with reserve_file(out, overwrite, inputs=(schema,)):
            files.write_file_atomically(out, lambda path: files.write_table(frame, path))
        out_console.print(f"Wrote {rows:,} synthetic customers to {out}")
        return
    if table_format is not None:
        raise InputError("--format: not with --period-shift (its OUT's extension chooses)")
    if source is None or model is None:
        raise InputError("--period-shift needs --from (the first period) and --model")
    from .period_shift import parse_amount, parse_moves
    from .period_shift import period_shift as shift_period
    from .run_folder import run_model_path

    record = out.with_suffix(".planted.json")
    inputs = (source, model)
    for path in (out, record):
        check_output_file(path, overwrite, inputs=inputs)
    shifted = shift_period(
        source,
        run_model_path(model),
        moves=parse_moves(move or []),
        left=parse_amount(left, "--left"),
        joined=parse_amount(joined, "--joined"),
        drift=dict(_column_option(text, "--drift") for text in drift or []),
        seed=seed,
        duplicate_ids=duplicate_ids,
    )
    with (
        reserve_file(out, overwrite, inputs=inputs),
        reserve_file(record, overwrite, inputs=inputs),
    ):
        files.write_file_atomically(out, lambda path: files.write_table(shifted.table, path))
        files.write_file_atomically(record, lambda path: files.write_json(shifted.to_dict(), path))
    out_console.print(
        f"Wrote {len(shifted.table):,} customers of the second period to {out}: "
        f"{len(shifted.moved):,} moved, {len(shifted.left):,} left, {len(shifted.joined):,} "
        f"joined; what was planted: {record}",
        highlight=False,
    )
    if not shifted.exact:
        err_console.print(
            _styled(
                "Note:",
                "bold yellow",
                " drift changed a feature the model uses, so more customers moved than were "
                "planted; the record's transitions are the model's placements of the second "
                "period.",
            )
        )


def _column_option(text: str, option: str) -> tuple[str, str]:
    """COLUMN=VALUE, split at the first '='."""
    column, equals, value = text.partition("=")
    if not equals or not column.strip():
        raise InputError(f"{option} {text!r}: write COLUMN=CHANGE")
    return column.strip(), value


@app.command("track")
def track_command(
    model: Annotated[
        Path,
        typer.Argument(
            help="Saved segmentation: RUN/<experiment>/segmentation.model, that folder, or a "
            "run folder (its first experiment that clusters without product columns)."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Tracking folder to create.")],
    before: Annotated[
        str | None,
        typer.Option(
            "--before",
            help="The earlier table (last month): .csv, .parquet, .xlsx; with --engine spark "
            "also a Parquet or CSV directory or URI Spark reads (hdfs://, s3a://, ...).",
        ),
    ] = None,
    after: Annotated[
        str | None,
        typer.Option("--after", help="The later table (this month), same customers' ids."),
    ] = None,
    before_table: Annotated[
        str | None,
        typer.Option(
            "--before-table",
            help="Read the earlier period from this table of the Spark catalog instead of "
            "--before (--engine spark).",
        ),
    ] = None,
    after_table: Annotated[
        str | None,
        typer.Option(
            "--after-table",
            help="Read the later period from this table of the Spark catalog instead of "
            "--after (--engine spark).",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Language of tracking.html, segment names and movers' changes: id or en "
            f"(default ${LANG_ENV}, else id).",
        ),
    ] = None,
    duplicate_ids: Annotated[
        str,
        typer.Option(
            help="Rows with a repeated id: pair (the n-th row of an id before with its n-th row "
            "after, with a warning), refuse (exit 2, naming the rows) or drop (leave every row "
            "of such an id out of its period). An empty id is refused unless dropped."
        ),
    ] = "pair",
    overwrite: Annotated[
        bool, typer.Option(help="Replace the folder if it is a tracking folder segmentasi wrote.")
    ] = False,
    decimal: DecimalOption = "auto",
    engine: EngineOption = "in-process",
    spark_master: SparkMasterOption = "local[*]",
    spark_conf: SparkConfOption = None,
    quiet: QuietOption = False,
) -> None:
    """Follow the customers of two periods under one saved segmentation: who moved where, how
    the data drifted, and whether to keep the model, watch it or refit it.

    Writes transitions.csv, flows.csv, movers.csv, drift.csv, tracking.json and tracking.html.
    With --engine spark every row is read, placed and joined on Spark; the counts and the
    movers come to this process; either period may then be a table of the Spark catalog
    (--before-table, --after-table).

    Example: segmentasi track runs/jan/demografi --before jan.csv --after feb.csv --out feb-track
    """
    from .report.tracking import TRACKING_REPORT, reason_sentences
    from .run_folder import run_model_path
    from .track import track
    from .tracking_folder import save_tracking

    lang = _lang(lang)
    model_path = run_model_path(model)
    chosen, first = _engine_and_source(
        before,
        before_table,
        engine,
        spark_master,
        spark_conf,
        names=("--before", "--before-table", "the earlier table"),
    )
    second = _data_or_table(
        after, after_table, engine, names=("--after", "--after-table", "the later table")
    )
    inputs = [path for path in (first, second, model_path) if isinstance(path, Path)]
    check_output_folder(out, overwrite, kind=TRACKING_FOLDER, inputs=inputs)
    # Spark reports its stages; in process there is nothing to report.
    silent = quiet or chosen.name != "spark"
    with _closing(chosen), _progress(silent) as progress, chosen.watched(progress):
        tracked = track(
            model_path,
            first,
            second,
            lang=lang,
            duplicate_ids=duplicate_ids,
            decimal=decimal,
            engine=chosen,
        )
    folder = save_tracking(tracked, out, overwrite, inputs=inputs)
    out_console.print(_styled(f"Verdict: {tracked.verdict}.", "bold"))
    if not quiet:
        for sentence in reason_sentences(tracked, "en"):
            out_console.print(f"  - {sentence}", highlight=False)
        moved = tracked.customers
        out_console.print(
            f"{moved['in_both']:,} customers in both periods, {moved['moved']:,} changed "
            f"segment; {moved['joined']:,} joined, {moved['left']:,} left.",
            highlight=False,
        )
        if tracked.warnings:
            err_console.print(_styled(f"{len(tracked.warnings)} warning(s):", "bold yellow"))
            for warning in tracked.warnings:
                err_console.print(f"  - {warning}", highlight=False)
    out_console.print(f"Tracking folder: {folder}", highlight=False)
    out_console.print(f"Report (open in a browser): {folder / TRACKING_REPORT}", highlight=False)


@app.command("demo")
def demo_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Run folder to create.")] = Path(
        "demo-run"
    ),
    rows: Annotated[int, typer.Option(help="Synthetic customers to generate.")] = 4000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    lang: ReportLangOption = None,
    quiet: QuietOption = False,
) -> None:
    """Generate demo customers and run both experiments on them, end to end.

    Example: segmentasi demo --out demo-run
    """
    from .synth import synthesize

    lang = _lang(lang)
    schema = load_schema(None)
    frame = synthesize(schema, rows=rows, seed=seed)
    options = SweepOptions(seed=seed)
    _run_and_summarise(
        frame, quiet, schema=schema, options=options, lang=lang, out=out, overwrite=True
    )
    _print_paths(out.resolve())


@app.command("assign")
def assign_command(
    model: Annotated[
        Path,
        typer.Argument(
            help="Saved segmentation: RUN/<experiment>/segmentation.model, that folder, or a "
            "run folder (its first experiment that clusters without product columns)."
        ),
    ],
    data: DataArgument = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="File to write: .csv or .parquet (with --engine spark: a new Parquet dataset "
            "path or URI).",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            help=f"Language of the segment names: id or en (default ${LANG_ENV}, else id)."
        ),
    ] = None,
    top_offers: Annotated[
        int, typer.Option(help="Products to recommend per row.")
    ] = DEFAULT_TOP_OFFERS,
    chunk_rows: Annotated[
        int, typer.Option(help="Rows encoded and assigned at a time (bounds memory; same result).")
    ] = DEFAULT_CHUNK_ROWS,
    impute_absent_columns: Annotated[
        bool,
        typer.Option(
            help="Fill a feature column the table lacks with its training value (with a warning)."
        ),
    ] = False,
    overwrite: OverwriteFileOption = False,
    decimal: DecimalOption = "auto",
    engine: EngineOption = "in-process",
    spark_master: SparkMasterOption = "local[*]",
    spark_conf: SparkConfOption = None,
    table: TableOption = None,
    out_table: OutTableOption = None,
    quiet: QuietOption = False,
) -> None:
    """Place new customers or prospects in a saved segmentation's segments.

    Adds segment, segment_name, distance, recommended_products (demographic segments), imputed
    and reason to every row. No row is dropped: a row that cannot be placed says why.

    Example: segmentasi assign runs/today/demografi/segmentation.model leads.csv --out placed.csv
    """
    from .run_folder import run_model_path

    lang = _lang(lang)
    chosen, source = _engine_and_source(data, table, engine, spark_master, spark_conf)
    if chosen.name == "spark":
        saved = load_model(run_model_path(model))
        with _closing(chosen):
            sizes, unplaced = chosen.place(
                saved,
                source,
                out=None if out is None else str(out),
                out_table=out_table,
                lang=lang,
                top_offers=top_offers,
                impute_absent_columns=impute_absent_columns,
                decimal=decimal,
            )
        _print_placed(saved, sizes, sum(unplaced.values()), lang, quiet)
        for why, rows in unplaced.items():
            out_console.print(f"  - {rows:,} row(s) not placed: {why}", highlight=False)
        out_console.print(f"Wrote {out or out_table}")
        return
    if out_table is not None:
        raise InputError("--out-table writes a Spark catalog table: add --engine spark")
    if out is None:
        raise InputError("missing --out: the .csv or .parquet file to write")
    if out.suffix.lower() not in (".csv", ".parquet", ".pq"):
        raise InputError(f"{out}: output must be .csv or .parquet")
    data = source
    check_output_file(out, overwrite, inputs=(data, model))  # before the work, not only after
    saved = load_model(run_model_path(model))
    result = saved.assign(
        files.read_table(data, decimal),
        lang=lang,
        top_offers=top_offers,
        chunk_rows=chunk_rows,
        impute_absent_columns=impute_absent_columns,
    )
    with reserve_file(out, overwrite, inputs=(data, model)):
        files.write_file_atomically(out, lambda path: files.write_table(result.table, path))
    sizes = result.table["segment"].value_counts().sort_index()
    _print_placed(saved, sizes.to_dict(), result.unplaced, lang, quiet)
    if not quiet:
        if result.unplaced:
            out_console.print(
                f"{result.unplaced:,} row(s) could not be placed; the 'reason' column says why.",
                highlight=False,
            )
        if result.warnings:
            err_console.print(_styled(f"{len(result.warnings)} warning(s):", "bold yellow"))
            for warning in result.warnings:
                err_console.print(f"  - {warning}", highlight=False)
    out_console.print(f"Wrote {out}")


def _print_placed(saved: Any, sizes: dict[int, int], unplaced: int, lang: str, quiet: bool) -> None:
    """How many rows each segment received (unless quiet)."""
    if quiet:
        return
    placed = sum(sizes.values())
    out_console.print(
        f"Placed {placed:,} of {placed + unplaced:,} rows in the {saved.k} segments of "
        f"'{saved.experiment.name}' ({saved.algorithm}).",
        highlight=False,
    )
    table = Table("segment", "name", "rows", title="Rows per segment")
    for segment, rows in sorted(sizes.items()):
        table.add_row(str(segment), saved.segment_name(int(segment), lang), f"{rows:,}")
    out_console.print(table)


@app.command("rules")
def rules_command(
    source: Annotated[
        Path,
        typer.Argument(
            help="Run folder (its default experiment, or --experiment), experiment folder or "
            "model file."
        ),
    ],
    experiment: Annotated[
        str | None,
        typer.Option("--experiment", "-e", help="Experiment of the run folder."),
    ] = None,
    sql: Annotated[
        bool, typer.Option("--sql", help="Write the rules as one SQL query instead of words.")
    ] = False,
    dialect: Annotated[
        str,
        typer.Option(help="SQL dialect: postgres, duckdb, spark, sqlite, bigquery, ..."),
    ] = DEFAULT_DIALECT,
    use: Annotated[
        str,
        typer.Option(
            "--use",
            help="Rules the query applies before the model's exact assignment: exact (proven "
            "to give the model's segment; the query then equals `segmentasi assign`) or "
            "faithful (also those the model agrees with on 95% of test customers).",
        ),
    ] = "exact",
    table: Annotated[
        str, typer.Option(help="The table the query reads (name, or schema.name).")
    ] = "customers",
    keep: Annotated[
        list[str] | None,
        typer.Option(
            "--keep",
            help="Column the query passes through (repeatable; default: the schema's id "
            "column, else the features).",
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Fit the rules afresh on this table (for models saved without rules).",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (default: print).")
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(help=f"Language of the rules: id or en (default ${LANG_ENV}, else id)."),
    ] = None,
    overwrite: OverwriteFileOption = False,
    decimal: DecimalOption = "auto",
) -> None:
    """Show a saved segmentation's segments as rules a person can read, or as SQL a database
    can run (--sql), with how often the rules agree with the model.

    Example: segmentasi rules runs/today --experiment produk --sql --dialect duckdb
    """
    from .run_folder import experiment_model_path

    lang = _lang(lang)
    if sql:
        from .sql import check_dialect  # loads sqlglot: only this command

        dialect = check_dialect(dialect)
    if use not in MODES:
        raise InputError(f"--use must be one of {', '.join(MODES)}, not {use!r}")
    inputs = [source] + ([data] if data is not None else [])
    if out is not None:
        check_output_file(out, overwrite, inputs=inputs)  # before the work, not only after
    saved = load_model(experiment_model_path(source, experiment))
    rules = saved.rules(None if data is None else files.read_table(data, decimal))
    text = rules.sql(dialect, table=table, keep=keep or None, mode=use) if sql else rules.text(lang)
    if out is None:
        sys.stdout.write(text)
        return
    with reserve_file(out, overwrite, inputs=inputs):
        files.write_file_atomically(out, lambda path: path.write_text(text, encoding="utf-8"))
    out_console.print(f"Wrote {out}", highlight=False)


@app.command("targets")
def targets_command(
    run_dir: Annotated[Path, typer.Argument(help="Run folder made by `segmentasi run`.")],
    segment: Annotated[
        list[int], typer.Option("--segment", "-s", help="Segment number (from 1); repeatable.")
    ],
    product: Annotated[
        str,
        typer.Option("--product", "-p", help="Product column name or its label, e.g. deposito."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write.")] = Path(
        "targets.csv"
    ),
    experiment: Annotated[
        str | None,
        typer.Option(
            "--experiment",
            "-e",
            help="Experiment whose segments to use (default: the run's first experiment whose "
            "offers can target the product).",
        ),
    ] = None,
    control: Annotated[
        str | None,
        typer.Option(
            help="Hold out this share of each segment at random as a control group, not to be "
            "contacted: a percentage (10%) or a fraction (0.1); a bare 10 is refused as "
            "ambiguous. Adds a 'group' column (contact / control) and writes how the list was "
            "split to <out>.split.json.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the control group's random choice.")] = 0,
    power: Annotated[
        str | None,
        typer.Option(
            help="With --control: the lift in take-up to detect, in percentage points (2% or "
            "0.02); prints the customers needed (80% power, 5% two-sided significance) and "
            "the smallest lift the list can detect.",
        ),
    ] = None,
    base_rate: Annotated[
        str | None,
        typer.Option(
            help="With --control: the product's usual take-up without contact (5% or 0.05); "
            "default 50%, the most cautious.",
        ),
    ] = None,
    overwrite: OverwriteFileOption = False,
    quiet: QuietOption = False,
) -> None:
    """Write a call list: customers in a segment who do not own a product, with its propensity;
    with --control, split into customers to contact and a control group to measure against.

    Example: segmentasi targets runs/fundfusion --segment 2 --product deposito --out calls.csv

    Example: segmentasi targets runs/fundfusion -s 2 -p deposito --control 10% --power 2%
    """
    from .campaign import parse_share, split_control, split_power
    from .campaign_folder import check_split_outputs, write_split_call_list
    from .recommend import campaign_targets
    from .run_folder import default_experiment, read_campaign_tables

    if out.suffix.lower() != ".csv":
        raise InputError(f"{out}: the call list is written as .csv")
    if control is None and (power is not None or base_rate is not None):
        raise InputError("--power and --base-rate size a control group: give --control too")
    share = None if control is None else parse_share(control, "--control")
    lift = None if power is None else parse_share(power, "--power")
    base = None if base_rate is None else parse_share(base_rate, "--base-rate", allow_zero=True)
    if share is None:
        check_output_file(out, overwrite)  # before the work, not only after
    else:
        check_split_outputs(out, overwrite)
    if experiment is None:
        experiment = default_experiment(run_dir)
    schema, segments, offers = read_campaign_tables(run_dir, experiment)
    chosen = list(dict.fromkeys(segment))
    lists = [campaign_targets(segments, offers, schema, experiment, s, product) for s in chosen]
    customers = pd.concat([found.customers for found in lists], ignore_index=True)
    if share is None:
        with reserve_file(out, overwrite):
            files.write_file_atomically(out, lambda path: files.write_csv(customers, path))
        _print_call_list(lists, chosen, experiment, len(customers), quiet)
    else:
        split = split_control(customers, share, seed)
        powers = split_power(split, base, lift)
        record = write_split_call_list(
            split, out, overwrite, {"power": {str(k): p.to_dict() for k, p in powers.items()}}
        )
        _print_call_list(lists, chosen, experiment, len(customers), quiet)
        _print_split(split, powers, record, quiet)
    out_console.print(f"Wrote {out}")


def _print_call_list(
    lists: list[CampaignList], segments: list[int], experiment: str, rows: int, quiet: bool
) -> None:
    if quiet:
        return
    out_console.print(
        f"{rows:,} customers in segment{'s' if len(segments) > 1 else ''} "
        f"{', '.join(map(str, segments))} of '{experiment}' do not own {lists[0].product}.",
        highlight=False,
    )
    for segment, found in zip(segments, lists, strict=True):
        if not found.offered:
            err_console.print(
                _styled(
                    "Note:",
                    "bold yellow",
                    f" the run does not recommend this offer for segment "
                    f"{segment} ({found.reason}); see offers.csv and offer_validation.csv.",
                )
            )


def _print_split(split: Split, powers: dict[Any, Power], record: Path, quiet: bool) -> None:
    """The control group's size, the list's power, and a warning when it is too small."""
    from .campaign import LARGEST_PLAUSIBLE_LIFT, OVERALL
    from .text.campaign import points

    overall = powers[OVERALL]
    if not quiet:
        counts = split.counts
        out_console.print(
            f"Control group: {int(counts.control.sum()):,} of {int(counts.customers.sum()):,} "
            f"customers ({pct(split.share, 'en')} of each segment, chosen at random with seed "
            f"{split.seed}): do not contact them. The split is recorded in {record}.",
            highlight=False,
        )
        if split.repeated_ids:
            out_console.print(
                f"{split.repeated_ids:,} row(s) repeat an id already on the list: each customer is "
                "listed once, in the first row's segment.",
                highlight=False,
            )
        if overall.lift is not None:
            assumed = " (assumed: give --base-rate)" if overall.base_rate_assumed else ""
            out_console.print(
                f"Power (80% power, 5% two-sided significance, base take-up "
                f"{pct(overall.base_rate, 'en')}{assumed}): detecting a lift of "
                f"{points(overall.lift, 'en')} points needs {overall.required:,} customers; the "
                f"list has {overall.customers:,}. The smallest lift it can detect: "
                f"{_detectable(overall)}.",
                highlight=False,
            )
    for name, found in powers.items():
        where = "the list" if name == OVERALL else f"segment {name}"
        if found.enough is False:
            err_console.print(
                _styled(
                    "Warning:",
                    "bold yellow",
                    f" {where} is too small to detect a lift of {points(found.lift, 'en')} "
                    f"points: it needs {found.required:,} customers and has {found.customers:,}; "
                    f"the smallest lift it can detect is {_detectable(found)}.",
                )
            )
        elif found.enough is None and not found.measurable:
            err_console.print(
                _styled(
                    "Warning:",
                    "bold yellow",
                    f" {where}'s control group is too small to measure the campaign: the "
                    f"smallest lift in take-up it can detect is {_detectable(found)} (at a base "
                    f"take-up of {pct(found.base_rate, 'en')}), more than an ordinary campaign "
                    f"achieves ({points(LARGEST_PLAUSIBLE_LIFT, 'en')} points). Use a longer list "
                    "or a larger --control; --power and --base-rate size it.",
                )
            )


def _detectable(power: Power) -> str:
    from .text.campaign import points

    if power.detectable_lift != power.detectable_lift:  # NaN
        return "none (not even a rise to 100% take-up)"
    return f"{points(power.detectable_lift, 'en')} points"


@app.command("measure")
def measure_command(
    call_list: Annotated[
        Path, typer.Argument(help="The call list written by `targets --control` (with 'group').")
    ],
    outcomes: Annotated[
        Path,
        typer.Argument(
            help="Who took the product: id, outcome (0/1, yes/no, true/false) and optionally "
            "date; .csv, .parquet or .xlsx."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Measurement folder to create.")],
    lang: Annotated[
        str | None,
        typer.Option(
            help=f"Language of measurement.html: id or en (default ${LANG_ENV}, else id)."
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            help="The campaign's start (YYYY-MM-DD): outcomes dated before it are ignored."
        ),
    ] = None,
    id_column: Annotated[
        str | None,
        typer.Option(
            "--id",
            help="The id column (default: the call list's first column; in the outcomes that "
            "name, or 'id').",
        ),
    ] = None,
    outcome_column: Annotated[
        str | None,
        typer.Option(
            "--outcome",
            help="The outcomes' outcome column (default 'outcome', or the only other column).",
        ),
    ] = None,
    date_column: Annotated[
        str | None,
        typer.Option("--date", help="The outcomes' date column (default 'date', if present)."),
    ] = None,
    missing: Annotated[
        str,
        typer.Option(
            help="Customers of the call list without an outcome row: not-taken (they did not "
            "take the product) or exclude (left out of the counts)."
        ),
    ] = "not-taken",
    overwrite: Annotated[
        bool, typer.Option(help="Replace the folder if it is a measurement segmentasi wrote.")
    ] = False,
    quiet: QuietOption = False,
) -> None:
    """Measure a campaign: take-up among contacted customers against the control group, per
    segment and overall, the uplift with its 95% interval and whether it may be chance.

    Example: segmentasi measure calls.csv outcomes.csv --out measured --since 2025-03-01
    """
    from .campaign import measure
    from .campaign_folder import save_measurement

    lang = _lang(lang)
    inputs = (call_list, outcomes)
    check_output_folder(out, overwrite, kind=MEASUREMENT_FOLDER, inputs=inputs)
    found = measure(
        call_list,
        outcomes,
        id_column=id_column,
        outcome_column=outcome_column,
        date_column=date_column,
        since=since,
        missing=missing,
    )
    folder = save_measurement(found, out, overwrite, lang, inputs=inputs)
    if not quiet:
        _print_measurement(found)
    out_console.print(f"Measurement folder: {folder}", highlight=False)
    out_console.print(f"Page (open in a browser): {folder / 'measurement.html'}", highlight=False)


def _print_measurement(found: Measurement) -> None:
    from .text.campaign import p_text, points, rate

    table = Table(
        "segment",
        "contacted: took",
        "control: took",
        "uplift (points)",
        "95% interval",
        "p (adjusted)",
        "verdict",
        title="Take-up, contacted against control",
    )
    for row in found.table.itertuples(index=False):
        table.add_row(
            str(row.segment),
            f"{row.contact_takers:,} of {row.contact_customers:,} ({rate(row.contact_rate, 'en')})",
            f"{row.control_takers:,} of {row.control_customers:,} ({rate(row.control_rate, 'en')})",
            points(row.uplift, "en"),
            f"{points(row.uplift_low, 'en')} to {points(row.uplift_high, 'en')}",
            p_text(row.p_adjusted, "en"),
            row.verdict.replace("_", " "),
        )
    out_console.print(table)
    out_console.print(
        "p: two-proportion z-test (Fisher's exact test for small counts); segments' p adjusted "
        "(Benjamini-Hochberg), the overall row's not.",
        highlight=False,
    )
    for verdict, words in (
        ("harm", "Contacting LOWERED take-up (not chance) in segment(s)"),
        ("lower_not_significant", "Take-up was lower, but may be chance, in segment(s)"),
    ):
        named = found.segments_where(verdict)
        if named:
            err_console.print(_styled(f"{words}:", "bold yellow", f" {', '.join(map(str, named))}"))
    without = found.counts["without_outcome"]
    if sum(without.values()):
        counted = (
            "counted as not taking the product"
            if found.options["missing"] == "not-taken"
            else "left out"
        )
        out_console.print(
            f"{sum(without.values()):,} customers without an outcome row ({without['contact']:,} "
            f"contacted, {without['control']:,} control): {counted}.",
            highlight=False,
        )
    before = found.counts["before_since"]
    if sum(before.values()):
        out_console.print(
            f"{sum(before.values()):,} outcomes dated before {found.options['since']} ignored.",
            highlight=False,
        )


schema_app = typer.Typer(
    help="Write or check a schema: which role each column of a bank's table has.",
    no_args_is_help=True,
)
app.add_typer(schema_app, name="schema")


@schema_app.command("infer")
def schema_infer_command(
    data: Annotated[Path, typer.Argument(help="Customer table: .csv, .parquet or .xlsx.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Schema file to write (.toml); default: print it."),
    ] = None,
    overwrite: OverwriteFileOption = False,
    name: Annotated[
        str | None, typer.Option(help="The schema's name (default: the file's name).")
    ] = None,
) -> None:
    """Infer a commented schema from a table, for a person to confirm: the id, each column's
    role, levels in order, valid ranges, missing-value tokens, sentinels, yes/no words and two
    experiments. Every unsure guess has a '# check:' comment.

    Example: segmentasi schema infer bank-full.csv --out bank.toml
    """
    from .infer import infer_schema

    if out is not None:
        if out.suffix.lower() != ".toml":
            raise InputError(f"{out}: a schema is written as .toml")
        check_output_file(out, overwrite, inputs=(data,))  # before the work, not only after
    text = infer_schema(data, name=name)
    if out is None:
        sys.stdout.write(text)
        return
    with reserve_file(out, overwrite, inputs=(data,)):
        files.write_file_atomically(out, lambda path: path.write_text(text, encoding="utf-8"))
    checks = text.count("# check:")
    err_console.print(
        f"Wrote {out}: confirm the {checks} line(s) marked '# check:', then run "
        f"segmentasi run {data} --schema {out}",
        highlight=False,
    )


if __name__ == "__main__":
    program()

"""Synthetic customers too many for memory, written as a Parquet dataset: a folder of part files
that pandas, pyarrow and Spark read as one table.

The rows come from synth.synthesize_blocks, BLOCK_ROWS at a time, and go straight into the part
files, so memory does not grow with the number of rows, and the rows depend on the seed alone,
not on how many go into each file. The folder holds part-00000.parquet, part-00001.parquet, ...
and the record _synthetic.json (schema, rows, seed, files), which readers of the dataset skip
(a leading underscore) and which lets --overwrite recognise a dataset segmentasi wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pyarrow as pa

from . import files
from .errors import InputError
from .outputs import SYNTHETIC_DATASET, staged_folder
from .schema import Schema
from .synth import arrow_schema, load_calibration, synthesize_blocks
from .version import __version__

FORMAT = "segmentasi-synthetic-parquet"
ROWS_PER_FILE = 500_000


def synthesize_parquet(
    schema: Schema,
    rows: int,
    out: str | Path,
    seed: int = 0,
    calibration: dict[str, Any] | None = None,
    *,
    rows_per_file: int = ROWS_PER_FILE,
    overwrite: bool = False,
    inputs: Iterable[str | Path | None] = (),
) -> Path:
    """Write `rows` synthetic customers (synthesize's, drawn in blocks: synth.synthesize_blocks)
    as a Parquet dataset in the folder `out`, at most `rows_per_file` rows per part file; returns
    its path. `out` must not exist or be empty; overwrite replaces only a dataset segmentasi
    wrote; `inputs` (the schema file) are never overwritten. Nothing is in place until every
    file is written."""
    if rows < 1:
        raise InputError("rows must be at least 1")
    if rows_per_file < 1:
        raise InputError("rows_per_file must be at least 1")
    spec = load_calibration(schema) if calibration is None else calibration
    types = arrow_schema(schema, spec)
    tables = (
        pa.Table.from_pandas(block, schema=types, preserve_index=False)
        for block in synthesize_blocks(schema, rows, seed, spec)
    )
    with staged_folder(out, overwrite, kind=SYNTHETIC_DATASET, inputs=inputs) as folder:
        names = _write_parts(tables, types, folder, rows_per_file)
        record = {
            "format": FORMAT,
            "schema": schema.name,
            "rows": rows,
            "seed": seed,
            "files": names,
            "segmentasi": __version__,
        }
        files.write_json(record, folder / SYNTHETIC_DATASET.record)
    return Path(out).resolve()


def _write_parts(
    tables: Iterable[pa.Table], types: pa.Schema, folder: Path, rows_per_file: int
) -> list[str]:
    """Write the tables' rows in order into part files of `rows_per_file` rows (the last may
    hold fewer), one file open at a time; the files' names."""
    import pyarrow.parquet as pq  # here, not on import: every command would pay 15-20 ms

    names: list[str] = []
    with ExitStack() as open_file:
        for part, piece in _pieces(tables, rows_per_file):
            if part == len(names):
                open_file.close()
                names.append(f"part-{part:05d}.parquet")
                writer = open_file.enter_context(pq.ParquetWriter(folder / names[-1], types))
            writer.write_table(piece)
    return names


def _pieces(tables: Iterable[pa.Table], rows_per_file: int) -> Iterator[tuple[int, pa.Table]]:
    """The tables' rows in pieces that each go whole into one part file, with its number."""
    written = 0
    for table in tables:
        offset = 0
        while offset < table.num_rows:
            part, position = divmod(written, rows_per_file)
            take = min(table.num_rows - offset, rows_per_file - position)
            yield part, table.slice(offset, take)
            offset += take
            written += take

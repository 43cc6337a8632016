"""Compare two run folders byte for byte, apart from what records time.

    python benchmarks/compare_run_folders.py BEFORE AFTER

Ignored: the manifest's `created` and `timings_s`, the `fit_seconds` column of sweep.csv and
sweep.json, the creation date printed in report.html, the `seconds` of each experiment in
a search folder's search.json, and the dates in the document properties (docProps/core.xml)
of the slides and the workbook, which are compared member by member of their zip archives.
PNG images (in the report's HTML, in the slides) are compared by their pixels: how they are
compressed does not count. Every other byte must match. Exits 1 and lists the differing files
when they do not; 0 when the folders are the same.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

REPORT_DATE = re.compile(rb"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
PROPERTIES_DATE = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
PNG_URI = re.compile(rb"data:image/png;base64,([A-Za-z0-9+/=]+)")
ARCHIVES = (".pptx", ".xlsx")


def comparable(path: Path) -> bytes:
    """The file's bytes with everything that records time taken out."""
    raw = path.read_bytes()
    if path.name == "manifest.json":
        manifest = json.loads(raw)
        manifest.pop("created", None)
        manifest.pop("timings_s", None)
        return json.dumps(manifest, sort_keys=True).encode()
    if path.name == "sweep.csv":
        table = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
        return table.drop(columns="fit_seconds", errors="ignore").to_csv(index=False).encode()
    if path.name == "sweep.json":
        sweep = json.loads(raw)
        for row in sweep.get("rows", []):
            row.pop("fit_seconds", None)
        return json.dumps(sweep, sort_keys=True).encode()
    if path.name == "search.json":
        search = json.loads(raw)
        for experiment in search.get("experiments", {}).values():
            experiment.pop("seconds", None)
        return json.dumps(search, sort_keys=True).encode()
    if path.suffix == ".html":
        return PNG_URI.sub(
            lambda uri: pixels(base64.b64decode(uri[1])), REPORT_DATE.sub(b"<date>", raw)
        )
    if path.suffix in ARCHIVES:
        return _archive_content(raw)
    return raw


def _archive_content(raw: bytes) -> bytes:
    """A zip archive's member names and contents, in order, the properties' dates taken out
    (the archive's own bytes hold each member's time too), and an archive inside it (the
    workbook behind each of the slides' charts) compared the same way."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        for name in archive.namelist():
            content = archive.read(name)
            if name == "docProps/core.xml":
                content = PROPERTIES_DATE.sub(b"<date>", content)
            elif name.endswith(".png"):
                content = pixels(content)
            elif Path(name).suffix in ARCHIVES:  # a slide chart's embedded workbook
                content = _archive_content(content)
            parts += [name.encode(), content]
    return b"\0".join(parts)


def pixels(png: bytes) -> bytes:
    """A digest of a PNG image's size, mode and pixels."""
    with Image.open(io.BytesIO(png)) as image:
        described = f"{image.mode} {image.size}".encode()
        return (
            b"png " + hashlib.sha256(described + np.asarray(image).tobytes()).hexdigest().encode()
        )


def differences(before: Path, after: Path) -> list[str]:
    """Relative paths that are missing on one side or differ."""
    names = {p.relative_to(before) for p in before.rglob("*") if p.is_file()}
    names |= {p.relative_to(after) for p in after.rglob("*") if p.is_file()}
    found = []
    for name in sorted(names):
        left, right = before / name, after / name
        if not (left.is_file() and right.is_file()):
            found.append(f"{name}: only in {'before' if left.is_file() else 'after'}")
        elif comparable(left) != comparable(right):
            found.append(f"{name}: differs")
    return found


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    found = differences(Path(sys.argv[1]), Path(sys.argv[2]))
    for line in found:
        print(line)
    print("identical apart from timings" if not found else f"{len(found)} file(s) differ")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

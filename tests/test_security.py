"""Untrusted inputs that attack a parser or ask for the impossible (see SECURITY.md)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from segmentasi import InputError, SweepOptions, UserError, read_table

from .conftest import cli_in_process


def _excel_with_entity_bomb(path: Path, tmp_path: Path) -> None:
    """A workbook whose sheet XML declares nested entities ("billion laughs")."""
    plain = tmp_path / "plain.xlsx"
    pd.DataFrame({"a": ["x", "y"]}).to_excel(plain, index=False)
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as bomb:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                prolog = f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'.encode()
                data = prolog + data.replace(b"<sheetPr>", b'<sheetPr codeName="&a9;">', 1)
            bomb.writestr(name, data)


def test_an_excel_entity_bomb_is_refused_not_expanded(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    _excel_with_entity_bomb(bomb, tmp_path)
    with pytest.raises(InputError, match=r"bomb\.xlsx: cannot be read as excel"):
        read_table(bomb)


def test_excel_parsing_goes_through_defusedxml():
    from openpyxl import xml

    assert xml.DEFUSEDXML


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"ks": ()}, "the range of k is empty"),
        ({"ks": (1, 2)}, "k must be at least 2"),
        ({"ks": (2, 101)}, "k must be at most 100, not 101"),
        ({"seed": -1}, "the seed must be from 0 to 4294967295, not -1"),
        ({"seed": 2**40}, "the seed must be from 0"),
        ({"target_silhouette": float("nan")}, "the target silhouette must be between -1 and 1"),
        ({"target_silhouette": 7.0}, "the target silhouette must be between -1 and 1"),
        ({"algorithms": ("dbscan",)}, "unknown algorithm"),
    ],
)
def test_impossible_sweep_options_are_user_errors(options, message):
    with pytest.raises(UserError, match=message):
        SweepOptions(**options)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--k-max", "100000000000"], "Invalid value for '--k-max'"),
        (["--k-min", "5", "--k-max", "3"], "the range of k is empty"),
        (["--seed", "-1"], "the seed must be from 0"),
        (["--target-silhouette", "nan"], "the target silhouette must be between -1 and 1"),
    ],
)
def test_impossible_run_options_exit_2_before_reading_anything(tmp_path, args, message):
    out = tmp_path / "out"
    done = cli_in_process("run", tmp_path / "absent.csv", "--out", out, *args)
    assert done.returncode == 2
    assert message in " ".join(done.stderr.split())
    assert not out.exists()

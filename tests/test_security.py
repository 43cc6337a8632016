"""Untrusted input files that attack their parser (see SECURITY.md)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from segmentasi import InputError, read_table


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

"""Tests for reading pattern files (meam_mapping.io.patterns)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from meam_mapping.errors import InputError
from meam_mapping.io.patterns import read_patterns

CSV = "A, B ,Count\n1,0,30\n0,1,20\n1,1,10\n"


def test_read_csv_tidies_headers(tmp_path):
    path = tmp_path / "overlap.csv"
    path.write_text(CSV, encoding="utf-8")
    frame = read_patterns(path)
    assert list(frame.columns) == ["A", "B", "count"]
    assert frame["count"].sum() == 60


def test_read_xlsx_and_buffer(tmp_path):
    path = tmp_path / "overlap.xlsx"
    pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [30, 20, 10]}).to_excel(
        path, index=False
    )
    assert read_patterns(path)["count"].sum() == 60
    with path.open("rb") as fh:
        assert len(read_patterns(fh, file_name="upload.xlsx")) == 3
    buffer = io.BytesIO(CSV.encode("utf-8-sig"))
    assert len(read_patterns(buffer, file_name="up.csv")) == 3


def test_bad_value_names_file_row_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("A,B,count\n1,0,30\n0,1,20\n1,x,10\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_patterns(path)
    msg = info.value.message
    assert msg.startswith("bad.csv, row 4, column 'B'")


def test_blank_line_keeps_row_numbers(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("A,B,count\n1,0,30\n\n1,1,-3\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_patterns(path)
    assert info.value.row == 3  # the blank line: count is blank


def test_trailing_blank_rows_ignored(tmp_path):
    path = tmp_path / "trail.csv"
    path.write_text("A,B,count\n1,0,30\n0,1,20\n1,1,10\n,,\n,,\n", encoding="utf-8")
    assert len(read_patterns(path)) == 3


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("p.txt", "A,B,count\n", "cannot read"),
        ("p.csv", "", "empty"),
        ("p.csv", "A,,count\n1,0,3\n", "no heading"),
        ("p.csv", "A,a,A\n1,0,3\n", None),
        ("p.xlsx", "not a zip", "could not be read"),
    ],
)
def test_bad_files(tmp_path, name, content, match):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=match):
        read_patterns(path)


def test_missing_file_and_sheet(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_patterns(tmp_path / "nope.csv")
    path = tmp_path / "o.xlsx"
    pd.DataFrame({"A": [1, 0], "B": [1, 1], "count": [3, 4]}).to_excel(path, index=False)
    with pytest.raises(InputError, match="worksheet"):
        read_patterns(path, sheet="Sheet9")


def test_cp1252_fallback(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes("Housing\u2019s,B,count\n1,0,3\n1,1,2\n".encode("cp1252"))
    frame = read_patterns(path)
    assert frame.columns[0] == "Housing\u2019s"

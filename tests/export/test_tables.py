"""Tests for the safe table writers (CSV, XLSX, GeoPackage).

Formula-injection cases follow the OWASP "CSV Injection" page: cells starting
with = + - @ tab or carriage return must not be read as formulas.
"""

from __future__ import annotations

import csv
import io

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box

from meam_mapping.disclosure import (
    DisclosurePolicy,
    mark_no_counts,
    suppress_indicators,
)
from meam_mapping.export.tables import (
    about_text,
    neutralise,
    write_csv,
    write_geopackage,
    write_xlsx,
)
from meam_mapping.schema import SYNTHETIC_LABEL

NASTY = [
    "=1+1",
    "+SUM(A1:A2)",
    "-2+3",
    "@SUM(A1)",
    "\t=cmd",
    "\r=cmd",
    '  =HYPERLINK("http://example.com")',
    "=cmd|' /C calc'!A0",
]


def raw_table() -> pd.DataFrame:
    counts = np.array([3, 10, 12, 20, 7, 0], dtype=float)
    return pd.DataFrame(
        {
            "area_code": [f"E0100000{i}" for i in range(6)],
            "indicator": "homelessness_duty_owed",
            "domain": "homelessness",
            "period": "2024",
            "count": counts,
            "denominator": 1000.0,
            "value": counts,
            "unit": "per 1,000 adults",
            "source": ["=1+1", "MHCLG", "MHCLG", "MHCLG", "MHCLG", "MHCLG"],
            "suppressed": False,
        }
    )


@pytest.fixture
def table() -> pd.DataFrame:
    return suppress_indicators(raw_table())


@pytest.fixture
def text_table() -> pd.DataFrame:
    return mark_no_counts(
        pd.DataFrame(
            {
                "note": NASTY + ["-5", "Cambridge"],
                "change": [-1.5, -2, 3, 4, 5, 6, 7, 8, -9, 10],
                "=evil header": ["x"] * 10,
            }
        )
    )


@pytest.mark.parametrize("text", NASTY)
def test_neutralise_prefixes_formula_text(text):
    assert neutralise(text) == "'" + text


def test_neutralise_leaves_numbers_and_plain_text():
    assert neutralise(-3) == -3
    assert neutralise(-3.5) == -3.5
    assert neutralise("-5") == "-5"
    assert neutralise("1e-3") == "1e-3"
    assert neutralise("Cambridge") == "Cambridge"
    assert neutralise("") == ""


# ------------------------------------------------------------------ refusing
def test_writers_refuse_unsuppressed_frames(tmp_path):
    raw = raw_table()
    with pytest.raises(ValueError, match="has not been through the disclosure policy"):
        write_csv(raw)
    with pytest.raises(ValueError, match="sheet 'indicators'"):
        write_xlsx({"indicators": raw})
    areas = gpd.GeoDataFrame(raw, geometry=[box(i, 0, i + 1, 1) for i in range(6)], crs=27700)
    with pytest.raises(ValueError, match="layer 'areas'"):
        write_geopackage({"areas": areas}, tmp_path / "x.gpkg")
    assert not (tmp_path / "x.gpkg").exists()


def test_writers_refuse_a_frame_changed_after_suppression(table):
    changed = table.copy()
    changed.loc[1, "count"] = 2
    with pytest.raises(ValueError, match="small count"):
        write_csv(changed)


# ----------------------------------------------------------------------- csv
def test_csv_round_trip_neutralised_and_suppressed(table, tmp_path):
    path = tmp_path / "t.csv"
    assert write_csv(table, path) is None
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM so Excel reads it right
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0]["source"] == "'=1+1"
    assert rows[0]["count"] == "" and rows[0]["value"] == ""  # small count blank
    assert rows[2]["count"] == "12"  # whole numbers without ".0"
    assert rows[5]["count"] == "0"  # zero published
    assert {r["suppression"] for r in rows} == {"", "small count", "secondary"}


def test_csv_bytes_and_buffer_and_text(text_table):
    data = write_csv(text_table)
    buffer = io.BytesIO()
    write_csv(text_table, buffer)
    assert buffer.getvalue() == data
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    assert list(frame.columns) == ["note", "change", "'=evil header"]
    for text in frame["note"]:
        assert text == "-5" or text.lstrip(" ")[:1] not in "=+-@\t\r"
    assert frame["change"].dtype.kind == "f"
    assert frame["change"].iloc[0] == -1.5  # genuine negative numbers stay numbers


# ---------------------------------------------------------------------- xlsx
def test_xlsx_cells_are_text_not_formulas(table, text_table, tmp_path):
    path = tmp_path / "pack.xlsx"
    write_xlsx(
        {"indicators": table, "notes": text_table},
        path,
        label=SYNTHETIC_LABEL,
        notes={"Licence": "Open Government Licence v3.0"},
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["About", "indicators", "notes"]
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    notes = wb["notes"]
    header = [c.value for c in notes[1]]
    assert header == ["note", "change", "'=evil header"]
    values = [c.value for c in notes["A"][1:]]
    assert values[: len(NASTY)] == ["'" + t for t in NASTY]
    assert all(c.data_type == "s" for c in notes["A"][1:])
    assert notes["B2"].value == -1.5 and notes["B2"].data_type == "n"
    assert values[-2:] == ["-5", "Cambridge"]


def test_xlsx_about_sheet_and_suppressed_values(table):
    data = write_xlsx({"indicators": table}, label=SYNTHETIC_LABEL)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    rows = list(wb["About"].iter_rows(min_row=3, values_only=True))
    about = dict(rows)
    assert about["Label"] == SYNTHETIC_LABEL
    assert about["Disclosure control"] == table.attrs["disclosure_policy"]
    sources = [text for key, text in rows if key == "Source"]
    assert sources == ["'=1+1", "MHCLG"]  # sources from users' files are neutralised too
    ws = wb["indicators"]
    header = [c.value for c in ws[1]]
    counts = [r[header.index("count")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert counts == [None, None, 12, 20, 7, 0]  # the 10 protects the 3 (disclosure.secondary)


def test_xlsx_sheet_names_made_valid_and_unique(text_table):
    data = write_xlsx({"a/b:c?": text_table, "About": text_table, "x" * 40: text_table})
    names = openpyxl.load_workbook(io.BytesIO(data)).sheetnames
    assert names == ["About", "a_b_c_", "About (2)", "x" * 31]


def test_about_text_lists_policy_label_and_sources(table):
    policy = DisclosurePolicy(threshold=10, round_to=5)
    other = suppress_indicators(raw_table(), policy)
    text = about_text({"a": table, "b": other}, label=SYNTHETIC_LABEL, notes={"Date": "2025"})
    assert SYNTHETIC_LABEL in text and "1 to 9" in text and "1 to 4" in text
    assert "Source: MHCLG" in text and "Date: 2025" in text


# ---------------------------------------------------------------- geopackage
def test_geopackage_layers_about_and_neutralised(table, text_table, tmp_path):
    areas = gpd.GeoDataFrame(
        table, geometry=[box(i, 0, i + 1, 1) for i in range(6)], crs="EPSG:27700"
    )
    path = tmp_path / "results.gpkg"
    write_geopackage({"areas": areas, "notes": text_table}, path, label=SYNTHETIC_LABEL)
    layers = dict(pyogrio.list_layers(path))
    assert layers == {"areas": "Polygon", "notes": None, "about": None}
    back = gpd.read_file(path, layer="areas")
    assert back.crs.to_epsg() == 27700
    assert back.loc[0, "source"] == "'=1+1"
    assert np.isnan(back.loc[0, "count"]) and back.loc[5, "count"] == 0
    about = pyogrio.read_dataframe(path, layer="about")
    assert SYNTHETIC_LABEL in about["text"].tolist()
    notes = pyogrio.read_dataframe(path, layer="notes")
    assert notes["note"].iloc[0] == "'=1+1"


def test_geopackage_as_bytes(text_table):
    data = write_geopackage({"notes": text_table})
    assert data[:16] == b"SQLite format 3\x00"
    with pytest.raises(ValueError, match="unique"):
        write_geopackage({"about": text_table})

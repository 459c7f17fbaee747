"""Budgets before work (issue 18 item 5): absurd workbooks and wide tables are refused at once."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile

import openpyxl
import pytest

from meam_mapping.errors import InputError
from meam_mapping.io.budgets import MAX_COLUMNS, column_number, workbook_extents
from meam_mapping.io.indicators import load_indicator_file
from meam_mapping.io.read import read_table


def far_cell_workbook(
    cell: str = "XFD1048576", *, dimension: bool = True, value: object = 1
) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"], sheet["B1"] = "area_code", "homeless_households"
    sheet["A2"], sheet["B2"] = "E01000001", 4
    sheet[cell] = value
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if dimension:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename.endswith("sheet1.xml"):
                body = re.sub(rb"<dimension[^>]*/>", b"", body)
            dst.writestr(item, body)
    return out.getvalue()


def test_column_numbers():
    assert [column_number(c) for c in ("A", "Z", "AA", "XFD")] == [1, 26, 27, 16384]


@pytest.mark.parametrize("dimension", [True, False])
def test_a_small_workbook_claiming_xfd1048576_is_refused_before_loading(dimension):
    data = far_cell_workbook(dimension=dimension)
    assert len(data) < 10_000
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (extent,) = workbook_extents(archive)
    assert (extent.last_cell, extent.declared) == ("XFD1048576", dimension)
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as caught:
            read_table(data, name="far.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = caught.value.message
    assert "far.xlsx" in message and "XFD1048576" in message and "16,384 columns" in message
    assert "Ctrl+End" in message
    assert peak < 50 * 1024**2  # refused without building the sheet (it used gigabytes)


def test_a_far_cell_within_budget_still_loads():
    data = far_cell_workbook("A3000", value="E01000003")
    raw = read_table(data, name="ok.xlsx")
    assert list(raw.frame.columns) == ["area_code", "homeless_households"]
    assert list(raw.frame["area_code"]) == ["E01000001", "E01000003"]


def test_too_many_cells_in_a_narrow_sheet_is_refused(monkeypatch):
    import meam_mapping.io.budgets as budgets

    monkeypatch.setattr(budgets, "MAX_CELLS", 1000)
    with pytest.raises(InputError, match=r"C3000: 3,000 rows × 3 columns = 9,000 cells"):
        read_table(far_cell_workbook("C3000"), name="tall.xlsx")


def test_a_csv_with_too_many_columns_is_refused_naming_the_limit():
    header = "area_code," + ",".join(f"indicator_{i}" for i in range(2000))
    row = "E01000001," + ",".join("1" for _ in range(2000))
    data = (header + "\n" + row + "\n").encode()
    with pytest.raises(InputError) as caught:
        load_indicator_file(data, name="wide.csv")
    message = caught.value.message
    assert "wide.csv" in message and "2,001 columns" in message
    assert f"{MAX_COLUMNS:,}" in message and "tidy layout" in message


def test_the_column_limit_is_exact(monkeypatch):
    import meam_mapping.io.budgets as budgets

    monkeypatch.setattr(budgets, "MAX_COLUMNS", 12)

    def wide(n: int) -> bytes:
        header = "area_code," + ",".join(f"ind_{i}" for i in range(n))
        rows = [f"E0100000{k}," + ",".join(str(k + i % 7) for i in range(n)) for k in (1, 2)]
        return "\n".join([header, *rows]).encode()

    assert load_indicator_file(wide(11), name="wide.csv").table["indicator"].nunique() == 11
    with pytest.raises(InputError, match="13 columns, more than the 12"):
        load_indicator_file(wide(12), name="wide.csv")

"""Tests for meam_mapping.io.read: encodings, file types, sheets, empty files."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from meam_mapping.errors import InputError
from meam_mapping.io.read import read_table, source_name

CSV = "area_code,area_name,count\nE01000001,Abbey,5\nE01000002,Castle,7\n"


def _xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


class Upload(io.BytesIO):
    """Stand-in for Streamlit's UploadedFile: bytes with a .name."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


def test_reads_utf8_csv_from_path_with_spreadsheet_row_numbers(tmp_path):
    path = tmp_path / "homeless.csv"
    path.write_text(CSV, encoding="utf-8")
    raw = read_table(path)
    assert raw.file_name == "homeless.csv"
    assert raw.encoding == "utf-8"
    assert list(raw.frame.columns) == ["area_code", "area_name", "count"]
    assert list(raw.frame.index) == [2, 3]
    assert raw.frame.loc[3, "count"] == "7"
    assert raw.notes == ()


def test_utf8_bom_is_removed_from_first_heading():
    raw = read_table(b"\xef\xbb\xbf" + CSV.encode(), name="a.csv")
    assert raw.frame.columns[0] == "area_code"
    assert raw.encoding == "utf-8-sig"


def test_windows_1252_is_read_and_noted():
    data = "area_code,area_name,count\nE01000001,Caf\xe9 Quarter \xa3,5\n".encode("cp1252")
    raw = read_table(data, name="a.csv")
    assert raw.encoding == "cp1252"
    assert raw.frame.loc[2, "area_name"] == "Café Quarter £"
    assert any("Windows-1252" in n for n in raw.notes)


def test_undecodable_text_raises_with_fix():
    data = b"area_code,count\nE01000001,5\x81\n"
    with pytest.raises(InputError, match="encoding") as err:
        read_table(data, name="odd.csv")
    assert err.value.file == "odd.csv"
    assert "UTF-8" in err.value.fix


def test_utf16_unicode_text_from_excel():
    data = "area_code\tcount\r\nE01000001\t5\r\n".encode("utf-16")
    raw = read_table(data, name="export.txt")
    assert raw.frame.loc[2, "count"] == "5"
    assert raw.file_type == "tsv"


def test_tsv_and_semicolon_delimiters():
    tsv = read_table(b"area_code\tcount\nE01000001\t5\n", name="a.tsv")
    assert tsv.frame.loc[2, "count"] == "5"
    semi = read_table(b"area_code;count\nE01000001;5\n", name="a.csv")
    assert semi.frame.loc[2, "count"] == "5"
    assert any("semicolon" in n for n in semi.notes)


def test_quoted_thousands_stay_in_one_cell():
    raw = read_table(b'area_code,count\nE01000001,"1,234"\n', name="a.csv")
    assert raw.frame.loc[2, "count"] == "1,234"


def test_unquoted_comma_gives_extra_value_error_with_row():
    with pytest.raises(InputError) as err:
        read_table(b"area_code,count\nE01000001,5\nE01000002,1,234\n", name="a.csv")
    assert err.value.row == 3
    assert "1,234" in err.value.message


def test_blank_rows_are_skipped_and_reported_without_shifting_rows():
    raw = read_table(b"area_code,count\nE01000001,5\n,\nE01000002,6\n", name="a.csv")
    assert list(raw.frame.index) == [2, 4]
    assert any("blank row" in n and "3" in n for n in raw.notes)


def test_title_lines_above_headings_are_skipped():
    data = b"Homelessness by LSOA,,\nSource: council,,\narea_code,count,x\nE01000001,5,1\n"
    raw = read_table(data, name="a.csv")
    assert list(raw.frame.columns) == ["area_code", "count", "x"]
    assert list(raw.frame.index) == [4]
    assert any("title line" in n for n in raw.notes)


def test_duplicate_headings_raise():
    with pytest.raises(InputError, match="appears twice") as err:
        read_table(b"area_code,count,Count\nE01000001,5,6\n", name="a.csv")
    assert err.value.row == 1


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\xef\xbb\xbf\n"])
def test_empty_file_raises(data):
    with pytest.raises(InputError, match="empty") as err:
        read_table(data, name="nothing.csv")
    assert err.value.file == "nothing.csv"


def test_headings_without_rows_raise():
    with pytest.raises(InputError, match="no data rows"):
        read_table(b"area_code,count\n", name="a.csv")


def test_single_sheet_workbook():
    data = _xlsx({"Data": [["area_code", "count", "rate"], ["E01000001", 5, 0.25]]})
    raw = read_table(Upload(data, "book.xlsx"))
    assert raw.file_type == "xlsx"
    assert raw.sheet == "Data"
    assert raw.frame.loc[2, "count"] == "5"
    assert raw.frame.loc[2, "rate"] == "0.25"


def test_several_sheets_ask_which_and_list_names():
    data = _xlsx({"Notes": [["read me"]], "LSOA": [["area_code", "count"], ["E01000001", 5]]})
    with pytest.raises(InputError) as err:
        read_table(data, name="book.xlsx")
    assert "'Notes'" in err.value.message and "'LSOA'" in err.value.message
    assert "Which sheet" in err.value.message
    assert read_table(data, name="book.xlsx", sheet="lsoa").frame.loc[2, "count"] == "5"
    assert read_table(data, name="book.xlsx", sheet=1).sheet == "LSOA"
    with pytest.raises(InputError, match="no sheet called") as err:
        read_table(data, name="book.xlsx", sheet="MSOA")
    assert "'LSOA'" in err.value.message


def test_empty_extra_sheets_are_ignored_with_note():
    data = _xlsx({"Data": [["area_code", "count"], ["E01000001", 5]], "Sheet2": []})
    raw = read_table(data, name="book.xlsx")
    assert raw.sheet == "Data"
    assert any("other sheets are empty" in n for n in raw.notes)


def _zip(names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in names:
            z.writestr(n, "x")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "looks"),
    [
        (b"%PDF-1.7\n...", "PDF"),
        (b'{"type": "FeatureCollection", "features": []}', "GeoJSON"),
        (b"<!DOCTYPE html><html></html>", "web page"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", ".xls"),
    ],
)
def test_csv_name_with_other_contents_says_what_it_looks_like(data, looks):
    with pytest.raises(InputError) as err:
        read_table(data, name="data.csv")
    assert looks in err.value.message
    assert err.value.file == "data.csv"


def test_csv_that_is_really_a_workbook_or_zip():
    book = _xlsx({"Data": [["area_code"], ["E01000001"]]})
    with pytest.raises(InputError, match=r"Excel workbook \(\.xlsx\)"):
        read_table(book, name="data.csv")
    with pytest.raises(InputError, match="zip archive"):
        read_table(_zip(["data/table.csv"]), name="data.csv")


def test_xlsx_name_with_text_contents():
    with pytest.raises(InputError, match="Excel workbook.*text"):
        read_table(CSV.encode(), name="data.xlsx")


@pytest.mark.parametrize("name", ["old.xls", "map.geojson", "report.pdf", "data.ods"])
def test_unsupported_extension_lists_accepted_types(name):
    with pytest.raises(InputError, match="cannot be read") as err:
        read_table(CSV.encode(), name=name)
    assert ".xlsx" in err.value.expected


def test_missing_path_raises():
    with pytest.raises(InputError, match="No file"):
        read_table("/no/such/dir/file.csv")


def test_source_name_for_paths_uploads_and_nameless_buffers(tmp_path):
    assert source_name(tmp_path / "a.csv") == "a.csv"
    assert source_name(Upload(b"", "up.csv")) == "up.csv"
    assert source_name(io.BytesIO(b"")) == "the uploaded file"
    assert source_name(io.BytesIO(b""), "given.csv") == "given.csv"


def test_uploaded_file_is_read_even_after_a_previous_read():
    up = Upload(CSV.encode(), "up.csv")
    up.read()
    assert read_table(up).frame.shape == (2, 3)


def test_empty_means_only_blanks_after_a_byte_order_mark():
    """The emptiness test (a search for a filled byte) says what stripping the file would."""
    import itertools

    from meam_mapping.io import read

    pieces = [b" ", b"\t", b"\r", b"\n", b"\x00", b"\xef\xbb\xbf", b"\xef", b"a", b"\x0b"]
    for n in range(4):
        for parts in itertools.product(pieces, repeat=n):
            data = b"".join(parts)
            stripped = data.removeprefix(b"\xef\xbb\xbf").strip(b" \t\r\n\x00")
            start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
            assert (read._FILLED.search(data, start) is None) == (not stripped), data

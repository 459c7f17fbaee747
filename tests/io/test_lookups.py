"""The 2011-to-2021 lookup read as users have it: as downloaded, saved again by Excel, or damaged.

Each form of the file gives the same pairs as the download; each damaged one
gives a message naming the file (and row and column where there is one),
never a traceback or a bare exception name.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from meam_mapping.errors import InputError
from meam_mapping.io.lookups import read_ons_lookup

DOWNLOAD = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "geography"
    / "lsoa11_lsoa21_lad22_lookup_extract.csv"
)
#: Welsh names, as the national lookup has them (Ynys Môn is the first Welsh district).
WELSH = (
    "LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND,LAD22CD,LAD22NM,LAD22NMW\n"
    "W01000001,Ynys Môn 001A,W01000001,Ynys Môn 001A,U,W06000001,Isle of Anglesey,Ynys Môn\n"
    "W01000002,Ynys Môn 001B,W01000002,Ynys Môn 001B,U,W06000001,Isle of Anglesey,Ynys Môn\n"
)


def _pairs(lookup) -> pd.DataFrame:  # noqa: ANN001 - OnsLookup
    return lookup.pairs.sort_values(["from_code", "to_code"]).reset_index(drop=True)


@pytest.fixture()
def as_downloaded():  # noqa: ANN201
    return read_ons_lookup(DOWNLOAD)


def test_the_download_reads_with_byte_order_mark(as_downloaded) -> None:  # noqa: ANN001
    marked = read_ons_lookup(b"\xef\xbb\xbf" + DOWNLOAD.read_bytes(), name="lookup.csv")
    pd.testing.assert_frame_equal(_pairs(marked), _pairs(as_downloaded))
    assert marked.columns == ("LSOA11CD", "LSOA21CD", "CHGIND")


def test_saved_again_by_excel_as_a_workbook_with_a_notes_sheet(as_downloaded, tmp_path) -> None:  # noqa: ANN001
    frame = pd.read_csv(DOWNLOAD, dtype=str, keep_default_na=False)
    book = tmp_path / "lookup.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"Notes": ["Source: Office for National Statistics", "Open Government Licence"]}
                     ).to_excel(writer, sheet_name="Notes", index=False)  # fmt: skip
        frame.to_excel(writer, sheet_name="LSOA11_LSOA21_LAD22", index=False)
    pd.testing.assert_frame_equal(_pairs(read_ons_lookup(book)), _pairs(as_downloaded))


def test_saved_again_as_tab_separated(as_downloaded, tmp_path) -> None:  # noqa: ANN001
    tabbed = tmp_path / "lookup.txt"
    tabbed.write_text(DOWNLOAD.read_text(encoding="utf-8-sig").replace(",", "\t"), encoding="utf-8")
    pd.testing.assert_frame_equal(_pairs(read_ons_lookup(tabbed)), _pairs(as_downloaded))


def test_welsh_names_in_windows_1252_as_excel_saves_them() -> None:
    utf8 = read_ons_lookup(WELSH.encode("utf-8"), name="wales.csv")
    cp1252 = read_ons_lookup(io.BytesIO(WELSH.encode("cp1252")), name="wales.csv")
    pd.testing.assert_frame_equal(_pairs(cp1252), _pairs(utf8))
    assert cp1252.pairs["from_code"].tolist() == ["W01000001", "W01000002"]


def test_a_bad_change_type_is_named_by_the_row_a_spreadsheet_shows() -> None:
    lines = DOWNLOAD.read_text(encoding="utf-8-sig").splitlines()
    lines[3] = lines[3].replace(",U,", ",Q,")  # the third data row: spreadsheet row 4
    with pytest.raises(InputError) as caught:
        read_ons_lookup(("\n".join(lines) + "\n").encode(), name="lookup.csv")
    text = str(caught.value)
    assert "lookup.csv" in text and "row 4" in text and "CHGIND" in text and "'Q'" in text


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"", "lookup.csv", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "lookup.csv", "image"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 4, "lookup.csv", "PDF"),
        (
            WELSH.encode() + b"W01000003,x,W01000003,y,U,W06000001,a,b,extra,more\n",
            "lookup.csv",
            "more values than there are column headings",
        ),
        (b"area_code,value\nE01000001,3\n", "lookup.csv", "not an ONS lookup between two vintages"),
        (WELSH.encode(), "lookup.docx", "cannot be read"),
    ],
    ids=["empty", "image", "pdf", "ragged", "another table", "wrong ending"],
)
def test_damaged_or_wrong_files_get_a_message_naming_the_file(content, name, words) -> None:  # noqa: ANN001
    with pytest.raises(InputError) as caught:
        read_ons_lookup(content, name=name)
    assert name in str(caught.value) and words in str(caught.value)


def test_a_missing_path_is_named(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(InputError, match="No file was found"):
        read_ons_lookup(tmp_path / "lookup.csv")


def test_a_workbook_without_a_lookup_sheet_names_its_sheets(tmp_path) -> None:  # noqa: ANN001
    book = tmp_path / "notes.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"Notes": ["Source: ONS"]}).to_excel(writer, sheet_name="Notes", index=False)
        pd.DataFrame({"area_code": ["E01000001"]}).to_excel(writer, sheet_name="Codes", index=False)
    with pytest.raises(InputError) as caught:
        read_ons_lookup(book)
    text = str(caught.value)
    assert "notes.xlsx" in text and "'Notes'" in text and "'Codes'" in text and "LSOA11CD" in text

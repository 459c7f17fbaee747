"""Tests for meam_mapping.io.indicators: file -> checked tidy indicator table."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from meam_mapping.errors import InputError
from meam_mapping.io.indicators import (
    EXTRA_COLUMNS,
    LoadResult,
    guess_domain,
    load_indicator_file,
    to_indicator_table,
)
from meam_mapping.schema import INDICATOR_COLUMNS

TIDY = (
    "Area code,Indicator,Period,Count,Denominator\n"
    "E01000001,homelessness_duty_owed,2023/24,5,1000\n"
    "E01000002,homelessness_duty_owed,2023/24,*,800\n"
    'E01000003,homelessness_duty_owed,2023/24,"1,234",20000\n'
    "E01000001,probation_caseload,2023/24,[x],1000\n"
)

WIDE = (
    "lsoa_code,lsoa_name,drug_alcohol_treatment,secondary_mental_health,adults_18_64\n"
    "E01000001,Abbey,12,c,1000\n"
    "E01000002,Castle,..,9,1200\n"
    "E01000003,Market,3,4,900\n"
)


class Upload(io.BytesIO):
    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


def test_tidy_file_end_to_end(tmp_path):
    path = tmp_path / "services.csv"
    path.write_text(TIDY)
    result = load_indicator_file(path)
    assert isinstance(result, LoadResult)
    assert result.layout == "tidy"
    table = result.table
    assert list(table.columns[: len(INDICATOR_COLUMNS)]) == list(INDICATOR_COLUMNS)
    assert set(table.columns) - set(INDICATOR_COLUMNS) <= set(EXTRA_COLUMNS)
    assert_allclose(table["count"], [5, np.nan, 1234, np.nan])
    assert table["suppressed"].tolist() == [False, True, False, True]
    # Rate per 1,000 = count / denominator * 1,000 (definition of a crude rate):
    # 5 / 1000 * 1000 = 5; 1234 / 20000 * 1000 = 61.7.
    assert_allclose(table["value"], [5.0, np.nan, 61.7, np.nan])
    assert (table["unit"] == "per_1000").all()
    assert table["domain"].tolist() == ["homelessness"] * 3 + ["justice"]
    assert (table["source"] == "services.csv").all()
    assert any("2 count(s) were suppressed" in n and "not zero" in n for n in result.notes)
    assert result.file_name == "services.csv"


def test_result_is_frozen():
    result = load_indicator_file(TIDY.encode(), name="t.csv")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.layout = "wide"  # type: ignore[misc]


def test_uploaded_file_name_used_in_messages():
    bad = TIDY.replace("E01000003", "E0100003")
    with pytest.raises(InputError) as err:
        load_indicator_file(Upload(bad.encode(), "upload.csv"))
    assert err.value.file == "upload.csv"
    assert err.value.row == [4]
    assert err.value.message.startswith("upload.csv, row")


def test_wide_file_end_to_end_with_domains_guessed_and_reported():
    result = load_indicator_file(WIDE.encode(), name="wide.csv", period="2023")
    assert result.layout == "wide"
    t = result.table.set_index(["indicator", "area_code"])
    assert t.loc[("secondary_mental_health", "E01000001"), "suppressed"]
    assert np.isnan(t.loc[("drug_alcohol_treatment", "E01000002"), "count"])
    assert t.loc[("adults_18_64", "E01000003"), "domain"] == "context"
    assert t.loc[("drug_alcohol_treatment", "E01000003"), "domain"] == "substance_misuse"
    assert t.loc[("secondary_mental_health", "E01000003"), "domain"] == "mental_health"
    assert t.loc[("adults_18_64", "E01000001"), "unit"] == "count"
    assert t.loc[("drug_alcohol_treatment", "E01000001"), "area_name"] == "Abbey"
    assert any("Domains guessed" in n for n in result.notes)
    assert any("2 count(s) were suppressed" in n for n in result.notes)


def test_domains_mapping_by_id_or_name_and_bad_mappings():
    result = load_indicator_file(
        WIDE.encode(), name="wide.csv", domains={"drug_alcohol_treatment": "Mental ill health"}
    )
    t = result.table
    assert (t.loc[t["indicator"] == "drug_alcohol_treatment", "domain"] == "mental_health").all()
    with pytest.raises(InputError, match="not an indicator") as err:
        load_indicator_file(WIDE.encode(), name="wide.csv", domains={"drugs": "justice"})
    assert "drug_alcohol_treatment" in err.value.expected
    with pytest.raises(InputError, match="Unknown domain") as err:
        load_indicator_file(WIDE.encode(), name="w.csv", domains={"adults_18_64": "people"})
    assert "homelessness" in err.value.expected


def test_context_fallback_is_reported():
    data = b"area_code,known_multiple_disadvantage\nE01000001,3\n"
    result = load_indicator_file(data, name="k.csv")
    assert result.table["domain"].tolist() == ["context"]
    assert any("set to 'context'" in n and "known_multiple_disadvantage" in n for n in result.notes)


def test_guess_domain_examples():
    assert guess_domain("Homelessness duty owed") == "homelessness"
    assert guess_domain("drug_alcohol_treatment") == "substance_misuse"
    assert guess_domain("secondary_mental_health") == "mental_health"
    assert guess_domain("probation_caseload") == "justice"
    assert guess_domain("deprivation_score") == "context"
    assert guess_domain("widgets") is None


def test_domain_column_accepts_labels_and_rejects_unknown():
    data = (
        "area_code,indicator,domain,count\n"
        "E01000001,a,Substance misuse,1\nE01000002,b,Contact with criminal justice,2\n"
    )
    t = load_indicator_file(data.encode(), name="d.csv").table
    assert t["domain"].tolist() == ["substance_misuse", "justice"]
    with pytest.raises(InputError, match="Unknown domain") as err:
        load_indicator_file(data.replace("Substance misuse", "Sport").encode(), name="d.csv")
    assert err.value.row == [2]


def test_unit_column_read_and_unknown_unit_rejected():
    data = "area_code,indicator,value,unit\nE01000001,a,12.5,%\nE01000002,a,10,%\n"
    assert load_indicator_file(data.encode(), name="u.csv").table["unit"].tolist() == [
        "percent",
        "percent",
    ]
    with pytest.raises(InputError, match="Unknown unit") as err:
        load_indicator_file(data.replace("%", "stones").encode(), name="u.csv")
    assert err.value.row == [2, 3]


def test_duplicates_in_tidy_file_name_rows():
    data = TIDY + "E01000001,homelessness_duty_owed,2023/24,6,1000\n"
    with pytest.raises(InputError, match="repeat") as err:
        load_indicator_file(data.encode(), name="dup.csv")
    assert err.value.row == [2, 6]


@pytest.mark.parametrize(
    ("cell", "problem"),
    [("-3", "negative"), ("2.5", "not whole"), ("2000", "larger than"), ("lots", "not numbers")],
)
def test_bad_counts_in_files_name_row_and_column(cell, problem):
    data = "area_code,indicator,count,denominator,unit\nE01000001,a,1,1000,count\n"
    data += f"E01000002,a,{cell},1000,count\n"
    with pytest.raises(InputError, match=problem) as err:
        load_indicator_file(data.encode(), name="c.csv")
    assert err.value.row in (3, [3])
    assert err.value.column in ("count", ["count"])


def test_wide_error_names_the_source_column():
    data = b"area_code,homeless,homeless_denominator\nE01000001,-5,10\n"
    with pytest.raises(InputError, match="negative") as err:
        load_indicator_file(data, name="w.csv")
    assert err.value.column == "homeless"
    assert err.value.row == [2]


def test_every_dropped_row_is_noted(tmp_path):
    data = TIDY + ",,,,\nTotal,homelessness_duty_owed,2023/24,9,9\n"
    result = load_indicator_file(data.encode(), name="t.csv")
    assert len(result.table) == 4
    assert any("blank row" in n and "6" in n for n in result.notes)
    assert any("total row" in n and "7" in n for n in result.notes)


def test_period_defaults_to_unspecified_with_note():
    result = load_indicator_file(b"area_code,homeless\nE01000001,3\n", name="w.csv")
    assert result.table["period"].tolist() == ["unspecified"]
    assert any("unspecified" in n for n in result.notes)


def test_windows_1252_note_reaches_the_result():
    data = "area_code,area_name,homeless\nE01000001,Caf\xe9,3\n".encode("cp1252")
    result = load_indicator_file(data, name="w.csv")
    assert result.table["area_name"].tolist() == ["Café"]
    assert any("Windows-1252" in n for n in result.notes)


def test_excel_upload_with_sheet_choice():
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "About"
    book.active.append(["Notes on this workbook"])
    ws = book.create_sheet("Data")
    ws.append(["area_code", "homeless", "population"])
    ws.append(["E01000001", 4, 1000])
    buf = io.BytesIO()
    book.save(buf)
    with pytest.raises(InputError, match="Which sheet"):
        load_indicator_file(Upload(buf.getvalue(), "book.xlsx"))
    result = load_indicator_file(Upload(buf.getvalue(), "book.xlsx"), sheet="Data")
    assert set(result.table["indicator"]) == {"homeless", "population"}


def test_layout_can_be_forced_and_unrecognised_layout_explained():
    data = b"area_code,indicator_count\nE01000001,3\n"
    assert load_indicator_file(data, name="x.csv", layout="wide").layout == "wide"
    with pytest.raises(InputError, match="layout"):
        load_indicator_file(b"ward,count\nAbbey,3\n", name="x.csv")
    with pytest.raises(ValueError, match="auto, tidy, wide, fingertips"):
        load_indicator_file(data, name="x.csv", layout="long")  # type: ignore[arg-type]


def test_dataframe_with_numbers_converts_too():
    frame = pd.DataFrame(
        {"area_code": ["E01000001", "E01000002"], "homeless": [3, np.nan], "score": [1.5, 2.25]}
    )
    result = to_indicator_table(frame, file="frame", period="2024")
    t = result.table.set_index(["indicator", "area_code"])
    assert t.loc[("homeless", "E01000001"), "count"] == 3
    assert not t.loc[("homeless", "E01000002"), "suppressed"]
    assert_allclose(t.loc[("score", "E01000002"), "value"], 2.25)
    assert any("no count or value" in n for n in result.notes)


def test_lower_case_codes_capitalised_with_note():
    result = load_indicator_file(b"area_code,homeless\ne01000001,3\n", name="w.csv")
    assert result.table["area_code"].tolist() == ["E01000001"]
    assert any("capitalised" in n for n in result.notes)


MARKERS = ["*", "c", "x", "..", "-", "[c]", "[x]", ":"]


@pytest.mark.parametrize("marker", MARKERS)
def test_markers_in_tidy_and_wide_files_are_suppressed_not_zero(marker):
    tidy = f"area_code,indicator,count\nE01000001,a,4\nE01000002,a,{marker}\n"
    wide = f"area_code,a\nE01000001,4\nE01000002,{marker}\n"
    for data in (tidy, wide):
        t = load_indicator_file(data.encode(), name="m.csv").table
        assert t["suppressed"].tolist() == [False, True]
        assert np.isnan(t["count"].iloc[1])


def test_blank_count_with_note_is_suppressed_in_tidy_file():
    data = "area_code,indicator,count,note\nE01000001,a,4,\nE01000002,a,,small number\n"
    result = load_indicator_file(data.encode(), name="n.csv")
    assert result.table["suppressed"].tolist() == [False, True]


FINGERTIPS = (
    "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,"
    "Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,"
    "Lower CI 99.8 limit,Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,"
    "Compared to England value or percentiles,Compared to Region value or percentiles,"
    "Time period Sortable,New data,Compared to goal\n"
    "93736,Households owed a homelessness duty,E12000006,East of England,E07000008,Cambridge,"
    "Districts & UAs,Persons,18+ yrs,,,2023/24,6.88,6.4,7.3,,,812,118000,,,Similar,Similar,"
    "20230000,,\n"
)


@pytest.mark.parametrize(
    ("data", "names"),
    [
        (TIDY, {"Homelessness duty owed", "Probation caseload"}),
        (WIDE, {"Drug alcohol treatment", "Secondary mental health", "Adults 18 64"}),
        (FINGERTIPS, {"Households owed a homelessness duty"}),
    ],
    ids=["tidy", "wide", "fingertips"],
)
def test_every_layout_fills_name_unit_label_kind_and_polarity(data, names):
    table = load_indicator_file(data.encode(), name="f.csv").table
    assert set(table["indicator_name"]) == names
    for column in ("indicator_name", "unit_label", "kind", "polarity"):
        assert table[column].notna().all()
        assert not table[column].astype(str).str.strip().str.lower().isin(["", "nan"]).any()


def test_unit_wording_kept_as_label_and_code_stored():
    data = (
        "area_code,indicator,count,denominator,unit\n"
        "E01000001,homelessness_duty_owed,5,1000,per 1,000 adults\n"
        "E01000002,homelessness_duty_owed,7,1400,per 1,000 adults\n"
    )
    table = load_indicator_file(
        data.replace("per 1,000 adults", '"per 1,000 adults"').encode()
    ).table
    assert set(table["unit"]) == {"per_1000"} and set(table["unit_label"]) == {"per 1,000 adults"}
    assert_allclose(table["value"], [5.0, 5.0])
    assert set(table["kind"]) == {"rate"} and set(table["polarity"]) == {"higher_is_worse"}

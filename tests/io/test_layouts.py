"""Tests for meam_mapping.io.layouts: column synonyms, tidy and wide tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from meam_mapping.errors import InputError
from meam_mapping.io.layouts import (
    detect_layout,
    indicator_id,
    match_columns,
    normalize_heading,
    tidy_rows,
    wide_rows,
)


def cells(data: dict[str, list[str]]) -> pd.DataFrame:
    n = len(next(iter(data.values())))
    return pd.DataFrame(data, index=pd.RangeIndex(2, n + 2, name="row")).astype(str)


@pytest.mark.parametrize(
    "heading", ["area_code", "Area code", "AREA CODE ", "LSOA11CD", "lsoa_code", "LSOA21CD", "code"]
)
def test_area_code_synonyms(heading):
    assert match_columns([heading, "count"], ("area_code",)) == {"area_code": heading}


def test_lsoa_code_preferred_to_lad_code():
    found = match_columns(["LAD19CD", "LSOA11CD", "LSOA11NM"], ("area_code", "area_name"))
    assert found == {"area_code": "LSOA11CD", "area_name": "LSOA11NM"}


def test_normalize_heading_and_indicator_id():
    assert normalize_heading("  Time_Period ") == "time period"
    assert indicator_id("Homelessness duty owed (%)") == "homelessness_duty_owed"


@pytest.mark.parametrize(
    ("columns", "layout"),
    [
        (["Area code", "Indicator", "Count"], "tidy"),
        (["area_code", "homeless", "drugs"], "wide"),
        (["Indicator ID", "Area Code", "Time period", "Value"], "fingertips"),
        (["ward", "count"], ""),
    ],
)
def test_detect_layout(columns, layout):
    assert detect_layout(columns) == layout


def test_tidy_rows_reads_synonyms_markers_and_notes():
    raw = cells(
        {
            "Area Code": ["E01000001", "E01000002", "E01000003"],
            "Indicator": ["Probation caseload"] * 3,
            "Year": ["2023"] * 3,
            "Number": ["1,234", "[c]", ""],
            "Population": ["5000", "4000", "3000"],
            "Value note": ["", "", "withheld"],
            "Comments": ["", "", ""],
        }
    )
    notes: list[str] = []
    long = tidy_rows(raw, notes, file="t.csv")
    assert long["indicator"].tolist() == ["probation_caseload"] * 3
    assert long["indicator_name"].iloc[0] == "Probation caseload"
    assert_allclose(long["count"], [1234, np.nan, np.nan])
    assert long["suppressed"].tolist() == [False, True, True]  # marker; blank with note
    assert long["_row"].tolist() == [2, 3, 4]
    assert long["period"].tolist() == ["2023"] * 3
    assert any("'Year' as period" in n for n in notes)


def test_tidy_missing_columns_lists_found():
    raw = cells({"Area": ["E01000001"], "Stuff": ["3"]})
    with pytest.raises(InputError) as err:
        tidy_rows(raw, [], file="t.csv")
    assert "indicator" in err.value.column
    assert "'Stuff'" in err.value.expected


def test_tidy_suppressed_flag_column():
    raw = cells(
        {
            "area_code": ["E01000001", "E01000002"],
            "indicator": ["a", "a"],
            "count": ["", "3"],
            "suppressed": ["TRUE", "no"],
        }
    )
    assert tidy_rows(raw, [])["suppressed"].tolist() == [True, False]
    raw.loc[2, "suppressed"] = "maybe"
    with pytest.raises(InputError, match="TRUE or FALSE") as err:
        tidy_rows(raw, [])
    assert err.value.row == [2]


def test_total_rows_are_left_out_with_note():
    raw = cells({"area_code": ["E01000001", "Total"], "indicator": ["a", "a"], "count": ["1", "1"]})
    notes: list[str] = []
    long = tidy_rows(raw, notes)
    assert len(long) == 1
    assert any("total row" in n and "rows 3" in n for n in notes)


def test_wide_with_own_and_shared_denominators_and_text_columns():
    raw = cells(
        {
            "LSOA11CD": ["E01000001", "E01000002"],
            "LSOA11NM": ["Abbey 001A", "Castle 002B"],
            "LAD19CD": ["E07000008", "E07000008"],
            "homeless": ["4", "*"],
            "homeless_denominator": ["900", "800"],
            "drug_treatment": ["7", "2"],
            "population": ["1000", "1100"],
            "deprivation_score": ["23.4", "11.0"],
        }
    )
    notes: list[str] = []
    long = wide_rows(raw, notes, file="w.csv", period="2023")
    by = long.set_index(["indicator", "area_code"])
    assert by.loc[("homeless", "E01000001"), "denominator"] == 900
    assert by.loc[("drug_treatment", "E01000002"), "denominator"] == 1100
    assert by.loc[("homeless", "E01000002"), "suppressed"]
    assert np.isnan(by.loc[("homeless", "E01000002"), "count"])
    assert by.loc[("deprivation_score", "E01000001"), "unit"] == "score"
    assert np.isnan(by.loc[("deprivation_score", "E01000001"), "count"])
    assert_allclose(by.loc[("deprivation_score", "E01000001"), "value"], 23.4)
    # the shared population is kept as an indicator itself; own denominators are not
    assert set(long["indicator"]) == {
        "homeless",
        "drug_treatment",
        "population",
        "deprivation_score",
    }
    assert any("'LAD19CD'" in n for n in notes)  # text column set aside, said so
    assert (long["period"] == "2023").all()
    assert by.loc[("homeless", "E01000002"), "_column"] == "homeless"


def test_wide_junk_in_numeric_column_names_rows():
    raw = cells({"area_code": ["E01000001", "E01000002", "E01000003"], "n": ["1", "two", "3"]})
    with pytest.raises(InputError) as err:
        wide_rows(raw, [], file="w.csv")
    assert err.value.row == [3]
    assert err.value.column == "n"


def test_wide_without_numbers_or_codes():
    with pytest.raises(InputError, match="No columns of numbers"):
        wide_rows(cells({"area_code": ["E01000001"], "name": ["Abbey"]}), [])
    with pytest.raises(InputError, match="No area code"):
        wide_rows(cells({"ward": ["Abbey"], "n": ["1"]}), [])


def test_totals_found_as_when_every_text_is_looked_at():
    """Texts without g, t or a are skipped: the answer is still the pattern's on each text."""
    import numpy as np
    import pandas as pd

    from meam_mapping.io import layouts

    texts = ["Total", " grand  TOTALS ", "All areas", "ALL AREAS ", "all areas x", "Totalé",
             "TOTAL:", "E01000001", "e01000002", "subtotal", "\u0130ll areas", "ToTaLs 2024",
             "Grand", "", "   ", "nan", "Ａll areas", "\tTotal\n", "Kent total"]  # fmt: skip
    values = pd.Series(texts * 3, dtype="str", index=np.arange(len(texts) * 3) + 2)
    expected = [bool(layouts._TOTAL.match(str(t).strip())) for t in values]
    found = layouts._totals(values)
    assert found.tolist() == expected and found.index.equals(values.index)
    assert sum(expected) == 3 * 7

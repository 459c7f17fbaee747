"""The area code column is found by its values, whatever its heading."""

from __future__ import annotations

import pandas as pd
import pytest

from meam_mapping.io.area_column import (
    find_area_column,
    vintage_from_codes,
    vintage_from_heading,
    with_area_column,
)
from meam_mapping.io.indicators import load_indicator_file


@pytest.mark.parametrize(
    ("heading", "vintage"),
    [
        ("LSOA code (2011)", "2011"),
        ("LSOA code (2021)", "2021"),
        ("lsoa21cd", "2021"),
        ("LSOA11CD", "2011"),
        ("LAD24CD", "2024"),
        ("Local Authority District code (2019)", "2019"),
        ("Geography code", None),
        ("area_code", None),
    ],
)
def test_vintage_from_heading(heading: str, vintage: str | None) -> None:
    assert vintage_from_heading(heading) == vintage


def test_vintage_from_codes_only_when_a_code_is_new_in_2021() -> None:
    assert vintage_from_codes(["E01000001", "E01033768"], "lsoa") is None
    assert vintage_from_codes(["E01000001", "E01033769"], "lsoa") == "2021"
    assert vintage_from_codes(["W01001959"], "lsoa") == "2021"
    assert vintage_from_codes(["E02006935"], "msoa") == "2021"
    assert vintage_from_codes(["E02006934"], "msoa") is None


def test_finest_level_wins_over_the_district_column_and_names_are_paired() -> None:
    raw = pd.DataFrame(
        {
            "Local Authority District code (2019)": ["E09000001", "E07000076"],
            "LSOA code (2011)": ["E01000001", "E01021988"],
            "LSOA name (2011)": ["City of London 001A", "Tendring 018A"],
            "Decile": ["9", "1"],
        }
    )
    found = find_area_column(raw)
    assert found is not None
    assert (found.column, found.level, found.vintage, found.vintage_from) == (
        "LSOA code (2011)", "lsoa", "2011", "heading",
    )  # fmt: skip
    assert found.name_column == "LSOA name (2011)"
    assert found.others == ("Local Authority District code (2019)",)


def test_lower_case_onspd_style_and_vintage_from_codes() -> None:
    raw = pd.DataFrame({"lsoa21cd": ["e01035722"], "lsoa21nm": ["x"], "n": ["3"]})
    found = find_area_column(raw)
    assert found is not None and found.name_column == "lsoa21nm"
    raw = pd.DataFrame({"Where": ["E01000001", "E01035000", "E01000002"], "n": ["3", "4", "5"]})
    found = find_area_column(raw)
    assert (found.column, found.vintage, found.vintage_from) == ("Where", "2021", "codes")


def test_a_column_that_is_mostly_not_codes_is_not_taken() -> None:
    raw = pd.DataFrame({"id": ["E01000001", "abc", "def", "ghi", "jkl"], "n": ["1"] * 5})
    assert find_area_column(raw) is None
    assert with_area_column(raw, {}) == {}


def test_heading_match_is_kept() -> None:
    raw = pd.DataFrame({"area_code": ["X1"], "LSOA code (2011)": ["E01000001"]})
    assert with_area_column(raw, {"area_code": "area_code"}) == {"area_code": "area_code"}


@pytest.mark.parametrize("heading", ["LSOA code (2011)", "lsoa21cd", "Geography code", "Where"])
def test_wide_file_loads_without_renaming(heading: str) -> None:
    data = f'{heading},People sleeping rough\nE01000001,"1,204"\nE01000002,7\n'.encode()
    result = load_indicator_file(data, name="t.csv")
    assert result.layout == "wide"
    assert result.table["area_code"].tolist() == ["E01000001", "E01000002"]
    assert result.table["count"].tolist() == [1204.0, 7.0]


def test_tidy_file_with_an_unusual_area_heading() -> None:
    data = (
        b"Neighbourhood,indicator,count\nE01000001,rough_sleeping,5\nE01000002,rough_sleeping,8\n"
    )
    result = load_indicator_file(data, name="t.csv")
    assert result.layout == "tidy"
    assert sorted(result.table["area_code"]) == ["E01000001", "E01000002"]

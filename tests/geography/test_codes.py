import pandas as pd
import pytest

from meam_mapping.errors import InputError
from meam_mapping.geography.codes import (
    describe_codes,
    detect_level,
    detect_vintage,
    find_retired,
    is_gss_code,
    level_of,
    retired_districts,
    validate_codes,
)


def test_validate_codes_normalises_good_codes():
    out = validate_codes([" e01000001 ", "E02000001", "W06000001"])
    assert list(out) == ["E01000001", "E02000001", "W06000001"]


def test_validate_codes_lists_bad_codes_with_spreadsheet_rows():
    with pytest.raises(InputError) as info:
        validate_codes(["E01000001", "X123", "", "E0100000", "Cambridge"], file="t.csv")
    err = info.value
    assert err.row == [3, 4, 5, 6]  # header is row 1, first value row 2
    assert err.file == "t.csv" and err.column == "area_code"
    assert "row 3: 'X123'" in err.message and "(blank)" in err.message


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("E00000001", "oa"),
        ("E01000001", "lsoa"),
        ("W02000001", "msoa"),
        ("E05000001", "ward"),
        ("E06000001", "lad"),
        ("E07000008", "lad"),
        ("E08000001", "lad"),
        ("E09000001", "lad"),
        ("W06000001", "lad"),
        ("E10000003", "county"),
        ("E12000006", "region"),
        ("E92000001", "country"),
        ("E47000008", "unknown"),
        ("E1000000", "invalid"),
    ],
)
def test_level_of_prefixes(code, level):
    assert level_of(code) == level


def test_is_gss_code():
    assert is_gss_code("S12000033") and not is_gss_code("e01000001") and not is_gss_code(None)
    assert not is_gss_code("E01000001\n")  # a final newline is not part of a code


def test_detect_level_reports_share_and_mix():
    det = detect_level(["E01000001", "E01000002", "E01000002", "E07000008", None])
    assert det.level == "lsoa" and det.n_codes == 3
    assert det.share == pytest.approx(2 / 3)
    assert det.is_mixed and det.mixed_levels == ("lad",)
    assert det.entities["non-metropolitan district"] == 1
    assert "67% of 3 codes are LSOAs" in det.describe()


def test_detect_level_empty():
    assert detect_level([]).level == "unknown"


def test_detect_vintage_by_reference_sets():
    refs = {
        "LSOA 2011": ["E01000001", "E01000002", "E01000003"],
        "LSOA 2021": ["E01000001", "E01000002", "E01035000"],
    }
    rep = detect_vintage(["E01000001", "E01000003"], refs)
    assert rep.vintage == "LSOA 2011"
    assert rep.shares == {"LSOA 2011": 1.0, "LSOA 2021": 0.5}
    assert rep.not_in["LSOA 2021"] == ("E01000003",)
    assert rep.only_in["LSOA 2011"] == ("E01000003",) and rep.only_in["LSOA 2021"] == ()


def test_detect_vintage_without_references_warns_about_shared_prefix():
    rep = detect_vintage(["E01000001"])
    assert rep.vintage is None and "E01" in rep.notes[0]


def test_retired_table_is_well_formed():
    table = retired_districts()
    assert list(table.columns) == [
        "old_code",
        "old_name",
        "new_code",
        "new_name",
        "date",
        "verified",
        "source",
    ]
    assert table["old_code"].map(is_gss_code).all() and table["new_code"].map(is_gss_code).all()
    assert set(table["date"]) == {"2019-04-01", "2020-04-01", "2021-04-01", "2023-04-01"}
    assert (table["source"].str.len() > 20).all()
    # Buckinghamshire 2020: four districts and the county -> E06000060
    # (mysociety/uk_local_authority_names_and_codes rows AYL, CHN, SBU, BKM)
    bucks = table[table["new_code"] == "E06000060"]
    assert set(bucks["old_code"]) == {
        "E07000004",
        "E07000005",
        "E07000006",
        "E07000007",
        "E10000002",
    }
    north = table[table["new_code"] == "E06000061"]["old_code"]
    assert {"E07000150", "E07000152", "E07000153", "E07000156"} <= set(north)
    # Somerset West and Taunton is both a 2019 successor and retired in 2023
    assert "E07000246" in set(table["new_code"]) and "E07000246" in set(table["old_code"])


def test_find_retired_and_describe():
    found = find_retired(["E07000201", "E07000008", "E10000021"])
    assert set(found["old_code"]) == {"E07000201", "E10000021"}
    text = describe_codes(["E07000201", "E07000008", "E10000021", "oops"])
    assert "West Suffolk (E07000245)" in text
    assert "North Northamptonshire (E06000061) and West Northamptonshire (E06000062)" in text
    assert "'oops'" in text and "abolished in 2019, 2021" in text


def test_describe_codes_with_references():
    text = describe_codes(pd.Series(["E01000001"]), references={"LSOA 2021": ["E01000001"]})
    assert "match LSOA 2021 best (100%)" in text

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from meam_mapping.errors import InputError
from meam_mapping.geography.join import join_indicators


def _areas(codes=("E01000001", "E01000002", "E01000003"), vintage="LSOA 2011"):
    gdf = gpd.GeoDataFrame(
        {
            "area_code": list(codes),
            "area_name": [f"Area {i}" for i in range(len(codes))],
            "level": "lsoa",
        },
        geometry=[box(i, 0, i + 1, 1) for i in range(len(codes))],
        crs=27700,
    )
    gdf.attrs["vintage"] = vintage
    return gdf


def _table(rows):
    cols = [
        "area_code",
        "indicator",
        "domain",
        "period",
        "count",
        "denominator",
        "value",
        "unit",
        "source",
        "suppressed",
    ]
    return pd.DataFrame(rows, columns=cols)


def _row(code, ind="homelessness_duty_owed", count=5.0, supp=False, period="2023"):
    return [code, ind, "homelessness", period, count, 1000.0, np.nan, "per 1,000", "test", supp]


def test_clean_join_is_ok_and_keeps_geometry():
    table = _table([_row("E01000001"), _row("E01000002"), _row(" e01000003 ")])
    res = join_indicators(_areas(), table)
    assert res.report.ok and res.report.matched == 3
    assert isinstance(res.joined, gpd.GeoDataFrame) and res.joined.crs.to_epsg() == 27700
    assert list(res.joined["area_name"]) == ["Area 0", "Area 1", "Area 2"]
    assert "Every table row found its area" in res.report.summary_text()
    assert (res.report.to_frame()["status"] == "ok").all()


def test_report_lists_unmatched_missing_duplicates_and_suppression():
    table = _table(
        [
            _row("E01000001"),
            _row("E01000001"),  # duplicate of row 2
            _row("E01999999"),  # no such area (row 4)
            _row("E01000002", count=np.nan, supp=True),
            _row(
                "E01000002", ind="drug_alcohol_treatment", count=np.nan
            ),  # missing, not suppressed
            _row(None),  # blank code (row 7)
        ]
    )
    res = join_indicators(_areas(), table, file="homeless.csv")
    rep = res.report
    assert not rep.ok
    assert rep.unmatched_table_codes == {"E01999999": (4,), "(blank)": (7,)}
    assert rep.areas_without_data == ("E01000003",)
    assert rep.duplicate_rows == (("E01000001", "homelessness_duty_owed", "2023", (2, 3)),)
    per = rep.per_indicator.set_index("indicator")
    assert per.loc["homelessness_duty_owed", "suppressed"] == 1
    assert per.loc["drug_alcohol_treatment", "missing"] == 1
    assert len(res.joined) == 4  # rows that found an area
    text = rep.summary_text()
    assert "E01999999 (rows 4)" in text and "E01000003" in text
    frame = rep.to_frame()
    assert set(frame.columns) == {"check", "status", "count", "detail"}
    assert frame.set_index("check").loc["table codes with no area", "status"] == "problem"


def test_mixed_levels_and_duplicate_area_codes_are_flagged():
    areas = _areas(("E01000001", "E01000002", "E01000002"))
    table = _table([_row("E01000001"), _row("E07000008")])
    rep = join_indicators(areas, table).report
    assert rep.mixed_levels == {"lad": 1, "lsoa": 1}
    assert rep.duplicate_area_codes == ("E01000002",)
    assert not rep.ok


def test_no_match_between_levels_explains():
    table = _table([_row("E07000008"), _row("E07000009")])
    with pytest.raises(InputError) as info:
        join_indicators(_areas(), table, file="lad.csv")
    msg = info.value.message
    assert "none of the table's area codes match" in msg
    assert "E07000008" in msg and "E01000001" in msg
    assert "local authority district codes but the boundaries are LSOAs" in msg


def test_no_match_between_lsoa_vintages_explains():
    table = _table([_row("E01033000")])
    with pytest.raises(InputError, match="LSOA 2021 codes but the boundaries are LSOA 2011"):
        join_indicators(_areas(), table)


def test_retired_codes_hint_and_plain_dataframe_areas():
    areas = pd.DataFrame({"area_code": ["E07000245", "E07000008"], "area_name": ["WS", "C"]})
    table = _table([_row("E07000201"), _row("E07000008")])
    res = join_indicators(areas, table)
    assert not isinstance(res.joined, gpd.GeoDataFrame)
    assert any("E07000201 Forest Heath" in n for n in res.report.notes)


def test_missing_area_code_column():
    with pytest.raises(InputError, match="no 'area_code' column"):
        join_indicators(_areas(), pd.DataFrame({"code": ["E01000001"]}), file="x.csv")


def test_a_value_only_indicator_is_not_reported_missing():
    """A decile or rank has a value and no count: only rows with neither are missing."""
    decile = [
        "E01000001", "imd_decile", "deprivation", "2019", np.nan, np.nan, 3.0, "decile", "IoD", False,
    ]  # fmt: skip
    blank = [
        "E01000002", "imd_decile", "deprivation", "2019", np.nan, np.nan, np.nan, "decile", "IoD",
        False,
    ]  # fmt: skip
    rep = join_indicators(_areas(), _table([decile, blank])).report
    per = rep.per_indicator.set_index("indicator")
    assert per.loc["imd_decile", "missing"] == 1
    assert "1 missing of 2 rows" in rep.summary_text()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_repeated_rows_are_those_pandas_calls_duplicated(seed):
    """The join's repeated rows (on factorised codes) equal DataFrame.duplicated(keep=False)."""
    from meam_mapping.geography.join import _repeated

    rng = np.random.default_rng(seed)
    n = 400
    codes = pd.Series(rng.choice(["E01000001", "E01000002", "E01000003", None], n), dtype=object)
    table = pd.DataFrame(
        {
            "area_code": codes,
            "indicator": pd.Series(rng.choice(["a", "b", None], n), dtype="str"),
            "period": pd.Series(rng.choice(["2023", "2024", np.nan], n), dtype=object),
        }
    )
    positions, _ = pd.factorize(codes.to_numpy(dtype=object))
    for keys in (["area_code"], ["area_code", "indicator"], ["area_code", "indicator", "period"]):
        expected = table.duplicated(keys, keep=False) & table["area_code"].notna()
        found = _repeated(positions, table[keys[1:]])
        assert found.tolist() == expected.tolist()
    assert _repeated(positions[:0], table.iloc[:0][["indicator"]]).tolist() == []


@pytest.mark.parametrize("geo", [True, False])
@pytest.mark.parametrize("attrs", [({}, {}), ({"vintage": "LSOA 2021"}, {}),
                                   ({"u": 1}, {"u": 1})])  # fmt: skip
def test_areas_attached_by_position_as_a_merge_would(geo, attrs):
    """The joined rows equal pandas' left merge of the matched rows on the deduplicated areas."""
    from meam_mapping.geography.join import _attach

    rng = np.random.default_rng(4)
    codes = [f"E01{i:06d}" for i in range(30)]
    areas = pd.DataFrame(
        {
            "area_code": codes + codes[:3],  # repeated codes: the first shape is kept
            "area_name": [f"Area {i} & <x>" for i in range(33)],
            "level": "lsoa",
            "pop": np.arange(33.0),
        }
    )
    if geo:
        areas = gpd.GeoDataFrame(areas, geometry=[box(i, 0, i + 1, 1) for i in range(33)],
                                 crs="EPSG:27700")  # fmt: skip
    areas.attrs = dict(attrs[0])
    table = pd.DataFrame(
        {
            "area_code": pd.Series(rng.choice(codes, 200), dtype=object),
            "indicator": "x",
            "count": rng.integers(0, 9, 200).astype(float),
            "area_name": "from the table",
        }
    )
    table.attrs = dict(attrs[1])
    area_cols = [c for c in areas.columns if c == "area_code" or c not in table.columns]
    left = areas[area_cols].copy().drop_duplicates("area_code")
    positions, distinct = pd.factorize(table["area_code"].to_numpy(dtype=object))
    rows = table.iloc[::2]
    expected = rows.merge(left, on="area_code", how="left")
    found = _attach(rows, left, positions[::2], distinct)
    pd.testing.assert_frame_equal(found, expected)
    assert type(found) is type(expected) and found.attrs == expected.attrs


def _awkward_table():
    """Every case the report counts: repeats, a blank and an unknown code, spaced lower case,
    suppressed and missing counts, a retired council code, a second indicator and period."""
    return _table(
        [
            _row(" e01000001 "),
            _row("E01000001"),  # repeats row 2 once normalised
            _row("E01999999"),
            _row("E01000002", count=np.nan, supp=True),
            _row("E01000002", ind="drug_alcohol_treatment", count=np.nan),
            _row(None),
            _row("E07000201"),  # Forest Heath, retired in 2019
            _row("E01000003", period="2024"),
        ]
    )


@pytest.mark.parametrize("geo", [True, False])
def test_the_tables_half_worked_out_first_gives_the_same_join(geo):
    """A TableSide made beforehand (as the child reading the table makes it) changes nothing."""
    from meam_mapping.geography.join import table_side

    areas = _areas() if geo else pd.DataFrame(_areas()).drop(columns="geometry")
    areas.attrs["vintage"] = "LSOA 2011"
    table = _awkward_table()
    before = table.copy()
    side = table_side(table, file="t.csv")
    pd.testing.assert_frame_equal(table, before)  # the caller's table is left alone
    assert side.table["area_code"].iloc[0] == "E01000001"
    whole = join_indicators(areas, table, file="t.csv")
    halves = join_indicators(areas, side, file="t.csv")
    assert halves.report == whole.report
    pd.testing.assert_frame_equal(halves.report.per_indicator, whole.report.per_indicator)
    pd.testing.assert_frame_equal(pd.DataFrame(halves.joined), pd.DataFrame(whole.joined))
    assert type(halves.joined) is type(whole.joined)
    rep = halves.report
    assert rep.unmatched_table_codes == {"E01999999": (4,), "(blank)": (7,), "E07000201": (8,)}
    assert rep.duplicate_rows == (("E01000001", "homelessness_duty_owed", "2023", (2, 3)),)
    assert any("E07000201 Forest Heath" in n for n in rep.notes)
    assert any("LSOA 2011" in n for n in rep.notes)
    # The share of rows whose code is among some areas' codes (blank and unknown rows count).
    assert side.share_in(pd.Series(["E01000001", "E01000002", "E01000003"])) == pytest.approx(5 / 8)


def test_a_table_without_codes_is_refused_by_its_half_too():
    from meam_mapping.geography.join import table_side

    with pytest.raises(InputError, match="no 'area_code' column") as info:
        table_side(pd.DataFrame({"code": ["E01000001"]}), file="x.csv")
    assert info.value.file == "x.csv"

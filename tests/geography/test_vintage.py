from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from meam_mapping.errors import InputError
from meam_mapping.geography.vintage import (
    apportion_down,
    convert_retired_districts,
    convert_vintage,
)


def _table(codes, counts, dens, unit="per_1000", suppressed=None):
    n = len(codes)
    return pd.DataFrame(
        {
            "area_code": codes,
            "indicator": "homelessness_duty_owed",
            "domain": "homelessness",
            "period": "2023",
            "count": np.asarray(counts, dtype=float),
            "denominator": np.asarray(dens, dtype=float),
            "value": np.nan,
            "unit": unit,
            "source": "test",
            "suppressed": suppressed if suppressed is not None else [False] * n,
        }
    )


# A best-fit style lookup (ONS LSOA11 -> LSOA21 layout: LSOA11CD, LSOA21CD, CHGIND):
# A unchanged; B and C merged into M; S split into S1 and S2.
LOOKUP = pd.DataFrame(
    {
        "LSOA11CD": ["E01000001", "E01000002", "E01000003", "E01000004", "E01000004"],
        "LSOA21CD": ["E01100001", "E01100002", "E01100002", "E01100003", "E01100004"],
        "CHGIND": ["U", "M", "M", "S", "S"],
    }
)
WEIGHTS = {"E01100003": 300.0, "E01100004": 100.0}  # adults in the new areas


def test_2011_to_2021_sums_merges_splits_by_weights_and_reports():
    t = _table(
        ["E01000001", "E01000002", "E01000003", "E01000004"], [5, 10, 20, 40], [100, 200, 300, 400]
    )
    res = convert_vintage(
        t, LOOKUP, from_col="LSOA11CD", to_col="LSOA21CD", change_col="CHGIND", weights=WEIGHTS
    )
    out = res.table.set_index("area_code")
    # merged: 10 + 20 = 30 of 200 + 300 = 500 -> 60 per 1,000 (rate recomputed, not averaged)
    assert_allclose(
        out.loc["E01100002", ["count", "denominator", "value"]].astype(float), [30, 500, 60]
    )
    # split 3:1 by weights: 40 -> 30 and 10; 400 -> 300 and 100 (rate unchanged, 100 per 1,000)
    assert_allclose(out.loc[["E01100003", "E01100004"], "count"], [30, 10])
    assert_allclose(out.loc[["E01100003", "E01100004"], "value"], [100, 100])
    assert_allclose(out.loc["E01100001", "count"], 5)
    r = res.report
    assert (r.n_unchanged, r.n_merged, r.n_split, r.n_irregular) == (1, 2, 1, 0)
    assert_allclose(r.share_apportioned, 40 / 75)  # only the split area's count was estimated
    assert any("apportioned" in n for n in r.notes)
    assert list(res.table.columns) == list(t.columns)


def test_2021_back_to_2011_needs_weights_for_reversed_merges():
    t21 = _table(
        ["E01100001", "E01100002", "E01100003", "E01100004"], [5, 30, 30, 10], [100, 500, 300, 100]
    )
    with pytest.raises(InputError, match="no weights"):
        convert_vintage(t21, LOOKUP, from_col="LSOA11CD", to_col="LSOA21CD", reverse=True)
    back = convert_vintage(
        t21,
        LOOKUP,
        from_col="LSOA11CD",
        to_col="LSOA21CD",
        reverse=True,
        weights={"E01000002": 2.0, "E01000003": 3.0},
    )
    out = back.table.set_index("area_code")
    # M split back 2:3 -> 12 and 18 of 30; S1 + S2 merge back -> 40 of 400
    assert_allclose(out.loc[["E01000002", "E01000003", "E01000004"], "count"], [12, 18, 40])
    assert_allclose(out.loc["E01000004", "denominator"], 400)
    assert back.report.n_split == 1 and back.report.n_merged == 2


def test_suppressed_counts_stay_unknown_and_unmatched_codes_are_reported():
    t = _table(
        ["E01000002", "E01000003", "E01999999"],
        [np.nan, 20, 7],
        [200, 300, 50],
        suppressed=[True, False, False],
    )
    res = convert_vintage(t, LOOKUP, from_col="LSOA11CD", to_col="LSOA21CD")
    out = res.table.set_index("area_code")
    assert np.isnan(out.loc["E01100002", "count"]) and out.loc["E01100002", "suppressed"]
    assert res.report.unmatched == ("E01999999",) and "E01999999" not in out.index
    kept = convert_vintage(t, LOOKUP, from_col="LSOA11CD", to_col="LSOA21CD", unmatched="keep")
    assert "E01999999" in set(kept.table["area_code"])


def test_equal_split_is_an_explicit_choice():
    t = _table(["E01000004"], [40], [400])
    res = convert_vintage(t, LOOKUP, from_col="LSOA11CD", to_col="LSOA21CD", split="equal")
    assert_allclose(res.table["count"], [20, 20])
    assert "equally" in res.report.notes[0]


def test_retired_districts_merge_into_successor():
    # Suffolk Coastal + Waveney -> East Suffolk (2019); Cambridge unchanged
    t = _table(["E07000205", "E07000206", "E07000008"], [30, 50, 611], [55000, 52000, 55500])
    res = convert_retired_districts(t)
    out = res.table.set_index("area_code")
    assert_allclose(out.loc["E07000244", ["count", "denominator"]].astype(float), [80, 107000])
    assert_allclose(out.loc["E07000244", "value"], 80 / 107000 * 1000)
    assert_allclose(out.loc["E07000008", "count"], 611)
    assert "Suffolk Coastal -> East Suffolk" in res.report.notes[0]


def test_value_only_rows_survive_one_to_one_but_not_merges():
    t = _table(["E01000001", "E01000002", "E01000003"], [np.nan] * 3, [np.nan] * 3, unit="score")
    t["value"] = [1.5, 2.0, 3.0]
    out = convert_vintage(t, LOOKUP, from_col="LSOA11CD", to_col="LSOA21CD").table.set_index(
        "area_code"
    )
    assert_allclose(out.loc["E01100001", "value"], 1.5)
    assert np.isnan(out.loc["E01100002", "value"])  # scores are never averaged


def test_apportion_down_by_adult_population():
    districts = _table(
        ["E07000008", "E07000009"], [100, np.nan], [50000, 40000], suppressed=[False, True]
    )
    lsoas = pd.DataFrame(
        {
            "area_code": ["E01000001", "E01000002", "E01000003"],
            "lad_code": ["E07000008", "E07000008", "E07000009"],
        }
    )
    adults = {"E01000001": 1500.0, "E01000002": 500.0, "E01000003": 1200.0}
    res = apportion_down(districts, lsoas, adults)
    out = res.table.set_index("area_code")
    assert_allclose(out.loc[["E01000001", "E01000002"], "count"], [75, 25])
    assert_allclose(out.loc[["E01000001", "E01000002"], "value"], [2.0, 2.0])  # the district's rate
    assert out.loc["E01000003", "suppressed"] and np.isnan(out.loc["E01000003", "count"])
    assert out["source"].str.contains("apportioned").all()
    assert "modelled spread" in res.report.notes[0]
    with pytest.raises(InputError, match="no weight"):
        apportion_down(districts, lsoas, {"E01000001": 1.0})

"""Attack the evidence pack as a journalist with a spreadsheet would.

Everything is read back from the pack's own CSV files (what a reader of the
zip has), for the demo and for a user's files, and combined:

(The indicator tables themselves are attacked by exact integer programming in
tests/disclosure/test_attacks.py.)

1. estimated people per area divided by the district factor (district
   estimate / district known count, both published) to get a hidden known
   count back;
2. focus-zone rate x adults minus the published area estimates;
3. the district hidden-population table's total minus the other districts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture()
def pack(built_pack):
    dataset, _, folder = built_pack
    return dataset, folder


def _read(folder, name):
    path = folder / f"{name}.csv"
    return pd.read_csv(path) if path.exists() else None


def test_area_estimates_do_not_give_known_counts_back(pack):
    _, folder = pack
    areas = _read(folder, "area_estimates")
    hidden = _read(folder, "hidden_by_district")
    if areas is None or hidden is None:
        pytest.skip("no area estimates in this pack")
    factor = {}
    for lad, rows in areas.groupby("lad_code"):
        district = hidden.loc[hidden["area_code"] == lad]
        known = rows["known_count"]
        if district.empty or known.isna().any() or pd.isna(district["n_hat"].iloc[0]):
            continue
        factor[lad] = float(district["n_hat"].iloc[0]) / float(known.sum())
    secret = areas.loc[areas["known_count"].isna() & areas["estimated_people"].notna()]
    assert secret.empty, "an estimate is shown where the known count is hidden"
    shown = areas.loc[areas["estimated_people"].notna()]
    assert (shown["estimated_people"] % 5 == 0).all()
    # Rounded to 5: estimate / factor leaves a range of possible known counts.
    for row in shown.itertuples():
        f = factor.get(row.lad_code)
        if f:
            low, high = (row.estimated_people - 2.5) / f, (row.estimated_people + 2.5) / f
            assert high - low >= 2.5 / max(f, 1), row


def test_zones_give_no_area_back(pack):
    _, folder = pack
    zones = _read(folder, "focus_zones")
    if zones is None:
        pytest.skip("no focus zones in this pack")
    zones = zones.dropna(subset=["estimated_people"])
    assert (zones["estimated_people"] % 10 == 0).all()
    back = zones["people_per_1000_adults"] * zones["adults"] / 1000
    # rate x adults gives the rounded figure back and nothing finer
    assert np.allclose(back, zones["estimated_people"], atol=0.05 * zones["adults"] / 1000 + 1e-6)


def test_hidden_population_total_matches_and_small_overlaps_are_rounded(pack):
    _, folder = pack
    hidden = _read(folder, "hidden_by_district")
    if hidden is None:
        pytest.skip("no overlap table")
    rows, total = hidden.iloc[:-1], hidden.iloc[-1]
    rounded = hidden["rounding"].fillna("") != ""
    if rounded.any():
        assert total["rounding"], "a rounded district beside an exact total gives it back"
    shown = rows.dropna(subset=["observed"])
    assert not shown["observed"].between(1, 4).any()

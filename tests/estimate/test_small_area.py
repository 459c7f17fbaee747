"""Small-area estimates of people, known and hidden, checked against the demo's truth.

The demo world places a known number of people on 375 LSOAs and lets their
visibility fall with distance from the district's service hubs, so each
LSOA's true number of people is known (``demo.truth.by_lsoa``).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from shapely.geometry import Point, box

from meam_mapping.demo import DEMO_LISTS, build_demo
from meam_mapping.errors import InputError
from meam_mapping.estimate import hidden_records
from meam_mapping.estimate.small_area import (
    SMALL_AREA_COLUMNS,
    SmallAreaEstimator,
    distance_to_nearest_point,
    estimate_small_areas,
)

TRUE_MODEL = "treatment:probation,housing:mental_health"


def _inputs(demo):
    ind = demo.indicators
    wide = ind.pivot(index="area_code", columns="indicator", values="count")
    lsoa = demo.areas["lsoa"].set_index("area_code")
    known = pd.DataFrame({s: wide[f"known_md_{s}"] for s in DEMO_LISTS})
    known["known_any"] = wide["known_md_any"]
    known["known_2plus"] = wide["known_multiple_disadvantage"]
    known["lad_code"] = lsoa["lad_code"]
    known["adults"] = ind.loc[ind["indicator"] == "known_md_any"].set_index("area_code")[
        "denominator"
    ]
    covariates = pd.DataFrame(
        {"distance_km": distance_to_nearest_point(demo.areas["lsoa"], demo.hubs, within="lad_code")}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        totals = pd.DataFrame(
            hidden_records(
                demo.patterns.drop(columns="sex"), by="area_code", interactions=TRUE_MODEL
            )
        )
    return known.reset_index(), totals, covariates


@pytest.fixture(scope="module")
def fitted(demo):
    known, totals, covariates = _inputs(demo)
    est = SmallAreaEstimator(population="adults", n_boot=200, random_state=1)
    return est.fit(known, totals, covariates), known, totals, covariates


def test_estimates_table_and_district_calibration(fitted):
    est, known, totals, _ = fitted
    table = est.estimates_
    assert list(table.columns) == ["area_code", "lad_code", *SMALL_AREA_COLUMNS[1:]]
    assert len(table) == 375 and table["estimated"].all()
    assert_allclose(table["hidden"], table["n_hat"] - table["known"])
    assert (table["hidden"] >= 0).all()
    assert ((table["ci_low"] <= table["n_hat"]) & (table["n_hat"] <= table["ci_high"])).all()
    assert (table["ci_low"] >= table["known"]).all()  # the known are certainly there
    sums = table.groupby("lad_code")["n_hat"].sum()
    assert_allclose(sums, totals.set_index("area_code")["n_hat"].loc[sums.index], rtol=1e-9)
    assert_allclose(est.districts_["sum_of_areas"], est.districts_["n_hat"], rtol=1e-9)


def test_beats_the_ratio_method_against_the_truth(fitted, demo):
    est, known, totals, _ = fitted
    truth = demo.truth.by_lsoa["n_true"]
    table = est.estimates_.set_index("area_code").loc[truth.index]
    k = known.set_index("area_code").loc[truth.index]
    n_hat = k["lad_code"].map(totals.set_index("area_code")["n_hat"])
    ratio = k["known_2plus"] * n_hat / k["known_2plus"].groupby(k["lad_code"]).transform("sum")
    mae = (table["n_hat"] - truth).abs().mean()
    mae_ratio = (ratio - truth).abs().mean()
    assert mae <= 0.8 * mae_ratio, (mae, mae_ratio)
    covered = ((table["ci_low"] <= truth) & (truth <= table["ci_high"])).mean()
    assert 0.85 <= covered <= 0.995, covered
    assert stats.spearmanr(table["n_hat"], truth)[0] >= 0.8


def test_visibility_falls_with_distance_when_the_world_says_so(demo):
    known, totals, covariates = _inputs(
        build_demo(areas=demo.areas, visibility_gradient=0.15, seed=5)
    )
    est = SmallAreaEstimator(n_boot=20, random_state=0).fit(known, totals, covariates)
    assert est.visibility_coef_["distance_km"] < 0
    vis = est.estimates_.set_index("area_code")["visibility"]
    dist = covariates["distance_km"].loc[vis.index]
    assert stats.spearmanr(vis, dist)[0] < -0.5


def test_district_without_totals_is_marked_not_estimated(fitted):
    _, known, totals, covariates = fitted
    kept = totals.loc[totals["area_code"] != "E07000010"]
    est = SmallAreaEstimator(n_boot=20, random_state=0).fit(known, kept, covariates)
    table = est.estimates_
    fenland = table["lad_code"] == "E07000010"
    assert not table.loc[fenland, "estimated"].any()
    assert table.loc[fenland, "n_hat"].isna().all()
    assert_allclose(
        table.loc[fenland, "known"], known.loc[known["lad_code"] == "E07000010", "known_any"]
    )
    assert table.loc[~fenland, "estimated"].all()
    row = est.districts_.set_index("lad_code").loc["E07000010"]
    assert not row["estimated"] and "no overlap table" in row["note"]
    assert "E07000010" not in set(est.draws_.columns.map(known.set_index("area_code")["lad_code"]))


def test_areas_with_no_one_known_still_get_hidden_people(fitted):
    est, known, _, _ = fitted
    table = est.estimates_.set_index("area_code")
    zero = known.set_index("area_code")["known_any"] == 0
    assert zero.any()
    assert (table.loc[zero[zero].index, "n_hat"] > 0).all()
    assert (table.loc[zero[zero].index, "hidden_share"] == 1).all()


def test_covariates_at_the_wrong_level_are_refused(fitted, demo):
    _, known, totals, covariates = fitted
    msoa = pd.DataFrame({"area_code": demo.areas["msoa"]["area_code"], "density": 1.0})
    msoa["density"] = np.arange(len(msoa), dtype=float)
    with pytest.raises(InputError, match="another level or vintage"):
        SmallAreaEstimator(n_boot=5).fit(known, totals, msoa)
    with pytest.raises(InputError, match="miss 10 of the 375"):
        SmallAreaEstimator(n_boot=5).fit(known, totals, covariates.iloc[10:])
    bad = covariates.assign(distance_km=covariates["distance_km"].astype(object))
    bad.iloc[3, 0] = "far"
    with pytest.raises(InputError, match="non-numeric"):
        SmallAreaEstimator(n_boot=5).fit(known, totals, bad)
    with pytest.raises(InputError, match="no district column"):
        SmallAreaEstimator(n_boot=5).fit(known.drop(columns="lad_code"), totals)


def test_msoa_aggregation_sums_draws_not_limits(fitted, demo):
    est, *_ = fitted
    parent = demo.areas["lsoa"].set_index("area_code")["msoa_code"]
    msoa = est.aggregate(parent)
    assert len(msoa) == 76 and (msoa["level"] == "msoa").all()
    table = est.estimates_.set_index("area_code")
    by = table.groupby(parent.loc[table.index])
    assert_allclose(msoa.set_index("area_code")["n_hat"], by["n_hat"].sum().loc[msoa["area_code"]])
    # Limits of sums are tighter than sums of limits (some LSOA errors cancel).
    added = by["ci_high"].sum().loc[msoa["area_code"]].to_numpy()
    assert (msoa["ci_high"].to_numpy() <= added + 1e-9).all()
    assert (msoa["ci_high"].to_numpy() < added).mean() > 0.5
    truth = demo.truth.by_lsoa["n_true"].groupby(parent).sum().loc[msoa["area_code"]].to_numpy()
    covered = ((msoa["ci_low"] <= truth) & (truth <= msoa["ci_high"])).mean()
    assert covered >= 0.8


def test_one_shot_function_and_seed_give_the_same_result(fitted):
    est, known, totals, covariates = fitted
    again = estimate_small_areas(known, totals, covariates, population="adults", n_boot=200,
                                 random_state=1)  # fmt: skip
    pd.testing.assert_frame_equal(again, est.estimates_)


def test_distance_to_nearest_point_in_km():
    X0, Y0 = 540000, 260000  # in Cambridgeshire, where the grid is valid
    areas = gpd.GeoDataFrame(
        {"area_code": ["A", "B"], "lad_code": ["X", "Y"]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 10000, Y0, X0 + 11000, Y0 + 1000)],
        crs=27700,
    )
    points = gpd.GeoDataFrame(
        {"lad_code": ["X", "Y"]},
        geometry=[Point(X0 + 500, Y0 + 3500), Point(X0 + 500, Y0 + 500)],
        crs=27700,
    )
    assert_allclose(distance_to_nearest_point(areas, points).to_numpy(), [0.0, 10.0])
    within = distance_to_nearest_point(areas, points, within="lad_code")
    assert_allclose(within.to_numpy(), [3.0, 10.0])
    # Points in longitude/latitude are projected first.
    assert_allclose(distance_to_nearest_point(areas, points.to_crs(4326)).to_numpy(), [0.0, 10.0],
                    atol=1e-3)  # fmt: skip


@pytest.mark.slow
def test_replicate_worlds_meet_the_issue_targets(demo):
    """Ten worlds where visibility falls by 0.08 logit per km (bench/small_area.py runs 60)."""
    reductions, coverages, rhos = [], [], []
    for seed in range(11, 21):
        world = build_demo(areas=demo.areas, visibility_gradient=0.08, seed=seed)
        known, totals, covariates = _inputs(world)
        est = SmallAreaEstimator(population="adults", n_boot=100, random_state=seed)
        table = est.fit(known, totals, covariates).estimates_.set_index("area_code")
        truth = world.truth.by_lsoa["n_true"].loc[table.index]
        k = known.set_index("area_code").loc[table.index]
        n_hat = k["lad_code"].map(totals.set_index("area_code")["n_hat"])
        ratio = k["known_2plus"] * n_hat / k["known_2plus"].groupby(k["lad_code"]).transform("sum")
        reductions.append(1 - (table["n_hat"] - truth).abs().mean() / (ratio - truth).abs().mean())
        coverages.append(((table["ci_low"] <= truth) & (truth <= table["ci_high"])).mean())
        rhos.append(stats.spearmanr(table["n_hat"], truth)[0])
    assert np.mean(reductions) >= 0.2
    assert 0.85 <= np.mean(coverages) <= 0.99
    assert np.mean(rhos) >= 0.8

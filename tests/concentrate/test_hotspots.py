"""Tests for meam_mapping.concentrate.hotspots."""

from __future__ import annotations

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from grids import grid_areas
from numpy.testing import assert_allclose
from shapely.geometry import box

from meam_mapping.concentrate.hotspots import (
    HOTSPOT_STATISTICS,
    GlobalMoran,
    Hotspots,
    find_hotspots,
)
from meam_mapping.concentrate.weights import build_weights
from meam_mapping.errors import EstimationError, InputError

N = 15


def grid(nx: int, ny: int) -> gpd.GeoDataFrame:
    """The shared grid of 100 m cells: G000, G001, ... numbered from the bottom left."""
    return grid_areas(nx, ny)


def cells_in(x0: int, x1: int, y0: int, y1: int, nx: int = N) -> set[str]:
    return {f"G{j * nx + i:03d}" for j in range(y0, y1 + 1) for i in range(x0, x1 + 1)}


BLOCK = cells_in(6, 8, 6, 8)  # planted 3x3 cluster, centre G112
AROUND = cells_in(5, 9, 5, 9)  # the block and the ring of cells touching it


@pytest.fixture(scope="module")
def areas() -> gpd.GeoDataFrame:
    return grid(N, N)


def noise(areas: gpd.GeoDataFrame, seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(rng.normal(10, 1, len(areas)), index=areas["area_code"].to_numpy())


def planted(areas: gpd.GeoDataFrame, shift: float) -> pd.Series:
    values = noise(areas, seed=3)
    values[sorted(BLOCK)] += shift
    return values


# Two-sided p-values are at least 2 / (permutations + 1): with 225 areas the
# false discovery rate adjustment needs finer p-values than 999 permutations give.
def test_gi_star_finds_planted_hot_spot(areas):
    result = Hotspots("gi_star", permutations=9999).fit(areas, planted(areas, 4.0)).result_
    significant = set(result.loc[result["significant"], "area_code"])
    assert "G112" in significant
    assert len(significant & BLOCK) >= 5
    assert significant <= AROUND
    assert set(result.loc[result["significant"], "category"]) == {"Hot spot"}


def test_gi_star_finds_planted_cold_spot(areas):
    result = Hotspots("gi_star", permutations=9999).fit(areas, planted(areas, -4.0)).result_
    significant = result[result["significant"]]
    assert "G112" in set(significant["area_code"])
    assert set(significant["category"]) == {"Cold spot"}


def test_local_moran_finds_planted_high_high(areas):
    result = Hotspots("local_moran", permutations=9999).fit(areas, planted(areas, 4.0)).result_
    significant = result[result["significant"]]
    in_block = significant[significant["area_code"].isin(BLOCK)]
    assert "G112" in set(in_block["area_code"])
    assert len(in_block) >= 5
    assert set(in_block["category"]) == {"High-High"}
    assert set(significant["area_code"]) <= AROUND


@pytest.mark.parametrize("statistic", HOTSPOT_STATISTICS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spatially_random_values_give_few_significant_areas(areas, statistic, seed):
    result = Hotspots(statistic, permutations=199, random_state=seed).fit(areas, noise(areas, seed))
    assert result.result_["significant"].mean() <= 0.05
    # With no pattern at all the FDR procedure flags anything on at most about
    # 5% of maps (then usually one area); seed 0's map has one borderline area.
    assert result.result_["significant"].sum() <= 1


@pytest.mark.parametrize("statistic", HOTSPOT_STATISTICS)
def test_spatially_random_maps_are_rarely_flagged_at_all(areas, statistic):
    flagged = [
        Hotspots(statistic, permutations=199, random_state=seed)
        .fit(areas, noise(areas, seed))
        .result_["significant"]
        .any()
        for seed in range(10, 30)
    ]
    # Benjamini-Hochberg under the complete null: P(any flag) <= 5%, so about
    # 1 map in 20; 4 or more would happen by chance less than 2% of the time.
    assert sum(flagged) <= 3


def test_result_columns_and_types(areas):
    model = Hotspots("local_moran", permutations=199, fdr=False).fit(areas, planted(areas, 4.0))
    result = model.result_
    assert list(result.columns) == [
        "area_code",
        "value",
        "statistic",
        "z",
        "p_value",
        "p_fdr",
        "significant",
        "category",
        "method",
    ]
    assert len(result) == N * N
    assert result["significant"].dtype == bool
    # Two-sided: twice esda's one-sided (M + 1) / (R + 1), at most 1.
    assert (result["p_value"] >= 2 / 200).all() and (result["p_value"] <= 1).all()
    assert result["p_value"].max() > 0.5
    assert (result["p_fdr"] >= result["p_value"]).all()
    assert set(result["method"]) == {"Local Moran's I"}


def test_gi_star_z_matches_ord_getis_formula():
    # Gi* z-score, Ord and Getis (1995) eq. 14 with binary weights including
    # the area itself: (sum_j w_ij x_j - xbar W_i) / (S sqrt((n S1_i - W_i^2) / (n - 1))).
    areas = grid(5, 4)
    values = noise(areas, seed=7)
    result = Hotspots("gi_star", permutations=99).fit(areas, values).result_
    binary = build_weights(areas).binary.sparse.toarray() + np.eye(20)
    x = values.to_numpy()
    n, xbar = len(x), x.mean()
    s = np.sqrt((x**2).mean() - xbar**2)
    w_i = binary.sum(axis=1)
    expected = (binary @ x - xbar * w_i) / (s * np.sqrt((n * w_i - w_i**2) / (n - 1)))
    assert_allclose(result["z"].to_numpy(), expected, rtol=1e-10)


def test_local_moran_statistic_and_quadrants_match_definition():
    # Local Moran, Anselin (1995) eq. 12, with esda's (n - 1) / sum(z^2) scaling.
    areas = grid(5, 4)
    values = noise(areas, seed=8)
    result = Hotspots("local_moran", permutations=99, fdr=False, alpha=0.999).fit(areas, values)
    w = build_weights(areas).graph.sparse.toarray()
    z = values.to_numpy() - values.mean()
    lag = w @ z
    expected = (len(z) - 1) * z * lag / (z @ z)
    assert_allclose(result.result_["statistic"].to_numpy(), expected, rtol=1e-10)
    quadrant = np.where(
        z > 0, np.where(lag > 0, "High-High", "High-Low"), np.where(lag > 0, "Low-High", "Low-Low")
    )
    shown = result.result_["category"].to_numpy()
    sig = result.result_["significant"].to_numpy()
    assert (shown[sig] == quadrant[sig]).all()


def test_fdr_is_benjamini_hochberg(areas):
    model = Hotspots("gi_star", permutations=199).fit(areas, planted(areas, 4.0))
    p = model.result_["p_value"].to_numpy()
    # Benjamini and Hochberg (1995) step-up adjustment written out directly
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1)
    expected = np.empty_like(p)
    expected[order] = adjusted
    assert_allclose(model.result_["p_fdr"].to_numpy(), expected)


def test_without_fdr_significance_uses_raw_p(areas):
    model = Hotspots("gi_star", permutations=199, fdr=False).fit(areas, noise(areas, 0))
    result = model.result_
    assert (result["significant"] == (result["p_value"] <= 0.05)).all()
    assert result["significant"].any()  # uncorrected tests do throw up chance findings
    assert "without adjusting" in model.explain()


def test_global_moran_checkerboard_is_minus_one():
    # A checkerboard under rook weights is perfect negative autocorrelation:
    # every z_i times its neighbours' mean is -1, so Moran's I = -1 (Moran 1950).
    areas = grid(6, 6)
    board = pd.Series(
        [float((i + j) % 2) for j in range(6) for i in range(6)],
        index=areas["area_code"].to_numpy(),
    )
    model = Hotspots(
        "local_moran", weights=build_weights(areas, "rook"), permutations=199, fdr=False
    ).fit(areas, board)
    assert isinstance(model.global_, GlobalMoran)
    assert_allclose(model.global_.estimate, -1.0)
    assert_allclose(model.global_.expected, -1 / 35)
    # Two-sided: twice the one-sided 1 / 200.
    assert model.global_.p_value == pytest.approx(2 / 200)
    assert model.global_.z < 0


def test_global_moran_agrees_with_esda(areas):
    values = planted(areas, 4.0)
    model = Hotspots(permutations=199, fdr=False).fit(areas, values)
    reference = esda.Moran(values.to_numpy(), build_weights(areas).graph, permutations=0)
    assert_allclose(model.global_.estimate, reference.I)
    assert model.global_.p_value == pytest.approx(2 / 200)


def test_too_few_permutations_for_the_fdr_adjustment_are_raised(areas):
    # 225 areas at alpha 0.05 need 2 / (R + 1) <= 0.05 / 225, so R >= 8,999.
    model = Hotspots(permutations=199).fit(areas, planted(areas, 4.0))
    assert model.permutations_ == 9999
    assert any("9999 permutations were used" in w for w in model.warnings_)
    assert Hotspots(permutations=199, fdr=False).fit(areas, noise(areas, 0)).permutations_ == 199


def test_same_seed_same_result_different_seed_differs(areas):
    values = noise(areas, 1)
    a = Hotspots(permutations=199, random_state=5).fit(areas, values).result_
    b = Hotspots(permutations=199, random_state=5).fit(areas, values).result_
    c = Hotspots(permutations=199, random_state=6).fit(areas, values).result_
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a["p_value"], c["p_value"])


def test_values_from_a_column_match_values_from_a_series(areas):
    values = planted(areas, 4.0)
    with_column = areas.assign(rate=values.to_numpy())
    a = Hotspots(permutations=199).fit(with_column, "rate").result_
    b = Hotspots(permutations=199).fit(areas, values).result_
    pd.testing.assert_frame_equal(a, b)


def test_negative_values_give_the_same_gi_star_z_and_p(areas):
    values = planted(areas, 4.0)
    model = Hotspots(permutations=199).fit(areas, values - 20)
    shifted = model.result_
    plain = Hotspots(permutations=199).fit(areas, values).result_
    assert_allclose(shifted["z"], plain["z"], rtol=1e-9)
    assert_allclose(shifted["p_value"], plain["p_value"])
    assert any("negative" in note for note in model.warnings_)


def test_island_is_handled():
    areas = grid(6, 6)
    island = gpd.GeoDataFrame(
        {"area_code": ["ISLE"]}, geometry=[box(2000, 2000, 2100, 2100)], crs="EPSG:27700"
    )
    areas = pd.concat([areas, island], ignore_index=True)
    values = pd.Series(
        np.random.default_rng(2).normal(10, 1, 37), index=areas["area_code"].to_numpy()
    )
    model = Hotspots("local_moran", permutations=199).fit(areas, values)
    assert model.weights_.islands == ("ISLE",)
    assert "ISLE" in set(model.result_["area_code"])
    assert model.result_["p_value"].notna().all()
    assert any("ISLE" in note for note in model.warnings_)


def test_islands_left_alone_get_no_p_value():
    areas = grid(6, 6)
    island = gpd.GeoDataFrame(
        {"area_code": ["ISLE"]}, geometry=[box(2000, 2000, 2100, 2100)], crs="EPSG:27700"
    )
    areas = pd.concat([areas, island], ignore_index=True)
    weights = build_weights(areas, island_neighbours=0)
    values = pd.Series(
        np.random.default_rng(2).normal(10, 1, 37), index=areas["area_code"].to_numpy()
    )
    result = (
        Hotspots(weights=weights, permutations=199)
        .fit(areas, values)
        .result_.set_index("area_code")
    )
    assert np.isnan(result.loc["ISLE", "p_value"])
    assert result.loc["ISLE", "category"] == "Not significant"


def test_missing_values_excluded_with_note(areas):
    values = planted(areas, 4.0)
    values.iloc[[0, 50]] = np.nan
    model = Hotspots(permutations=199).fit(areas, values)
    assert model.excluded_ == ("G000", "G050")
    assert len(model.result_) == N * N - 2
    assert any("left out" in note for note in model.warnings_)
    with pytest.raises(InputError, match="2 areas have no value"):
        Hotspots(permutations=199, missing="refuse").fit(areas, values)


def test_prebuilt_weights_rebuilt_when_areas_are_dropped(areas):
    values = planted(areas, 4.0)
    values.iloc[3] = np.nan
    model = Hotspots(weights=build_weights(areas, "rook"), permutations=199).fit(areas, values)
    assert model.weights_.kind == "rook"
    assert "G003" not in model.weights_.area_codes
    assert any("rebuilt" in note for note in model.warnings_)


def test_constant_values_refused(areas):
    with pytest.raises(EstimationError, match="same value"):
        Hotspots().fit(areas, pd.Series(5.0, index=areas["area_code"].to_numpy()))


def test_too_few_areas_refused():
    two = grid(2, 1)
    with pytest.raises(EstimationError, match="at least 3"):
        Hotspots().fit(two, pd.Series([1.0, 2.0], index=["G000", "G001"]))
    with pytest.raises(InputError, match="at least 2"):
        Hotspots().fit(grid(1, 1), pd.Series([1.0], index=["G000"]))


def test_no_neighbours_at_all_refused():
    scattered = gpd.GeoDataFrame(
        {"area_code": ["a", "b", "c", "d"]},
        geometry=[box(i * 1000, 0, i * 1000 + 10, 10) for i in range(4)],
        crs="EPSG:27700",
    )
    weights = build_weights(scattered, island_neighbours=0)
    with pytest.raises(EstimationError, match="no area has a neighbour"):
        Hotspots(weights=weights).fit(scattered, pd.Series([1.0, 2, 3, 4], index=list("abcd")))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"statistic": "hotness"}, "'gi_star', 'local_moran'"),
        ({"permutations": 10}, "at least 99"),
        ({"alpha": 1.5}, "alpha"),
        ({"missing": "guess"}, "'exclude' or 'refuse'"),
        ({"random_state": "zero"}, "random_state"),
        ({"weights": 3}, "neighbour rule"),
    ],
)
def test_bad_parameters_refused(areas, params, match):
    with pytest.raises(InputError, match=match):
        Hotspots(**params).fit(areas, noise(areas, 0))


def test_bad_values_refused(areas):
    with pytest.raises(InputError, match="no column 'rate'"):
        Hotspots().fit(areas, "rate")
    with pytest.raises(InputError, match="not all numbers"):
        Hotspots().fit(areas.assign(rate="high"), "rate")
    doubled = pd.Series([1.0, 2.0], index=["G000", "G000"])
    with pytest.raises(InputError, match="more than once"):
        Hotspots().fit(areas, doubled)
    with pytest.raises(InputError, match="column name or a pandas Series"):
        Hotspots().fit(areas, [1.0, 2.0])


def test_explain_describes_hot_spots_and_fdr(areas):
    model = Hotspots(permutations=199)
    assert "hot spot is" in model.explain()
    model.fit(areas, planted(areas, 4.0))
    text = model.explain()
    assert "false discovery rate" in text
    assert f"Of {N * N} areas" in text and "Hot spot:" in text


def test_find_hotspots_function_twin(areas):
    values = planted(areas, 4.0)
    frame = find_hotspots(areas, values, "local_moran", permutations=199)
    model = Hotspots("local_moran", permutations=199).fit(areas, values)
    pd.testing.assert_frame_equal(frame, model.result_)
    assert frame.attrs["warnings"] == model.warnings_


@pytest.mark.parametrize("statistic", HOTSPOT_STATISTICS)
def test_result_does_not_depend_on_n_jobs(areas, statistic):
    values = planted(areas, 2.0)
    one = Hotspots(statistic, permutations=999, random_state=4, n_jobs=1).fit(areas, values)
    every = Hotspots(statistic, permutations=999, random_state=4, n_jobs=-1).fit(areas, values)
    pd.testing.assert_frame_equal(one.result_, every.result_)
    assert one.global_ == every.global_

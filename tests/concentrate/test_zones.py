"""Tests for meam_mapping.concentrate.zones."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from grids import grid_areas
from shapely.geometry import box
from shapely.ops import unary_union

from meam_mapping.concentrate.weights import build_weights
from meam_mapping.concentrate.zones import (
    ZONE_METHODS,
    FocusZoneResult,
    FocusZones,
    find_focus_zones,
)
from meam_mapping.errors import EstimationError, InputError


def grid(nx: int, ny: int, *, x0: float = 0, prefix: str = "G", seed: int = 0) -> gpd.GeoDataFrame:
    """Square 100 m cells (the shared grid) with seeded counts of people and adults."""
    rng = np.random.default_rng(seed)
    areas = grid_areas(nx, ny, x0=x0, prefix=prefix)
    n = nx * ny
    areas.insert(1, "people", rng.poisson(6, n).astype(float))
    areas.insert(2, "adults", rng.integers(800, 1600, n).astype(float))
    return areas


@pytest.fixture(scope="module")
def areas() -> gpd.GeoDataFrame:
    return grid(7, 7)


@pytest.fixture(scope="module", params=ZONE_METHODS)
def fitted(request, areas) -> FocusZones:
    return FocusZones(request.param, floor=40, floor_column="people", weights="rook").fit(areas)


def test_every_area_is_in_one_zone(fitted, areas):
    assignment = fitted.assignment_
    assert list(assignment.columns) == ["area_code", "zone"]
    assert list(assignment["area_code"]) == list(areas["area_code"])
    assert assignment["zone"].notna().all()
    assert fitted.unassigned_ == ()
    assert set(assignment["zone"]) == set(range(1, len(fitted.zones_) + 1))


def test_zones_meet_the_floor(fitted, areas):
    zones = fitted.zones_
    assert len(zones) >= 3  # 49 areas of about 6 people each: room for several zones of 40
    totals = areas.groupby(fitted.assignment_["zone"].to_numpy())["people"].sum()
    assert (totals >= 40).all()
    assert zones["meets_floor"].all()
    assert zones["total"].sum() == areas["people"].sum()


def test_zones_are_contiguous(fitted, areas):
    # independent check: with rook weights the cells of a zone merge into one polygon
    for zone, members in fitted.assignment_.groupby("zone")["area_code"]:
        shapes = areas.set_index("area_code").loc[list(members), "geometry"]
        assert unary_union(list(shapes)).geom_type == "Polygon", f"zone {zone} is in pieces"
    assert fitted.zones_["contiguous"].all()


def test_zones_are_ranked_by_people(fitted):
    zones = fitted.zones_
    assert list(zones["zone"]) == list(range(1, len(zones) + 1))
    assert (zones["rank"] == zones["zone"]).all()
    assert zones["people"].is_monotonic_decreasing


def test_zone_table_matches_assignment(fitted, areas):
    zones = fitted.zones_.set_index("zone")
    for zone, members in fitted.assignment_.groupby("zone")["area_code"]:
        assert zones.loc[zone, "n_areas"] == len(members)
        assert zones.loc[zone, "area_codes"] == ", ".join(sorted(members))
        people = areas.set_index("area_code").loc[list(members), "people"].sum()
        assert zones.loc[zone, "people"] == people


def test_dissolved_geometry(fitted, areas):
    shapes = fitted.geometry_
    assert isinstance(shapes, gpd.GeoDataFrame)
    assert shapes.crs == areas.crs
    assert list(shapes["zone"]) == list(fitted.zones_["zone"])
    assert shapes.area.sum() == pytest.approx(areas.area.sum())


def test_maxp_is_repeatable_with_a_seed(areas):
    a = FocusZones(floor=40, floor_column="people", random_state=3).fit(areas).assignment_
    b = FocusZones(floor=40, floor_column="people", random_state=3).fit(areas).assignment_
    pd.testing.assert_frame_equal(a, b)


def test_maxp_leaves_numpy_global_random_state_alone(areas):
    np.random.seed(11)
    expected = np.random.random()
    np.random.seed(11)
    FocusZones(floor=40, floor_column="people").fit(areas)
    assert np.random.random() == expected


def test_rank_by_a_different_column_than_the_floor(areas):
    model = FocusZones(floor=8_000, floor_column="adults", people_column="people").fit(areas)
    zones = model.zones_
    assert zones["people"].is_monotonic_decreasing
    assert (zones["total"] >= 8_000).all()
    assert zones["total"].sum() == areas["adults"].sum()


def test_columns_from_a_separate_table(areas):
    data = pd.DataFrame(areas.drop(columns="geometry"))
    shapes = areas[["area_code", "geometry"]]
    from_data = FocusZones("skater", floor=40, floor_column="people").fit(shapes, data)
    from_areas = FocusZones("skater", floor=40, floor_column="people").fit(areas)
    pd.testing.assert_frame_equal(from_data.zones_, from_areas.zones_)


def test_queen_default_zones_connected_under_weights(areas):
    model = FocusZones(floor=60, floor_column="people").fit(areas)
    assert model.zones_["contiguous"].all()
    assert model.weights_.kind == "queen"


def test_single_zone_when_total_is_under_twice_the_floor(areas):
    total = areas["people"].sum()
    model = FocusZones(floor=total * 0.6, floor_column="people").fit(areas)
    assert len(model.zones_) == 1
    assert model.zones_.loc[0, "n_areas"] == len(areas)


def test_disconnected_groups_never_share_a_zone():
    west = grid(4, 4, prefix="W", seed=1)
    east = grid(4, 4, x0=5000, prefix="E", seed=2)
    both = pd.concat([west, east], ignore_index=True)
    weights = build_weights(both, island_neighbours=0)
    assert weights.components == 2
    model = FocusZones(floor=30, floor_column="people", weights=weights).fit(both)
    for _, members in model.assignment_.groupby("zone")["area_code"]:
        assert len({code[0] for code in members}) == 1
    assert model.zones_["contiguous"].all()


def test_cut_off_area_below_floor_is_reported_unassigned(areas):
    island = gpd.GeoDataFrame(
        {"area_code": ["ISLE"], "people": [3.0], "adults": [900.0]},
        geometry=[box(5000, 5000, 5100, 5100)],
        crs="EPSG:27700",
    )
    both = pd.concat([areas, island], ignore_index=True)
    weights = build_weights(both, island_neighbours=0)
    model = FocusZones(floor=40, floor_column="people", weights=weights).fit(both)
    assert model.unassigned_ == ("ISLE",)
    assert model.assignment_.set_index("area_code")["zone"].isna()["ISLE"]
    assert any("ISLE" in note and "not in any zone" in note for note in model.warnings_)
    assert "ISLE" not in ", ".join(model.zones_["area_codes"])
    # joined to its nearest area (the default), the island is placed in a zone
    joined = FocusZones(floor=40, floor_column="people").fit(both)
    assert joined.unassigned_ == ()


def test_total_below_floor_refused(areas):
    with pytest.raises(EstimationError, match="below the floor"):
        FocusZones(floor=areas["people"].sum() + 1, floor_column="people").fit(areas)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"method": "kmeans"}, "'maxp', 'skater'"),
        ({"floor": 0}, "positive"),
        ({"floor_column": "nope"}, "no column 'nope'"),
        ({"people_column": "nope"}, "no column 'nope'"),
        ({"max_iterations": 0}, "max_iterations"),
    ],
)
def test_bad_parameters_refused(areas, params, match):
    settings = {"floor": 40, "floor_column": "people", **params}
    with pytest.raises(InputError, match=match):
        FocusZones(**settings).fit(areas)


def test_missing_or_negative_values_refused(areas):
    holes = areas.copy()
    holes.loc[[2, 5], "people"] = np.nan
    with pytest.raises(InputError, match="2 areas have no usable value") as err:
        FocusZones(floor=40, floor_column="people").fit(holes)
    assert "not zero" in err.value.message
    negative = areas.assign(people=-areas["people"])
    with pytest.raises(InputError, match="no usable value"):
        FocusZones(floor=40, floor_column="people").fit(negative)


def test_weights_for_other_areas_refused(areas):
    with pytest.raises(InputError, match="different set of areas"):
        FocusZones(floor=40, floor_column="people", weights=build_weights(grid(3, 3))).fit(areas)


def test_find_focus_zones_function_twin(areas):
    result = find_focus_zones(areas, floor=40, floor_column="people", method="skater")
    model = FocusZones("skater", floor=40, floor_column="people").fit(areas)
    assert isinstance(result, FocusZoneResult)
    pd.testing.assert_frame_equal(result.zones, model.zones_)
    assert result.method == "SKATER" and result.floor == 40

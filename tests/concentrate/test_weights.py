"""Tests for meam_mapping.concentrate.weights."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from grids import grid_areas
from numpy.testing import assert_allclose
from shapely.geometry import box

from meam_mapping.concentrate.weights import WEIGHT_KINDS, SpatialWeights, build_weights
from meam_mapping.errors import InputError


def grid(nx: int, ny: int, *, size: float = 100.0) -> gpd.GeoDataFrame:
    """The shared grid with names: G000, G001, ... numbered from the bottom left."""
    return grid_areas(nx, ny, size=size, names=True)


def with_island(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    island = gpd.GeoDataFrame(
        {"area_code": ["ISLE"], "area_name": ["Offshore"]},
        geometry=[box(1000, 1000, 1100, 1100)],
        crs="EPSG:27700",
    )
    return pd.concat([areas, island], ignore_index=True)


def n_neighbours(w: SpatialWeights) -> pd.Series:
    adj = w.graph.adjacency
    return (adj > 0).groupby(level="focal").sum()


def test_queen_and_rook_counts_on_3x3_grid():
    areas = grid(3, 3)
    queen = n_neighbours(build_weights(areas, "queen"))
    rook = n_neighbours(build_weights(areas, "rook"))
    # centre cell G004 touches all 8 others by queen, 4 by rook; corners 3 and 2
    assert queen["G004"] == 8 and rook["G004"] == 4
    assert queen["G000"] == 3 and rook["G000"] == 2
    assert queen["G001"] == 5 and rook["G001"] == 3


def test_weights_are_row_standardised():
    w = build_weights(grid(4, 4))
    row_sums = w.graph.adjacency.groupby(level="focal").sum()
    assert_allclose(row_sums.to_numpy(), 1.0)
    assert w.kind == "queen" and w.islands == () and w.components == 1 and w.warnings == ()
    assert w.area_codes == tuple(grid(4, 4)["area_code"])


def test_neighbours_lookup():
    w = build_weights(grid(3, 3), "rook")
    assert sorted(w.neighbours("G004")) == ["G001", "G003", "G005", "G007"]
    with pytest.raises(InputError, match="not in these weights"):
        w.neighbours("NOPE")


def test_island_is_reported_and_joined_to_nearest_area():
    areas = with_island(grid(3, 3))
    w = build_weights(areas)
    assert w.islands == ("ISLE",)
    assert w.island_names == ("Offshore",)
    assert w.components == 1
    assert any("Offshore (ISLE)" in note and "nearest" in note for note in w.warnings)
    # the nearest cell centre to (1050, 1050) is the top-right cell G008
    assert w.neighbours("ISLE") == ["G008"]
    assert "ISLE" in w.neighbours("G008")  # joined both ways


def test_island_left_alone_when_asked():
    w = build_weights(with_island(grid(3, 3)), island_neighbours=0)
    assert w.islands == ("ISLE",)
    assert w.components == 2
    assert w.neighbours("ISLE") == []
    assert any("separate groups" in note for note in w.warnings)


def test_knn_gives_exactly_k_neighbours():
    w = build_weights(grid(4, 4), "knn", k=3)
    assert (n_neighbours(w) == 3).all()
    with pytest.raises(InputError, match="only 16 areas"):
        build_weights(grid(4, 4), "knn", k=16)


def test_distance_band():
    # centres 100 m apart in rows/columns and 141 m diagonally: 150 m is queen-like
    w = build_weights(grid(3, 3), "distance", threshold=150)
    assert n_neighbours(w)["G004"] == 8
    auto = build_weights(grid(3, 3), "distance")
    assert auto.islands == ()
    assert n_neighbours(auto)["G004"] == 4  # smallest band that links everything: 100 m
    assert any("No distance threshold" in note for note in auto.warnings)


def test_longitude_latitude_areas_give_the_same_neighbours():
    areas = grid(3, 3, size=1000).set_geometry(
        grid(3, 3, size=1000).geometry.translate(400000, 300000)
    )
    # 1,000 m cells: a 1,200 m band links rows and columns but not diagonals
    projected = build_weights(areas, "distance", threshold=1200)
    lonlat = build_weights(areas.to_crs("EPSG:4326"), "distance", threshold=1200)
    assert n_neighbours(projected)["G004"] == 4
    assert projected.graph.adjacency.index.equals(lonlat.graph.adjacency.index)


def test_pure_function_of_geometry():
    a = build_weights(grid(4, 3))
    b = build_weights(grid(4, 3))
    assert a.graph.equals(b.graph)


def test_unknown_kind_lists_the_options():
    with pytest.raises(InputError) as err:
        build_weights(grid(2, 2), "bishop")
    for kind in WEIGHT_KINDS:
        assert repr(kind) in err.value.message


@pytest.mark.parametrize(
    ("areas", "match"),
    [
        (pd.DataFrame({"area_code": ["a", "b"]}), "table of boundaries"),
        (grid(2, 2).drop(columns="area_code"), "no 'area_code' column"),
        (grid(2, 2).assign(area_code=["a", "a", "b", "c"]), "more than once"),
        (grid(2, 2).assign(area_code=["a", None, "b", "c"]), "no area code"),
        (grid(1, 1), "at least 2"),
    ],
)
def test_bad_areas_are_refused(areas, match):
    with pytest.raises(InputError, match=match):
        build_weights(areas)


def test_bad_parameters_are_refused():
    with pytest.raises(InputError, match="k must be"):
        build_weights(grid(3, 3), "knn", k=0)
    with pytest.raises(InputError, match="threshold"):
        build_weights(grid(3, 3), "distance", threshold=-5)
    with pytest.raises(InputError, match="island_neighbours"):
        build_weights(grid(3, 3), island_neighbours=-1)


def test_empty_geometry_is_refused():
    areas = grid(2, 2)
    areas.loc[1, "geometry"] = None
    with pytest.raises(InputError, match="no boundary") as err:
        build_weights(areas)
    assert err.value.row == [3]


def test_component_labels():
    w = build_weights(with_island(grid(2, 2)), island_neighbours=0)
    labels = w.component_labels
    assert labels.name == "component"
    assert labels["ISLE"] != labels["G000"]
    assert np.unique(labels.to_numpy()).size == 2

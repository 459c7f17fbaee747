"""Display geometry: simplified together, rounded, packed; classes unchanged."""

from __future__ import annotations

import base64
import gzip
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from meam_mapping.disclosure import suppress_indicators
from meam_mapping.errors import InputError
from meam_mapping.maps import interactive
from meam_mapping.maps.simplify import (
    display_settings,
    pack_features,
    removable_share,
    round_coordinates,
    simplify_coverage,
    simplify_for_display,
    unpack_features,
)
from meam_mapping.maps.spec import MapSpec

# A tolerance far above the display default, so that simplification really
# moves edges and a non-topological method would open gaps and overlaps.
HEAVY = 300.0


@pytest.fixture(scope="module")
def demo_lsoa() -> gpd.GeoDataFrame:
    from meam_mapping.demo import load_demo_areas

    return load_demo_areas()["lsoa"]


def _neighbour_pairs(geoms: np.ndarray) -> np.ndarray:
    """Index pairs (i < j) whose polygons share a length of boundary."""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.length(
        shapely.intersection(shapely.boundary(geoms[left]), shapely.boundary(geoms[right]))
    )
    keep = shared > 1.0
    return np.column_stack([left[keep], right[keep]])


def _overlap_area(geoms: np.ndarray) -> float:
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    return float(shapely.area(shapely.intersection(geoms[left[keep]], geoms[right[keep]])).sum())


def _holes(geom: shapely.Geometry) -> int:
    parts = getattr(geom, "geoms", [geom])
    return sum(len(p.interiors) for p in parts)


def test_coverage_simplification_keeps_neighbours_edge_matched(demo_lsoa):
    before = demo_lsoa.geometry.to_numpy()
    after = simplify_coverage(demo_lsoa, HEAVY).geometry.to_numpy()
    assert (
        shapely.get_num_coordinates(after).sum() < 0.9 * shapely.get_num_coordinates(before).sum()
    )
    assert not shapely.is_empty(after).any()
    total = float(shapely.area(after).sum())
    # No overlaps: pairwise intersections have (almost) no area ...
    assert _overlap_area(after) < 1e-6 * total
    # ... and no gaps: the union has no holes the original coverage lacked,
    # and its area equals the sum of the parts.
    union = shapely.union_all(after)
    assert _holes(union) <= _holes(shapely.union_all(before))
    np.testing.assert_allclose(union.area, total, rtol=1e-6)
    # Every pair of neighbours still shares a length of boundary.
    pairs = _neighbour_pairs(before)
    shared = shapely.length(
        shapely.intersection(
            shapely.boundary(after[pairs[:, 0]]), shapely.boundary(after[pairs[:, 1]])
        )
    )
    assert (shared > 0).all()


def test_simplifying_polygons_one_by_one_would_fail_the_same_checks(demo_lsoa):
    # Control: the checks above can fail. Douglas-Peucker on each polygon alone
    # moves the two copies of a shared edge differently.
    alone = shapely.simplify(demo_lsoa.geometry.to_numpy(), HEAVY, preserve_topology=True)
    total = float(shapely.area(alone).sum())
    assert _overlap_area(alone) > 1e-4 * total


def test_display_copy_is_rounded_lon_lat_and_keeps_rows(demo_lsoa):
    shown = simplify_for_display(demo_lsoa, level="lsoa")
    settings = shown.attrs["display"]
    assert shown.crs.to_epsg() == 4326
    assert shown["area_code"].tolist() == demo_lsoa["area_code"].tolist()
    assert settings.decimals == 5 and 2.0 <= display_settings(demo_lsoa).tolerance <= 20.0
    # The demo's areas have few points: simplifying would remove next to none, so
    # they are drawn as read, and the settings say so.
    assert settings.tolerance == 0.0 and "edges drawn as read" in settings.reason
    coords = shapely.get_coordinates(shown.geometry.to_numpy())
    np.testing.assert_allclose(coords, np.round(coords, settings.decimals), atol=1e-12)
    # Rounding moves shared vertices together: still no overlaps or gaps (in metres).
    metres = shown.to_crs(27700).geometry.to_numpy()
    metres = shapely.make_valid(metres)
    total = float(shapely.area(metres).sum())
    assert _overlap_area(metres) < 1e-5 * total
    np.testing.assert_allclose(shapely.union_all(metres).area, total, rtol=1e-5)
    # The stored areas are untouched.
    assert demo_lsoa.crs.to_epsg() == 27700


def _detailed(areas: gpd.GeoDataFrame, step: float = 8.0) -> gpd.GeoDataFrame:
    """The areas with a point every ``step`` metres, each moved a little (shared ones alike)."""
    geoms = shapely.segmentize(areas.geometry.to_numpy(), step)
    xy = shapely.get_coordinates(geoms)
    codes, points = pd.factorize(xy.view(np.complex128).ravel())
    moves = np.random.default_rng(0).normal(0.0, 1.5, (len(points), 2))
    return areas.set_geometry(shapely.set_coordinates(geoms.copy(), xy + moves[codes]))


@pytest.fixture(scope="module")
def detailed_lsoa(demo_lsoa) -> gpd.GeoDataFrame:
    return _detailed(demo_lsoa)


@pytest.mark.parametrize("tolerance", [2.0, 5.0, 60.0])
def test_removable_share_follows_what_the_simplifier_removes(demo_lsoa, detailed_lsoa, tolerance):
    for areas in (demo_lsoa, detailed_lsoa):
        geoms = areas.geometry.to_numpy()
        before = shapely.get_num_coordinates(geoms).sum()
        after = shapely.get_num_coordinates(shapely.coverage_simplify(geoms, tolerance)).sum()
        removed = 1 - after / before
        # Never much below what is removed (areas worth simplifying are not skipped);
        # above it where the simplifier keeps points to avoid crossing edges.
        assert removed - 0.05 <= removable_share(geoms, tolerance) <= removed + 0.35
    detailed = detailed_lsoa.geometry.to_numpy()
    assert removable_share(detailed, 20.0) > 0.5
    assert removable_share(demo_lsoa.geometry.to_numpy(), 20.0) < 0.05
    assert removable_share(detailed, 0.0) == 0.0


def test_detailed_areas_are_simplified_and_generalised_ones_drawn_as_read(demo_lsoa, detailed_lsoa):
    detailed = detailed_lsoa
    shown = simplify_for_display(detailed, level="lsoa", cache=False)
    assert shown.attrs["display"].tolerance > 0
    points = shapely.get_num_coordinates(shown.geometry.to_numpy()).sum()
    assert points < 0.5 * shapely.get_num_coordinates(detailed.geometry.to_numpy()).sum()
    # Drawn as read: the same points, only rounded (and moved to longitude/latitude).
    plain = simplify_for_display(demo_lsoa, level="lsoa", cache=False)
    expected = demo_lsoa.to_crs(4326).geometry.to_numpy()
    np.testing.assert_allclose(
        shapely.get_coordinates(plain.geometry.to_numpy()),
        np.round(shapely.get_coordinates(expected), plain.attrs["display"].decimals),
        atol=1e-9,
    )
    # A tolerance the caller names is used, worth it or not.
    asked = simplify_for_display(demo_lsoa, level="lsoa", tolerance=HEAVY, cache=False)
    assert asked.attrs["display"].tolerance == HEAVY


def test_areas_drawn_as_read_start_from_the_files_own_longitude_latitude(demo_lsoa, detailed_lsoa):
    lonlat = demo_lsoa.to_crs(4326).geometry.to_numpy()
    back = simplify_for_display(demo_lsoa, level="lsoa", cache=False)
    shown = simplify_for_display(demo_lsoa, level="lsoa", cache=False, as_read=lonlat)
    decimals = shown.attrs["display"].decimals
    assert shown.attrs["display"] == back.attrs["display"] and shown.crs == back.crs
    assert list(shown.columns) == list(demo_lsoa.columns)
    assert shown["area_code"].tolist() == demo_lsoa["area_code"].tolist()
    # The as-read coordinates, rounded: the same vertices as projecting back, each
    # within one rounding step of them (the two projections' error can cross a step).
    got = shapely.get_coordinates(shown.geometry.to_numpy())
    np.testing.assert_array_equal(got, np.round(shapely.get_coordinates(lonlat), decimals))
    assert (
        np.abs(got - shapely.get_coordinates(back.geometry.to_numpy())).max()
        <= 1.01 * 10.0**-decimals
    )
    # Not used where the edges are simplified (that works in metres), nor for other rows.
    simplified = simplify_for_display(
        detailed_lsoa,
        level="lsoa",
        cache=False,
        as_read=detailed_lsoa.to_crs(4326).geometry.to_numpy(),
    )
    plain = simplify_for_display(detailed_lsoa, level="lsoa", cache=False)
    assert simplified.geom_equals_exact(plain, tolerance=0).all()
    other = simplify_for_display(demo_lsoa, level="lsoa", cache=False, as_read=lonlat[:-1])
    assert other.geom_equals_exact(back, tolerance=0).all()


def test_settings_follow_the_extent_and_the_area_size():
    def grid(n: int, size: float) -> gpd.GeoDataFrame:
        cells = [
            box(
                300000 + i * size,
                200000 + j * size,
                300000 + (i + 1) * size,
                200000 + (j + 1) * size,
            )
            for i in range(n)
            for j in range(n)
        ]
        return gpd.GeoDataFrame({"area_code": range(n * n)}, geometry=cells, crs=27700)

    county = display_settings(grid(10, 8000.0), level="lsoa")  # 80 km across
    nation = display_settings(grid(10, 65000.0), level="lsoa")  # 650 km across
    # Half a pixel of a 1,000-pixel map after zooming in three levels.
    np.testing.assert_allclose(county.tolerance, 80000 / 1000 / 8 / 2)
    np.testing.assert_allclose(nation.tolerance, 650000 / 1000 / 8 / 2)
    assert (county.decimals, nation.decimals) == (5, 4)
    # Small areas cap the tolerance at 5% of their width; the level sets a floor.
    # (a million areas over 80 km: 80 m wide, so at most 4 m)
    small = display_settings(grid(10, 8000.0), level="lsoa", n_areas=1_000_000)
    np.testing.assert_allclose(small.tolerance, 0.05 * 80.0)
    tiny = display_settings(grid(10, 8000.0), level="lsoa", n_areas=100_000_000)
    np.testing.assert_allclose(tiny.tolerance, 2.0)  # floor for LSOAs
    assert display_settings(grid(10, 8000.0), level="lad", n_areas=1_000_000).tolerance == 10.0


def test_round_coordinates_and_bad_input():
    square = shapely.Polygon([(0.123456, 0.987654), (1.0, 0.0), (1.0, 1.0)])
    (rounded,) = round_coordinates([square], 2)
    assert shapely.get_coordinates(rounded)[0].tolist() == [0.12, 0.99]
    grid = gpd.GeoDataFrame({"area_code": ["A"]}, geometry=[box(0, 0, 10, 10)], crs=27700)
    with pytest.raises(InputError, match="tolerance"):
        simplify_coverage(grid, -1.0)
    points = gpd.GeoDataFrame({"area_code": ["A"]}, geometry=[Point(0, 0)], crs=27700)
    with pytest.raises(InputError, match="polygon"):
        simplify_coverage(points, 5.0)
    with pytest.raises(InputError, match="coordinate reference system"):
        simplify_for_display(grid.set_crs(None, allow_override=True))


def test_packed_features_round_trip():
    # A square with a hole, a triangle with a negative corner, a two-part area.
    square = shapely.Polygon(
        [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)],
        holes=[[(0.25, 0.25), (0.5, 0.25), (0.5, 0.5)]],
    )
    triangle = shapely.Polygon([(-1.25, 51.5), (-1.0, 51.75), (-1.5, 52.0)])
    two = shapely.MultiPolygon([box(2, 2, 3, 3), box(4, 4, 5, 5)])
    geoms = np.asarray([square, triangle, two])
    tips = ["<b>A</b>", "B & C", "D"]
    packed = pack_features(geoms, {"tip": tips, "k": np.asarray([0, -2, 3])})
    data = unpack_features(packed)
    assert [f["properties"] for f in data["features"]] == [
        {"tip": "<b>A</b>", "k": 0},
        {"tip": "B & C", "k": -2},
        {"tip": "D", "k": 3},
    ]
    back = shapely.from_geojson([json.dumps(f["geometry"]) for f in data["features"]])
    assert shapely.equals(back, geoms).all()
    # Integers and differences are smaller than the GeoJSON text of the same shapes.
    inner = gzip.decompress(base64.b64decode(packed))
    geojson_text = json.dumps([f["geometry"] for f in data["features"]]).encode()
    assert inner.startswith(b"MEAMPK1") and len(inner) < len(geojson_text) / 2
    head = json.loads(inner[12 : 12 + int.from_bytes(inner[8:12], "little")])
    # n: features, polygons, rings, vertices (4+3, 3, 4+4).
    assert head["d"] == 3 and head["n"] == [3, 4, 5, 18]
    with pytest.raises(InputError, match="one value per area"):
        pack_features(geoms, {"k": [1]})
    with pytest.raises(InputError, match="polygon"):
        pack_features(np.asarray([Point(0, 0)]), {})


def _slice(areas: gpd.GeoDataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(8)
    n = len(areas)
    denominator = rng.integers(600, 2500, n).astype(float)
    count = rng.poisson(denominator * rng.uniform(0.002, 0.03, n)).astype(float)
    table = pd.DataFrame(
        {
            "area_code": areas["area_code"].to_numpy(),
            "indicator": "homelessness_duty_owed",
            "domain": "homelessness",
            "period": "2025/26",
            "count": count,
            "denominator": denominator,
            "value": count / denominator * 1000,
            "unit": "per 1,000 adults",
            "source": "test",
            "suppressed": False,
        }
    )
    return suppress_indicators(table)


def _classes(fmap) -> pd.Series:
    frame = fmap.meam_map_data.frame
    return pd.Series(frame["class_index"].to_numpy(), index=frame["area_code"].to_numpy())


@pytest.mark.parametrize("scheme", ["quantiles", "fisher_jenks"])
def test_classes_on_the_simplified_map_equal_the_full_map(demo_lsoa, scheme):
    data = _slice(demo_lsoa)
    spec = MapSpec(scheme=scheme)
    full = interactive.choropleth(demo_lsoa, data, spec)
    light = interactive.choropleth(simplify_for_display(demo_lsoa, level="lsoa"), data, spec)
    pd.testing.assert_series_equal(_classes(light), _classes(full))
    np.testing.assert_allclose(
        light.meam_map_data.classification.bins, full.meam_map_data.classification.bins
    )
    assert light.meam_map_data.style.colours == full.meam_map_data.style.colours


def test_large_maps_send_packed_features_with_the_same_classes(demo_lsoa, monkeypatch):
    data = _slice(demo_lsoa)
    full = interactive.choropleth(demo_lsoa, data)
    monkeypatch.setattr(interactive, "PACK_THRESHOLD", 100)
    packed = interactive.choropleth(simplify_for_display(demo_lsoa, level="lsoa"), data)
    page = packed.get_root().render()
    assert "DecompressionStream" in page and "meamMapDrawn" in page
    start = page.index('var b64 = "') + len('var b64 = "')
    features = unpack_features(page[start : page.index('"', start)])
    assert len(features["features"]) == len(demo_lsoa)
    back = shapely.from_geojson([json.dumps(f["geometry"]) for f in features["features"]])
    shown = simplify_for_display(demo_lsoa, level="lsoa").geometry.to_numpy()
    assert shapely.equals(back, shown).all()
    shown_k = [f["properties"]["k"] for f in features["features"]]
    expected = _classes(full).where(
        full.meam_map_data.frame["status"].to_numpy() != "suppressed", -2
    )
    assert shown_k == expected.tolist()


def test_geometry_packed_ahead_in_a_thread_gives_the_same_pack_and_is_used_once():
    from concurrent.futures import ThreadPoolExecutor

    from meam_mapping.maps import pack

    geoms = np.asarray([box(0, 0, 1, 1), shapely.MultiPolygon([box(2, 2, 3, 3), box(4, 4, 5, 5)])])
    props = {"tip": ["a", "b"], "k": [0, 1]}
    alone = pack_features(geoms, props)
    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pack.prepack_geometry_in(pool, geoms)
        assert pack_features(geoms, props) == alone
    assert ahead.done() and pack._PREPACKED == []  # used, then let go
    # Other shapes (even equal ones, but other objects) are encoded afresh, never mixed up.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pack.prepack_geometry_in(pool, geoms)
        other = np.asarray([box(0, 0, 1, 1), box(5, 5, 6, 7)])
        assert unpack_features(pack_features(other, props)) == unpack_features(
            pack_features(other, props)
        )
        assert json.dumps(unpack_features(pack_features(other, props))).count("7") >= 1
        assert len(pack._PREPACKED) == 1  # still waiting for its own shapes
    # A failed encoding ahead is not trusted: the pack says what is wrong itself.
    with ThreadPoolExecutor(max_workers=1) as pool:
        points = np.asarray([Point(0, 0), Point(1, 1)])
        pack.prepack_geometry_in(pool, points)
        with pytest.raises(InputError, match="polygon"):
            pack_features(points, props)

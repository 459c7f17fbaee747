"""Tests for meam_mapping.io.memory: a boundary file too large for the memory free is refused first."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import MultiPolygon, box

from meam_mapping.errors import InputError
from meam_mapping.io.memory import (
    PER_AREA,
    PER_POINT,
    available_memory,
    check_boundary_memory,
    estimate_boundary_memory,
)


def _areas(n: int = 40, spacing: float = 50.0) -> gpd.GeoDataFrame:
    # Squares with extra points every ``spacing`` metres, one a two-part area.
    cells = [box(i * 1000.0, 0, i * 1000.0 + 1000, 1000) for i in range(n)]
    cells[3] = MultiPolygon([box(3000, 0, 3400, 400), box(3600, 600, 4000, 1000)])
    geometry = shapely.segmentize(cells, spacing)
    codes = [f"E01{i:06d}" for i in range(n)]
    return gpd.GeoDataFrame({"LSOA21CD": codes, "LSOA21NM": codes}, geometry=geometry,
                            crs="EPSG:27700")  # fmt: skip


def _points(frame: gpd.GeoDataFrame) -> int:
    return int(shapely.get_num_coordinates(frame.geometry.to_numpy()).sum())


@pytest.mark.parametrize("driver", ["GeoJSON", "GPKG", "ESRI Shapefile"])
def test_estimate_counts_the_areas_and_leans_high_on_points(tmp_path, driver):
    frame = _areas()
    suffix = {"GeoJSON": ".geojson", "GPKG": ".gpkg", "ESRI Shapefile": ".shp"}[driver]
    path = tmp_path / f"areas{suffix}"
    frame.to_crs(4326).to_file(path, driver=driver)
    got = estimate_boundary_memory(path)
    assert got.areas == 40
    points = _points(frame)
    # Never below the true count (the estimate must not let a file through that does
    # not fit), and not wildly above it: at most 3 times, plus a GeoPackage's own
    # tables (an empty one is about 100 kB, 6,000 "points").
    assert points <= got.points <= 3 * points + 8_000, (got.points, points)
    assert got.needed == PER_AREA * got.areas + PER_POINT * got.points


def test_geojson_areas_are_features_not_the_collection(tmp_path):
    path = tmp_path / "two.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type": "Feature","properties":{"name":"Feature"},"geometry":{"type":"Point","coordinates":[0,1]}},'
        '{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[2,3]}}]}'
    )
    # The name "Feature" in a property is counted too: harmless (leans high).
    assert estimate_boundary_memory(path).areas in (2, 3)


def test_a_file_needing_more_than_is_free_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "england_bfc.geojson"
    _areas(n=60, spacing=10.0).to_crs(4326).to_file(path, driver="GeoJSON")
    need = estimate_boundary_memory(path).needed
    with pytest.raises(InputError) as err:
        check_boundary_memory(path, "england_bfc.geojson", available=need // 2)
    message = err.value.message
    assert message.startswith("england_bfc.geojson: reading and drawing these boundaries needs")
    assert "60 areas" in message and "is free on this computer" in message
    assert "nothing already loaded was changed" in message
    assert "generalised boundaries" in message and "QGIS" in message
    # Enough memory: the estimate is returned and nothing is refused.
    assert check_boundary_memory(path, "england_bfc.geojson", available=need).needed == need


def test_unknown_free_memory_skips_the_check(tmp_path, monkeypatch):
    import meam_mapping.io.memory as memory

    path = tmp_path / "a.geojson"
    _areas(n=5).to_crs(4326).to_file(path, driver="GeoJSON")
    monkeypatch.setattr(memory, "available_memory", lambda: None)
    assert check_boundary_memory(path, "a.geojson") is None


def test_free_memory_is_the_smaller_of_the_machine_and_the_container(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  8000000 kB\nMemFree:  1000 kB\nMemAvailable:  2000000 kB\n")
    cgroup = tmp_path / "cgroup"
    cgroup.mkdir()
    assert available_memory(meminfo, cgroup) == 2_000_000 * 1024  # no container files
    (cgroup / "memory.max").write_text("max\n")
    (cgroup / "memory.current").write_text("123\n")
    assert available_memory(meminfo, cgroup) == 2_000_000 * 1024  # no container limit
    (cgroup / "memory.max").write_text(f"{1024**3}\n")
    (cgroup / "memory.current").write_text(f"{300 * 1024**2}\n")
    assert available_memory(meminfo, cgroup) == 1024**3 - 300 * 1024**2
    assert available_memory(tmp_path / "none", tmp_path / "none") is None
    (meminfo).write_text("garbage")
    assert available_memory(meminfo, tmp_path / "none") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2GB", 2 * 1024**3),
        ("500 mb", 500 * 1024**2),
        ("1.5G", int(1.5 * 1024**3)),
        ("123456", 123456),
        ("", None),
    ],  # fmt: skip
)
def test_memory_limit_setting_is_read_as_a_size(text, expected):
    from meam_mapping.io.memory import memory_limit

    assert memory_limit(text) == expected


def test_a_limit_that_is_not_a_size_says_which_setting(monkeypatch, tmp_path):
    from meam_mapping.io.memory import memory_limit

    monkeypatch.setenv("MEAM_MAPPING_MEMORY_LIMIT", "lots")
    with pytest.raises(InputError, match="MEAM_MAPPING_MEMORY_LIMIT='lots' is not a size"):
        memory_limit()
    monkeypatch.setenv("MEAM_MAPPING_MEMORY_LIMIT", "300MB")
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemAvailable:  2000000 kB\n")
    assert available_memory(meminfo, tmp_path / "none") == 300 * 1024**2
    assert available_memory(tmp_path / "none", tmp_path / "none") == 300 * 1024**2


def test_a_geopackage_of_several_layers_counts_every_layer_without_a_warning(tmp_path):
    import warnings

    path = tmp_path / "levels.gpkg"
    _areas(n=10).to_file(path, layer="lsoa", driver="GPKG")
    _areas(n=4).to_file(path, layer="msoa", driver="GPKG")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert estimate_boundary_memory(path).areas == 14

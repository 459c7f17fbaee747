"""The interactive map split into a base map and a layer group swapped in place."""

from __future__ import annotations

import re

import folium
import pytest
import streamlit_folium as sf

from meam_mapping.maps.interactive import choropleth, choropleth_parts, study_area_extent
from meam_mapping.maps.spec import MapLayer, MapSpec
from tests.maps.standalone_cases import DATA, cases, page


def _scripts(parts, key="main_map"):
    """Base script, st_folium's component key and the group's script, as streamlit-folium makes them."""
    parts.base.get_root().render()
    base = sf._get_map_string(parts.base)
    group = sf._get_feature_group_string(parts.layers, parts.base)
    return base, sf.generate_js_hash(base, key), group


@pytest.fixture
def layer(table):
    return MapLayer(table, title="Homelessness duty owed", unit="per 1,000 adults",
                    source="Synthetic", label="Synthetic demonstration data")  # fmt: skip


@pytest.mark.parametrize("name", ["plain", "full", "canvas"])
def test_exported_page_is_unchanged(name):
    case = next(c for c in cases() if c[0] == name)
    expected = (DATA / f"standalone_{name}.html").read_text(encoding="utf-8")
    assert page(case) == expected


def test_base_is_the_same_for_other_classes_and_level(areas, table, layer, districts):
    extent = study_area_extent(areas)
    first = choropleth_parts(areas, layer, MapSpec(), outlines=districts, extent=extent)
    other = MapLayer(table.iloc[::2], title="Another indicator", unit="%")
    second = choropleth_parts(areas.iloc[::2], other, MapSpec(scheme="equal_interval", k=3),
                              extent=extent)  # fmt: skip
    base1, key1, group1 = _scripts(first)
    base2, key2, group2 = _scripts(second)
    assert key1 == key2 and base1 == base2
    assert group1 != group2
    assert "Another indicator" in group2 and "Another indicator" not in base2


def test_base_differs_for_another_study_area(areas, layer):
    moved = areas.copy()
    moved["geometry"] = moved.translate(50_000, 0)
    one = choropleth_parts(areas, layer, extent=study_area_extent(areas))
    two = choropleth_parts(moved, layer, extent=study_area_extent(moved))
    assert _scripts(one)[1] != _scripts(two)[1]
    tiles = choropleth_parts(areas, layer, MapSpec(tiles=True), extent=study_area_extent(areas))
    assert _scripts(one)[1] != _scripts(tiles)[1]


def test_group_carries_areas_legend_tooltips_and_outlines(areas, layer, districts):
    parts = choropleth_parts(areas, layer, outlines=districts, extent=study_area_extent(areas))
    base, _, group = _scripts(parts)
    geojson = [c for c in parts.layers._children.values() if isinstance(c, folium.GeoJson)]
    assert len(geojson[0].data["features"]) == len(areas)  # the area without data included
    assert {"area_code", "tip", "k"} <= set(geojson[0].data["features"][0]["properties"])
    for text in ("meam-panel", "Homelessness duty owed", "Synthetic demonstration data",
                 "meam-hover", "meam-outlines", "Cambridge", "meam-hatch", "L.control.layers"):  # fmt: skip
        assert text in group, text
        assert text not in base, text
    assert "L.geoJson" not in base and "fitBounds" in base
    # Controls and credits added by the group are taken away with it.
    assert "meamG.on('remove'" in group and "removeAttribution" in group
    # The outlines' pane exists before the group's layers reach the map.
    assert re.search(r"beforeAdd = function\(m\)\{if \(!m\.getPane\(\"meam-outlines\"\)\)", group)
    assert parts.data.classification.k == 5


def test_extent_is_rounded_outwards_and_shared_by_nested_areas(areas, districts):
    west, south, east, north = study_area_extent(areas)
    shown = areas.to_crs("EPSG:4326").total_bounds
    assert west <= shown[0] and south <= shown[1] and east >= shown[2] and north >= shown[3]
    assert all(round(v, 3) == v for v in (west, south, east, north))
    assert study_area_extent(districts) == study_area_extent(areas)


def test_standalone_map_is_the_parts_put_together(areas, layer, districts):
    whole = choropleth(areas, layer, outlines=districts)
    parts = choropleth_parts(areas, layer, outlines=districts)
    kinds = [type(c).__name__ for c in whole._children.values()]
    grouped = [type(c).__name__ for c in parts.layers._children.values()]
    assert kinds.count("GeoJson") == grouped.count("GeoJson") == 2
    assert "LayerControl" in kinds and "LayerControl" not in grouped  # the group brings its own
    assert "CustomPane" in kinds and "CustomPane" not in grouped


def test_group_script_is_valid_javascript(areas, layer, districts, tmp_path):
    """The scripts streamlit-folium sends for the group parse (node's syntax check)."""
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    hot = areas.iloc[:3].assign(category="hot spot")
    parts = choropleth_parts(areas, layer, MapSpec(tiles=True), outlines=districts,
                             extra_layers={"Hot spots": hot}, extent=study_area_extent(areas))  # fmt: skip
    base, _, group = _scripts(parts)
    for name, text in (("base.js", base), ("group.js", group)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        done = subprocess.run([node, "--check", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def test_large_maps_send_packed_areas_in_the_group(layer):
    from meam_mapping.disclosure import DisclosurePolicy, suppress_indicators
    from meam_mapping.maps.interactive import PACK_THRESHOLD
    from tests.maps.conftest import make_grid, make_table

    grid = make_grid(46, 200.0)
    assert len(grid) > PACK_THRESHOLD
    table = suppress_indicators(make_table(grid), DisclosurePolicy(threshold=5))
    parts = choropleth_parts(grid, MapLayer(table, title="Grid"), extent=study_area_extent(grid))
    base, _, group = _scripts(parts)
    assert "DecompressionStream" in group and "DecompressionStream" not in base
    assert '"preferCanvas": true' in base  # the renderer is the base map's option


def test_demo_requests_share_one_base_map(demo_dataset):
    """Indicator, classes and level change only the group on the demo; the export is unchanged."""
    from meam_mapping.mapping import (
        MapRequest,
        dataset_extent,
        interactive_map,
        interactive_map_parts,
    )

    ids = sorted(demo_dataset.catalogue()["indicator"])
    homeless = next(i for i in ids if "homeless" in i)
    probation = next(i for i in ids if "probation" in i)
    extent = dataset_extent(demo_dataset)
    requests = [
        MapRequest(indicator=homeless, level="msoa"),
        MapRequest(indicator=homeless, level="lad", scheme="equal_interval", k=3),
        MapRequest(indicator=probation, level="msoa"),
    ]
    scripts = [_scripts(interactive_map_parts(demo_dataset, r, extent=extent)) for r in requests]
    assert len({key for _, key, _ in scripts}) == 1
    assert len({group for _, _, group in scripts}) == 3
    assert dataset_extent(demo_dataset) == extent
    # The exported map draws the same layers on one map.
    whole = interactive_map(demo_dataset, requests[0])
    parts = interactive_map_parts(demo_dataset, requests[0])
    layers = [c for c in whole._children.values() if isinstance(c, folium.GeoJson)]
    grouped = [c for c in parts.layers._children.values() if isinstance(c, folium.GeoJson)]
    assert [c.data for c in layers] == [c.data for c in grouped] and len(layers) == 2

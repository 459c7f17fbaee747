"""The canvas layer of large maps: what it is sent, and (in Chromium) what it draws and finds."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from meam_mapping.disclosure import DisclosurePolicy, suppress_indicators
from meam_mapping.maps import interactive
from meam_mapping.maps.area_canvas import area_canvas_script, canvas_style
from meam_mapping.maps.simplify import unpack_features
from meam_mapping.maps.style import MapStyle


def _packed_of(page: str) -> dict:
    start = page.index('var b64 = "') + len('var b64 = "')
    return unpack_features(page[start : page.index('"', start)])


@pytest.fixture
def odd_areas(areas) -> gpd.GeoDataFrame:
    """The 6 x 6 grid with a holed area, an enclave filling its hole and a two-part area."""
    grid = areas
    geoms = grid.geometry.to_numpy().copy()
    x0, y0, x1, y1 = geoms[14].bounds  # row 2, column 2
    hole = box(x0 + 300, y0 + 300, x1 - 300, y1 - 300)
    geoms[14] = Polygon(box(x0, y0, x1, y1).exterior.coords, [hole.exterior.coords[::-1]])
    a0, b0, a1, b1 = geoms[28].bounds  # row 4, column 4; its second part lies east of the grid
    geoms[28] = MultiPolygon([box(a0, b0, a1, b1), box(a1 + 2000, b0, a1 + 2600, b0 + 600)])
    out = grid.set_geometry(geoms)
    enclave = gpd.GeoDataFrame(
        {"area_code": ["E01009999"], "area_name": ["Enclave"], "lad_code": ["E07000008"]},
        geometry=[hole], crs=grid.crs,
    )  # fmt: skip
    return gpd.GeoDataFrame(pd.concat([out, enclave], ignore_index=True), crs=grid.crs)


@pytest.fixture
def odd_table(odd_areas):
    rng = np.random.default_rng(3)
    n = len(odd_areas)
    count = rng.integers(10, 60, n)
    count[:3] = [1, 2, 3]  # small counts: suppressed by the policy
    denominator = rng.integers(800, 2000, n)
    table = pd.DataFrame({
        "area_code": odd_areas["area_code"].to_numpy(), "indicator": "homelessness_duty_owed",
        "domain": "homelessness", "period": "2024", "count": count, "denominator": denominator,
        "value": count / denominator * 1000, "unit": "per 1,000 adults", "source": "test",
        "suppressed": False,
    })  # fmt: skip
    return suppress_indicators(table, DisclosurePolicy(threshold=5))


def test_the_script_is_one_line_that_needs_no_template(areas):
    script = area_canvas_script(
        "geo_json_x", "QUJD", MapStyle("Blues", "sequential", ("#fff", "#000"))
    )
    for mark in ("\n", "\r", "{{", "{%", "{#", "</script", "//"):
        assert mark not in script.replace("http://", ""), mark
    assert script.count('var b64 = "QUJD"') == 1
    assert script.count("{map}") == 1  # replaced by the map's name when rendered
    style = canvas_style(MapStyle("Blues", "sequential", ("#fff", "#000"), edge_width=0.4))
    assert style["colours"] == ["#fff", "#000"] and style["weight"] == pytest.approx(0.8)


def test_every_area_is_sent_with_its_class_and_tooltip(odd_areas, odd_table, monkeypatch):
    monkeypatch.setattr(interactive, "PACK_THRESHOLD", 0)
    fmap = interactive.choropleth(odd_areas, odd_table)
    features = _packed_of(fmap.get_root().render())["features"]
    frame = fmap.meam_map_data.frame
    assert len(features) == len(odd_areas) == len(frame)
    status = frame["status"].to_numpy()
    for feature, row in zip(features, frame.itertuples(index=False), strict=True):
        props = feature["properties"]
        assert props["area_code"] == row.area_code
        assert props["tip"].startswith(f"<b>{row.area_name}</b><br>{row.area_code}")
        if row.status == "suppressed":
            assert props["k"] == -2 and "Count:" not in props["tip"]
        else:
            assert props["k"] == row.class_index
            assert f"Count: {int(row.count):,}" in props["tip"] and "Rate: " in props["tip"]
    assert (status == "suppressed").sum() == 3  # counts 1, 2 and 3 hidden
    back = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    assert shapely.equals(
        back, interactive._to_display(odd_areas, "areas").geometry.to_numpy()
    ).all()


@pytest.fixture
def chromium(browser):
    """The session's Chromium (``tests/conftest.py``)."""
    return browser


def test_chromium_draws_finds_and_tells_every_area(odd_areas, odd_table, monkeypatch, tmp_path,
                                                   chromium):  # fmt: skip
    monkeypatch.setattr(interactive, "PACK_THRESHOLD", 0)
    monkeypatch.setattr(interactive, "CANVAS_THRESHOLD", 0)
    fmap = interactive.choropleth(odd_areas, odd_table)
    path = tmp_path / "map.html"
    interactive.save_standalone_html(fmap, path)
    shown = interactive._to_display(odd_areas, "areas")
    inside = shapely.point_on_surface(shown.geometry.to_numpy())
    points = [[p.y, p.x] for p in inside]
    page = chromium.new_page(viewport={"width": 900, "height": 700})
    try:
        page.goto(path.as_uri())
        page.wait_for_function("window.meamMapDrawn !== undefined", timeout=20_000)
        assert page.evaluate("window.meamMapDrawn.features") == len(odd_areas)
        found = page.evaluate(
            """(points) => {
            const g = Object.values(window).find(v => v && v.meamAreas), a = g.meamAreas;
            const map = a._map, canvas = a._container, ctx = canvas.getContext('2d');
            const origin = a._bounds.min, hits = [], alpha = [];
            for (const [lat, lng] of points) {
              const i = a.hitTest({lat: lat, lng: lng});
              hits.push(i);
              const p = map.latLngToLayerPoint([lat, lng]);
              alpha.push(ctx.getImageData(p.x - origin.x, p.y - origin.y, 1, 1).data[3]);
            }
            const rings = points.map((_, i) => a.latlngs(i));
            return {hits, alpha, rings, outside: a.hitTest({lat: 0, lng: 0}),
                    tips: points.map((_, i) => a.tip(i))};
            }""",
            points,
        )
        assert found["hits"] == list(range(len(odd_areas)))  # the enclave, not the holed area
        assert found["outside"] == -1
        assert min(found["alpha"]) > 0  # every area has pixels on the canvas
        codes = odd_areas["area_code"].tolist()
        assert [code in tip for code, tip in zip(codes, found["tips"], strict=True)] == [
            True
        ] * len(codes)
        # decoded coordinates round-trip to the sent ones (rings open, to 1e-7 degrees)
        for rings, geom in zip(found["rings"], shown.geometry, strict=True):
            sent = shapely.get_rings(shapely.get_parts(geom))
            assert len(rings) == len(sent)
            for ring, ref in zip(rings, sent, strict=True):
                np.testing.assert_allclose(np.asarray(ring)[:, ::-1], np.asarray(ref.coords)[:-1],
                                           atol=1e-7)  # fmt: skip
        # hovering an area shows its tooltip in the map's hover box
        target = points[20]
        xy = page.evaluate(
            "(ll) => {const g = Object.values(window).find(v => v && v.meamAreas);"
            " const p = g.meamAreas._map.latLngToContainerPoint(ll);"
            " const r = g.meamAreas._map.getContainer().getBoundingClientRect();"
            " return [p.x + r.left, p.y + r.top];}",
            target,
        )
        page.mouse.move(xy[0] - 3, xy[1] - 3)
        page.mouse.move(xy[0], xy[1])
        page.wait_for_selector(".meam-hover", state="visible", timeout=5_000)
        assert codes[20] in page.inner_text(".meam-hover")
    finally:
        page.close()


@pytest.mark.parametrize("canvas", [True, False], ids=["canvas-overlays", "svg-overlays"])
def test_chromium_overlays_keep_their_tooltip_and_the_layer_switches_off(
    odd_areas, odd_table, districts, monkeypatch, tmp_path, chromium, canvas
):
    from meam_mapping.maps.spec import MapSpec

    monkeypatch.setattr(interactive, "PACK_THRESHOLD", 0)
    hot = odd_areas.iloc[[20]].assign(category="hot spot")
    fmap = interactive.choropleth(
        odd_areas, odd_table, MapSpec(show_overlays=True, prefer_canvas=canvas), outlines=districts,
        extra_layers={"Hot spots": hot},
    )  # fmt: skip
    path = tmp_path / "map.html"
    interactive.save_standalone_html(fmap, path)
    shown = interactive._to_display(odd_areas, "areas")
    points = [[p.y, p.x] for p in shapely.point_on_surface(shown.geometry.to_numpy())]
    page = chromium.new_page(viewport={"width": 900, "height": 700})
    try:
        page.goto(path.as_uri())
        page.wait_for_function("window.meamMapDrawn !== undefined", timeout=20_000)
        to_screen = (
            "(ll) => {const g = Object.values(window).find(v => v && v.meamAreas);"
            " const m = g.meamAreas._map, p = m.latLngToContainerPoint(ll);"
            " const r = m.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top];}"
        )
        for index, expected in ((20, "Hot spots"), (8, odd_areas["area_code"].iloc[8])):
            x, y = page.evaluate(to_screen, points[index])
            page.mouse.move(x - 2, y - 2)
            page.mouse.move(x, y)
            page.wait_for_timeout(150)
            assert expected in page.inner_text(".meam-hover"), index
        removed = page.evaluate(
            "() => {const g = Object.values(window).find(v => v && v.meamAreas);"
            " const m = g.meamAreas._map; m.removeLayer(g);"
            " return [document.querySelectorAll('.meam-areas-pane canvas, .leaflet-meam-areas-pane canvas').length,"
            " g.meamAreas._map === null || g.meamAreas._map === undefined];}"
        )
        assert removed == [0, True]
    finally:
        page.close()


def test_chromium_click_names_the_area_as_a_polygon_click_would(
    odd_areas, odd_table, monkeypatch, tmp_path, chromium
):
    monkeypatch.setattr(interactive, "PACK_THRESHOLD", 0)
    fmap = interactive.choropleth(odd_areas, odd_table)
    path = tmp_path / "map.html"
    interactive.save_standalone_html(fmap, path)
    shown = interactive._to_display(odd_areas, "areas")
    points = [[p.y, p.x] for p in shapely.point_on_surface(shown.geometry.to_numpy())]
    page = chromium.new_page(viewport={"width": 900, "height": 700})
    try:
        page.goto(path.as_uri())
        page.wait_for_function("window.meamMapDrawn !== undefined", timeout=20_000)
        x, y = page.evaluate(
            "(ll) => {const g = Object.values(window).find(v => v && v.meamAreas);"
            " g.on('click', e => {window.clicked = e.layer.toGeoJSON();});"
            " const m = g.meamAreas._map, p = m.latLngToContainerPoint(ll);"
            " const r = m.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top];}",
            points[28],  # the two-part area
        )
        page.mouse.click(x, y)
        page.wait_for_function("window.clicked !== undefined", timeout=5_000)
        clicked = page.evaluate("window.clicked")
    finally:
        page.close()
    assert clicked["properties"]["area_code"] == odd_areas["area_code"].iloc[28]
    back = shapely.from_geojson(json.dumps(clicked["geometry"]))
    assert shapely.equals_exact(back, shown.geometry.iloc[28], tolerance=1e-7)

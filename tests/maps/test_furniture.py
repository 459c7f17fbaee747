"""Map furniture: one folding panel, collapsed layer control, hover box, fitting, hatching.

The sizes themselves are measured in Chromium by ``bench/map_layout.py``;
these tests check what the page is told to do.
"""

import json
import re

import folium
import pytest

from meam_mapping.maps import furniture
from meam_mapping.maps.interactive import choropleth
from meam_mapping.maps.spec import MapLayer, MapSpec


@pytest.fixture
def page(areas, table, districts):
    hot = areas.iloc[10:14].assign(category="hot spot")
    layer = MapLayer(
        table, title="Homelessness duty owed", period="2024", unit="per 1,000 adults",
        source="Synthetic", label="Synthetic demonstration data", attribution="Contains OS data",
    )  # fmt: skip
    fmap = choropleth(areas, layer, outlines=districts, extra_layers={"Hot spots": hot})
    return fmap, fmap.get_root().render()


def _strings(page: str) -> list[str]:
    out = []
    for literal in re.findall(r'"(?:[^"\\\n]|\\.)*"', page):
        try:
            out.append(json.loads(literal))
        except ValueError:
            pass
    return out


def test_title_label_and_legend_share_one_folding_panel(page):
    _, html = page
    panels = [s for s in _strings(html) if s.startswith("<details")]
    assert len(panels) == 1
    panel = panels[0]
    assert panel.index("Synthetic demonstration data") < panel.index(
        "Homelessness duty owed (2024)"
    )
    assert "</summary>" in panel and "per 1,000 adults" in panel and "class='bar'" in panel
    assert "Not shown: fewer than 5 people" in panel
    assert html.count("L.control({position:") == 1  # no separate title, label or legend boxes
    assert "clientWidth < 480" in html  # folded at first on small maps


def test_source_and_attribution_go_on_the_one_line_credits(page):
    _, html = page
    assert "addAttribution(" + furniture.js_string("Source: Synthetic") in html
    assert "addAttribution(" + furniture.js_string("Contains OS data") in html
    assert "font-size: 11px" in furniture.CSS and "white-space: nowrap" in furniture.CSS


def test_layer_control_is_collapsed_under_the_zoom_buttons(page):
    fmap, _ = page
    control = next(c for c in fmap._children.values() if isinstance(c, folium.LayerControl))
    assert control.options["collapsed"] is True and control.options["position"] == "topleft"


def test_one_hover_handler_per_layer_above_the_controls(page):
    _, html = page
    assert "bindTooltip(f.properties.tip" not in html
    assert "bindTooltip(feature.properties.tip" not in html
    assert html.count(".on('mouseover'") == 2  # the areas and the one extra layer
    assert "z-index: 1100" in furniture.CSS  # Leaflet's controls sit at 1000
    assert "L.DomUtil.create('div', 'meam-hover', c)" in html


def test_the_map_fits_its_data_now_and_when_shown(page, areas):
    fmap, html = page
    assert "new ResizeObserver(check)" in html and "IntersectionObserver" in html
    south_west = fmap.meam_map_data.frame.to_crs(4326).total_bounds
    match = re.search(r"L\.latLngBounds\((\[\[.*?\]\])\)", html)
    bounds = json.loads(match.group(1))
    assert bounds[0][0] == pytest.approx(south_west[1], abs=1e-5)
    assert bounds[1][1] == pytest.approx(south_west[2], abs=1e-5)


def test_suppressed_areas_are_hatched_not_a_class(page, areas, table):
    fmap, html = page
    style = fmap.meam_map_data.style
    assert f"url(#{furniture.HATCH_ID})" in furniture.style_js(style, canvas=False)
    assert f"url(#{furniture.HATCH_ID})" not in furniture.style_js(style, canvas=True)
    assert f"<pattern id='{furniture.HATCH_ID}'" in "".join(_strings(html))
    assert style.suppressed_colour == "#f7f7f7"  # light: reads "not shown"
    legend = fmap.meam_map_data.legend
    assert legend.loc[legend["kind"] == "suppressed", "hatch"].item()


def test_five_areas_make_three_classes_not_five(areas, table):
    five = table[~table["suppressed"]].iloc[:5]
    five.attrs.update(table.attrs)
    fmap = choropleth(areas, five, MapSpec(k=5))
    assert fmap.meam_map_data.classification.k == 3


def test_many_areas_draw_on_a_canvas_with_one_handler(areas, table, monkeypatch):
    from meam_mapping.maps import interactive

    monkeypatch.setattr(interactive, "CANVAS_THRESHOLD", 20)
    monkeypatch.setattr(interactive, "PACK_THRESHOLD", 20)
    fmap = choropleth(areas, table)
    html = fmap.get_root().render()
    assert fmap.options["prefer_canvas"] is True
    assert "url(#meam-hatch)" not in html  # canvas cannot fill with an SVG pattern
    # one hover handler on the map for every area (maps.area_canvas), no per-feature bindings
    assert html.count("map.on('mousemove', this._meamMove)") == 1 and "bindTooltip" not in html
    assert html.count(".on('mouseover'") == 0
    assert html.count('var b64 = "') == 1  # the features are sent once, packed
    assert choropleth(areas.iloc[:20], table).options["prefer_canvas"] is False

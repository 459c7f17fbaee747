import io
import json
import re

import branca
import folium
import folium.elements
import numpy as np
import pytest

from meam_mapping.errors import InputError
from meam_mapping.maps.assets import LOCAL_URL_BASE, leaflet_files
from meam_mapping.maps.interactive import choropleth, save_standalone_html
from meam_mapping.maps.spec import MapLayer, MapSpec

LOADS = re.compile(r"<(script|link|img|iframe)\b[^>]*(src|href)\s*=\s*[\"']?https?://", re.I)
URL = re.compile(r"https?://[^\s\"'<>)]+")


def _features(fmap):
    """GeoJSON features of the choropleth layer (the first GeoJson child)."""
    layer = next(c for c in fmap._children.values() if isinstance(c, folium.GeoJson))
    return layer.data["features"]


def _links_as_st_folium(fmap):
    """js/css links computed as streamlit_folium.st_folium does (0.27.4)."""

    def walk(elem):
        if isinstance(elem, branca.colormap.ColorMap):
            yield "colormap"
        if isinstance(elem, folium.elements.JSCSSMixin):
            yield elem
        for child in getattr(elem, "_children", {}).values():
            yield from walk(child)

    js, css = [], []
    for elem in walk(fmap):
        if elem == "colormap":
            js.append("https://d3js.org/d3.v4.min.js")
            continue
        js.extend(src for _, src in getattr(elem, "default_js", []))
        css.extend(href for _, href in getattr(elem, "default_css", []))
    return js, css


@pytest.fixture
def fmap(areas, table, districts):
    hotspots = areas.iloc[10:14].copy()
    hotspots["category"] = ["hot spot (99%)", "hot spot (99%)", "cold spot", "cold spot"]
    layer = MapLayer(
        table,
        title="Homelessness duty owed",
        unit="per 1,000 adults",
        source="Synthetic",
        label="Synthetic demonstration data",
        attribution="Contains OS data © Crown copyright and database right 2024",
    )
    return choropleth(
        areas,
        layer,
        outlines=districts,
        extra_layers={"Hotspots": hotspots},
    )


def test_no_external_urls_in_rendered_map(fmap):
    page = fmap.get_root().render()
    assert URL.findall(page) == []
    assert f'src="{LOCAL_URL_BASE}/leaflet.js"' in page
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()


def test_streamlit_folium_links_are_local_leaflet_only(fmap):
    fmap.get_root().render()
    js, css = _links_as_st_folium(fmap)
    assert set(js) == {f"{LOCAL_URL_BASE}/leaflet.js"}
    assert set(css) == {f"{LOCAL_URL_BASE}/leaflet.css"}


def test_tiles_are_off_by_default_and_optional(areas, table):
    off = choropleth(areas, table)
    assert not any(isinstance(c, folium.TileLayer) for c in off._children.values())
    on = choropleth(areas, table, MapSpec(tiles=True))
    assert any(isinstance(c, folium.TileLayer) for c in on._children.values())


def test_refuses_unsuppressed_data(areas, raw_table):
    with pytest.raises(ValueError, match="disclosure policy"):
        choropleth(areas, raw_table)


def test_html_in_names_is_escaped(areas, table):
    areas = areas.copy()
    areas.loc[0, "area_name"] = "<script>alert(1)</script>"
    areas.loc[4, "area_name"] = "<img src=x onerror=alert(1)>"
    fmap = choropleth(areas, MapLayer(table, title="<b>t</b>", label="<i>x</i>"))
    page = fmap.get_root().render()
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x onerror" not in page
    assert "<b>t</b>" not in page and "<i>x</i>" not in page
    tips = [f["properties"]["tip"] for f in _features(fmap)]
    assert "&lt;img src=x onerror=alert(1)&gt;" in tips[4]


def test_tooltips_hide_suppressed_counts(areas, table):
    fmap = choropleth(areas, MapLayer(table, unit="per 1,000 adults"))
    feats = _features(fmap)
    by_code = dict(zip(areas["area_code"], feats, strict=True))
    sup = table.loc[table["suppressed"], "area_code"]
    assert len(sup) >= 3
    for code in sup:
        props = by_code[code]["properties"]
        assert "suppressed (fewer than 5)" in props["tip"]
        assert "Count" not in props["tip"] and "Rate" not in props["tip"]
        assert props["k"] == -2
    missing = by_code[areas["area_code"].iloc[-1]]["properties"]
    assert "no data" in missing["tip"] and missing["k"] == -1
    shown = table[~table["suppressed"]].iloc[0]
    tip = by_code[shown["area_code"]]["properties"]["tip"]
    assert f"Count: {int(shown['count'])}" in tip
    assert f"Rate: {shown['value']:.1f} per 1,000 adults" in tip


def test_payload_is_small_and_in_wgs84(areas, table):
    feats = _features(choropleth(areas, table))
    assert all(set(f["properties"]) == {"area_code", "tip", "k"} for f in feats)
    assert [f["properties"]["area_code"] for f in feats] == list(areas["area_code"])
    coords = np.concatenate([np.asarray(f["geometry"]["coordinates"][0]) for f in feats])
    assert np.all(np.abs(coords[:, 0]) < 2) and np.all((coords[:, 1] > 49) & (coords[:, 1] < 56))
    assert np.allclose(coords, np.round(coords, 5), rtol=0, atol=1e-12)


def test_canvas_choice(areas, table):
    assert choropleth(areas, table).options["prefer_canvas"] is False
    assert choropleth(areas, table, MapSpec(prefer_canvas=True)).options["prefer_canvas"] is True


def test_legend_data_and_html(fmap):
    data = fmap.meam_map_data
    legend = data.legend
    assert list(legend["kind"]) == ["class"] * data.classification.k + ["suppressed", "missing"]
    assert legend.loc[legend["kind"] == "suppressed", "label"].item() == (
        "Not shown: fewer than 5 people, or hidden to protect a small number nearby"
    )
    page = fmap.get_root().render()
    for label in data.classification.labels:
        assert json.dumps(label)[1:-1] in page or label in page
    assert "per 1,000 adults" in page
    assert "Synthetic demonstration data" in page
    assert "L.control.layers" in page


def test_extra_layer_needs_category(areas, table):
    with pytest.raises(InputError, match="category"):
        choropleth(areas, table, extra_layers={"Zones": areas.iloc[:3]})


def test_areas_without_crs_are_refused(areas, table):
    with pytest.raises(InputError, match="coordinate reference system"):
        choropleth(areas.set_crs(None, allow_override=True), table)


def test_save_standalone_html_is_offline(fmap, tmp_path):
    path = tmp_path / "map.html"
    save_standalone_html(fmap, path)
    page = path.read_text(encoding="utf-8")
    assert LOCAL_URL_BASE not in page
    # nothing is loaded from the network (Leaflet's own "Leaflet" credit link is an <a>)
    assert not LOADS.search(page)
    assert "url(http" not in page
    # every remaining URL is text inside the Leaflet library (comments, SVG namespace)
    library = "".join(
        p.read_text(encoding="utf-8")
        for p in leaflet_files().values()
        if p.suffix in (".js", ".css")
    )
    assert set(URL.findall(page)) <= set(URL.findall(library))
    binary, text = io.BytesIO(), io.StringIO()
    save_standalone_html(fmap, binary)
    save_standalone_html(fmap, text)
    for written in (binary.getvalue().decode("utf-8"), text.getvalue()):
        assert "Leaflet 1.9.4" in written and LOCAL_URL_BASE not in written


def test_tooltips_name_each_reason_for_hiding(areas, table):
    """Only a small count says "fewer than 5"; secondary and grouped cells say why they are hidden."""
    table = table.copy()
    hidden = table.index[table["suppressed"]][:3]
    table["suppression"] = ""
    table.loc[hidden, "suppression"] = ["small count", "secondary", "hidden in a group"]
    table = table.loc[~table["suppressed"] | table.index.isin(hidden)]
    feats = _features(choropleth(areas, MapLayer(table, unit="per 1,000 adults")))
    by_code = dict(zip(areas["area_code"], feats, strict=True))
    small, secondary, grouped = (
        by_code[c]["properties"]["tip"] for c in table.loc[hidden, "area_code"]
    )
    assert "fewer than 5" in small
    assert "hidden to protect a small number nearby" in secondary and "fewer than" not in secondary
    assert (
        "hidden with other small numbers in this group" in grouped and "fewer than" not in grouped
    )


@pytest.mark.parametrize(
    ("reasons", "label"),
    [
        ([], "Not shown: fewer than 5 people, or hidden to protect a small number nearby"),
        (["small count", "secondary"],
         "Not shown: fewer than 5 people, or hidden to protect a small number nearby"),
        (["withheld by source"], "Not shown: withheld by the source"),
        (["includes withheld counts"], "Not known: includes counts withheld by the source"),
        (["withheld by source", "includes withheld counts"],
         "Not shown: withheld by the source, or includes counts it withheld"),
        (["small count", "includes withheld counts"],
         "Not shown: fewer than 5 people, or hidden to protect a small number nearby; "
         "or not known: includes counts withheld by the source"),
    ],
)  # fmt: skip
def test_legend_names_areas_withheld_by_the_source(reasons, label):
    from meam_mapping.maps.style import suppressed_label

    assert suppressed_label(5, reasons) == label
    assert suppressed_label(None, ["small count"]).startswith("Not shown: small numbers")

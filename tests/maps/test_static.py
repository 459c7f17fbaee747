import datetime as dt
import io

import folium
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from meam_mapping.errors import InputError
from meam_mapping.maps.interactive import choropleth
from meam_mapping.maps.spec import MapLayer, MapSpec
from meam_mapping.maps.static import PRESETS, _nice_length, save_figure, static_map


@pytest.fixture
def fig(areas, table, districts):
    layer = MapLayer(
        table,
        title="Homelessness duty owed",
        subtitle="Households owed a duty, 2024",
        unit="per 1,000 adults",
        source="Synthetic test data",
        attribution="Contains OS data © Crown copyright 2024",
        label="Synthetic demonstration data",
    )
    spec = MapSpec(top_labels=3, preset="screen")
    return static_map(areas, layer, spec, outlines=districts, date=dt.date(2025, 1, 31))


def _svg(fig):
    buf = io.BytesIO()
    save_figure(fig, buf, format="svg")
    return buf.getvalue().decode("utf-8")


def test_svg_has_all_map_furniture(fig):
    svg = _svg(fig)
    for text in (
        "Homelessness duty owed",
        "Households owed a duty, 2024",
        "per 1,000 adults",
        "Synthetic demonstration data",
        "Not shown: fewer than 5",  # the legend wraps the rest
        "No data",
        "Source: Synthetic test data",
        "Contains OS data © Crown copyright 2024",
        "Produced 31 January 2025",
        "1 km",  # scale bar: 6 km wide grid, a fifth rounded down to 1 km
        ">N<",
        "Cambridge",
        "Cambridgeshire",  # "East Cambridgeshire" wraps onto two lines
        "Highest values",
    ):
        assert text in svg, text
    for label in fig.meam_map_data.classification.labels:
        assert label in svg


def test_pdf_is_written_with_title_metadata(fig):
    buf = io.BytesIO()
    save_figure(fig, buf, format="pdf")
    data = buf.getvalue()
    assert data.startswith(b"%PDF-") and len(data) > 5000
    assert b"Homelessness duty owed" in data  # document Title in the info dictionary


def test_print_quality_png_is_300_dpi(areas, table):
    small = static_map(areas, table, MapSpec(preset="screen"))
    buf = io.BytesIO()
    save_figure(small, buf, format="png", print_quality=True)
    png = buf.getvalue()
    width = int.from_bytes(png[16:20], "big")
    assert png.startswith(b"\x89PNG") and width == int(PRESETS["screen"][0] * 300)


def test_classes_identical_to_interactive_map(areas, table):
    spec = MapSpec(scheme="fisher_jenks", k=4)
    fig = static_map(areas, table, spec)
    fmap = choropleth(areas, table, spec)
    static_data, web_data = fig.meam_map_data, fmap.meam_map_data
    assert static_data.classification.bins == web_data.classification.bins
    layer = next(c for c in fmap._children.values() if isinstance(c, folium.GeoJson))
    web_k = np.array([f["properties"]["k"] for f in layer.data["features"]])
    status = static_data.frame["status"].to_numpy()
    static_k = np.where(status == "suppressed", -2, static_data.frame["class_index"])
    np.testing.assert_array_equal(static_k, web_k)
    # the colours actually drawn follow those classes: one collection per class
    ax = fig.axes[0]
    codes = static_data.frame["area_code"].to_numpy()
    palette = web_data.style.colours
    drawn = {}
    for collection in ax.collections:
        gid = collection.get_gid() or ""
        if gid.startswith("meam-class-"):
            k = int(gid.rsplit("-", 1)[1])
            assert [to_hex(c) for c in collection.get_facecolors()] == [palette[k]]
            assert len(collection.get_paths()) == 1 and collection.get_rasterized()
            drawn.update(dict.fromkeys(collection.meam_area_codes, k))
    missing = next(c for c in ax.collections if c.get_gid() == "meam-missing")
    assert to_hex(missing.get_facecolors()[0]) == web_data.style.missing_colour
    drawn.update(dict.fromkeys(missing.meam_area_codes, -1))
    expected = {code: k for code, k in zip(codes, web_k, strict=True) if k != -2}
    assert drawn == expected


def test_suppressed_areas_are_hatched(fig, table):
    ax = fig.axes[0]
    hatched = next(c for c in ax.collections if c.get_gid() == "meam-suppressed")
    assert hatched.get_hatch() == "////"
    assert len(hatched.meam_area_codes) == int(table["suppressed"].sum())
    assert set(hatched.meam_area_codes) == set(table.loc[table["suppressed"], "area_code"])


def test_refuses_unsuppressed_data(areas, raw_table):
    with pytest.raises(ValueError, match="disclosure policy"):
        static_map(areas, raw_table)


def test_presets_and_unknown_preset(areas, table):
    fig = static_map(areas, table, MapSpec(preset="a4_portrait", dpi=72))
    assert isinstance(fig, Figure)
    np.testing.assert_allclose(fig.get_size_inches(), PRESETS["a4_portrait"][:2])
    assert fig.dpi == 72
    with pytest.raises(InputError, match="a4_landscape"):
        MapSpec(preset="poster")


def test_unknown_format_is_refused(fig):
    with pytest.raises(InputError, match="png, svg or pdf"):
        save_figure(fig, io.BytesIO(), format="tiff")


@pytest.mark.parametrize(("width_m", "expected"), [(6000, 1000), (23000, 2000), (80000, 10000)])
def test_scale_bar_length_is_round(width_m, expected):
    assert _nice_length(width_m) == expected

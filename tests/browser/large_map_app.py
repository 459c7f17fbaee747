"""A Streamlit page drawing a large synthetic map (above the canvas threshold) swapped in place.

Started by ``test_large_map_in_browser.py`` with ``streamlit run``: a 50 x 50
grid of 1 km squares (2,500 areas, so the areas are packed and drawn by the
one canvas layer of :mod:`meam_mapping.maps.area_canvas`), two indicators
(area ``i`` has count ``1000 + i`` for the first and ``5000 + i`` for the
second, so each tooltip names its indicator's value), a radio to switch
indicator and a select of the number of classes; two district outlines
(so the group also holds the outlines' pane and a layer control). The map is drawn with
:func:`ui.maps.draw_parts`, as the app draws it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402
from shapely.geometry import box  # noqa: E402

from meam_mapping.disclosure import DisclosurePolicy, suppress_indicators  # noqa: E402
from meam_mapping.maps.assets import install_static_assets  # noqa: E402
from meam_mapping.maps.interactive import choropleth_parts, study_area_extent  # noqa: E402
from meam_mapping.maps.spec import MapLayer, MapSpec  # noqa: E402
from ui.maps import draw_parts  # noqa: E402

SIDE = 50
SIZE = 1000.0
#: first count of each indicator: area ``i`` has ``START + i``
INDICATORS = {"Homelessness": (1000, "per 1,000 adults"), "Probation": (5000, "%")}


@st.cache_resource
def grid() -> gpd.GeoDataFrame:
    rows = []
    for i in range(SIDE):
        for j in range(SIDE):
            x0, y0 = 550000 + j * SIZE, 260000 + i * SIZE
            rows.append({"area_code": f"E0100{i * SIDE + j:04d}", "area_name": f"Area {i}-{j}",
                         "geometry": box(x0, y0, x0 + SIZE, y0 + SIZE)})  # fmt: skip
    return gpd.GeoDataFrame(rows, crs="EPSG:27700")


@st.cache_resource
def districts() -> gpd.GeoDataFrame:
    """Two districts (west and east halves), drawn as outlines with their names, as in the app."""
    half = SIDE * SIZE / 2
    rows = [{"area_code": f"E0700000{d}", "area_name": f"District {d}",
             "geometry": box(550000 + d * half, 260000, 550000 + (d + 1) * half, 260000 + SIDE * SIZE)}
            for d in range(2)]  # fmt: skip
    return gpd.GeoDataFrame(rows, crs="EPSG:27700")


def table(areas: gpd.GeoDataFrame, name: str, start: int, unit: str) -> pd.DataFrame:
    count = start + pd.RangeIndex(len(areas)).to_numpy()
    raw = pd.DataFrame({"area_code": areas["area_code"].to_numpy(), "indicator": name.lower(),
                        "domain": "test", "period": "2024", "count": count,
                        "denominator": 10_000, "value": count / 10_000 * 1000, "unit": unit,
                        "source": "Synthetic", "suppressed": False})  # fmt: skip
    return suppress_indicators(raw, DisclosurePolicy(threshold=5))


# Streamlit serves <this folder>/static: Leaflet is copied there, as the app does for itself.
install_static_assets(Path(__file__).resolve().parent / "static")
areas = grid()
name = st.radio("Indicator", list(INDICATORS), horizontal=True)
k = st.selectbox("Classes", [5, 3, 7])
start, unit = INDICATORS[name]
layer = MapLayer(table(areas, name, start, unit), title=name, unit=unit, source="Synthetic")
parts = choropleth_parts(areas, layer, MapSpec(k=k), outlines=districts(),
                         extent=study_area_extent(areas))  # fmt: skip
draw_parts(parts, key="large_map", height=600)

"""Interactive choropleth maps (folium / Leaflet) that work fully offline.

The map loads only Leaflet, from the app's own static folder
(:mod:`meam_mapping.maps.assets`): no jQuery, Bootstrap, icon fonts, branca
colour maps (which pull d3 from a CDN) or background tiles unless asked for.
All areas go into one GeoJSON layer whose style is computed in the browser
from a class index property, so 35,000 LSOAs stay one layer with three small
properties per feature (``area_code``; ``tip``, the escaped tooltip HTML; and
``k``, the class). Every text from a user or a file is HTML-escaped before it
reaches the page (layer names included: Leaflet's layer control writes them
as HTML). The panel, hover box, fitting and hatching are in
:mod:`meam_mapping.maps.furniture`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.maps import assets, furniture
from meam_mapping.maps.style import MapData, MapStyle, prepare_map_data
from meam_mapping.schema import DISPLAY_CRS

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from meam_mapping.maps.spec import MapLayer, MapSpec

__all__ = [
    "CANVAS_THRESHOLD",
    "CATEGORY_COLOURS",
    "PACK_THRESHOLD",
    "choropleth",
    "save_standalone_html",
]

#: Above this many features the map draws on a canvas instead of SVG (one
#: element instead of thousands of paths; hover still finds each area).
CANVAS_THRESHOLD = 2000
#: Above this many features the areas are sent gzip-compressed (inflated by the browser).
PACK_THRESHOLD = 2000
#: Okabe-Ito colours (colour-blind safe) for categorical extra layers.
CATEGORY_COLOURS = ("#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")

_esc = furniture.esc


def _to_display(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326 and round coordinates to 5 decimals (about 1 m)."""
    import shapely

    if gdf.crs is None:
        raise InputError(
            f"The {what} have no coordinate reference system",
            file=what,
            expected="boundaries with a CRS (EPSG:27700 for British National Grid)",
            fix="Set the CRS when reading, e.g. gdf.set_crs('EPSG:27700')",
        )
    out = gdf.to_crs(DISPLAY_CRS)
    geoms = out.geometry.to_numpy()
    if not shapely.has_z(geoms).any():
        coords = shapely.get_coordinates(geoms)
        if np.array_equal(np.round(coords, 5), coords):  # already rounded (display geometry)
            return out.set_geometry(geoms, crs=DISPLAY_CRS)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, 5))
    return out.set_geometry(geoms, crs=DISPLAY_CRS)


def _texts(s: pd.Series, fmt: str) -> pd.Series:
    """Each value formatted with ``fmt`` (blank when missing), as a Series like ``s``."""
    return pd.Series([format(v, fmt) if not pd.isna(v) else "" for v in s.tolist()],
                     index=s.index, dtype="str")  # fmt: skip


def _escaped(s: pd.Series) -> pd.Series:
    """Each value's HTML-escaped text, as a Series like ``s``."""
    return pd.Series([_esc(v) for v in s.tolist()], index=s.index, dtype="str")


def _fmt_int(s: pd.Series) -> pd.Series:
    return _texts(s, ",.0f")


def _tooltips(
    frame: pd.DataFrame, unit: str, threshold: int | None, extra: Sequence[str]
) -> pd.Series:
    """Escaped tooltip HTML per area (vectorised string building)."""
    values = frame["value"].to_numpy(dtype=float)
    finite = np.abs(values[np.isfinite(values)])
    decimals = 2 if finite.size and np.nanmax(finite) < 10 else 1
    value = _texts(frame["value"], f",.{decimals}f")
    unit_txt = (" " + _esc(unit)) if unit else ""
    head = "<b>" + _escaped(frame["area_name"]) + "</b><br>" + _escaped(frame["area_code"])
    denom = frame["denominator"]
    denom_line = np.where(denom.notna(), "<br>Denominator: " + _fmt_int(denom), "")
    shown = "<br>Count: " + _fmt_int(frame["count"]) + denom_line + "<br>Rate: " + value + unit_txt
    n_text = f"fewer than {int(threshold)}" if threshold is not None else "small numbers"
    reason = (
        frame["suppression"].fillna("").astype(str).to_numpy()
        if "suppression" in frame
        else np.full(len(frame), "")
    )
    hidden_text = np.where(
        reason == "hidden in a group",
        "<br><i>not shown: hidden with other small numbers in this group</i>",
        np.where(
            frame["secondary"] if "secondary" in frame else False,
            "<br><i>not shown: hidden to protect a small number nearby</i>",
            f"<br><i>suppressed ({n_text})</i>",
        ),
    )
    body = np.where(
        frame["status"] == "suppressed",
        hidden_text,
        np.where(frame["status"] == "missing", "<br><i>no data</i>", shown),
    )
    tip = head + body
    for col in extra:
        tip = tip + "<br>" + _esc(col) + ": " + _escaped(frame[col])
    return tip


def _geojson(frame: gpd.GeoDataFrame, props: dict[str, Any]) -> dict[str, Any]:
    import geopandas as gpd

    slim = gpd.GeoDataFrame(props, geometry=frame.geometry.to_numpy(), crs=frame.crs)
    return slim.to_geo_dict(drop_id=True)


def choropleth(
    areas: gpd.GeoDataFrame,
    layer: MapLayer | pd.DataFrame,
    spec: MapSpec | None = None,
    *,
    outlines: gpd.GeoDataFrame | None = None,
    extra_layers: dict[str, gpd.GeoDataFrame] | None = None,
) -> folium.Map:
    """Interactive choropleth of one published layer over areas, offline and suppression-safe.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas with ``area_code``, ``geometry`` (any CRS) and optionally ``area_name``.
    layer : MapLayer or pandas.DataFrame
        The published data and its words (title, unit, source, attribution,
        label, threshold, tooltip fields); a bare suppressed frame takes its
        words from its columns (:meth:`~meam_mapping.maps.spec.MapLayer.from_frame`).
    spec : MapSpec, optional
        Classes, colours, background tiles, renderer and whether extra layers
        start switched on; the defaults when None.
    outlines : geopandas.GeoDataFrame, optional
        Larger areas (districts) drawn as unfilled outlines with their names
        (``area_name`` column), when ``spec.outlines`` is true.
    extra_layers : dict of str to geopandas.GeoDataFrame, optional
        Categorical layers (hot spots, focus zones) each with a ``category``
        column, switchable in a layer control.

    Returns
    -------
    folium.Map
        The map. ``map.meam_map_data`` holds the :class:`~meam_mapping.maps.style.MapData`
        (classification, colours, legend table) for showing the legend as text.
        Every area feature carries ``area_code``, ``k`` (class; -2 suppressed,
        -1 no data) and ``tip`` (escaped tooltip HTML) as properties.

    Raises
    ------
    ValueError
        If the data have not been through the disclosure policy.
    InputError
        For missing columns, duplicate areas or areas without a CRS.
    """
    import folium

    from meam_mapping.maps.spec import MapSpec, as_layer

    layer, spec = as_layer(layer), spec or MapSpec()
    if not spec.outlines:
        outlines = None
    prepared = prepare_map_data(areas, layer, spec)
    frame = _to_display(prepared.frame, "areas")
    n = len(frame)
    prefer_canvas = spec.prefer_canvas
    canvas = n > CANVAS_THRESHOLD if prefer_canvas == "auto" else bool(prefer_canvas)
    west, south, east, north = frame.total_bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=10,
        tiles=None,
        prefer_canvas=canvas,
        control_scale=False,  # a metric-only scale is added with the panel
        zoom_snap=0.25,
    )
    fmap.default_js = assets.local_js()
    fmap.default_css = assets.local_css()
    css = folium.Element(f"<style>{furniture.CSS}</style>")
    fmap.get_root().header.add_child(css, name="meam_css")
    if spec.tiles:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap background", control=True).add_to(
            fmap
        )

    kcode = np.where(frame["status"] == "suppressed", -2, frame["class_index"]).astype(int)
    tips = _tooltips(frame, layer.unit, prepared.threshold, layer.tooltip_fields)
    props = {"area_code": frame["area_code"].to_numpy(), "tip": tips.to_numpy(), "k": kcode}
    packed = n > PACK_THRESHOLD  # large maps: compressed features, inflated in the browser
    switchable = bool(outlines is not None or extra_layers or spec.tiles)
    areas_layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": []} if packed else _geojson(frame, props),
        name=_esc(layer.heading or "Indicator"),  # the layer control sets names as innerHTML
        control=switchable,
        style=folium.JsCode(furniture.style_js(prepared.style, canvas)),
    ).add_to(fmap)
    if packed:  # one canvas layer drawing every area, with its own hover (maps.area_canvas)
        _packed_data(areas_layer, frame, props, prepared.style).add_to(fmap)
    else:
        furniture.macro(furniture.hover_script(areas_layer.get_name(), highlight=True)).add_to(fmap)

    legend_extra: dict[str, list[tuple[str, str]]] = {}
    for i, (layer_name, extra) in enumerate((extra_layers or {}).items()):
        legend_extra[layer_name] = _add_category_layer(
            fmap, layer_name, extra, i, spec.show_overlays
        )
    if outlines is not None:
        _add_outlines(fmap, outlines, prepared.style)
    if switchable:
        folium.LayerControl(position="topleft", collapsed=True).add_to(fmap)
    _add_furniture(fmap, layer, prepared, legend_extra)
    fmap.fit_bounds([[south, west], [north, east]])
    furniture.macro(furniture.fit_script([[south, west], [north, east]])).add_to(fmap)
    fmap.meam_map_data = prepared
    return fmap


def _add_furniture(
    fmap: folium.Map, layer: MapLayer, prepared: MapData, extra: dict[str, list[tuple[str, str]]]
) -> None:
    """Panel (label, title, legend), metric scale, hatch pattern and one-line credits."""
    body = furniture.legend_html(prepared, layer.unit, extra)
    script = furniture.panel_script(layer.heading, layer.label, body) + furniture.hatch_script()
    script += "L.control.scale({imperial: false}).addTo({map});"
    script += "{map}.attributionControl.setPrefix('Leaflet');"
    credits = [f"Source: {layer.source}" if layer.source else "", layer.attribution]
    for credit in filter(None, credits):  # one line of 11 px text, unfolding on hover
        quoted = furniture.js_string(_esc(credit))
        script += "{map}.attributionControl.addAttribution(" + quoted + ");"
    furniture.macro(script).add_to(fmap)


def _packed_data(
    layer: Any, frame: gpd.GeoDataFrame, props: dict[str, Any], style: MapStyle
) -> Any:
    """Script drawing gzip-packed features inside ``layer`` as one canvas layer.

    See :mod:`meam_mapping.maps.area_canvas`; when drawn, ``window.meamMapDrawn``
    holds the time and number of features drawn.
    """
    from meam_mapping.maps.area_canvas import area_canvas_script
    from meam_mapping.maps.simplify import pack_features

    packed = pack_features(frame.geometry.to_numpy(), props)
    return furniture.macro(area_canvas_script(layer.get_name(), packed, style))


def _add_category_layer(
    fmap: folium.Map, name: str, layer: gpd.GeoDataFrame, index: int, show: bool
) -> list[tuple[str, str]]:
    import folium

    if "category" not in layer.columns:
        raise InputError(
            f"The map layer {name!r} has no 'category' column",
            file=name,
            column="category",
            expected="a column 'category' naming each feature's class (e.g. 'hot spot')",
        )
    shown = _to_display(layer, name)
    cats = pd.Series(shown["category"].astype(str))
    levels = list(dict.fromkeys(cats))
    palette = {
        c: CATEGORY_COLOURS[(i + index) % len(CATEGORY_COLOURS)] for i, c in enumerate(levels)
    }
    tip = "<b>" + _esc(name) + "</b><br>" + cats.map(_esc)
    if "area_name" in shown.columns:
        tip = tip + "<br>" + shown["area_name"].astype(str).map(_esc)
    props = {"tip": tip.to_numpy(), "c": cats.map(palette).to_numpy()}
    style = (
        "function(f){return {color: f.properties.c, weight: 2.5, opacity: 0.95,"
        " fillColor: f.properties.c, fillOpacity: 0.35};}"
    )
    overlay = folium.GeoJson(
        _geojson(shown, props),
        name=_esc(name),  # the layer control sets names as innerHTML
        show=show,
        style=folium.JsCode(style),
    ).add_to(fmap)
    furniture.macro(furniture.hover_script(overlay.get_name(), highlight=False)).add_to(fmap)
    return list(palette.items())


def _add_outlines(fmap: folium.Map, outlines: gpd.GeoDataFrame, style: MapStyle) -> None:
    import folium
    from folium.map import CustomPane

    shown = _to_display(outlines, "outlines")
    names = shown["area_name"] if "area_name" in shown.columns else shown.get("area_code")
    names = pd.Series([""] * len(shown)) if names is None else names.astype(str)
    CustomPane("meam-outlines", z_index=450, pointer_events=False).add_to(fmap)
    folium.GeoJson(
        _geojson(shown, {"name": names.map(_esc).to_numpy()}),
        name="District outlines",
        pane="meam-outlines",
        interactive=False,
        style=folium.JsCode(
            "function(f){return {color: "
            + json.dumps(style.outline_colour)
            + ", weight: "
            + json.dumps(style.outline_width * 1.5)
            + ", fill: false, opacity: 0.9};}"
        ),
        on_each_feature=folium.JsCode(
            "function(f, l){if (f.properties.name) {l.bindTooltip(f.properties.name,"
            " {permanent: true, direction: 'center', className: 'meam-outline-label'});}}"
        ),
    ).add_to(fmap)


def save_standalone_html(fmap: folium.Map, path_or_buffer: str | PathLike[str] | io.IOBase) -> None:
    """Write the map as one HTML file that opens offline (Leaflet inlined).

    Parameters
    ----------
    fmap : folium.Map
        A map from :func:`choropleth`.
    path_or_buffer : str, path-like or file object
        Where to write; text or binary file objects are accepted.
    """
    page = assets.inline_assets_html(fmap.get_root().render())
    if isinstance(path_or_buffer, (str, PathLike)):
        with open(path_or_buffer, "w", encoding="utf-8") as handle:
            handle.write(page)
    elif isinstance(path_or_buffer, io.TextIOBase):
        path_or_buffer.write(page)
    else:
        path_or_buffer.write(page.encode("utf-8"))  # type: ignore[attr-defined]

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

:func:`choropleth_parts` gives the same map in two parts for an app that
redraws it in place: a base map that depends only on the study area, and a
layer group with everything the request changes (areas, legend, outlines);
:func:`choropleth` puts the same elements on one map for the exported page.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from meam_mapping.disclosure.marks import GROUPED, LABELS, SECONDARY, WITHHELD, WITHHELD_WITHIN
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
    "ChoroplethParts",
    "choropleth",
    "choropleth_parts",
    "save_standalone_html",
    "study_area_extent",
]

#: Above this many features the map draws on a canvas instead of SVG (one
#: element instead of thousands of paths; hover still finds each area).
CANVAS_THRESHOLD = 2000
#: Above this many features the areas are sent gzip-compressed (inflated by the browser).
PACK_THRESHOLD = 2000
#: Name of the background tiles in the layer control.
TILES_NAME = "OpenStreetMap background"
#: Map pane of the district outlines (above the areas, below the hover box; no pointer events).
OUTLINE_PANE = "meam-outlines"
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


#: The characters :func:`html.escape` replaces (quotes included).
_TO_ESCAPE = "[&<>\"']"


def _texts(s: pd.Series, fmt: str) -> pd.Series:
    """Each value formatted with ``fmt`` (blank when missing), as a Series like ``s``.

    Each distinct value is formatted once. Floats are told apart by their bits,
    so ``-0.0`` keeps its own text ("-0") rather than sharing 0.0's.
    """
    kind = s.dtype.kind if isinstance(s.dtype, np.dtype) else "O"
    if kind not in ("f", "i", "u"):  # anything else: value by value, as before
        return pd.Series([format(v, fmt) if not pd.isna(v) else "" for v in s.tolist()],
                         index=s.index, dtype="str")  # fmt: skip
    values = s.to_numpy()
    if kind == "f":
        values = values.astype(np.float64)
        missing = np.isnan(values)
        codes, uniques = pd.factorize(values.view(np.int64))
        texts = [format(v, fmt) for v in uniques.view(np.float64).tolist()]
    else:
        missing = np.zeros(len(values), dtype=bool)
        codes, uniques = pd.factorize(values)
        texts = [format(v, fmt) for v in uniques.tolist()]
    out = np.array(texts, dtype=object)[codes]
    out[missing] = ""
    return pd.Series(out, index=s.index, dtype="str")


def _escaped(s: pd.Series) -> pd.Series:
    """Each value's HTML-escaped text (as :func:`furniture.esc` gives it), as a Series like ``s``.

    In a text column only the values holding a character to escape (found in
    one vectorised pass) go through :func:`furniture.esc`; the others are
    their own escaped text. A missing value is blank. Other columns are escaped value by
    value (their distinct values cannot be trusted to read alike: 1, 1.0 and
    True are equal).
    """
    if not isinstance(s.dtype, pd.StringDtype):
        return pd.Series([_esc(v) for v in s.tolist()], index=s.index, dtype="str")
    text = s.fillna("") if s.hasnans else s
    out = text.to_numpy(dtype=object)
    needs = text.str.contains(_TO_ESCAPE, regex=True).to_numpy(dtype=bool)
    out[needs] = [_esc(v) for v in out[needs]]
    return pd.Series(out, index=s.index, dtype="str")


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
    hidden_text = np.select(
        [
            reason == GROUPED,
            np.asarray(frame["secondary"] if "secondary" in frame else False, dtype=bool),
            reason == WITHHELD,
            reason == WITHHELD_WITHIN,
        ],
        [
            f"<br><i>not shown: {LABELS[GROUPED]}</i>",
            f"<br><i>not shown: {LABELS[SECONDARY]}</i>",
            f"<br><i>not shown: {LABELS[WITHHELD]}</i>",
            f"<br><i>{LABELS[WITHHELD_WITHIN]}</i>",
        ],
        f"<br><i>suppressed ({n_text})</i>",
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
    fmap, layers, after = _pieces(
        areas, layer, spec, (outlines, extra_layers), None, standalone=True
    )
    for element in (*layers, *after):
        element.add_to(fmap)
    fmap.meam_map_data = layers.data
    return fmap


@dataclass
class ChoroplethParts:
    """An interactive map in two parts: what stays while the request changes, and what changes.

    Attributes
    ----------
    base : folium.Map
        Leaflet, the styles, background tiles if asked for and the fitting to
        ``extent``: the same for every request over the same study area.
    layers : folium.FeatureGroup
        The areas, their hover box, hatching, outlines, overlays, layer
        control and the panel (title, label, legend, credits). Its controls
        are added with the group and removed with it, so the group can be
        swapped on a drawn map (streamlit-folium's ``feature_group_to_add``).
    data : MapData
        Classification, colours and legend table, as ``map.meam_map_data``.
    """

    base: folium.Map
    layers: folium.FeatureGroup
    data: MapData


def choropleth_parts(
    areas: gpd.GeoDataFrame,
    layer: MapLayer | pd.DataFrame,
    spec: MapSpec | None = None,
    *,
    outlines: gpd.GeoDataFrame | None = None,
    extra_layers: dict[str, gpd.GeoDataFrame] | None = None,
    extent: Sequence[float] | None = None,
) -> ChoroplethParts:
    """The map of :func:`choropleth` as a base map and a layer group to swap on it.

    Parameters are those of :func:`choropleth`, and:

    extent : sequence of 4 float, optional
        West, south, east, north (degrees, EPSG:4326) that the base map fits,
        e.g. :func:`study_area_extent`; the areas' own bounds when None. With
        the same extent, the base map of two requests is the same page.

    Returns
    -------
    ChoroplethParts
        The base map (no areas) and the group holding everything that
        depends on the request.
    """
    import folium

    fmap, layers, after = _pieces(
        areas, layer, spec, (outlines, extra_layers), extent, standalone=False
    )
    for element in after:
        element.add_to(fmap)
    group = folium.FeatureGroup(name="meam-layers", control=False)
    for element in layers:
        element.add_to(group)
    return ChoroplethParts(base=fmap, layers=group, data=layers.data)


def study_area_extent(
    areas: gpd.GeoDataFrame, decimals: int = 3
) -> tuple[float, float, float, float]:
    """West, south, east, north of ``areas`` in EPSG:4326, rounded outwards to ``decimals``.

    Rounding keeps the extent the same for every level of one study area
    (their display geometries differ in the last decimals).
    """
    import geopandas as gpd
    from shapely.geometry import box

    if areas.crs is None:
        _to_display(areas, "areas")  # raises the message for a missing CRS
    corners = gpd.GeoSeries([box(*areas.total_bounds)], crs=areas.crs).to_crs(DISPLAY_CRS)
    west, south, east, north = corners.total_bounds
    f = 10.0**decimals
    return (
        float(np.floor(west * f) / f), float(np.floor(south * f) / f),
        float(np.ceil(east * f) / f), float(np.ceil(north * f) / f),
    )  # fmt: skip


class _Layers(list):  # the request's elements in drawing order, with the legend data
    data: MapData


def _pieces(
    areas: gpd.GeoDataFrame,
    layer: MapLayer | pd.DataFrame,
    spec: MapSpec | None,
    overlays: tuple[gpd.GeoDataFrame | None, dict[str, gpd.GeoDataFrame] | None],
    extent: Sequence[float] | None,
    *,
    standalone: bool,
) -> tuple[folium.Map, _Layers, list[Any]]:
    """The base map, the request's elements (not yet added) and the fitting elements.

    ``overlays`` holds the outlines and extra layers of :func:`choropleth`.

    ``standalone`` elements go straight on the map (folium's layer control
    and pane); otherwise they suit a layer group (see :func:`choropleth_parts`).
    """
    import folium

    from meam_mapping.maps.spec import MapSpec, as_layer

    (outlines, extra_layers), layer, spec = overlays, as_layer(layer), spec or MapSpec()
    if not spec.outlines:
        outlines = None
    prepared = prepare_map_data(areas, layer, spec)
    frame = _to_display(prepared.frame, "areas")
    n = len(frame)
    prefer_canvas = spec.prefer_canvas
    canvas = n > CANVAS_THRESHOLD if prefer_canvas == "auto" else bool(prefer_canvas)
    west, south, east, north = frame.total_bounds if extent is None else extent
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
        folium.TileLayer("OpenStreetMap", name=TILES_NAME, control=True).add_to(fmap)

    out = _Layers()
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
    )
    out.append(areas_layer)
    if packed:  # one canvas layer drawing every area, with its own hover (maps.area_canvas)
        out.append(_packed_data(areas_layer, frame, props, prepared.style))
    else:
        out.append(furniture.macro(furniture.hover_script(areas_layer.get_name(), highlight=True)))

    legend_extra: dict[str, list[tuple[str, str]]] = {}
    overlays = [areas_layer]
    for i, (layer_name, extra) in enumerate((extra_layers or {}).items()):
        elements, legend_extra[layer_name] = _category_layer(
            layer_name, extra, i, spec.show_overlays
        )
        out += elements
        overlays.append(elements[0])
    if outlines is not None:
        elements = _outlines(outlines, prepared.style, standalone)
        out += elements
        overlays.append(elements[-1])
    if switchable and standalone:
        out.append(folium.LayerControl(position="topleft", collapsed=True))
    elif switchable:
        named = {o.layer_name: o.get_name() for o in overlays}
        out.append(furniture.macro(furniture.layer_control_script(named, TILES_NAME)))
    out.append(_furniture(layer, prepared, legend_extra))
    bounds = [[south, west], [north, east]]
    after = [folium.FitBounds(bounds), furniture.macro(furniture.fit_script(bounds))]
    out.data = prepared
    return fmap, out, after


def _furniture(layer: MapLayer, prepared: MapData, extra: dict[str, list[tuple[str, str]]]) -> Any:
    """Panel (label, title, legend), metric scale, hatch pattern and one-line credits."""
    body = furniture.legend_html(prepared, layer.unit, extra)
    if layer.caveat:
        body += (
            f"<div style='margin-top:4px;max-width:260px;font-size:11px'>{_esc(layer.caveat)}</div>"
        )
    script = furniture.panel_script(layer.heading, layer.label, body) + furniture.hatch_script()
    script += "L.control.scale({imperial: false}).addTo({map});"
    script += "{map}.attributionControl.setPrefix('Leaflet');"
    credits = [f"Source: {layer.source}" if layer.source else "", layer.attribution]
    for credit in filter(None, credits):  # one line of 11 px text, unfolding on hover
        quoted = furniture.js_string(_esc(credit))
        script += "{map}.attributionControl.addAttribution(" + quoted + ");"
    return furniture.macro(script)


def _packed_data(
    layer: Any, frame: gpd.GeoDataFrame, props: dict[str, Any], style: MapStyle
) -> Any:
    """Script drawing gzip-packed features inside ``layer`` as one canvas layer.

    See :mod:`meam_mapping.maps.area_canvas`; when drawn, ``window.meamMapDrawn``
    holds the time and number of features drawn.
    """
    from meam_mapping.maps.area_canvas import area_canvas_script
    from meam_mapping.maps.pack import pack_features

    packed = pack_features(frame.geometry.to_numpy(), props)
    return furniture.macro(area_canvas_script(layer.get_name(), packed, style))


def _category_layer(
    name: str, layer: gpd.GeoDataFrame, index: int, show: bool
) -> tuple[list[Any], list[tuple[str, str]]]:
    """The overlay of one categorical layer and its hover box; and its legend entries."""
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
    )
    hover = furniture.macro(furniture.hover_script(overlay.get_name(), highlight=False))
    return [overlay, hover], list(palette.items())


def _outlines(outlines: gpd.GeoDataFrame, style: MapStyle, standalone: bool) -> list[Any]:
    """District outlines with their names, in a pane of their own (last element: the layer)."""
    import folium
    from folium.map import CustomPane

    shown = _to_display(outlines, "outlines")
    names = shown["area_name"] if "area_name" in shown.columns else shown.get("area_code")
    names = pd.Series([""] * len(shown)) if names is None else names.astype(str)
    pane = (
        CustomPane(OUTLINE_PANE, z_index=450, pointer_events=False)
        if standalone
        else furniture.macro(furniture.pane_script(OUTLINE_PANE, 450))
    )
    lines = folium.GeoJson(
        _geojson(shown, {"name": names.map(_esc).to_numpy()}),
        name="District outlines",
        pane=OUTLINE_PANE,
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
    )
    return [pane, lines]


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

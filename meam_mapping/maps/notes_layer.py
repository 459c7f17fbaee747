"""Notes on areas drawn on interactive maps as labelled markers.

The notes table itself lives in :mod:`meam_mapping.workspace.notes`. Note text
is typed by people, so it is treated as untrusted: it is HTML-escaped every
time it is rendered (tooltips, popups) and never interpreted as markup.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from meam_mapping.workspace.notes import validate_notes

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = ["add_notes_to_map", "notes_layer"]

_NOTE_COLOUR = "#1b1b1b"


def _tip(area_name: str, note: pd.Series) -> str:
    """Escaped HTML for one note's tooltip."""
    author = f" ({html.escape(str(note['author']))})" if note["author"] else ""
    return (
        "<b>Note on "
        + html.escape(str(area_name))
        + "</b><br>"
        + html.escape(str(note["text"])).replace("\n", "<br>")
        + "<br><span style='color:#555'>"
        + html.escape(str(note["created"])[:10])
        + author
        + "</span>"
    )


def notes_layer(notes: pd.DataFrame | None, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Notes as points (inside each noted area) ready for a map.

    Parameters
    ----------
    notes : DataFrame or None
        Notes table.
    areas : geopandas.GeoDataFrame
        Areas of the map's level (``area_code``, ``geometry``, optional ``area_name``).
        Notes on areas not in ``areas`` are left out.

    Returns
    -------
    geopandas.GeoDataFrame
        ``note_id, area_code, area_name, text, author, created, category, tip``
        with point geometry (a point inside the area) in the areas' CRS.
        ``tip`` is escaped HTML; ``category`` is ``"note"``.
    """
    import geopandas as gpd

    current = validate_notes(notes)
    shapes = areas.set_index(areas["area_code"].astype(str))
    current = current.loc[current["area_code"].isin(shapes.index)].reset_index(drop=True)
    names = (
        shapes["area_name"]
        if "area_name" in shapes
        else pd.Series(shapes.index, index=shapes.index)
    )
    area_name = current["area_code"].map(names).fillna(current["area_code"]).astype(str)
    # Spread several notes on one area apart a little so each can be hovered.
    points = shapes.geometry.representative_point().reindex(current["area_code"]).to_numpy()
    order = current.groupby("area_code").cumcount().to_numpy()
    offsets = np.where(order > 0, order * 60.0, 0.0)  # metres in EPSG:27700
    if len(current):
        import shapely

        xy = shapely.get_coordinates(points)
        points = shapely.points(xy[:, 0] + offsets, xy[:, 1])
    tips = [_tip(name, row) for name, (_, row) in zip(area_name, current.iterrows(), strict=True)]
    return gpd.GeoDataFrame(
        current.assign(area_name=area_name.to_numpy(), category="note", tip=tips),
        geometry=list(points),
        crs=areas.crs,
    )


def add_notes_to_map(fmap: folium.Map, layer: gpd.GeoDataFrame, *, name: str = "Notes") -> None:
    """Draw notes (from :func:`notes_layer`) on a folium map as labelled markers.

    Each note is a dark circle with a white ring, with a tooltip and a popup
    holding the escaped note text, in a layer that can be switched off; a
    legend line says in words what the markers are (meaning is never carried
    by colour alone).
    """
    import folium

    from meam_mapping.schema import DISPLAY_CRS

    if layer.empty:
        return
    shown = layer.to_crs(DISPLAY_CRS)
    data = _note_points(shown)
    folium.GeoJson(
        data,
        name=f"{name} ({len(shown)})",
        control=False,  # added after the map's layer control, which cannot list it
        marker=folium.CircleMarker(
            radius=9,
            color="#ffffff",
            weight=3,
            fill=True,
            fill_color=_NOTE_COLOUR,
            fill_opacity=0.95,
        ),
        on_each_feature=folium.JsCode(
            "function(f, l){l.bindTooltip(f.properties.tip, {sticky: true});"
            "l.bindPopup(f.properties.tip, {maxWidth: 320});}"
        ),
    ).add_to(fmap)
    legend = (
        "<div style='font:13px Arial,sans-serif;background:rgba(255,255,255,.93);padding:4px 8px;"
        "border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.35)'>"
        f"<span style='display:inline-block;width:12px;height:12px;border-radius:50%;background:{_NOTE_COLOUR};"
        "border:2px solid #fff;outline:1px solid #000;vertical-align:middle'></span> "
        f"{html.escape(name)}: {len(shown)} (hover for the text)</div>"
    )
    _LegendControl(legend).add_to(fmap)


class _LegendControl:
    """A Leaflet control holding fixed, already-escaped HTML (bottom left)."""

    def __new__(cls, box_html: str):  # noqa: ANN204 - returns a branca MacroElement
        from branca.element import MacroElement
        from folium.template import Template

        quoted = json.dumps(box_html).replace("<", "\\u003c").replace(">", "\\u003e")

        class _Control(MacroElement):
            _template = Template(
                "{% macro script(this, kwargs) %}"
                "(function(){var c = L.control({position: 'bottomleft'});"
                "c.onAdd = function(){var d = L.DomUtil.create('div', 'meam-notes-legend');"
                "d.innerHTML = {% raw %}" + quoted + "{% endraw %}; return d;};"
                "c.addTo({{ this._parent.get_name() }});})();"
                "{% endmacro %}"
            )

        return _Control()


def _note_points(layer: gpd.GeoDataFrame) -> dict:
    """GeoJSON of note points carrying only the escaped ``tip`` (nothing else leaves)."""
    import geopandas as gpd

    slim = gpd.GeoDataFrame(
        {"tip": layer["tip"].to_numpy()}, geometry=layer.geometry.to_numpy(), crs=layer.crs
    )
    return slim.to_geo_dict(drop_id=True)

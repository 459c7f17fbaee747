"""Notes on areas: the local knowledge a workshop adds to the map.

A note ties a short text ("new hostel opened here in 2024") to one area. Notes
are kept as a small table (:data:`NOTE_COLUMNS`), saved with the workspace,
drawn on interactive maps as labelled markers and optionally listed in
exports. Note text is typed by people, so it is treated as untrusted: it is
HTML-escaped every time it is rendered (tooltips, popups, tables written as
HTML) and never interpreted as markup.

Notes can hold local knowledge about people; the app reminds users not to
write names or anything that identifies a person.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = [
    "MAX_NOTE_LENGTH",
    "NOTE_COLUMNS",
    "AreaNote",
    "add_note",
    "add_notes_to_map",
    "empty_notes",
    "export_notes",
    "notes_frame",
    "notes_layer",
    "remove_note",
    "validate_notes",
]

#: Columns of the notes table, in order.
NOTE_COLUMNS: tuple[str, ...] = ("note_id", "area_code", "text", "author", "created")
#: Longest note accepted, in characters.
MAX_NOTE_LENGTH = 2000
_NOTE_COLOUR = "#1b1b1b"
_TABLE = "area notes"


@dataclass(frozen=True)
class AreaNote:
    """One note on one area.

    Parameters
    ----------
    area_code : str
        The area the note is about.
    text : str
        The note, as typed (escaped whenever it is shown).
    author : str
        Who wrote it (optional; "" when not given).
    created : str
        ISO 8601 time the note was made (UTC).
    note_id : int
        Number of the note within its table (0 until added).
    """

    area_code: str
    text: str
    author: str = ""
    created: str = ""
    note_id: int = 0

    def __post_init__(self) -> None:
        code = str(self.area_code).strip()
        text = str(self.text).strip()
        if not code:
            raise InputError("a note needs an area", column="area_code", fix="Choose an area")
        if not text:
            raise InputError("the note is empty", column="text", fix="Type the note first")
        if len(text) > MAX_NOTE_LENGTH:
            raise InputError(
                f"the note is {len(text):,} characters long",
                column="text",
                expected=f"at most {MAX_NOTE_LENGTH:,} characters",
                fix="Shorten it or split it into two notes",
            )
        object.__setattr__(self, "area_code", code)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "author", str(self.author or "").strip()[:200])
        if not self.created:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            object.__setattr__(self, "created", stamp)


def empty_notes() -> pd.DataFrame:
    """An empty notes table with the right columns and types."""
    return notes_frame([])


def notes_frame(notes: Iterable[AreaNote]) -> pd.DataFrame:
    """A notes table from :class:`AreaNote` objects (numbered 1, 2, ... if unnumbered)."""
    rows = list(notes)
    ids = [n.note_id or i + 1 for i, n in enumerate(rows)]
    return pd.DataFrame(
        {
            "note_id": pd.Series(ids, dtype="int64"),
            "area_code": pd.Series([n.area_code for n in rows], dtype="str"),
            "text": pd.Series([n.text for n in rows], dtype="str"),
            "author": pd.Series([n.author for n in rows], dtype="str"),
            "created": pd.Series([n.created for n in rows], dtype="str"),
        }
    )


def validate_notes(frame: pd.DataFrame | None, *, file: str = _TABLE) -> pd.DataFrame:
    """Check a notes table (e.g. read from a workspace) and return it in standard form.

    Raises
    ------
    InputError
        If a column is missing or a note is empty or too long.
    """
    if frame is None:
        return empty_notes()
    missing = [c for c in NOTE_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            "the notes table has no column " + ", ".join(missing),
            file=file,
            column=missing,
            expected="columns " + ", ".join(NOTE_COLUMNS),
        )
    notes = []
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        try:
            notes.append(
                AreaNote(
                    area_code=row.area_code,
                    text="" if pd.isna(row.text) else row.text,
                    author="" if pd.isna(row.author) else row.author,
                    created="" if pd.isna(row.created) else str(row.created),
                    note_id=int(row.note_id),
                )
            )
        except (InputError, TypeError, ValueError) as err:
            problem = err.problem if isinstance(err, InputError) else str(err)
            raise InputError(problem, file=file, row=i) from err
    return notes_frame(notes)


def add_note(
    notes: pd.DataFrame | None, note: AreaNote, *, areas: pd.DataFrame | None = None
) -> pd.DataFrame:
    """A new notes table with ``note`` added (the input is not changed).

    Parameters
    ----------
    notes : DataFrame or None
        Current notes.
    note : AreaNote
        The note to add; it gets the next free ``note_id``.
    areas : DataFrame, optional
        Areas with ``area_code``; when given, the note's area must be one of them.

    Raises
    ------
    InputError
        If the area is not among ``areas``.
    """
    current = validate_notes(notes)
    if areas is not None and note.area_code not in set(areas["area_code"].astype(str)):
        raise InputError(
            f"there is no area {note.area_code!r} at this level",
            column="area_code",
            expected="an area code from the map, e.g. "
            + ", ".join(areas["area_code"].astype(str).head(3)),
        )
    next_id = int(current["note_id"].max()) + 1 if len(current) else 1
    added = notes_frame(
        [
            AreaNote(note.area_code, note.text, note.author, note.created, next_id),
        ]
    )
    return pd.concat([current, added], ignore_index=True) if len(current) else added


def remove_note(notes: pd.DataFrame, note_id: int) -> pd.DataFrame:
    """A new notes table without note ``note_id`` (unchanged when there is none)."""
    current = validate_notes(notes)
    return current.loc[current["note_id"] != int(note_id)].reset_index(drop=True)


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


def export_notes(notes: pd.DataFrame | None, areas: pd.DataFrame | None = None) -> pd.DataFrame:
    """Notes as a readable table for exports: ``Area, Code, Note, Author, Date``.

    Text is left as typed (spreadsheet cells are not HTML); writers of HTML
    must escape it.
    """
    current = validate_notes(notes)
    names = (
        areas.set_index(areas["area_code"].astype(str))["area_name"]
        if areas is not None and "area_name" in areas
        else pd.Series(dtype=str)
    )
    return pd.DataFrame(
        {
            "Area": current["area_code"].map(names).fillna(current["area_code"]).to_numpy(),
            "Code": current["area_code"].to_numpy(),
            "Note": current["text"].to_numpy(),
            "Author": current["author"].to_numpy(),
            "Date": current["created"].str.slice(0, 10).to_numpy(),
        }
    )

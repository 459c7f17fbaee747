"""Static choropleth maps (matplotlib) for reports, slides and print.

Built on :class:`matplotlib.figure.Figure` directly (no ``pyplot``, no global
state), so it is safe inside a web app. Every map carries a title, legend with
class breaks, units and counts, a scale bar (km, from British National Grid
coordinates), a north arrow, source, licence and date, and, where given, a
prominent "synthetic data" label. Suppressed areas are lightly hatched and
explained in the legend; areas with no data are light grey. The classes and
colours are the same as the interactive map's
(:func:`meam_mapping.maps.style.prepare_map_data`). The areas are drawn as one
rasterised collection per class, simplified to the output's pixel size
(:mod:`meam_mapping.maps.fill`), so a national map costs about what its page
can show.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from os import PathLike
from typing import TYPE_CHECKING, Literal

import numpy as np

from meam_mapping.errors import InputError
from meam_mapping.maps.spec import PRESETS
from meam_mapping.maps.style import MapData, prepare_map_data
from meam_mapping.schema import STORAGE_CRS

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from meam_mapping.maps.spec import MapLayer, MapSpec

__all__ = ["PRESETS", "save_figure", "static_map"]

_HALO_WIDTH = 2.5


def _nice_length(width_m: float) -> float:
    """Return a round scale-bar length (m), about a fifth of the map width."""
    target = width_m / 5
    exp = 10 ** np.floor(np.log10(target))
    for step in (5, 2, 1):
        if step * exp <= target:
            return float(step * exp)
    return float(exp)


def _scale_bar(ax: Axes, fs: float) -> None:
    """Alternating black and white bar of a round length, labelled in km."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    left, base = x0 + 0.02 * (x1 - x0), y0 + 0.025 * (y1 - y0)
    height = 0.012 * (y1 - y0)
    for i in range(4):
        colour = "#222222" if i % 2 == 0 else "#ffffff"
        ax.add_patch(_rect(left + i * length / 4, base, length / 4, height, colour))
    km = length / 1000
    for pos, text in ((0.0, "0"), (length, f"{km:g} km")):
        _haloed_text(ax, left + pos, base + height * 1.5, text, ha="center", va="bottom",
                     fontsize=fs)  # fmt: skip


def _rect(x: float, y: float, w: float, h: float, colour: str):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, facecolor=colour, edgecolor="#222222", linewidth=0.8, zorder=6)


def _north_arrow(ax: Axes, fs: float) -> None:
    """Draw a north arrow top right (grid north is within 1 degree of true north here)."""
    arrow = {"facecolor": "#222222", "edgecolor": "#222222", "width": 3, "headwidth": 10}
    ax.annotate("", xy=(0.97, 0.95), xytext=(0.97, 0.86), xycoords="axes fraction",
                arrowprops=arrow)  # fmt: skip
    ax.text(0.97, 0.955, "N", transform=ax.transAxes, ha="center", va="bottom",
            fontsize=fs * 1.3, fontweight="bold")  # fmt: skip


def _haloed_text(ax: Axes, x: float, y: float, text: str, **kwargs: object):
    """Write text with a white halo, keeping the text itself as text in SVG/PDF.

    Path effects turn text into outlines, so the halo is a separate white copy
    underneath and the visible text stays searchable.
    """
    from matplotlib import patheffects

    halo = [patheffects.Stroke(linewidth=_HALO_WIDTH, foreground="white")]
    under = ax.text(x, y, text, color="white", zorder=6.9, path_effects=halo, **kwargs)
    over = ax.text(x, y, text, zorder=7, **{"color": "#111111", **kwargs})
    over.meam_halo = under
    return over


def _layout(preset: str) -> tuple[list[float], list[float], bool]:
    """Map and panel rectangles (figure fractions) for a preset."""
    if preset == "a4_portrait":
        return [0.04, 0.27, 0.92, 0.56], [0.05, 0.07, 0.9, 0.18], True
    return [0.02, 0.08, 0.66, 0.74], [0.70, 0.08, 0.28, 0.74], False


def static_map(
    areas: gpd.GeoDataFrame,
    layer: MapLayer | pd.DataFrame,
    spec: MapSpec | None = None,
    *,
    outlines: gpd.GeoDataFrame | None = None,
    date: dt.date | None = None,
) -> Figure:
    """Draw a static choropleth of one published layer, ready for a report or slide.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas with ``area_code``, ``geometry`` (any CRS; drawn in EPSG:27700)
        and optionally ``area_name``.
    layer : MapLayer or pandas.DataFrame
        The published data and its words: ``title`` and ``subtitle`` (the
        period when empty) as headings, ``unit`` with the legend, ``source``
        and ``attribution`` at the foot, ``label`` as a prominent box.
    spec : MapSpec, optional
        Classes and colours (as for the interactive map), ``preset`` (page
        size and layout), ``dpi`` and ``top_labels``.
    outlines : geopandas.GeoDataFrame, optional
        Districts drawn as thick outlines with their ``area_name``, when
        ``spec.outlines`` is true.
    date : datetime.date, optional
        Date printed at the foot (default today).

    Returns
    -------
    matplotlib.figure.Figure
        The figure; ``fig.meam_map_data`` holds the
        :class:`~meam_mapping.maps.style.MapData` used.

    Raises
    ------
    ValueError
        If the data have not been through the disclosure policy.
    InputError
        For missing columns or duplicate areas.
    """
    from matplotlib.figure import Figure

    from meam_mapping.maps.spec import MapSpec, as_layer

    layer, spec = as_layer(layer), spec or MapSpec()
    prepared = prepare_map_data(areas, layer, spec)
    frame = _to_storage(prepared.frame, "areas")
    width, height, default_dpi = PRESETS[spec.preset]
    fig = Figure(figsize=(width, height), dpi=spec.dpi or default_dpi, facecolor="white")
    fs = 10.0 * float(np.sqrt(width * height / (11.69 * 8.27)))
    map_rect, panel_rect, portrait = _layout(spec.preset)

    _header(fig, layer, fs, width)
    ax = fig.add_axes(map_rect)
    _draw_areas(ax, frame, prepared)
    if outlines is not None and spec.outlines:
        _draw_outlines(ax, _to_storage(outlines, "outlines"), prepared, fs)
    ranked = _draw_top(ax, frame, spec.top_labels, fs)
    _set_extent(ax, frame)
    _declutter(fig, ax)
    _scale_bar(ax, fs * 0.9)
    _north_arrow(ax, fs)
    panel = fig.add_axes(panel_rect)
    panel.set_axis_off()
    _legend(panel, prepared, layer, ranked, (fs, portrait))
    _footer(fig, layer, date or dt.date.today(), fs, width)
    fig.meam_map_data = prepared
    return fig


def _to_storage(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        raise InputError(
            f"The {what} have no coordinate reference system",
            file=what,
            expected="boundaries with a CRS (EPSG:27700 for British National Grid)",
            fix="Set the CRS when reading, e.g. gdf.set_crs('EPSG:27700')",
        )
    return gdf.to_crs(STORAGE_CRS)


def _header(fig: Figure, layer: MapLayer, fs: float, width: float) -> None:
    title, subtitle, label = layer.title, layer.subtitle or layer.period, layer.label
    if layer.caveat:
        subtitle = f"{subtitle}. {layer.caveat}" if subtitle else layer.caveat
    chars = int(width * 7.5)
    y = 0.965
    portrait = fig.get_figheight() > fig.get_figwidth()
    if title:
        # In landscape the synthetic-data box sits top right: keep the title clear of it.
        text = textwrap.fill(title, int(chars * 0.42) if label and not portrait else chars)
        fig.text(0.02, y, text, fontsize=fs * 1.8, fontweight="bold", va="top")
        y -= 0.045 * (text.count("\n") + 1) * (fs / 10) * (8.27 / fig.get_figheight())
    if subtitle:
        fig.text(0.02, y, textwrap.fill(subtitle, int(chars * 1.3)), fontsize=fs * 1.15,
                 color="#444444", va="top")  # fmt: skip
        y -= 0.035 * (fs / 10) * (8.27 / fig.get_figheight())
    if label:
        x, top, ha = (0.025, y - 0.008, "left") if portrait else (0.98, 0.965, "right")
        fig.text(
            x, top, textwrap.fill(label, 48), fontsize=fs * 1.15, fontweight="bold",
            color="#7c2d12", ha=ha, va="top", multialignment="center",
            bbox={"boxstyle": "round,pad=0.45", "facecolor": "#fff3cd", "edgecolor": "#b45309",
                  "linewidth": 1.5},
        )  # fmt: skip


def _draw_areas(ax: Axes, frame: gpd.GeoDataFrame, prepared: MapData) -> None:
    """One rasterised collection per class, simplified to the output's pixel size."""
    from meam_mapping.maps.fill import draw_filled_areas, pixel_size

    x0, y0, x1, y1 = frame.total_bounds
    pad = 0.03 * max(x1 - x0, y1 - y0, 1.0)
    pixel = pixel_size(ax, (x0 - pad, y0 - pad * 3.5, x1 + pad, y1 + pad))
    draw_filled_areas(ax, frame, prepared, pixel)


def _draw_outlines(ax: Axes, outlines: gpd.GeoDataFrame, prepared: MapData, fs: float) -> None:
    style = prepared.style
    from matplotlib.collections import PathCollection

    from meam_mapping.maps.fill import compound_path

    lines = PathCollection(
        [compound_path(outlines.geometry.to_numpy())], facecolors="none",
        edgecolors=style.outline_colour, linewidths=style.outline_width, zorder=4,
    )  # fmt: skip
    lines.set_gid("meam-outlines")
    ax.add_collection(lines, autolim=False)
    if "area_name" not in outlines.columns:
        return
    points = outlines.geometry.representative_point()
    for name, pt in zip(outlines["area_name"].astype(str), points, strict=True):
        text = _haloed_text(ax, pt.x, pt.y, textwrap.fill(name, 18), ha="center",
                            va="center", fontsize=fs, fontweight="bold")  # fmt: skip
        text.set_gid("meam-outline-label")


def _draw_top(ax: Axes, frame: gpd.GeoDataFrame, n: int, fs: float) -> list[tuple[str, float]]:
    if n <= 0:
        return []
    shown = frame[frame["status"] == "value"].nlargest(int(n), "value")
    points = shown.geometry.representative_point()
    for i, pt in enumerate(points, start=1):
        ax.text(  # numbered marker; the panel lists the names
            pt.x, pt.y, str(i), ha="center", va="center", fontsize=fs * 0.85, fontweight="bold",
            zorder=9 - i / (n + 1),  # the highest on top where markers meet
            bbox={"boxstyle": "circle,pad=0.2", "facecolor": "white", "edgecolor": "#222222",
                  "linewidth": 0.8},
        )  # fmt: skip
    return list(zip(shown["area_name"].astype(str), shown["value"].astype(float), strict=True))


def _declutter(fig: Figure, ax: Axes) -> None:
    """Nudge district names up or down until they overlap no other label."""
    names = [t for t in ax.texts if t.get_gid() == "meam-outline-label"]
    if not names:
        return
    ax.apply_aspect()
    renderer = fig._get_renderer()  # Agg renderer, no pyplot involved
    to_data = ax.transData.inverted()
    halos = [t.meam_halo for t in names]
    placed = [t.get_window_extent(renderer) for t in ax.texts if t not in names and t not in halos]
    for text in names:
        box = text.get_window_extent(renderer)
        x, y = text.get_position()
        for shift in (0, 1, -1, 2, -2, 3, -3):
            moved = box.translated(0, shift * box.height * 0.8)
            if not any(moved.overlaps(other) for other in placed):
                break
        _, dy = to_data.transform((0, moved.y0)) - to_data.transform((0, box.y0))
        text.set_position((x, y + dy))
        text.meam_halo.set_position((x, y + dy))
        placed.append(moved)


def _set_extent(ax: Axes, frame: gpd.GeoDataFrame) -> None:
    x0, y0, x1, y1 = frame.total_bounds
    pad = 0.03 * max(x1 - x0, y1 - y0, 1.0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad * 3.5, y1 + pad)  # room for the scale bar and arrow
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()


def _legend(
    panel: Axes,
    prepared: MapData,
    layer: MapLayer,
    ranked: list[tuple[str, float]],
    size: tuple[float, bool],
) -> None:
    from matplotlib.patches import Patch

    handles, labels = [], []
    for row in prepared.legend.itertuples(index=False):
        handles.append(
            Patch(facecolor=row.colour, edgecolor="#555555", linewidth=0.6,
                  hatch=prepared.style.suppressed_hatch if row.hatch else None)
        )  # fmt: skip
        noun = "area" if row.count == 1 else "areas"
        labels.append(textwrap.fill(f"{row.label}  ({row.count} {noun})", 30))
    fs, portrait = size
    title, unit = layer.title, layer.unit
    heading = textwrap.fill(title or "Value", 34)
    if unit:
        heading += "\n" + textwrap.fill(unit, 34)
    legend = panel.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(0, 1), frameon=False,
        title=heading, title_fontsize=fs * 1.05, fontsize=fs, alignment="left",
        handlelength=2.2, handleheight=1.4, borderaxespad=0,
    )  # fmt: skip
    legend.get_title().set_fontweight("bold")
    notes = []
    if prepared.classification.note:
        notes.append(prepared.classification.note)
    if prepared.classification.scheme != "categories":
        notes.append(f"Classes: {prepared.classification.scheme.replace('_', ' ')}.")
    if ranked:
        lines = [f"{i}. {textwrap.shorten(n, 30)} ({v:,.1f})" for i, (n, v) in enumerate(ranked, 1)]
        notes.append("Highest values:\n" + "\n".join(lines))
    x, y, va = (0.58, 1.0, "top") if portrait else (0.0, 0.0, "bottom")
    panel.text(x, y, "\n\n".join(textwrap.fill(n, 40) if "\n" not in n else n for n in notes),
               transform=panel.transAxes, fontsize=fs * 0.85, va=va, color="#333333")  # fmt: skip


def _footer(fig: Figure, layer: MapLayer, date: dt.date, fs: float, width: float) -> None:
    chars = int(width * 15)
    source, licence = layer.source, layer.attribution
    parts = [f"Source: {source}" if source else "", licence, f"Produced {date:%d %B %Y}"]
    text = textwrap.fill("  |  ".join(p for p in parts if p), chars)
    fig.text(0.02, 0.015, text, fontsize=fs * 0.8, color="#333333", va="bottom")


def save_figure(
    fig: Figure,
    path_or_buffer: str | PathLike[str] | io.IOBase,
    format: Literal["png", "svg", "pdf"] = "png",
    print_quality: bool = False,
) -> None:
    """Save a static map as PNG, SVG or PDF.

    Text stays text in SVG and PDF (searchable, editable), and the title is
    written into the file's metadata.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure from :func:`static_map`.
    path_or_buffer : str, path-like or binary file object
        Where to write.
    format : {"png", "svg", "pdf"}, default "png"
        File format.
    print_quality : bool, default False
        Save at 300 dpi (for print) instead of the figure's own dpi.
    """
    import matplotlib

    if format not in ("png", "svg", "pdf"):
        raise InputError(
            f"Unknown image format {format!r}", column="format", expected="png, svg or pdf"
        )
    title = fig.texts[0].get_text().replace("\n", " ") if fig.texts else ""
    metadata = {"Title": title} if title else {}
    dpi = 300 if print_quality else fig.dpi
    with matplotlib.rc_context(
        {"svg.fonttype": "none", "pdf.fonttype": 42, "hatch.linewidth": 0.8}
    ):
        fig.savefig(path_or_buffer, format=format, dpi=dpi, facecolor="white", metadata=metadata)

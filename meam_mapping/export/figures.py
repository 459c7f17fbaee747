"""Map images for the evidence pack (PNG).

Choropleths (the composite index, the rate of people known to two or more
services) go through :func:`meam_mapping.mapping.static_map_figure`, so they
look like every other map the tool draws. Hot spots and focus zones are
categories, not classes of a number, so :func:`category_map` draws them: each
area filled by its category, district outlines and names, a legend, a scale
bar, the source and, where set, the synthetic-data label.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from meam_mapping.disclosure import DisclosurePolicy, mark_no_counts
from meam_mapping.indicators.periods import latest_period
from meam_mapping.mapping import MapRequest, static_map_figure
from meam_mapping.schema import STORAGE_CRS

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.figure import Figure

    from meam_mapping.dataset import Dataset
    from meam_mapping.pipeline import Analysis

__all__ = ["HOTSPOT_COLOURS", "category_map", "draw_pack_maps", "index_slice", "published_slice"]

#: Fill colours of the Gi* categories (ColorBrewer RdBu ends, neutral grey).
HOTSPOT_COLOURS = {"Hot spot": "#d6604d", "Cold spot": "#4393c3", "Not significant": "#eeeeee"}
_OTHER_ZONE = "#d9d9d9"
DPI = 170


def index_slice(results: Analysis, dataset: Dataset) -> pd.DataFrame:
    """The composite index as a map slice of deciles (values only, so nothing to suppress).

    Deciles, not scores: an exact score says where an area sits among the
    others, and so where a hidden rate lies (the publication gate's rule).
    """
    from meam_mapping.pipeline.display import DECILE_UNIT
    from meam_mapping.pipeline.publish import index_deciles

    scores = results.scores
    period = latest_period(dataset.indicators["period"].astype(str).unique())
    frame = pd.DataFrame(
        {
            "area_code": scores["area_code"].to_numpy(),
            "indicator": "composite_index",
            "indicator_name": "Composite index of multiple disadvantage",
            "domain": "context",
            "period": period,
            "count": np.nan,
            "denominator": np.nan,
            "value": index_deciles(scores["score"]).to_numpy(dtype=float, na_value=np.nan),
            "unit": DECILE_UNIT,
            "kind": "decile",
            "polarity": "higher_is_worse",
            "source": "MEAM Mapping analysis of the indicators listed under Data sources",
            "suppressed": False,
            "level": results.settings.level,
        }
    )
    return mark_no_counts(frame)


def published_slice(dataset: Dataset, results: Analysis, indicator: str) -> pd.DataFrame:
    """One indicator at the analysis level from the suppressed all-level table.

    The same rows :func:`meam_mapping.mapping.suppressed_slice` gives, without
    running the disclosure policy again.
    """
    table = results.tables["indicators"]
    level = results.settings.level
    part = table[(table["indicator"] == indicator) & (table["level"] == level)].reset_index(
        drop=True
    )
    names = dataset.areas[level].set_index("area_code")["area_name"]
    part["area_name"] = part["area_code"].map(names)
    return part


def _outlines(dataset: Dataset) -> gpd.GeoDataFrame | None:
    return dataset.areas.get("lad")


def category_map(
    areas: gpd.GeoDataFrame,
    categories: pd.Series,
    colours: Mapping[str, str],
    *,
    title: str,
    subtitle: str = "",
    label: str | None = None,
    source: str = "",
    outlines: gpd.GeoDataFrame | None = None,
    annotations: Mapping[str, str] | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
) -> Figure:
    """Draw areas filled by category (hot spots, focus zones) for a report.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas with ``area_code`` and ``geometry``.
    categories : pandas.Series
        Category per area, indexed by ``area_code``; areas without one are
        drawn as the last entry of ``colours``.
    colours : mapping
        Category -> fill colour, in legend order.
    title, subtitle, source : str
        Heading, second line and foot note.
    label : str, optional
        Prominent label such as the synthetic-data label.
    outlines : geopandas.GeoDataFrame, optional
        Districts drawn as outlines with their names.
    annotations : mapping, optional
        Area code -> short text written at the area (e.g. zone numbers).
    boundaries : geopandas.GeoDataFrame, optional
        Shapes whose edges are drawn over the areas (e.g. dissolved zones).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    frame = areas.to_crs(STORAGE_CRS)
    codes = frame["area_code"].astype(str)
    fallback = list(colours)[-1]
    cats = codes.map(categories.astype(str)).fillna(fallback)
    fig = Figure(figsize=(8.27, 7.2), dpi=DPI, facecolor="white")
    ax = fig.add_axes((0.02, 0.07, 0.96, 0.78))
    frame.plot(ax=ax, color=cats.map(colours).fillna(_OTHER_ZONE).to_numpy(),
               edgecolor="#ffffff", linewidth=0.4)  # fmt: skip
    if boundaries is not None:
        boundaries.to_crs(STORAGE_CRS).boundary.plot(ax=ax, color="#555555", linewidth=0.6)
    if outlines is not None:
        lines = outlines.to_crs(STORAGE_CRS)
        lines.boundary.plot(ax=ax, color="#333333", linewidth=1.1)
        for _, row in lines.iterrows():
            point = row.geometry.representative_point()
            ax.text(point.x, point.y, str(row.get("area_name", "")), ha="center", va="center",
                    fontsize=7.5, color="#222222", alpha=0.8, style="italic")  # fmt: skip
    for code, text in (annotations or {}).items():
        shapes = frame.loc[codes == code, "geometry"]
        if len(shapes):
            point = shapes.iloc[0].representative_point()
            ax.text(point.x, point.y, text, ha="center", va="center", fontsize=7.5,
                    fontweight="bold", color="#111111",
                    bbox={"boxstyle": "circle,pad=0.2", "facecolor": "white",
                          "edgecolor": "#333333", "linewidth": 0.6})  # fmt: skip
    ax.set_axis_off()
    ax.set_aspect("equal")
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    km = max(1, int(round((x1 - x0) / 5000.0 / 5)) * 5)
    ax.add_patch(Rectangle((x0 + 0.02 * (x1 - x0), y0 + 0.02 * (y1 - y0)), km * 1000,
                           0.008 * (y1 - y0), color="#222222"))  # fmt: skip
    ax.text(x0 + 0.02 * (x1 - x0), y0 + 0.035 * (y1 - y0), f"{km} km", fontsize=8)
    ax.annotate("N", xy=(0.97, 0.97), xytext=(0.97, 0.88), xycoords="axes fraction",
                ha="center", fontsize=10, fontweight="bold",
                arrowprops={"facecolor": "#222222", "width": 2, "headwidth": 8})  # fmt: skip
    counts = cats.value_counts()
    handles = [
        Patch(facecolor=c, edgecolor="#999999", label=f"{name} ({int(counts.get(name, 0))})")
        for name, c in colours.items()
    ]
    ax.legend(handles=handles, loc="lower right", fontsize=8, frameon=True, title="Areas")
    fig.text(0.03, 0.955, title, fontsize=14, fontweight="bold", va="top")
    if subtitle:
        fig.text(0.03, 0.912, subtitle, fontsize=9.5, color="#444444", va="top")
    if label:
        fig.text(0.97, 0.955, label, fontsize=9, color="#ffffff", ha="right", va="top",
                 fontweight="bold",
                 bbox={"boxstyle": "round,pad=0.4", "facecolor": "#b2182b", "edgecolor": "none"})  # fmt: skip
    if source:
        fig.text(0.03, 0.02, source, fontsize=7, color="#555555", va="bottom", wrap=True)
    return fig


def _zone_bands(zones: pd.DataFrame, assignment: pd.DataFrame) -> tuple[pd.Series, dict]:
    """Each area's zone rate band (five quantile bands over the zones) and its colour."""
    rates = zones.set_index("zone")["rate_per_1000"]
    edges = np.unique(np.quantile(rates.to_numpy(), [0, 0.2, 0.4, 0.6, 0.8, 1.0]).round(1))
    if len(edges) < 2:
        edges = np.array([rates.min(), rates.max() + 0.1])
    band = np.clip(np.searchsorted(edges, rates.round(1).to_numpy(), side="right") - 1, 0,
                   len(edges) - 2)  # fmt: skip
    names = [f"{lo:.1f} to {hi:.1f} per 1,000 adults" for lo, hi in zip(edges[:-1], edges[1:],
                                                                      strict=True)]  # fmt: skip
    palette = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")[-len(names) :]
    colours = dict(zip(reversed(names), reversed(palette), strict=True))
    colours["Not in a zone"] = "#f0f0f0"
    of_zone = dict(zip(rates.index.astype(int), [names[b] for b in band], strict=True))
    placed = assignment.dropna(subset=["zone"])
    cats = pd.Series([of_zone[int(z)] for z in placed["zone"]],
                     index=placed["area_code"].astype(str).to_numpy())  # fmt: skip
    return cats, colours


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, format="png", dpi=DPI, facecolor="white")
    return path


def draw_pack_maps(
    dataset: Dataset, results: Analysis, policy: DisclosurePolicy, folder: Path
) -> dict[str, Path]:
    """Write the pack's map images; returns name -> PNG path for those made."""
    from meam_mapping.maps.static import save_figure

    folder.mkdir(parents=True, exist_ok=True)
    level = results.settings.level
    maps: dict[str, Path] = {}
    source = "; ".join(
        dict.fromkeys(str(s.get("attribution") or s.get("source", "")) for s in dataset.sources)
    )
    if results.scores is not None:
        fig = static_map_figure(
            dataset, MapRequest("composite_index", level=level, preset="a4_landscape"), policy,
            data=index_slice(results, dataset),
        )  # fmt: skip
        fig.set_dpi(DPI)
        save_figure(fig, folder / "map_index.png")
        maps["index"] = folder / "map_index.png"
    known = results.settings.known_indicator
    if known in set(dataset.indicators["indicator"].astype(str)):
        data = published_slice(dataset, results, known)
        request = MapRequest(known, level=level, title="Known to two or more services")
        fig = static_map_figure(dataset, request, policy, data=data)
        fig.set_dpi(DPI)
        save_figure(fig, folder / "map_known.png")
        maps["known"] = folder / "map_known.png"
    if results.hotspots is not None:
        cats = results.hotspots.set_index("area_code")["category"]
        fig = category_map(
            results.areas, cats, HOTSPOT_COLOURS,
            title="Hot spots of the composite index",
            subtitle="Getis-Ord Gi*, 6 nearest neighbours, false discovery rate 5% · "
            + dataset.name,
            label=dataset.label, source=source, outlines=_outlines(dataset),
        )  # fmt: skip
        maps["hotspots"] = _save(fig, folder / "map_hotspots.png")
    if results.zones is not None and results.zone_assignment is not None:
        cats, colours = _zone_bands(results.zones, results.zone_assignment)
        fig = category_map(
            results.areas, cats, colours,
            title="Focus zones",
            subtitle=f"Estimated people per 1,000 adults in each zone · every zone holds at "
            f"least {results.settings.zone_floor:g} estimated people · grey lines: zone edges",
            label=dataset.label, source=source, outlines=_outlines(dataset),
            boundaries=results.zone_geometry,
        )  # fmt: skip
        maps["zones"] = _save(fig, folder / "map_zones.png")
    return maps

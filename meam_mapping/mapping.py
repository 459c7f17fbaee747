"""From a dataset to a map: slice, aggregate, suppress, draw.

This module joins the steps every map needs so that the app, the command
line and the evidence pack draw the same map from the same choices:

1. take one indicator and period at its native level;
2. aggregate counts and denominators to every coarser level the areas allow
   (rates recomputed, never averaged);
3. apply the disclosure policy to all levels *together*, so no suppressed cell
   can be recovered from a parent minus its children;
4. keep the requested level and draw it (interactive or static).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from meam_mapping.dataset import Dataset
from meam_mapping.disclosure import DEFAULT_POLICY, DisclosurePolicy, suppress_indicators
from meam_mapping.errors import InputError
from meam_mapping.geography.aggregate import aggregate_indicators
from meam_mapping.schema import INDICATOR_COLUMNS, LEVELS

if TYPE_CHECKING:
    from collections.abc import Mapping

    import folium
    import geopandas as gpd
    from matplotlib.figure import Figure

    from meam_mapping.maps.spec import MapLayer, MapSpec

__all__ = [
    "MapRequest",
    "every_indicator_all_levels",
    "display_table",
    "indicator_all_levels",
    "interactive_map",
    "parent_lookup",
    "parse_breaks",
    "render_map_file",
    "static_map_figure",
    "suppressed_slice",
]

_COARSER = {"lsoa": ("msoa", "lad"), "msoa": ("lad",), "lad": (), "custom": ()}
_FORMATS = ("html", "png", "svg", "pdf")


@dataclass(frozen=True)
class MapRequest:
    """What the user asked to see.

    Parameters
    ----------
    indicator : str
        Indicator id.
    period : str, optional
        Period; the latest when None.
    level : str, optional
        Level to draw; the indicator's native level when None.
    scheme, k : str, int
        Classification (see :func:`meam_mapping.maps.classify.classify`).
    breaks_text : str
        User class breaks as typed ("5, 10, 20") for ``scheme="user_defined"``.
    palette : str, optional
        Palette name; chosen from the data when None.
    title : str, optional
        Title; the indicator name when None.
    outlines : bool
        Draw district outlines for orientation.
    tiles : bool
        Add a street-map background (needs internet; off by default).
    preset : str
        Page preset for static maps.
    high_contrast : bool
        High-contrast styling for projectors.
    """

    indicator: str
    period: str | None = None
    level: str | None = None
    scheme: str = "quantiles"
    k: int = 5
    breaks_text: str = ""
    palette: str | None = None
    title: str | None = None
    outlines: bool = True
    tiles: bool = False
    preset: str = "a4_landscape"
    high_contrast: bool = False


def parse_breaks(text: str) -> list[float] | None:
    """Read class breaks typed by a person ("5, 10, 20").

    Raises
    ------
    InputError
        If a part is not a number.
    """
    if not text or not text.strip():
        return None
    values = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            values.append(float(part))
        except ValueError:
            raise InputError(
                f"{part!r} is not a number",
                column="class breaks",
                expected="numbers separated by commas, e.g. 5, 10, 20",
            ) from None
    return sorted(values)


def parent_lookup(dataset: Dataset) -> pd.Series:
    """Child code -> parent code across levels (LSOA -> MSOA -> district)."""
    parts = []
    for level, parent_column in (("lsoa", "msoa_code"), ("msoa", "lad_code")):
        areas = dataset.areas.get(level)
        if areas is None or parent_column not in areas:
            continue
        parent_level = "msoa" if parent_column == "msoa_code" else "lad"
        if parent_level not in dataset.areas:
            continue
        known = areas[parent_column].notna()
        parts.append(
            pd.Series(
                areas.loc[known, parent_column].to_numpy(),
                index=areas.loc[known, "area_code"].to_numpy(),
            )
        )
    if not parts:
        return pd.Series(dtype=object)
    lookup = pd.concat(parts)
    return lookup[~lookup.index.duplicated()]


def _latest(periods: pd.Series) -> str:
    return sorted(periods.astype(str).unique())[-1]


def indicator_all_levels(
    dataset: Dataset, indicator: str, period: str | None = None
) -> tuple[pd.DataFrame, str]:
    """One indicator and period at its native level and every coarser level.

    Returns
    -------
    table : pandas.DataFrame
        Tidy rows for all levels, with a ``level`` column (unsuppressed).
    native : str
        The level the data came at.
    """
    table = dataset.indicators
    rows = table.loc[table["indicator"] == indicator]
    if rows.empty:
        known = ", ".join(sorted(table["indicator"].unique())[:20])
        raise InputError(f"there is no indicator {indicator!r}", expected=f"one of: {known}")
    if period is None:
        period = _latest(rows["period"])
    rows = rows.loc[rows["period"].astype(str) == str(period)]
    if rows.empty:
        periods = ", ".join(
            sorted(table.loc[table["indicator"] == indicator, "period"].astype(str).unique())
        )
        raise InputError(
            f"indicator {indicator!r} has no period {period!r}", expected=f"one of: {periods}"
        )
    native = dataset.level_of(rows["area_code"])
    rows = rows.loc[rows["area_code"].isin(dataset.areas[native]["area_code"])]
    frames = [rows.assign(level=native)]
    if rows["count"].notna().any():
        for coarser in _COARSER.get(native, ()):
            if coarser not in dataset.areas:
                continue
            try:
                lookup = dataset.lookup(native, coarser)
            except InputError:
                continue
            result = aggregate_indicators(rows[list(INDICATOR_COLUMNS)], lookup, to_level=coarser)
            frames.append(result.table.assign(level=coarser))
    combined = pd.concat(frames, ignore_index=True)
    if "indicator_name" in rows:
        combined["indicator_name"] = rows["indicator_name"].iloc[0]
    return combined, native


def every_indicator_all_levels(dataset: Dataset, period: str | None = None) -> pd.DataFrame:
    """Every indicator at its own and each coarser level (unsuppressed: for estimators only)."""
    frames = []
    for indicator in dict.fromkeys(dataset.indicators["indicator"].astype(str)):
        try:
            table, _ = indicator_all_levels(dataset, indicator, period)
        except InputError:
            if period is None:
                raise
            continue  # this indicator has no data for the chosen period
        frames.append(table)
    if not frames:
        raise InputError("there are no indicators to analyse", expected="an indicator table")
    table = pd.concat(frames, ignore_index=True)
    keep = [*INDICATOR_COLUMNS, "indicator_name", "level"]
    if "indicator_name" not in table:
        table["indicator_name"] = table["indicator"]
    table = table[keep].copy()
    table["suppressed"] = table["suppressed"].fillna(False).astype(bool)
    return table


def suppressed_slice(
    dataset: Dataset,
    indicator: str,
    period: str | None,
    level: str | None,
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> pd.DataFrame:
    """The rows of one level, after the disclosure policy across all levels.

    The policy sees every level at once, so a suppressed LSOA cannot be
    recovered from its MSOA total minus the other LSOAs.
    """
    table, native = indicator_all_levels(dataset, indicator, period)
    level = level or native
    if level not in set(table["level"]):
        available = [lvl for lvl in LEVELS if lvl in set(table["level"])]
        raise InputError(
            f"indicator {indicator!r} cannot be shown at level {level!r}",
            expected="one of " + ", ".join(available),
            fix="Data at a coarse level (e.g. districts) cannot be split into smaller areas",
        )
    if table["count"].notna().any() or table["suppressed"].any():
        safe = suppress_indicators(table, policy, parent_of=parent_lookup(dataset))
    else:  # values only (e.g. a score): nothing to suppress
        from meam_mapping.disclosure import mark_no_counts

        safe = mark_no_counts(table)
    part = safe.loc[safe["level"] == level].reset_index(drop=True)
    names = dataset.areas[level].set_index("area_code")["area_name"]
    part["area_name"] = part["area_code"].map(names)
    part.attrs.update(safe.attrs)
    return part


def _title(dataset: Dataset, request: MapRequest, data: pd.DataFrame) -> tuple[str, str, str, str]:
    name = (
        data["indicator_name"].iloc[0]
        if "indicator_name" in data and len(data)
        else request.indicator
    )
    unit = str(data["unit"].iloc[0]) if len(data) else ""
    period = str(data["period"].iloc[0]) if len(data) else ""
    source = str(data["source"].iloc[0]) if len(data) else ""
    return request.title or name, unit, period, source


def _attribution(dataset: Dataset) -> str:
    parts = [s.get("attribution", "") for s in dataset.sources if s.get("attribution")]
    return "; ".join(dict.fromkeys(p for p in parts if p != dataset.label))


def _outlines(dataset: Dataset, request: MapRequest, level: str):  # noqa: ANN202 - GeoDataFrame | None
    if request.outlines and "lad" in dataset.areas and level != "lad":
        return dataset.areas["lad"]
    return None


def _map_spec(request: MapRequest, top_labels: int = 0) -> MapSpec:
    """The drawing choices of a request as a :class:`~meam_mapping.maps.spec.MapSpec`."""
    from meam_mapping.maps.spec import MapSpec

    breaks = parse_breaks(request.breaks_text)
    return MapSpec(
        scheme=request.scheme, k=request.k, breaks=None if breaks is None else tuple(breaks),
        palette=request.palette, high_contrast=request.high_contrast, outlines=request.outlines,
        tiles=request.tiles, preset=request.preset, top_labels=top_labels,
    )  # fmt: skip


def _map_layer(
    dataset: Dataset, request: MapRequest, data: pd.DataFrame, policy: DisclosurePolicy
) -> tuple[MapLayer, str]:
    """The published slice and its words as a :class:`~meam_mapping.maps.spec.MapLayer`, and its level."""
    from meam_mapping.maps.spec import MapLayer
    from meam_mapping.schema import LEVEL_LABELS

    level = str(data["level"].iloc[0]) if len(data) else (request.level or "lsoa")
    title, unit, period, source = _title(dataset, request, data)
    subtitle = f"{period} · {LEVEL_LABELS.get(level, level)} · {dataset.name}"
    layer = MapLayer(
        data, title=title, unit=unit, level=level, period=period, subtitle=subtitle,
        source=source, attribution=_attribution(dataset), label=dataset.label,
        threshold=policy.threshold,
    )  # fmt: skip
    return layer, level


def interactive_map(
    dataset: Dataset,
    request: MapRequest,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    data: pd.DataFrame | None = None,
    display_areas: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> folium.Map:
    """The interactive (folium) map for ``request``.

    The areas are drawn from a lighter copy of their geometry (edges
    simplified together, coordinates rounded; see
    :func:`meam_mapping.maps.simplify.simplify_for_display`); classes come
    from the data alone, so they are the same as on the full geometry.
    ``display_areas`` (level -> lightened areas, e.g. cached by the app)
    skips that work for the levels it holds.
    """
    from meam_mapping.maps.interactive import choropleth
    from meam_mapping.maps.simplify import simplify_for_display

    def shown(lvl: str) -> gpd.GeoDataFrame:
        if display_areas is not None and lvl in display_areas:
            return display_areas[lvl]
        return simplify_for_display(dataset.areas[lvl], level=lvl)

    if data is None:
        data = suppressed_slice(dataset, request.indicator, request.period, request.level, policy)
    layer, level = _map_layer(dataset, request, data, policy)
    outlines = _outlines(dataset, request, level)
    return choropleth(
        shown(level),
        layer,
        _map_spec(request),
        outlines=None if outlines is None else shown("lad"),
    )


def static_map_figure(
    dataset: Dataset,
    request: MapRequest,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    data: pd.DataFrame | None = None,
) -> Figure:
    """The static (matplotlib) map for ``request``."""
    from meam_mapping.maps.static import static_map

    if data is None:
        data = suppressed_slice(dataset, request.indicator, request.period, request.level, policy)
    layer, level = _map_layer(dataset, request, data, policy)
    return static_map(
        dataset.areas[level],
        layer,
        _map_spec(request, top_labels=5),
        outlines=_outlines(dataset, request, level),
    )


def render_map_file(
    dataset: Dataset,
    request: MapRequest,
    out: str | os.PathLike[str] | io.IOBase,
    *,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    format: str | None = None,
) -> Path | io.IOBase:
    """Write the map to ``out``; the format follows the file extension.

    Raises
    ------
    InputError
        For an extension other than .html, .png, .svg or .pdf.
    """
    if format is None:
        format = (
            Path(str(out)).suffix.lower().lstrip(".") if not isinstance(out, io.IOBase) else "html"
        )
    if format not in _FORMATS:
        raise InputError(
            f"cannot write a map as {format!r}",
            file=str(out),
            expected="a file name ending .html, .png, .svg or .pdf",
        )
    if format == "html":
        from meam_mapping.maps.interactive import save_standalone_html

        save_standalone_html(interactive_map(dataset, request, policy), out)
    else:
        from meam_mapping.maps.static import save_figure

        save_figure(static_map_figure(dataset, request, policy), out, format=format)
    return Path(out) if not isinstance(out, io.IOBase) else out


def display_table(data: pd.DataFrame, threshold: int | None = None) -> pd.DataFrame:
    """The map as a readable table: one row per area, highest rate first.

    Suppressed counts and rates read "suppressed", missing ones "no data",
    so the table carries the same protection as the map.
    """
    threshold = threshold or _threshold_of(data)
    hidden = f"suppressed (fewer than {threshold})" if threshold else "suppressed"
    unit = str(data["unit"].iloc[0]) if len(data) else ""
    ordered = data.sort_values("value", ascending=False, na_position="last")
    status = ordered["suppressed"].astype(bool)

    def shown(column: str, digits: int) -> list[object]:
        out: list[object] = []
        for value, is_hidden in zip(ordered[column], status, strict=True):
            if is_hidden and column != "denominator":
                out.append(hidden)
            elif pd.isna(value):
                out.append("no data")
            else:
                out.append(round(float(value), digits) if digits else int(round(float(value))))
        return out

    return pd.DataFrame(
        {
            "Area": ordered.get("area_name", ordered["area_code"]).to_numpy(),
            "Code": ordered["area_code"].to_numpy(),
            "Count": pd.Series(shown("count", 0), dtype=object).to_numpy(),
            "Population": pd.Series(shown("denominator", 0), dtype=object).to_numpy(),
            f"Rate ({unit})" if unit else "Value": pd.Series(
                shown("value", 2), dtype=object
            ).to_numpy(),
        }
    )


def _threshold_of(data: pd.DataFrame) -> int | None:
    text = str(data.attrs.get("disclosure_policy", ""))
    import re

    match = re.search(r"fewer than (\d+)", text)
    return int(match.group(1)) if match else None

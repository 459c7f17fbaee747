"""From a dataset to a drawn map: the published slice, then the map writers.

The app, the command line and the evidence pack draw the same map from the
same :class:`MapRequest`: the slice comes from the publication gate
(:func:`meam_mapping.pipeline.publish.map_slice`: one indicator and period,
added up to every coarser level, the disclosure policy applied to all levels
together) and is drawn interactive (folium) or static (matplotlib).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from meam_mapping.dataset import Dataset
from meam_mapping.disclosure import DEFAULT_POLICY, DisclosurePolicy
from meam_mapping.errors import InputError
from meam_mapping.indicators.table import unit_text

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import folium
    import geopandas as gpd
    from matplotlib.figure import Figure

    from meam_mapping.maps.interactive import ChoroplethParts
    from meam_mapping.maps.spec import MapLayer, MapSpec
    from meam_mapping.pipeline.compare import BenchmarkComparison

__all__ = [
    "MapRequest",
    "dataset_extent",
    "interactive_map",
    "interactive_map_parts",
    "parse_breaks",
    "render_map_file",
    "request_slice",
    "static_map_figure",
]

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
    benchmark_confidence : {0.95, 0.998}, optional
        Colour each area better / similar / worse than the study area at this
        confidence level (see :mod:`meam_mapping.pipeline.compare`) instead
        of classing its value.
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
    benchmark_confidence: float | None = None


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


def _title(dataset: Dataset, request: MapRequest, data: pd.DataFrame) -> tuple[str, str, str, str]:
    name = (
        data["indicator_name"].iloc[0]
        if "indicator_name" in data and len(data)
        else request.indicator
    )
    unit = unit_text(data)
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


def request_slice(
    dataset: Dataset,
    request: MapRequest,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    data: pd.DataFrame | None = None,
    comparison: BenchmarkComparison | None = None,
) -> tuple[pd.DataFrame, BenchmarkComparison | None]:
    """The published slice a request draws, and its benchmark comparison when asked.

    ``data`` and ``comparison`` (e.g. cached by the app) are used as given.
    """
    if data is None:
        from meam_mapping.pipeline.publish import map_slice

        data = map_slice(dataset, request.indicator, request.period, request.level, policy)
    if request.benchmark_confidence is None:
        return data, None
    from meam_mapping.pipeline.compare import benchmark_slice, compare_with_study_area

    if comparison is None:
        level = str(data["level"].iloc[0]) if len(data) else request.level
        comparison = compare_with_study_area(
            dataset, request.indicator, request.period, level, policy,
            confidence=request.benchmark_confidence,
        )  # fmt: skip
    return benchmark_slice(data, comparison), comparison


def _map_spec(
    request: MapRequest, top_labels: int = 0, comparison: BenchmarkComparison | None = None
) -> MapSpec:
    """The drawing choices of a request as a :class:`~meam_mapping.maps.spec.MapSpec`."""
    from meam_mapping.maps.spec import MapSpec

    breaks = parse_breaks(request.breaks_text)
    categories = None
    if comparison is not None:
        from meam_mapping.pipeline.compare import legend_categories  # 1 s to import: only here

        categories = legend_categories(comparison)
    return MapSpec(
        categories=categories,
        categories_note=None if comparison is None else comparison.legend_title,
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
        tooltip_fields=tuple(c for c in ("Compared with the study area",) if c in data.columns),
        caveat=not_drawn(dataset, level),
    )  # fmt: skip
    return layer, level


def not_drawn(dataset: Dataset, level: str) -> str:
    """The sentence on ``level``'s areas left out for missing some of theirs, or "".

    The maps show it (:attr:`meam_mapping.maps.spec.MapLayer.caveat`), and the
    Map page beside its level choice.
    """
    from meam_mapping.schema import LEVEL_WORDS

    short = dataset.left_out_parents(level)
    if not short:
        return ""
    word = LEVEL_WORDS.get(level, level)
    more = f" and {len(short) - 3} more" if len(short) > 3 else ""
    return (
        f"Not drawn: {len(short)} {word}(s) missing some of their areas from the boundary file "
        f"({', '.join(short[:3])}{more}), so their totals would fall short."
    )


def _interactive_inputs(
    dataset: Dataset,
    request: MapRequest,
    policy: DisclosurePolicy,
    data: pd.DataFrame | None,
    display_areas: Mapping[str, gpd.GeoDataFrame] | None,
    comparison: BenchmarkComparison | None,
) -> tuple[gpd.GeoDataFrame, MapLayer, MapSpec, gpd.GeoDataFrame | None]:
    """Areas, layer, spec and outlines of the interactive map for ``request``."""
    from meam_mapping.maps.simplify import simplify_for_display

    def shown(lvl: str) -> gpd.GeoDataFrame:
        if display_areas is not None and lvl in display_areas:
            return display_areas[lvl]
        return simplify_for_display(dataset.areas[lvl], level=lvl)

    data, comparison = request_slice(dataset, request, policy, data=data, comparison=comparison)
    layer, level = _map_layer(dataset, request, data, policy)
    outlines = _outlines(dataset, request, level)
    spec = _map_spec(request, comparison=comparison)
    return shown(level), layer, spec, None if outlines is None else shown("lad")


def interactive_map(
    dataset: Dataset,
    request: MapRequest,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    data: pd.DataFrame | None = None,
    display_areas: Mapping[str, gpd.GeoDataFrame] | None = None,
    comparison: BenchmarkComparison | None = None,
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

    areas, layer, spec, outlines = _interactive_inputs(
        dataset, request, policy, data, display_areas, comparison
    )
    return choropleth(areas, layer, spec, outlines=outlines)


def interactive_map_parts(
    dataset: Dataset,
    request: MapRequest,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    data: pd.DataFrame | None = None,
    display_areas: Mapping[str, gpd.GeoDataFrame] | None = None,
    comparison: BenchmarkComparison | None = None,
    extent: Sequence[float] | None = None,
) -> ChoroplethParts:
    """The map of :func:`interactive_map` as a base map and a layer group to swap on it.

    The base map depends only on the study area (``extent``, by default
    :func:`dataset_extent`), the background tiles option and whether the
    areas draw on a canvas; everything the request changes is in the group
    (see :func:`meam_mapping.maps.interactive.choropleth_parts`).
    """
    from meam_mapping.maps.interactive import choropleth_parts

    areas, layer, spec, outlines = _interactive_inputs(
        dataset, request, policy, data, display_areas, comparison
    )
    extent = dataset_extent(dataset) if extent is None else extent
    return choropleth_parts(areas, layer, spec, outlines=outlines, extent=extent)


def dataset_extent(dataset: Dataset) -> tuple[float, float, float, float]:
    """West, south, east, north of the dataset's study area in degrees (EPSG:4326).

    From the coarsest level held (districts when loaded), rounded outwards
    (see :func:`meam_mapping.maps.interactive.study_area_extent`).
    """
    from meam_mapping.maps.interactive import study_area_extent

    if not dataset.areas:
        raise InputError(
            "The dataset has no areas to draw",
            expected="boundaries for at least one level of geography",
            fix="Load boundaries on the Data page",
        )
    level = (
        "lad" if "lad" in dataset.areas else min(dataset.areas, key=lambda k: len(dataset.areas[k]))
    )
    return study_area_extent(dataset.areas[level])


def static_map_figure(
    dataset: Dataset,
    request: MapRequest,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    data: pd.DataFrame | None = None,
    comparison: BenchmarkComparison | None = None,
) -> Figure:
    """The static (matplotlib) map for ``request``."""
    from meam_mapping.maps.static import static_map

    data, comparison = request_slice(dataset, request, policy, data=data, comparison=comparison)
    layer, level = _map_layer(dataset, request, data, policy)
    # "Highest values" would list the best end of a decile or rank: no numbered labels then.
    ordinal = "kind" in data and data["kind"].isin(["rank", "decile", "quintile"]).any()
    return static_map(
        dataset.areas[level],
        layer,
        _map_spec(request, top_labels=0 if (comparison or ordinal) else 5, comparison=comparison),
        outlines=_outlines(dataset, request, level),
    )


def render_map_file(
    dataset: Dataset,
    request: MapRequest,
    out: str | os.PathLike[str] | io.IOBase,
    *,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    format: str | None = None,
    data: pd.DataFrame | None = None,
    display_areas: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> Path | io.IOBase:
    """Write the map to ``out``; the format follows the file extension.

    ``data`` is the published slice when already worked out (see
    :func:`request_slice`; e.g. kept by the command line); ``display_areas``
    the lightened areas of an interactive map, as in :func:`interactive_map`.

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

        save_standalone_html(
            interactive_map(dataset, request, policy, data=data, display_areas=display_areas), out
        )
    else:
        from meam_mapping.maps.static import save_figure

        save_figure(static_map_figure(dataset, request, policy, data=data), out, format=format)
    return Path(out) if not isinstance(out, io.IOBase) else out

"""Draw a map in the app: cached preparation, the map itself, legend and table."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from meam_mapping.dataset import Dataset
from meam_mapping.disclosure import DisclosurePolicy
from meam_mapping.errors import EstimationError, InputError
from meam_mapping.mapping import MapRequest, dataset_extent, interactive_map_parts
from meam_mapping.maps.interactive import ChoroplethParts
from meam_mapping.maps.simplify import simplify_for_display
from meam_mapping.pipeline.compare import BenchmarkComparison, with_comparison
from meam_mapping.pipeline.display import display_table
from meam_mapping.pipeline.slices import level_offer
from ui.cache import all_levels_cached, compare_chart_cached, comparison_cached, map_slice_cached
from ui.widgets import download_csv, show_problem, show_table


@st.cache_resource(show_spinner=False, max_entries=16)
def _display_areas(token: str, _dataset: Dataset, level: str) -> gpd.GeoDataFrame:
    # A resource, not data: the lightened areas are large and only read, so
    # every rerun shares one copy instead of unpickling its own.
    return simplify_for_display(_dataset.areas[level], level=level)


def cached_display_areas(dataset: Dataset, level: str) -> dict[str, gpd.GeoDataFrame]:
    """Areas lightened for drawing (``level`` and districts), cached by data content."""
    levels = [lvl for lvl in dict.fromkeys((level, "lad")) if lvl in dataset.areas]
    return {lvl: _display_areas(dataset.token, dataset, lvl) for lvl in levels}


@st.cache_data(show_spinner=False, max_entries=16)
def _extent(token: str, _dataset: Dataset) -> tuple[float, float, float, float]:
    return dataset_extent(_dataset)


def cached_extent(dataset: Dataset) -> tuple[float, float, float, float]:
    """The study area's extent (what every map of the dataset first fits), cached by data content."""
    return _extent(dataset.token, dataset)


def draw_parts(parts: ChoroplethParts, *, key: str, height: int) -> None:
    """Draw a map whose request-dependent layers are swapped in place on later reruns.

    streamlit-folium keys the map's frame by the base map's script (the same
    for every request over one study area), so a change of indicator,
    classes or level replaces the layer group in the drawn map instead of
    loading a new frame.
    """
    st_folium(parts.base, key=key, feature_group_to_add=parts.layers, height=height,
              use_container_width=True, returned_objects=[])  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=64)
def _levels(
    token: str, _dataset: Dataset, indicator: str, period: str | None
) -> tuple[list[str], dict[str, str]]:
    try:
        all_levels = all_levels_cached(token, _dataset, indicator, period)
    except InputError:  # no such indicator or period: nothing to offer
        return [], {}
    return level_offer(_dataset, indicator, period, all_levels=all_levels)


def cached_levels(dataset: Dataset, indicator: str, period: str | None) -> list[str]:
    """The levels ``indicator`` can be drawn at, cached by data content.

    Working them out adds the indicator up to every level (most of a Map
    page rerun when not cached).
    """
    return _levels(dataset.token, dataset, indicator, period)[0]


def cached_missing_levels(dataset: Dataset, indicator: str, period: str | None) -> dict[str, str]:
    """The coarser levels ``indicator`` cannot be drawn at, each with why (cached as :func:`cached_levels`)."""
    return _levels(dataset.token, dataset, indicator, period)[1]


def cached_slice(dataset: Dataset, request: MapRequest, policy: DisclosurePolicy) -> pd.DataFrame:
    """The suppressed indicator slice for ``request``, cached by data content."""
    return map_slice_cached(
        dataset.token, dataset, request.indicator, request.period, request.level, policy
    )


def cached_comparison(
    dataset: Dataset, request: MapRequest, policy: DisclosurePolicy, level: str
) -> BenchmarkComparison | None:
    """The benchmark comparison a request asks for (None in the ordinary map mode)."""
    if request.benchmark_confidence is None:
        return None
    return comparison_cached(
        dataset.token, dataset, request.indicator, request.period, level, policy,
        request.benchmark_confidence,
    )  # fmt: skip


def show_map(
    dataset: Dataset, request: MapRequest, policy: DisclosurePolicy, *, key: str, height: int = 620
) -> tuple[pd.DataFrame, BenchmarkComparison | None] | None:
    """Draw the interactive map for ``request`` with its legend and table.

    Returns the suppressed table shown and the benchmark comparison (None
    unless ``request.benchmark_confidence`` is set), or None when the map
    cannot be drawn (the reason is shown to the user).
    """
    try:
        data = cached_slice(dataset, request, policy)
        level = str(data["level"].iloc[0]) if len(data) else (request.level or "lsoa")
        try:
            comparison = cached_comparison(dataset, request, policy, level)
        except InputError as err:  # e.g. a score without counts: say why, draw the values
            st.info(f"Areas cannot be compared with the benchmark here: {err.message}",
                    icon=":material/info:")  # fmt: skip
            comparison, request = None, replace(request, benchmark_confidence=None)
        shown = cached_display_areas(dataset, level)
        parts = interactive_map_parts(
            dataset, request, policy, data=data, display_areas=shown, comparison=comparison,
            extent=cached_extent(dataset),
        )  # fmt: skip
    except (InputError, EstimationError) as err:
        show_problem(err)
        return None
    left, right = st.columns([5, 3])
    with left:
        if dataset.label:
            st.caption(f":material/science: {dataset.label}")
        draw_parts(parts, key=key, height=height)
        what = (
            "Colours compare each area with the study area's rate worked out from every area "
            "before any were hidden: an area is better or worse only when its whole confidence "
            "interval is on one side of it. "
            if comparison is not None
            else ""
        )
        st.caption(
            what + "Hover over an area to see its name, code, count, population and rate. "
            f"Hatched areas are not shown: fewer than {policy.threshold} people were counted there, "
            "or the figure is hidden to protect a small number nearby."
        )
    with right:
        table = display_table(data, policy.threshold)
        if comparison is not None:
            table = with_comparison(table, comparison)
        st.markdown("**The map as a table**")
        show_table(table, hide_index=True, width="stretch", height=height - 80)
        download_csv(table, f"{request.indicator}-{level}", key=f"{key}_csv")
        _profile_opener(table, level, key)
    return data, comparison


def _profile_opener(table: pd.DataFrame, level: str, key: str) -> None:
    """Pick an area of the table and open its profile page (in this session, with this data)."""
    from ui.profile import open_profile

    names = dict(zip(table["Code"].astype(str), table["Area"].astype(str), strict=False))
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    code = c1.selectbox("Open an area's profile", list(names), key=f"{key}_profile_area",
                        format_func=lambda c: names[c])  # fmt: skip
    if c2.button("Open", key=f"{key}_profile_open", icon=":material/person_pin_circle:"):
        open_profile(level, code)


def show_compare_chart(
    dataset: Dataset,
    request: MapRequest,
    policy: DisclosurePolicy,
    comparison: BenchmarkComparison,
    data: pd.DataFrame,
    *,
    key: str,
) -> None:
    """The compare-areas chart (sorted bars, intervals, benchmark line) with a PNG download."""
    level = str(data["level"].iloc[0]) if len(data) else (request.level or "")
    name = str(data["indicator_name"].iloc[0]) if "indicator_name" in data and len(data) else ""
    period = str(data["period"].iloc[0]) if "period" in data and len(data) else ""
    title = f"{name} ({period})" if period else name
    png, alt = compare_chart_cached(
        dataset.token, comparison, request.indicator, request.period, level, policy,
        comparison.confidence, title, dataset.label,
    )  # fmt: skip
    st.markdown("**Compare areas**")
    st.image(png, alt=alt, width="content")
    st.caption(alt)
    st.download_button(
        "Download this chart (PNG)", png, file_name=f"compare-{request.indicator}-{level}.png",
        mime="image/png", icon=":material/download:", key=f"{key}_png",
    )  # fmt: skip


def show_change_map(
    dataset: Dataset,
    request: MapRequest,
    policy: DisclosurePolicy,
    before: str,
    *,
    key: str,
    height: int = 620,
) -> None:
    """Map and table of each area's change in rate from ``before`` to ``request.period``."""
    from meam_mapping.maps.interactive import choropleth_parts
    from meam_mapping.maps.spec import MapLayer, MapSpec
    from meam_mapping.pipeline.change import change_legend, change_slice, change_table
    from ui.cache import change_cached

    try:
        after = cached_slice(dataset, request, policy)
        level = str(after["level"].iloc[0]) if len(after) else (request.level or "lsoa")
        change = change_cached(dataset.token, dataset, request.indicator, before,
                               str(request.period), level, policy)  # fmt: skip
        data = change_slice(after, change)
        shown = cached_display_areas(dataset, level)
        name = str(after["indicator_name"].iloc[0]) if len(after) else request.indicator
        layer = MapLayer(data, title=f"{name}: change", unit=f"rate ratio, {change.after} / {change.before}",
                         level=level, period=f"{change.before} to {change.after}", label=dataset.label,
                         threshold=policy.threshold, tooltip_fields=("Change (95% interval)",))  # fmt: skip
        spec = MapSpec(categories=change_legend(change), categories_note=change.legend_title,
                       outlines=request.outlines, tiles=request.tiles)  # fmt: skip
        outlines = shown.get("lad") if level != "lad" and request.outlines else None
        parts = choropleth_parts(shown[level], layer, spec, outlines=outlines,
                                 extent=cached_extent(dataset))  # fmt: skip
    except (InputError, EstimationError) as err:
        show_problem(err)
        return
    left, right = st.columns([5, 3])
    with left:
        if dataset.label:
            st.caption(f":material/science: {dataset.label}")
        draw_parts(parts, key=key, height=height)
        st.caption(
            f"Each area's rate in {change.after} divided by its rate in {change.before}, with a 95% "
            "interval: a change is shown only when the interval excludes no change (1). "
            f"{change.note} Hatched areas are hidden in at least one period to protect small numbers."
        )
    with right:
        table = change_table(change)
        st.markdown("**The change as a table**")
        show_table(table, hide_index=True, width="stretch", height=height - 80)
        download_csv(table, f"change-{request.indicator}-{level}", key=f"{key}_csv")

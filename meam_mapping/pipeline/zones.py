"""Estimated people per area, focus zones and caseload plans.

The district estimates (see :mod:`meam_mapping.pipeline.hidden`) are spread
over the areas of the analysis level, grouped into contiguous focus zones of
at least ``zone_floor`` estimated people, and turned into caseload plans at
each coordinator ratio. Everything here is unsuppressed; the tables people
see come from :mod:`meam_mapping.pipeline.publish`.

Estimated people per area
-------------------------
Each area's share of its district estimate is taken from the people already
known to two or more services there: ``estimated people in area = known count
in area x (district estimate / district known count)``. This assumes the
hidden people of a district live in the same places as its known people;
where services reach some neighbourhoods less well, the estimate for those
neighbourhoods is too low.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from meam_mapping.errors import EstimationError, InputError

if TYPE_CHECKING:
    from meam_mapping.caseload import CaseloadPlan
    from meam_mapping.dataset import Dataset
    from meam_mapping.pipeline.hidden import HiddenResult
    from meam_mapping.pipeline.settings import AnalysisSettings

__all__ = ["caseload_plan", "caseloads", "focus_zones", "people_by_area"]


def people_by_area(
    dataset: Dataset, raw: pd.DataFrame, hidden: HiddenResult, settings: AnalysisSettings
) -> pd.DataFrame:
    """District estimates spread over areas in proportion to known people.

    Parameters
    ----------
    dataset : Dataset
    raw : pandas.DataFrame
        Every indicator at every level (:func:`~meam_mapping.pipeline.slices.every_indicator_all_levels`).
    hidden : HiddenResult
        The district estimates and the headline.
    settings : AnalysisSettings

    Returns
    -------
    pandas.DataFrame
        ``area_code, known, adults, lad_code, estimate, lower, upper``; the
        estimates of a district's areas add up to its estimate, and those of
        all areas to the headline where every district was estimated.
    """
    level = settings.level
    known = raw[(raw["level"] == level) & (raw["indicator"] == settings.known_indicator)]
    if known.empty or known["count"].isna().all():
        raise InputError(
            f"there is no indicator {settings.known_indicator!r} with counts at {level} level "
            "to spread the district estimates over areas",
            column="indicator",
            fix="Add a count of people known to two or more services per area",
        )
    if known["count"].isna().any():
        raise EstimationError(
            f"{int(known['count'].isna().sum())} areas have no known count, so the estimate "
            "cannot be spread over every area"
        )
    areas = dataset.areas[level]
    lad_of = (
        areas.set_index("area_code")["lad_code"]
        if "lad_code" in areas.columns
        else pd.Series(np.nan, index=areas["area_code"])
    )
    frame = pd.DataFrame(
        {
            "area_code": known["area_code"].astype(str).to_numpy(),
            "known": known["count"].to_numpy(dtype=float),
            "adults": known["denominator"].to_numpy(dtype=float),
        }
    )
    frame["lad_code"] = frame["area_code"].map(lad_of).astype("str").to_numpy()
    total = hidden.headline
    rows = (
        hidden.by_area.set_index("area_code")
        if len(hidden.by_area)
        else pd.DataFrame(columns=["n_hat", "ci_low", "ci_high"])
    )
    known_by_lad = frame.groupby("lad_code")["known"].sum()
    overall = float(frame["known"].sum())
    if overall <= 0:
        raise EstimationError("nobody is known to two or more services in any area")
    factors = {}
    for lad, k in known_by_lad.items():
        row = rows.loc[lad] if lad in rows.index else None
        if row is not None and pd.notna(row["n_hat"]) and k > 0:
            factors[lad] = (row["n_hat"] / k, row["ci_low"] / k, row["ci_high"] / k)
        else:  # no district estimate: use the study-area ratio
            factors[lad] = (total.n_hat / overall, total.ci_low / overall,
                            total.ci_high / overall)  # fmt: skip
    for j, column in enumerate(("estimate", "lower", "upper")):
        frame[column] = frame["known"] * frame["lad_code"].map(lambda d, j=j: factors[d][j])
    frame = frame.sort_values("area_code", ignore_index=True)
    frame.attrs["indicator"] = settings.known_indicator
    return frame


def focus_zones(
    areas: gpd.GeoDataFrame,
    people: pd.DataFrame,
    scores: pd.DataFrame | None,
    hotspots: pd.DataFrame | None,
    settings: AnalysisSettings,
) -> tuple[pd.DataFrame, pd.DataFrame, gpd.GeoDataFrame, list[str]]:
    """Contiguous zones of at least ``zone_floor`` estimated people, ranked by rate."""
    from meam_mapping.concentrate.zones import FocusZones

    data = people.set_index("area_code")[["estimate", "lower", "upper", "adults"]].copy()
    similarity = "estimate"
    if scores is not None:
        data["score"] = scores.set_index("area_code")["score"].reindex(data.index)
        if data["score"].notna().all():
            similarity = "score"
    model = FocusZones(
        settings.zone_method,
        floor=settings.zone_floor,
        floor_column="estimate",
        similarity=similarity,
        random_state=settings.random_state,
    ).fit(areas, data.reset_index())
    assignment = model.assignment_.copy()
    assignment["area_code"] = assignment["area_code"].astype(str)
    placed = assignment.dropna(subset=["zone"]).merge(
        data.reset_index(), on="area_code", how="left"
    )
    hot = set()
    if hotspots is not None:
        hot = set(hotspots.loc[hotspots["category"] == "Hot spot", "area_code"].astype(str))
    placed["hot"] = placed["area_code"].isin(hot)
    zones = placed.groupby("zone").agg(
        n_areas=("area_code", "size"),
        estimate=("estimate", "sum"),
        lower=("lower", "sum"),
        upper=("upper", "sum"),
        adults=("adults", "sum"),
        mean_score=("score", "mean") if "score" in placed else ("estimate", lambda s: np.nan),
        hot_spot_areas=("hot", "sum"),
        area_codes=("area_code", lambda s: ", ".join(sorted(s))),
    )
    zones = zones.reset_index()
    zones["zone"] = zones["zone"].astype(int)
    zones["rate_per_1000"] = zones["estimate"] / zones["adults"] * 1000
    order = zones.sort_values(["rate_per_1000", "zone"], ascending=[False, True])
    zones["priority"] = zones["zone"].map({z: i + 1 for i, z in enumerate(order["zone"])})
    zones["label"] = "Zone " + zones["zone"].astype(str)
    zones = zones.sort_values("priority", ignore_index=True)
    geometry = model.geometry_[["zone", "geometry"]].copy()
    geometry["zone"] = geometry["zone"].astype(int)
    geometry = geometry.merge(zones[["zone", "label", "priority"]], on="zone")
    return zones, assignment, geometry, list(model.warnings_)


def caseload_plan(
    zones: pd.DataFrame,
    headline: dict[str, Any] | None,
    *,
    coordinator_ratio: int,
    reach_share: float | None = None,
    caseload_size: int | None = None,
) -> CaseloadPlan:
    """One caseload plan from the focus zones, sized on the headline and its interval.

    Parameters
    ----------
    zones : pandas.DataFrame
        Focus zones (``label, estimate, lower, upper``) from :func:`focus_zones`.
    headline : dict or None
        The published headline (:func:`~meam_mapping.pipeline.publish.headline_of`):
        the plan's estimate and range are this figure and its 95% interval
        (not the zone limits added up), so the caseload never shows a
        figure more precise than the headline.
    coordinator_ratio, reach_share, caseload_size
        As :func:`meam_mapping.caseload.plan_caseload`.
    """
    from meam_mapping.caseload import plan_caseload

    table = zones[["label", "estimate", "lower", "upper"]].rename(columns={"label": "zone"})
    total = None
    if headline is not None and headline.get("n_hat") is not None:
        total = (float(headline["n_hat"]), float(headline["ci_low"]), float(headline["ci_high"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return plan_caseload(
            table,
            coordinator_ratio=int(coordinator_ratio),
            reach_share=None if caseload_size else reach_share,
            caseload_size=caseload_size or None,
            total=total,
        )


def caseloads(
    zones: pd.DataFrame, headline: dict[str, Any] | None, settings: AnalysisSettings
) -> dict[int, CaseloadPlan]:
    """A caseload plan per coordinator ratio of ``settings``."""
    return {
        int(ratio): caseload_plan(
            zones, headline, coordinator_ratio=int(ratio), reach_share=settings.reach_share
        )
        for ratio in settings.coordinator_ratios
    }

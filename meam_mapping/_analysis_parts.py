"""The parts of :func:`meam_mapping.analysis.run_analysis`, one function each.

Private: the public entry point is :mod:`meam_mapping.analysis`. Each part
takes frames and settings and returns frames; each raises
:class:`~meam_mapping.errors.InputError` or
:class:`~meam_mapping.errors.EstimationError` when it cannot be done, which
``run_analysis`` records as "not available".
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from meam_mapping.errors import EstimationError, InputError

if TYPE_CHECKING:
    from meam_mapping.analysis import AnalysisSettings
    from meam_mapping.caseload import CaseloadPlan
    from meam_mapping.dataset import Dataset
    from meam_mapping.disclosure import DisclosurePolicy

__all__: list[str] = []

_STUDY_AREA = "Study area"


def hidden_by_district(dataset: Dataset, settings: AnalysisSettings) -> pd.DataFrame:
    """Multiple systems estimates per district (``area_code``) plus the total row."""
    from meam_mapping.estimate import estimate_by_stratum, estimate_hidden

    patterns = dataset.patterns
    if patterns is None or len(patterns) == 0:
        raise EstimationError("no overlap (pattern) table was loaded")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if "area_code" in patterns.columns and patterns["area_code"].nunique() > 1:
            frame = estimate_by_stratum(patterns, "area_code", select=settings.select)
        else:
            est = estimate_hidden(patterns.drop(columns=["area_code"], errors="ignore"),
                                  select=settings.select)  # fmt: skip
            frame = pd.DataFrame([{"area_code": "Total", **est.to_record()}])
    frame["area_code"] = frame["area_code"].astype(str)
    return frame.reset_index(drop=True)


def district_prevalence(
    raw: pd.DataFrame, published: pd.DataFrame, names: pd.Series, policy: DisclosurePolicy
) -> pd.DataFrame:
    """Rates per 1,000 with 95% intervals per district, against the study area."""
    from meam_mapping.disclosure import carry_mark
    from meam_mapping.estimate import compare_with_benchmark, prevalence
    from meam_mapping.indicators.table import unit_text
    from meam_mapping.indicators.units import parse_unit

    lad = published[(published["level"] == "lad") & published["count"].notna()
                    | (published["level"] == "lad") & published["suppressed"]]  # fmt: skip
    if lad.empty:
        raise InputError(
            "no indicator has counts at district level",
            fix="Load boundaries with district codes (lad_code) so counts can be added up",
        )
    frames = []
    for indicator, rows in lad.groupby("indicator", sort=False):
        rows = rows.reset_index(drop=True)
        raw_rows = raw[(raw["level"] == "lad") & (raw["indicator"] == indicator)]
        unit = parse_unit(str(rows["unit"].iloc[0]))
        if not unit.is_rate:  # counts, scores, ranks: no rate to compare
            continue
        total = float(raw_rows["count"].sum())
        adults = float(raw_rows["denominator"].sum())
        bench = total / adults * unit.multiplier if adults > 0 else np.nan
        if policy.is_small([total])[0] or raw_rows["count"].isna().any():
            bench = np.nan
        table = rows[["area_code", "indicator", "indicator_name", "period", "count",
                      "denominator", "unit", "suppressed", "suppression"]]  # fmt: skip
        result = prevalence(table, unit=unit_text(rows) or unit.label)
        result = compare_with_benchmark(result, benchmark=bench, benchmark_label="study area")
        hidden = result["suppressed"].astype(bool).to_numpy()
        result.loc[hidden, "reason"] = "count suppressed (small number)"
        result.loc[hidden & (result["suppression"] == "withheld by source"), "reason"] = (
            "count withheld by the source"
        )
        frames.append(result)
    if not frames:
        raise InputError(
            "no indicator has a rate (count and denominator) at district level",
            fix="Load counts with denominators so rates per 1,000 can be worked out",
        )
    out = pd.concat(frames, ignore_index=True)
    out.insert(1, "area_name", out["area_code"].map(names).fillna(out["area_code"]))
    keep = ["indicator", "indicator_name", "period", "area_code", "area_name", "count",
            "denominator", "value", "lower", "upper", "unit", "benchmark", "comparison",
            "method", "reason", "suppressed", "suppression"]  # fmt: skip
    return carry_mark(published, out[keep])


def composite(
    level_raw: pd.DataFrame, areas: gpd.GeoDataFrame, settings: AnalysisSettings
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Composite index scores from domain rates on added-up counts."""
    from meam_mapping.concentrate.index import CompositeIndex, domain_rates

    counted = level_raw[level_raw["count"].notna() & (level_raw["domain"] != "context")]
    if counted.empty:
        raise InputError(
            f"no indicator has counts at {settings.level} level outside the context domain",
            expected="counts for homelessness, substance misuse, mental health or justice",
        )
    rates = domain_rates(counted, areas, ci=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = CompositeIndex(
            method=settings.index_method,  # type: ignore[arg-type]
            weights=settings.index_weights,
            n_simulations=200,
            random_state=settings.random_state,
        ).fit(rates)
    scores = model.scores_.copy()
    scores["area_code"] = scores["area_code"].astype(str)
    return scores.reset_index(drop=True), dict(model.weights_)


def hotspots(
    areas: gpd.GeoDataFrame, scores: pd.DataFrame, settings: AnalysisSettings
) -> tuple[pd.DataFrame, str, list[str]]:
    """Getis-Ord Gi* hot spots of the index (permutation test with FDR)."""
    from meam_mapping.concentrate.hotspots import Hotspots

    values = pd.Series(scores["score"].to_numpy(), index=scores["area_code"].to_numpy())
    model = Hotspots(
        "gi_star",
        weights=settings.hotspot_weights,
        permutations=settings.permutations,
        alpha=settings.alpha,
        random_state=settings.random_state,
    ).fit(areas, values)
    return model.result_.reset_index(drop=True), model.explain(), list(model.warnings_)


def people_by_area(
    dataset: Dataset, raw: pd.DataFrame, hidden: pd.DataFrame, settings: AnalysisSettings
) -> pd.DataFrame:
    """District estimates spread over areas in proportion to known people."""
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
    total = hidden.iloc[-1]
    rows = hidden.set_index("area_code")
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
            factors[lad] = (total["n_hat"] / overall, total["ci_low"] / overall,
                            total["ci_high"] / overall)  # fmt: skip
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


def caseloads(zones: pd.DataFrame, settings: AnalysisSettings) -> dict[int, CaseloadPlan]:
    """A caseload plan per coordinator ratio, from the zone estimates."""
    from meam_mapping.caseload import plan_caseload

    table = zones[["label", "estimate", "lower", "upper"]].rename(columns={"label": "zone"})
    plans: dict[int, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for ratio in settings.coordinator_ratios:
            plans[int(ratio)] = plan_caseload(
                table, coordinator_ratio=int(ratio), reach_share=settings.reach_share
            )
    return plans

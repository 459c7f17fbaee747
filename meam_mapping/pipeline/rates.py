"""Rates with intervals against a benchmark, funnels and the visibility gap.

Rates are worked out on the raw counts of every level (summed up the area
hierarchy, never averaged), compared with a benchmark computed from the
*full* table before any suppression (the study area's pooled rate, each
area's district, or a typed value), and only then passed through the
disclosure policy, so a funnel's centre line and a comparison never depend on
which areas happened to be hidden.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from meam_mapping.dataset import Dataset
from meam_mapping.disclosure import (
    DEFAULT_POLICY,
    DisclosurePolicy,
    carry_mark,
    suppress_counts,
    suppress_indicators,
)
from meam_mapping.errors import InputError
from meam_mapping.pipeline.slices import indicator_all_levels, parent_lookup

__all__ = ["PrevalenceResult", "district_prevalence", "prevalence_by_area", "visibility"]


@dataclass(frozen=True)
class PrevalenceResult:
    """Published rates of one indicator at one level, with their benchmark.

    Attributes
    ----------
    table : pandas.DataFrame
        Suppressed rows: ``area_code, area_name, count, denominator, value,
        lower, upper, unit, benchmark, comparison, ...``.
    benchmark : float
        The funnel's centre in the indicator's unit: the typed value, or the
        study area's rate from the full table before suppression (also when
        each area is compared with its own district).
    benchmark_label : str
        What the benchmark is, in words.
    unit : str
        The indicator's unit label.
    """

    table: pd.DataFrame
    benchmark: float
    benchmark_label: str
    unit: str


def _pooled_rate(rows: pd.DataFrame) -> float:
    """Rate of the whole table (sum of counts over sum of denominators), in its unit."""
    from meam_mapping.estimate.prevalence import parse_unit

    counted = rows.dropna(subset=["count", "denominator"])
    total, base = float(counted["count"].sum()), float(counted["denominator"].sum())
    if base <= 0 or counted.empty:
        return float("nan")
    unit = parse_unit(str(rows["unit"].dropna().iloc[0])) if rows["unit"].notna().any() else None
    multiplier = unit.multiplier if unit is not None else 1000
    return total / base * multiplier


def prevalence_by_area(
    dataset: Dataset,
    indicator: str,
    period: str | None,
    level: str | None,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    benchmark: str | float = "study_area",
) -> PrevalenceResult:
    """Rates with 95% intervals and the comparison with a benchmark, suppressed.

    Parameters
    ----------
    benchmark : {'study_area', 'parent'} or float
        Compare with the whole study area, each area's district, or a value
        the user typed (e.g. the England rate, in the indicator's unit).
    """
    from meam_mapping.estimate import compare_with_benchmark, prevalence

    table, native = indicator_all_levels(dataset, indicator, period)
    level = level or native
    if level not in set(table["level"]):
        raise InputError(
            f"indicator {indicator!r} has no figures at level {level!r}",
            expected="one of " + ", ".join(dict.fromkeys(table["level"])),
            fix="Choose a level the indicator has (figures without counts cannot be added up)",
        )
    if not table["count"].notna().any():
        raise InputError(
            f"indicator {indicator!r} has no counts, so no confidence interval can be worked out",
            fix="Choose an indicator with counts and populations (denominators)",
        )
    parts = []
    for lvl, rows in table.groupby("level", sort=False):
        result = prevalence(rows.reset_index(drop=True))
        parent_column = None
        if benchmark == "parent":
            parents = parent_lookup(dataset)
            result["parent_code"] = result["area_code"].map(parents)
            parent_column = "parent_code"
            if result["parent_code"].isna().all():
                result = result.assign(
                    benchmark=np.nan, benchmark_label="no parent", comparison="not compared"
                )
                parts.append(result)
                continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            parent_table = (
                table[["area_code", "count", "denominator"]] if benchmark == "parent" else None
            )
            result = compare_with_benchmark(
                result, benchmark=benchmark, parent_column=parent_column, parent_table=parent_table
            )
        parts.append(result.assign(level=lvl))
    combined = pd.concat(parts, ignore_index=True)
    safe = suppress_indicators(combined, policy, parent_of=parent_lookup(dataset))
    out = safe.loc[safe["level"] == level].reset_index(drop=True)
    names = dataset.areas[level].set_index("area_code")["area_name"]
    out["area_name"] = out["area_code"].map(names)
    raw = table.loc[table["level"] == level]
    if benchmark == "study_area":
        value, label = _pooled_rate(raw), "Study area average (all areas, before suppression)"
    elif benchmark == "parent":  # areas are compared with their district; the funnel's centre
        value, label = _pooled_rate(raw), "Study area average (all areas, before suppression)"
    else:
        value, label = float(benchmark), "Benchmark value"
    from meam_mapping.indicators.table import unit_text

    unit = unit_text(raw)
    return PrevalenceResult(
        table=carry_mark(safe, out), benchmark=value, benchmark_label=label, unit=unit
    )


def district_prevalence(
    raw: pd.DataFrame, published: pd.DataFrame, names: pd.Series, policy: DisclosurePolicy
) -> pd.DataFrame:
    """Rates per 1,000 with 95% intervals per district, against the study area."""
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


def visibility(
    dataset: Dataset,
    indicator: str,
    context: list[str],
    level: str,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    period: str | None = None,
) -> tuple[pd.DataFrame, str]:
    """Known cases against peers' expectation, per area (suppressed), and the assumption text."""
    from meam_mapping.estimate import VisibilityGap

    target, _ = indicator_all_levels(dataset, indicator, period)
    target = target.loc[
        target["level"] == level, ["area_code", "count", "denominator", "suppressed"]
    ]
    frame = target.copy()
    for name in context:
        ctx = dataset.indicators.loc[dataset.indicators["indicator"] == name]
        if ctx.empty:
            raise InputError(f"there is no context indicator {name!r}")
        if not ctx["area_code"].isin(frame["area_code"]).any():
            raise InputError(
                f"the context indicator {name!r} is not available at level {level!r}",
                fix="Choose the level the context indicator comes at (context scores are not aggregated)",
            )
        frame[name] = frame["area_code"].map(
            ctx.drop_duplicates("area_code").set_index("area_code")["value"]
        )
    frame = frame.loc[~frame["suppressed"].astype(bool)]
    model = VisibilityGap(context=context, random_state=0).fit(frame.drop(columns="suppressed"))
    result = model.result_.rename(columns={"observed": "count"})
    safe = suppress_counts(
        result, ["count"], policy, derived={"count": ["ratio", "ratio_lower", "ratio_upper"]}
    )
    names = dataset.areas[level].set_index("area_code")["area_name"]
    safe["area_name"] = safe["area_code"].map(names)
    return safe, model.assumption_text_



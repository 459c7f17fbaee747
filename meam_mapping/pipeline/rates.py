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
    SMALL,
    DisclosurePolicy,
    carry_mark,
    hidden_note,
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
        # Only a small count is called small: a district hidden to protect a small number
        # nearby, or not known because counts inside it were withheld, may be large.
        why = result["suppression"].fillna("").astype(str)
        result.loc[hidden, "reason"] = [
            "count suppressed (small number)" if w in ("", SMALL) else "count " + hidden_note(w)
            for w in why[hidden]
        ]
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
    any_indicator: str | None = None,
) -> tuple[pd.DataFrame, str]:
    """Areas less visible to services than the rest of their district (suppressed), and the text.

    Parameters
    ----------
    dataset : Dataset
    indicator : str
        People known to two or more services (e.g. ``known_multiple_disadvantage``).
    context : list of str
        Context indicators (values) that separate places services reach
        differently, e.g. distance to the nearest service or rurality.
    level : str
        Level of the areas (usually ``'lsoa'``); areas are compared within
        their district when the level's areas carry ``lad_code``.
    policy : DisclosurePolicy
    period : str, optional
    any_indicator : str, optional
        People known to any service; default ``known_md_any`` or ``known_any``.

    Returns
    -------
    tuple of (pandas.DataFrame, str)
        One row per area (``area_code, area_name, group_label, count, group_share,
        stratum_share, ratio, p_lower, flag, chance, reason``; ``count`` = known
        to any service, suppressed) with ``attrs`` ``expected_by_chance``,
        ``n_flagged`` and ``method``; and the plain-English method text.
    """
    from meam_mapping.estimate import VisibilityGap

    ids = set(dataset.indicators["indicator"].astype(str))
    if any_indicator is None:
        any_indicator = next((c for c in ("known_md_any", "known_any") if c in ids), None)
    if any_indicator is None or any_indicator not in ids:
        raise InputError(
            "the visibility gap needs the number of people known to any service per area",
            column="indicator",
            expected=f"an indicator 'known_md_any' (or 'known_any') beside {indicator!r}",
            fix="Ask the services for the count of people known to at least one of them per area "
            "(an aggregated count, no records about people)",
        )
    frames = {}
    for key, name in (("known_any", any_indicator), ("known_2plus", indicator)):
        rows, _ = indicator_all_levels(dataset, name, period)
        rows = rows.loc[rows["level"] == level].drop_duplicates("area_code").set_index("area_code")
        if rows.empty:
            raise InputError(f"indicator {name!r} has no counts at level {level!r}",
                             fix="Choose the level the counts come at")  # fmt: skip
        frames[key] = rows
    frame = pd.DataFrame({
        "known_any": frames["known_any"]["count"],
        "known_2plus": frames["known_2plus"]["count"].reindex(frames["known_any"].index),
        "suppressed": frames["known_any"]["suppressed"].astype(bool)
        | frames["known_2plus"]["suppressed"].reindex(frames["known_any"].index).fillna(True).astype(bool),
    })  # fmt: skip
    frame.loc[frame[["known_any", "known_2plus"]].isna().any(axis=1), "suppressed"] = True
    frame = frame.fillna({"known_any": 0.0, "known_2plus": 0.0})
    frame.index = frame.index.astype(str).rename("area_code")
    for name in context:
        ctx = dataset.indicators.loc[dataset.indicators["indicator"] == name]
        if ctx.empty:
            raise InputError(f"there is no context indicator {name!r}")
        if not ctx["area_code"].isin(frame.index).any():
            raise InputError(
                f"the context indicator {name!r} is not available at level {level!r}",
                fix="Choose the level the context indicator comes at (context scores are not aggregated)",
            )
        frame[name] = frame.index.map(
            ctx.drop_duplicates("area_code").set_index("area_code")["value"]
        )
    frame = frame.dropna(subset=list(context))
    areas = dataset.areas[level].set_index("area_code")
    stratum = None
    if level != "lad" and "lad_code" in areas and areas["lad_code"].notna().all():
        frame["lad_code"] = frame.index.map(areas["lad_code"].astype(str))
        stratum = "lad_code"
    model = VisibilityGap(context=list(context), stratum=stratum).fit(frame.reset_index())
    result = model.result_.rename(columns={"known": "count"}).drop(columns=["two_plus", "p_upper"])
    safe = suppress_counts(result, ["count"], policy, derived={"count": []})
    safe["area_name"] = safe["area_code"].map(areas["area_name"])
    safe.attrs.update(expected_by_chance=model.expected_by_chance_, n_flagged=model.n_flagged_,
                      method=model.method_)  # fmt: skip
    return safe, model.assumption_text_

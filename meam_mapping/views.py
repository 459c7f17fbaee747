"""Estimates as people see them: computed on raw counts, then suppressed.

Each function here runs an estimator from :mod:`meam_mapping.estimate` on the
dataset's raw (aggregated) counts and passes the result through the
disclosure policy before returning it, so what the app shows and what the
exports write is always safe. The estimators themselves stay pure.
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
from meam_mapping.errors import EstimationError, InputError
from meam_mapping.estimate.mse import MultipleSystemsEstimator
from meam_mapping.estimate.mse.patterns import detect_lists
from meam_mapping.estimate.prevalence import compare_with_benchmark, prevalence
from meam_mapping.estimate.visibility import VisibilityGap
from meam_mapping.mapping import indicator_all_levels, parent_lookup

__all__ = [
    "HiddenView",
    "estimate_map_data",
    "hidden_view",
    "pattern_lists",
    "prevalence_view",
    "visibility_view",
]


def prevalence_view(
    dataset: Dataset,
    indicator: str,
    period: str | None,
    level: str | None,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    benchmark: str | float = "study_area",
) -> pd.DataFrame:
    """Rates with 95% intervals and the comparison with a benchmark, suppressed.

    Parameters
    ----------
    benchmark : {'study_area', 'parent'} or float
        Compare with the whole study area, each area's district, or a value
        the user typed (e.g. the England rate, in the indicator's unit).
    """
    table, native = indicator_all_levels(dataset, indicator, period)
    level = level or native
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
    return carry_mark(safe, out)


def pattern_lists(patterns: pd.DataFrame) -> list[str]:
    """The service (list) columns of an overlap table."""
    strata = [c for c in ("area_code", "sex", "age_band") if c in patterns]
    return list(detect_lists(patterns.drop(columns=strata)))


@dataclass(frozen=True)
class HiddenView:
    """Hidden-population estimates ready to show.

    Attributes
    ----------
    estimates : pandas.DataFrame
        One row per stratum (and a total): ``stratum, observed, n_hat,
        ci_low, ci_high, hidden, hidden_share, model, method, ci_method,
        warnings``; ``observed`` suppressed by the policy where small.
    comparison : pandas.DataFrame
        Model comparison table of the pooled (all strata) fit.
    overlap : pandas.DataFrame
        The overlap table summed over strata, one row per pattern with a
        readable ``pattern`` label and the (suppressed) ``count``.
    """

    estimates: pd.DataFrame
    comparison: pd.DataFrame
    overlap: pd.DataFrame


def hidden_view(
    dataset: Dataset,
    lists: list[str],
    *,
    by: str | None = "area_code",
    interactions: str | None = None,
    select: str | None = "aic",
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> HiddenView:
    """Estimate the hidden population per stratum from the dataset's overlap table.

    Raises
    ------
    InputError
        If there is no overlap table or fewer than two lists are chosen.
    """
    patterns = dataset.patterns
    if patterns is None or patterns.empty:
        raise InputError(
            "there is no overlap table loaded",
            fix="Load a table of people seen by each combination of services (see the README's input formats)",
        )
    if len(lists) < 2:
        raise InputError("choose at least two services (lists) to compare", column="lists")
    keep = [*lists, "count"] + ([by] if by else [])
    table = patterns[keep].groupby([*([by] if by else []), *lists], as_index=False)["count"].sum()
    table = table.loc[table[lists].sum(axis=1) > 0]
    rows = []
    groups = table.groupby(by) if by else [("All areas", table)]
    names = {}
    if by == "area_code":
        for level in dataset.levels:
            names.update(dataset.areas[level].set_index("area_code")["area_name"].to_dict())
    for key, part in groups:
        rows.append(
            _estimate_row(
                part.drop(columns=[by] if by else []), lists, interactions, select, key, names
            )
        )
    pooled = MultipleSystemsEstimator(
        interactions=interactions, select=select if interactions is None else None
    )
    comparison = pd.DataFrame()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pooled.fit(
                table.drop(columns=[by] if by else []).groupby(lists, as_index=False)["count"].sum()
            )
        comparison = pooled.comparison_
        if len(rows) > 1:
            rows.append(_row_from(pooled, "All areas (one model)", "All areas (one model)"))
    except (EstimationError, InputError) as err:
        rows.append(
            {
                "stratum": "All areas (one model)",
                "name": "All areas",
                "warnings": f"not estimated: {err}",
            }
        )
    estimates = pd.DataFrame(rows)
    estimates = suppress_counts(estimates, ["observed"], policy, derived={"observed": []})
    overlap = table.groupby(lists, as_index=False)["count"].sum()
    overlap.insert(
        0, "pattern", overlap[lists].apply(lambda r: " + ".join(c for c in lists if r[c]), axis=1)
    )
    overlap = overlap.sort_values("count", ascending=False, ignore_index=True)
    overlap = suppress_counts(overlap, ["count"], policy)
    return HiddenView(estimates=estimates, comparison=comparison, overlap=overlap)


def _estimate_row(
    part: pd.DataFrame,
    lists: list[str],
    interactions: str | None,
    select: str | None,
    key: object,
    names: dict,
) -> dict:
    estimator = MultipleSystemsEstimator(
        interactions=interactions, select=select if interactions is None else None
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator.fit(part)
    except (EstimationError, InputError) as err:
        return {
            "stratum": key,
            "name": names.get(key, key),
            "observed": float(part["count"].sum()),
            "warnings": f"not estimated: {err}",
        }
    return _row_from(estimator, key, names.get(key, key))


def _row_from(estimator: MultipleSystemsEstimator, key: object, name: object) -> dict:
    model = (
        ", ".join(estimator.model_) if estimator.model_ else "main effects only (lists independent)"
    )
    return {
        "stratum": key,
        "name": name,
        "observed": float(estimator.observed_),
        "n_hat": float(estimator.n_hat_),
        "ci_low": float(estimator.ci_low_),
        "ci_high": float(estimator.ci_high_),
        "hidden": float(estimator.hidden_),
        "hidden_share": float(estimator.hidden_ / estimator.n_hat_) if estimator.n_hat_ else np.nan,
        "model": model,
        "method": estimator.method_,
        "ci_method": estimator.ci_method_,
        "warnings": " | ".join(estimator.warnings_),
    }


def visibility_view(
    dataset: Dataset,
    indicator: str,
    context: list[str],
    level: str,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    period: str | None = None,
) -> tuple[pd.DataFrame, str]:
    """Known cases against peers' expectation, per area (suppressed), and the assumption text."""
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


def estimate_map_data(
    dataset: Dataset,
    estimates: pd.DataFrame,
    *,
    column: str = "n_hat",
    policy: DisclosurePolicy = DEFAULT_POLICY,
) -> tuple[pd.DataFrame, str]:
    """Per-area estimates as a map slice: people per 1,000 adults, or hidden share.

    Parameters
    ----------
    estimates : pandas.DataFrame
        ``HiddenView.estimates`` with ``stratum`` holding area codes.
    column : {'n_hat', 'hidden_share'}
        Map the estimated number of people (as a rate per 1,000 adults of
        the area) or the share of them no service saw (per cent).

    Returns
    -------
    data : pandas.DataFrame
        A suppressed indicator slice for :func:`meam_mapping.maps.choropleth`.
    level : str
        The level of the areas.
    """
    rows = estimates.loc[estimates["stratum"].astype(str).str.len() > 0].copy()
    level = dataset.level_of(rows["stratum"].astype(str))
    rows = rows.loc[rows["stratum"].isin(dataset.areas[level]["area_code"])]
    counted = dataset.catalogue().query("has_counts")["indicator"]
    adults = None
    if len(counted):
        table, _ = indicator_all_levels(dataset, counted.iloc[0])
        at_level = (
            table.loc[table["level"] == level].drop_duplicates("area_code").set_index("area_code")
        )
        adults = at_level["denominator"]
    out = pd.DataFrame({"area_code": rows["stratum"].astype(str).to_numpy()})
    if column == "hidden_share":
        out["count"] = np.nan
        out["denominator"] = np.nan
        out["value"] = 100 * rows["hidden_share"].to_numpy()
        out["unit"] = "% of estimated people seen by no service"
    else:
        out["count"] = np.round(rows["n_hat"].to_numpy())
        out["denominator"] = out["area_code"].map(adults) if adults is not None else np.nan
        out["value"] = 1000 * out["count"] / out["denominator"]
        out["unit"] = "estimated people per 1,000 adults"
    out["indicator"] = f"estimate_{column}"
    out["indicator_name"] = (
        "Estimated people facing multiple disadvantage"
        if column == "n_hat"
        else "Share hidden from every service"
    )
    out["domain"] = "context"
    out["period"] = ""
    out["source"] = "Multiple systems estimation (MEAM Mapping)"
    out["suppressed"] = False
    out["level"] = level
    if column == "hidden_share":
        from meam_mapping.disclosure import mark_no_counts

        safe = mark_no_counts(out.assign(count=np.nan))
    else:
        safe = suppress_indicators(out, policy)
    return safe, level

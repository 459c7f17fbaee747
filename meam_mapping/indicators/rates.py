"""Domain rates: one rate per area and domain from the tidy indicator table.

Rates are always recomputed from summed counts and summed denominators (over
every row of an area and indicator, so periods given are pooled), never
averaged: an average of rates weights a village the same as a town. A rate is
unknown (NaN), never zero, where any contributing count is suppressed or
missing or the denominator is missing or zero. Intervals are Byar's (exact
Poisson below 10), from :mod:`meam_mapping.indicators.intervals`.

References
----------
Office for Health Improvement and Disparities, *Public Health Data Science
Technical Guide*: rates for combined areas are computed from summed numerators
and denominators.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.indicators.intervals import count_interval
from meam_mapping.schema import DOMAINS

__all__ = ["domain_rates", "pooled_rate"]


def _rows(positions: np.ndarray) -> int | list[int]:
    """Spreadsheet row numbers (header = row 1) for 0-based positions."""
    rows = [int(i) + 2 for i in positions]
    return rows[0] if len(rows) == 1 else rows


def pooled_rate(count: pd.Series, denominator: pd.Series, multiplier: float = 1.0) -> float:
    """``sum(count) / sum(denominator) * multiplier`` over rows where both are known.

    NaN when no denominator is known or their sum is 0.
    """
    count = pd.to_numeric(count, errors="coerce")
    denominator = pd.to_numeric(denominator, errors="coerce")
    known = count.notna() & denominator.notna()
    total = float(denominator[known].sum())
    if total <= 0:
        return float("nan")
    return float(count[known].sum()) / total * multiplier


def domain_rates(
    indicators: pd.DataFrame,
    level_areas: pd.DataFrame | Iterable[str] | None = None,
    indicators_by_domain: Mapping[str, str | list[str]] | None = None,
    *,
    ci: bool = True,
) -> pd.DataFrame:
    """Build the wide per-area frame of domain rates from the tidy indicator table.

    Parameters
    ----------
    indicators : DataFrame
        Tidy indicator table (``schema.INDICATOR_COLUMNS``).
    level_areas : DataFrame or iterable of str, optional
        The areas to report (a frame with ``area_code`` or the codes): rows
        appear in this order, NaN where an area has no data.
    indicators_by_domain : mapping, optional
        Column name (usually a domain) -> indicator id, or -> list of indicator
        ids (then each indicator is its own column). By default one indicator
        per domain (``context`` excluded): the one known in most areas, ties
        broken alphabetically.
    ci : bool, default True
        Add ``<column>_lower`` / ``<column>_upper`` 95% limits (Byar's method
        on the count, exact Poisson below 10, divided by the denominator).

    Returns
    -------
    DataFrame
        Index ``area_code``; one column per rate (count / denominator, summed
        over every row of the area and indicator, so periods are pooled). NaN
        where any contributing count is suppressed or missing, or the
        denominator is missing or zero: unknown, never zero. When the table
        has a ``polarity`` column, ``attrs["polarity"]`` maps each rate
        column to its indicator's polarity.
    """
    name = "indicator table"
    if not isinstance(indicators, pd.DataFrame):
        raise InputError(f"the {name} must be a table", expected="a pandas DataFrame")
    needed = ["area_code", "indicator", "domain", "count", "denominator"]
    absent = [c for c in needed if c not in indicators.columns]
    if absent:
        raise InputError(
            f"the {name} has no column {', '.join(absent)}",
            file=name,
            column=absent,
            expected="columns " + ", ".join(needed),
        )
    for col in ("count", "denominator"):
        negative = np.flatnonzero((pd.to_numeric(indicators[col], errors="coerce") < 0).to_numpy())
        if negative.size:
            raise InputError(
                f"{negative.size} {col} value(s) are negative",
                file=name,
                row=_rows(negative),
                column=col,
                expected="a number of 0 or more, or blank where unknown",
            )
    choice = _choose_indicators(indicators, indicators_by_domain)
    table = indicators[indicators["indicator"].astype(str).isin(set(choice.values()))]
    count = pd.to_numeric(table["count"], errors="coerce")
    denominator = pd.to_numeric(table["denominator"], errors="coerce")
    unknown = count.isna() | denominator.isna()
    if "suppressed" in table.columns:
        unknown = unknown | table["suppressed"].fillna(False).astype(bool)
    tidy = pd.DataFrame(
        {
            "area_code": table["area_code"].astype(str).to_numpy(),
            "indicator": table["indicator"].astype(str).to_numpy(),
            "count": count.to_numpy(dtype=float),
            "denominator": denominator.to_numpy(dtype=float),
            "unknown": unknown.to_numpy(dtype=bool),
        }
    )
    sums = tidy.groupby(["area_code", "indicator"]).agg(
        count=("count", "sum"), denominator=("denominator", "sum"), unknown=("unknown", "any")
    )
    valid = ~sums["unknown"] & (sums["denominator"] > 0)
    obs = sums["count"].where(valid)
    den = sums["denominator"].where(valid)
    parts = {"": obs / den}
    if ci:
        lower, upper = count_interval(obs.to_numpy(dtype=float), method="byar")
        parts["_lower"] = pd.Series(lower, index=obs.index) / den
        parts["_upper"] = pd.Series(upper, index=obs.index) / den
    columns: dict[str, pd.Series] = {}
    for column, indicator in choice.items():
        for suffix, values in parts.items():
            wide = values.unstack("indicator")
            columns[column + suffix] = wide[indicator] if indicator in wide else pd.Series()
    out = pd.DataFrame(columns)
    if level_areas is not None:
        codes = (
            level_areas["area_code"]
            if isinstance(level_areas, pd.DataFrame)
            else pd.Series(list(level_areas))
        )
        out = out.reindex(pd.Index(codes.astype(str).unique()))
    out.index.name = "area_code"
    out = out.astype(float)
    if "polarity" in table.columns:
        # Which end is worse for each column, so the composite index can turn
        # a lower-is-worse rate round (CompositeIndex reads it from attrs).
        first = table.groupby(table["indicator"].astype(str), sort=False)["polarity"].first()
        out.attrs["polarity"] = {
            column: str(first.get(indicator, "neutral")) for column, indicator in choice.items()
        }
    return out


def _choose_indicators(
    indicators: pd.DataFrame, chosen: Mapping[str, str | list[str]] | None
) -> dict[str, str]:
    """Map output column -> indicator id."""
    ids = sorted(indicators["indicator"].astype(str).unique())
    if chosen is not None:
        out: dict[str, str] = {}
        for column, value in chosen.items():
            values = [value] if isinstance(value, str) else list(value)
            for indicator in values:
                if indicator not in ids:
                    raise InputError(
                        f"indicator {indicator!r} (for {column!r}) is not in the indicator table",
                        column="indicator",
                        expected="one of " + ", ".join(ids),
                    )
                out[column if isinstance(value, str) else indicator] = indicator
        return out
    known = indicators.assign(_known=pd.to_numeric(indicators["count"], errors="coerce").notna())
    per = known.groupby(["domain", "indicator"])["_known"].sum().reset_index()
    per = per[per["domain"].isin([d for d in DOMAINS if d != "context"])]
    per = per.sort_values(["domain", "_known", "indicator"], ascending=[True, False, True])
    out = {str(d): str(g["indicator"].iloc[0]) for d, g in per.groupby("domain", sort=False)}
    if not out:
        raise InputError(
            "the indicator table has no indicator in a service domain",
            column="domain",
            expected="at least one of " + ", ".join(d for d in DOMAINS if d != "context"),
        )
    return {d: out[d] for d in DOMAINS if d in out}

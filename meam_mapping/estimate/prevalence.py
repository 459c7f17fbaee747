"""Prevalence rates with confidence intervals, and comparison with a benchmark.

Rates are recomputed from ``count`` and ``denominator`` (never averaged) and
given in the indicator's unit: ``'per 1,000'``, ``'per 100,000'``, ``'%'`` or
``'proportion'``. Intervals come from PHStatsMethods, the Department of Health
and Social Care package behind Fingertips, through the one implementation in
:mod:`meam_mapping.indicators.intervals`; units are read by
:func:`meam_mapping.indicators.units.parse_unit` (re-exported here):

* ``'wilson'``: Wilson score interval for a proportion (Wilson 1927;
  Newcombe 1998). The default for ``'%'`` and ``'proportion'``.
* ``'byar'``: Byar's approximation to the Poisson interval for a count
  (Breslow & Day 1987), with the exact Poisson interval for counts under 10 as
  Fingertips does. The default for ``'per ...'`` units.
* ``'exact'``: the exact Poisson interval from the chi-squared distribution
  (Armitage & Berry 2002) for every count.

A count the source suppressed (``suppressed`` True) or left blank stays
unknown: its value and interval are NaN and the ``reason`` column says why.
It is never read as zero.

Comparison with a benchmark follows Fingertips: the benchmark is treated as a
fixed value, and an area is "significantly higher" when the lower end of its
interval is above the benchmark, "significantly lower" when the upper end is
below it, and "similar" otherwise (Public Health England, *Technical Guide:
Confidence intervals*, 2018). The area's own count is part of a parent or
study-area benchmark; Fingertips does not adjust for that and neither do we.

References
----------
Wilson, E. B. (1927). JASA 22, 209-212.
Newcombe, R. G. (1998). Statistics in Medicine 17, 857-872.
Breslow, N. E. & Day, N. E. (1987). Statistical Methods in Cancer Research,
vol. II. IARC, Lyon.
Armitage, P. & Berry, G. (2002). Statistical Methods in Medical Research, 4th
edn. Blackwell, Oxford.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.indicators.intervals import (
    CI_METHODS,
    CIMethod,
    check_confidence,
    is_proportion_only,
    methods_used,
    rate_limits,
    resolve_method,
)
from meam_mapping.indicators.units import Unit, parse_unit, rate_unit

__all__ = [
    "BENCHMARKS",
    "CI_METHODS",
    "COMPARISONS",
    "Unit",
    "compare_with_benchmark",
    "parse_unit",
    "prevalence",
    "rate_interval",
]

#: Labels of the benchmark comparison, in the Fingertips wording.
COMPARISONS: tuple[str, ...] = (
    "significantly higher",
    "similar",
    "significantly lower",
    "not compared",
)

#: Named benchmarks for :func:`compare_with_benchmark` (a number is also accepted).
BENCHMARKS: dict[str, str] = {
    "study_area": "the whole study area (sum of counts / sum of denominators)",
    "parent": "each area's parent area (needs parent_column)",
}


def _table_unit(table: pd.DataFrame, unit: str | Unit | None, file: str | None) -> Unit:
    if unit is not None:
        return rate_unit(unit)
    if "unit" in table.columns:
        written = table["unit"].dropna().astype(str).unique()
        units = {parse_unit(u, file=file).code: u for u in written}
        if len(units) > 1:
            raise InputError(
                "the table mixes units: " + ", ".join(repr(u) for u in written),
                file=file,
                column="unit",
                expected="one unit (one indicator) per call",
                fix="Filter the table to one indicator, or pass unit=",
            )
        if len(units) == 1:
            found = rate_unit(next(iter(units.values())))
            labels = (
                table["unit_label"].dropna().astype(str).unique()
                if "unit_label" in table.columns
                else []
            )
            if len(labels) == 1 and labels[0].strip():
                found = replace(found, label=labels[0])
            return found
    return rate_unit("per 1,000")


def rate_interval(
    count: float,
    denominator: float,
    *,
    unit: str = "per 1,000",
    method: CIMethod = "auto",
    confidence: float = 0.95,
) -> pd.Series:
    """Rate and confidence interval for one count, labelled.

    Parameters
    ----------
    count, denominator : float
        Number of people and the population they are drawn from.
    unit : str, default 'per 1,000'
        Unit of the result (see :func:`parse_unit`).
    method : {'auto', 'wilson', 'byar', 'exact'}, default 'auto'
        Interval method (see :data:`CI_METHODS`).
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.Series
        With ``value``, ``lower``, ``upper``, ``confidence``, ``method``, ``unit``.

    Examples
    --------
    >>> r = rate_interval(12, 4000)
    >>> print(f"{r['value']:.2f} ({r['lower']:.2f} to {r['upper']:.2f}) {r['unit']}")
    3.00 (1.55 to 5.24) per 1,000
    """
    table = pd.DataFrame({"area_code": ["-"], "count": [count], "denominator": [denominator]})
    row = prevalence(table, unit=unit, method=method, confidence=confidence).iloc[0]
    return row[["value", "lower", "upper", "confidence", "method", "unit"]]


# --------------------------------------------------------------------------- validation
def _spreadsheet_rows(mask: np.ndarray) -> int | list[int]:
    """Spreadsheet row numbers (header is row 1) of the True entries."""
    rows = [int(i) + 2 for i in np.flatnonzero(mask)]
    return rows[0] if len(rows) == 1 else rows


def _numeric(table: pd.DataFrame, column: str, file: str | None) -> np.ndarray:
    raw = table[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna().to_numpy() & raw.notna().to_numpy()
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} values in {column!r} are not numbers",
            file=file,
            row=_spreadsheet_rows(bad),
            column=column,
            expected="numbers (leave the cell blank if unknown)",
        )
    out = values.to_numpy(dtype=float, copy=True)
    negative = out < 0
    if negative.any():
        raise InputError(
            f"{int(negative.sum())} values in {column!r} are negative",
            file=file,
            row=_spreadsheet_rows(negative),
            column=column,
            expected="numbers of 0 or more",
        )
    return out


def _require(table: pd.DataFrame, columns: tuple[str, ...], file: str | None) -> None:
    if not isinstance(table, pd.DataFrame):
        raise InputError(
            f"expected a table, got {type(table).__name__}", expected="a pandas DataFrame"
        )
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(
            "the table has no column " + ", ".join(repr(c) for c in missing),
            file=file,
            column=missing,
            expected="columns " + ", ".join(columns),
            fix="Rename the columns or choose the right table",
        )


# --------------------------------------------------------------------------- prevalence
def prevalence(
    table: pd.DataFrame,
    *,
    unit: str | None = None,
    method: CIMethod = "auto",
    confidence: float = 0.95,
    include_998: bool = False,
    file: str | None = None,
) -> pd.DataFrame:
    """Rates with confidence intervals, one row per row of ``table``.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``area_code``, ``count``, ``denominator``; optionally
        ``suppressed`` (True where the source withheld the count), ``unit``,
        ``area_name``, parent codes and any other columns, which are kept.
    unit : str, optional
        Unit of the result; by default the table's ``unit`` column, else
        ``'per 1,000'``.
    method : {'auto', 'wilson', 'byar', 'exact'}, default 'auto'
        Interval method; see :data:`CI_METHODS`.
    confidence : float, default 0.95
        Confidence level of ``lower`` / ``upper``.
    include_998 : bool, default False
        Also give 99.8% limits in ``lower_998`` / ``upper_998``.
    file : str, optional
        Name of the table, used in error messages.

    Returns
    -------
    pandas.DataFrame
        ``area_code, count, denominator, value, lower, upper, confidence,
        method, unit, reason`` (plus ``lower_998, upper_998`` when asked, and
        the table's other columns). ``method`` is the method used on that row
        (``'exact'`` for counts under 10 with ``'byar'``); ``reason`` says why
        a row has no value (suppressed or missing count, missing or zero
        denominator) and is missing otherwise.

    Raises
    ------
    InputError
        Missing columns, non-numeric or negative counts, counts above the
        denominator for a proportion, an unknown unit or method.

    Examples
    --------
    >>> t = pd.DataFrame({"area_code": ["E1", "E2"], "count": [30, None],
    ...                   "denominator": [2000, 1500]})
    >>> prevalence(t)[["area_code", "value", "reason"]]
      area_code  value         reason
    0        E1   15.0            NaN
    1        E2    NaN  count missing
    """
    _require(table, ("area_code", "count", "denominator"), file)
    unit_info = _table_unit(table, unit, file)
    chosen = resolve_method(method, unit_info)
    level = check_confidence(confidence)
    counts = _numeric(table, "count", file)
    denominators = _numeric(table, "denominator", file)

    suppressed = np.zeros(len(table), dtype=bool)
    if "suppressed" in table.columns:
        suppressed = table["suppressed"].fillna(False).astype(bool).to_numpy()
    reason = np.full(len(table), None, dtype=object)
    reason[np.isnan(denominators)] = "denominator missing"
    reason[denominators == 0] = "denominator is zero"
    reason[np.isnan(counts)] = "count missing"
    reason[suppressed] = "count suppressed by the source"
    usable = np.array([r is None for r in reason])

    if is_proportion_only(chosen):
        over = usable & (counts > denominators)
        if over.any():
            raise InputError(
                f"{int(over.sum())} counts are larger than their denominator, "
                "which cannot happen for a proportion",
                file=file,
                row=_spreadsheet_rows(over),
                column=["count", "denominator"],
                expected="count no larger than denominator",
                fix="Check the figures, or use a 'per ...' unit with method='byar'",
            )

    levels = [(level, "lower", "upper")]
    if include_998:
        levels.append((0.998, "lower_998", "upper_998"))
    out = table.copy()
    out["count"] = np.where(suppressed, np.nan, counts)
    out["denominator"] = denominators
    value = np.full(len(table), np.nan)
    value[usable] = counts[usable] / denominators[usable] * unit_info.multiplier
    out["value"] = value
    for conf, low_name, high_name in levels:
        low, high = rate_limits(
            counts,
            denominators,
            method=chosen,
            confidence=conf,
            multiplier=unit_info.multiplier,
            usable=usable,
        )
        out[low_name] = low
        out[high_name] = high
    used = methods_used(chosen, counts, usable)
    out["confidence"] = level
    out["method"] = used
    out["unit"] = unit_info.label
    out["reason"] = reason
    first = ["area_code", "count", "denominator", "value", "lower", "upper"]
    first += [n for _, low, high in levels[1:] for n in (low, high)]
    first += ["confidence", "method", "unit", "reason"]
    return out[first + [c for c in out.columns if c not in first]].reset_index(drop=True)


# --------------------------------------------------------------------------- benchmarks
def _pooled(count: pd.Series, denominator: pd.Series, multiplier: int) -> tuple[float, int]:
    known = count.notna() & denominator.notna()
    left_out = int((~known).sum())
    total = denominator[known].sum()
    if total <= 0:
        return float("nan"), left_out
    return float(count[known].sum() / total * multiplier), left_out


def _single_slice(result: pd.DataFrame) -> None:
    for column in ("indicator", "period"):
        if column in result.columns and result[column].nunique(dropna=True) > 1:
            raise InputError(
                f"the table holds more than one {column}",
                column=column,
                expected=f"one {column} per comparison",
                fix=f"Filter the table to one {column} first",
            )
    duplicated = result["area_code"].duplicated().to_numpy()
    if duplicated.any():
        raise InputError(
            f"{int(duplicated.sum())} area codes appear more than once",
            row=_spreadsheet_rows(duplicated),
            column="area_code",
            expected="one row per area",
        )


def _parent_values(
    result: pd.DataFrame,
    parent_column: str | None,
    parent_table: pd.DataFrame | None,
    multiplier: int,
) -> pd.Series:
    if parent_column is None or parent_column not in result.columns:
        raise InputError(
            "comparing with the parent area needs the column holding each area's parent code",
            column=parent_column,
            expected="parent_column naming a column of the table, e.g. 'lad_code'",
            fix="Pass parent_column= or compare with the study area instead",
        )
    if parent_table is not None:
        _require(parent_table, ("area_code", "count", "denominator"), "parent table")
        count = pd.Series(_numeric(parent_table, "count", "parent table"))
        denominator = pd.Series(_numeric(parent_table, "denominator", "parent table"))
        if "suppressed" in parent_table.columns:
            count[parent_table["suppressed"].fillna(False).astype(bool).to_numpy()] = np.nan
        rates = (count / denominator.where(denominator > 0) * multiplier).to_numpy()
        lookup = dict(zip(parent_table["area_code"].astype(str), rates, strict=True))
    else:
        lookup = {}
        for code, group in result.groupby(parent_column, dropna=True):
            value, left_out = _pooled(group["count"], group["denominator"], multiplier)
            if left_out:
                warnings.warn(
                    f"{left_out} areas in parent {code} have no usable count; the parent "
                    "value is from the other areas. Give parent_table= for exact totals.",
                    UserWarning,
                    stacklevel=3,
                )
            lookup[str(code)] = value
    return result[parent_column].astype(str).map(lookup).astype(float)


def compare_with_benchmark(
    result: pd.DataFrame,
    *,
    benchmark: str | float = "study_area",
    parent_column: str | None = None,
    parent_table: pd.DataFrame | None = None,
    benchmark_label: str | None = None,
) -> pd.DataFrame:
    """Classify each area against a benchmark, as Fingertips does.

    Parameters
    ----------
    result : pandas.DataFrame
        Output of :func:`prevalence` for one indicator and period.
    benchmark : {'study_area', 'parent'} or float, default 'study_area'
        ``'study_area'``: sum of counts over sum of denominators of all areas
        with a known count. ``'parent'``: each area's parent (``parent_column``),
        from ``parent_table`` (``area_code, count, denominator``) when given,
        else from the sums of its child areas. A number: a value typed by the
        user in the result's unit (for example the England rate).
    parent_column : str, optional
        Column holding each area's parent code, e.g. ``'lad_code'``.
    parent_table : pandas.DataFrame, optional
        Parent areas' own counts and denominators.
    benchmark_label : str, optional
        How the benchmark is named in the output (default from ``benchmark``).

    Returns
    -------
    pandas.DataFrame
        ``result`` plus ``benchmark`` (value, in the result's unit),
        ``benchmark_label`` and ``comparison``, one of :data:`COMPARISONS`.

    Notes
    -----
    An area is "significantly higher" when its lower limit is above the
    benchmark value and "significantly lower" when its upper limit is below
    it; the benchmark's own uncertainty is ignored (Fingertips convention,
    PHE *Technical Guide: Confidence intervals*). Areas without a value, or
    whose benchmark is unknown, are "not compared".
    """
    _require(result, ("area_code", "count", "denominator", "lower", "upper", "unit"), None)
    _single_slice(result)
    multiplier = rate_unit(result["unit"].iloc[0]).multiplier if len(result) else 1
    if isinstance(benchmark, (int, float)) and not isinstance(benchmark, bool):
        values = pd.Series(float(benchmark), index=result.index)
        label = benchmark_label or f"benchmark value {benchmark:g}"
    elif benchmark == "study_area":
        value, left_out = _pooled(result["count"], result["denominator"], multiplier)
        if left_out:
            warnings.warn(
                f"{left_out} areas have no usable count; the study-area value is from "
                "the other areas.",
                UserWarning,
                stacklevel=2,
            )
        values = pd.Series(value, index=result.index)
        label = benchmark_label or "study area"
    elif benchmark == "parent":
        values = _parent_values(result, parent_column, parent_table, multiplier)
        label = benchmark_label or "parent area"
    else:
        raise InputError(
            f"there is no benchmark called {benchmark!r}",
            expected="a number or one of " + ", ".join(repr(b) for b in BENCHMARKS),
            fix="Choose one of the listed benchmarks or type a value",
        )
    out = result.copy()
    out["benchmark"] = values.to_numpy()
    out["benchmark_label"] = label
    lower = out["lower"].to_numpy(dtype=float)
    upper = out["upper"].to_numpy(dtype=float)
    bench = out["benchmark"].to_numpy(dtype=float)
    comparable = ~(np.isnan(lower) | np.isnan(upper) | np.isnan(bench))
    comparison = np.where(
        lower > bench, COMPARISONS[0], np.where(upper < bench, COMPARISONS[2], COMPARISONS[1])
    ).astype(object)
    comparison[~comparable] = COMPARISONS[3]
    out["comparison"] = comparison
    return out

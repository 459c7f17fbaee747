"""Funnel plots: control limits around a benchmark, per-area flags and a figure.

A funnel plot shows each area's rate against its denominator, with control
limits that narrow as the denominator grows: points outside the limits differ
from the benchmark by more than chance would usually explain (Spiegelhalter
2005). Limits are drawn at 95% (about 2 standard deviations) and 99.8% (about
3), as Fingertips does.

Limits follow the Fingertips technical guidance and PHStatsMethods
(``calculate_funnel_limits``), but around any benchmark and at any
denominators, which PHStatsMethods' functions do not allow (they fix the
benchmark to the data's own average and pick their own grid):

* ``'wilson'`` (proportions): the limits are the observed proportions whose
  Wilson score interval just reaches the benchmark ``p``. Solving Wilson's
  score equation for the observed value gives ``p +/- z sqrt(p (1 - p) / n)``,
  clipped to 0 and 100%; this is what PHStatsMethods' ``sigma_adjustment``
  evaluates.
* ``'poisson'`` (rates): with expected count ``E = p n``, the upper limit is
  the count ``x`` whose exact Poisson lower limit equals ``E``
  (``Gamma^-1(alpha/2; x) = E``) and the lower limit the count whose exact
  upper limit equals ``E`` (``Gamma^-1(1 - alpha/2; x + 1) = E``), solved for
  a continuous ``x``. PHStatsMethods finds the same curve the other way round
  (the expected count for each whole count). An area is outside the limits
  exactly when its exact interval excludes the benchmark.

References
----------
Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional
performance. Statistics in Medicine 24, 1185-1202.
Public Health England (2018). Technical Guide: Confidence intervals; and the
Fingertips funnel plot methods (PHEindicatormethods / PHStatsMethods).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import stats

from meam_mapping.errors import InputError
from meam_mapping.estimate.prevalence import prevalence
from meam_mapping.indicators.kinds import COMPARISON_COLOURS, SIDE_WORDS
from meam_mapping.indicators.units import Unit, rate_unit

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "FUNNEL_FLAGS",
    "FUNNEL_METHODS",
    "put_limits",
    "count_control_limits",
    "funnel_figure",
    "funnel_flags",
    "funnel_grid",
    "funnel_limits",
]

FunnelMethod = Literal["auto", "wilson", "poisson"]

#: Limit methods by name ('auto' picks by unit).
FUNNEL_METHODS: dict[str, str] = {
    "auto": "'wilson' for % and proportions, 'poisson' for 'per ...' rates",
    "wilson": "inverted Wilson score limits for a proportion",
    "poisson": "inverted exact Poisson limits for a rate",
}

#: Where an area lies relative to a pair of limits.
FUNNEL_FLAGS: tuple[str, ...] = ("above upper limit", "inside", "below lower limit", "not plotted")

LEVELS: tuple[float, ...] = (0.95, 0.998)


def _level_suffix(level: float) -> str:
    return f"{level * 100:g}".replace(".", "")


def _resolve(method: str, unit: Unit) -> str:
    if method == "auto":
        return "wilson" if unit.is_proportion else "poisson"
    if method not in FUNNEL_METHODS:
        raise InputError(
            f"there is no funnel-limit method called {method!r}",
            expected="one of " + ", ".join(repr(m) for m in FUNNEL_METHODS),
            fix="Choose one of the listed methods",
        )
    return method


def _solve_increasing(func, target: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Solve ``func(x) = target`` for ``x`` in ``(0, hi]``, ``func`` increasing."""
    lo = np.full_like(target, 1e-12)
    hi = hi.astype(float).copy()
    for _ in range(100):
        mid = (lo + hi) / 2
        above = func(mid) > target
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return (lo + hi) / 2


def count_control_limits(
    expected: Sequence[float] | np.ndarray, *, confidence: float = 0.95
) -> pd.DataFrame:
    """Find the counts that would be unsurprising for an expected count (exact Poisson).

    Parameters
    ----------
    expected : array-like of float
        Expected counts (0 or more).
    confidence : float, default 0.95
        Two-sided level.

    Returns
    -------
    pandas.DataFrame
        ``expected, lower, upper``: an observed count below ``lower`` (above
        ``upper``) has an exact Poisson interval entirely below (above)
        ``expected``. ``lower`` is 0 where even a count of 0 would not be
        surprising.

    Examples
    --------
    >>> count_control_limits([20.0]).round(2)
       expected  lower  upper
    0      20.0  11.25  29.71
    """
    e = np.asarray(expected, dtype=float)
    if np.any(~np.isfinite(e)) or np.any(e < 0):
        raise InputError("expected counts must be numbers of 0 or more", expected="counts >= 0")
    alpha = 1 - confidence
    ceiling = e + 12 * np.sqrt(e) + 30
    upper = _solve_increasing(lambda x: stats.gamma.ppf(alpha / 2, x), e, ceiling)
    lower = _solve_increasing(lambda x: stats.gamma.ppf(1 - alpha / 2, x + 1), e, ceiling)
    lower = np.where(stats.gamma.ppf(1 - alpha / 2, 1) >= e, 0.0, lower)
    upper = np.where(e == 0, 0.0, upper)
    return pd.DataFrame({"expected": e, "lower": lower, "upper": upper})


def funnel_limits(
    benchmark: float,
    denominators: Sequence[float] | np.ndarray,
    *,
    unit: str = "per 1,000",
    method: FunnelMethod = "auto",
    levels: Sequence[float] = LEVELS,
) -> pd.DataFrame:
    """Control limits around a benchmark at the given denominators.

    Parameters
    ----------
    benchmark : float
        Benchmark value in ``unit`` (e.g. 12.5 per 1,000, or 40 for 40%).
    denominators : array-like of float
        Denominators to evaluate at (see :func:`funnel_grid`).
    unit : str, default 'per 1,000'
        Unit of ``benchmark`` and of the limits.
    method : {'auto', 'wilson', 'poisson'}, default 'auto'
        See :data:`FUNNEL_METHODS`.
    levels : sequence of float, default (0.95, 0.998)
        Confidence levels of the limits.

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per denominator and level: ``denominator, confidence,
        lower, upper, benchmark, unit, method``.
    """
    unit_info = rate_unit(unit)
    chosen = _resolve(method, unit_info)
    n = np.asarray(denominators, dtype=float)
    if np.any(~np.isfinite(n)) or np.any(n <= 0):
        raise InputError("denominators must be numbers above 0", expected="denominators > 0")
    p = float(benchmark) / unit_info.multiplier
    if not np.isfinite(p) or p < 0 or (chosen == "wilson" and p > 1):
        raise InputError(
            f"the benchmark {benchmark!r} is not usable with unit {unit_info.label!r}",
            expected="0 or more" + (" and no more than 100%" if chosen == "wilson" else ""),
        )
    frames = []
    for level in levels:
        if chosen == "wilson":
            z = stats.norm.ppf(1 - (1 - level) / 2)
            half = z * np.sqrt(p * (1 - p) / n)
            lower, upper = np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)
        else:
            counts = count_control_limits(p * n, confidence=level)
            lower, upper = counts["lower"].to_numpy() / n, counts["upper"].to_numpy() / n
        frames.append(
            pd.DataFrame(
                {
                    "denominator": n,
                    "confidence": level,
                    "lower": lower * unit_info.multiplier,
                    "upper": upper * unit_info.multiplier,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["benchmark"] = float(benchmark)
    out["unit"] = unit_info.label
    out["method"] = chosen
    return out


def funnel_grid(denominators: Sequence[float] | np.ndarray, *, n_points: int = 200) -> np.ndarray:
    """Denominators spanning the areas' range, denser where the funnel bends.

    Parameters
    ----------
    denominators : array-like of float
        The areas' denominators (missing values are ignored).
    n_points : int, default 200

    Returns
    -------
    numpy.ndarray
        Geometrically spaced from 0.8 times the smallest to 1.1 times the largest.
    """
    d = np.asarray(denominators, dtype=float)
    d = d[np.isfinite(d) & (d > 0)]
    if d.size == 0:
        raise InputError("no area has a denominator above 0", column="denominator")
    return np.geomspace(max(d.min() * 0.8, 1.0), d.max() * 1.1, n_points)


def _benchmark_value(result: pd.DataFrame, benchmark: float | None, multiplier: int) -> float:
    if benchmark is not None:
        return float(benchmark)
    known = result["value"].notna()
    if not known.any():
        raise InputError("no area has a known count, so there is no funnel to draw")
    return float(
        result.loc[known, "count"].sum() / result.loc[known, "denominator"].sum() * multiplier
    )


def funnel_flags(
    table: pd.DataFrame,
    *,
    benchmark: float | None = None,
    unit: str | None = None,
    method: FunnelMethod = "auto",
) -> pd.DataFrame:
    """Where each area lies relative to the 95% and 99.8% limits.

    Parameters
    ----------
    table : pandas.DataFrame
        ``area_code, count, denominator`` (plus optional ``suppressed``,
        ``unit``, ``area_name``, ...), as for :func:`~.prevalence.prevalence`.
    benchmark : float, optional
        Benchmark in the table's unit; by default the study area's pooled value
        (sum of known counts / sum of their denominators).
    unit : str, optional
        Unit; by default the table's ``unit`` column, else ``'per 1,000'``.
    method : {'auto', 'wilson', 'poisson'}, default 'auto'

    Returns
    -------
    pandas.DataFrame
        The table's columns plus ``value``, ``benchmark``, ``limit_lower_95``,
        ``limit_upper_95``, ``limit_lower_998``, ``limit_upper_998``,
        ``flag_95`` and ``flag_998`` (values in :data:`FUNNEL_FLAGS`;
        ``'not plotted'`` where the count is suppressed or missing), ``unit``
        and ``method``.
    """
    result = prevalence(table, unit=unit, method="exact" if _is_rate(table, unit) else "wilson")
    unit_info = rate_unit(str(result["unit"].iloc[0]) if len(result) else "per 1,000")
    chosen = _resolve(method, unit_info)
    bench = _benchmark_value(result, benchmark, unit_info.multiplier)
    out = result.drop(columns=["lower", "upper", "confidence", "method", "unit"])
    out["benchmark"] = bench
    plotted = out["value"].notna().to_numpy() & (out["denominator"].to_numpy() > 0)
    for level in LEVELS:
        suffix = _level_suffix(level)
        low = np.full(len(out), np.nan)
        high = np.full(len(out), np.nan)
        if plotted.any():
            limits = funnel_limits(
                bench,
                out.loc[plotted, "denominator"].to_numpy(),
                unit=unit_info.label,
                method=chosen,
                levels=(level,),
            )
            low[plotted], high[plotted] = limits["lower"], limits["upper"]
        put_limits(out, suffix, out["value"].to_numpy(dtype=float), low, high, plotted)
    out["unit"] = unit_info.label
    out["method"] = chosen
    return out


def put_limits(
    out: pd.DataFrame,
    suffix: str,
    value: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    plotted: np.ndarray,
) -> None:
    """Write one level's limits and each area's flag (above, within, below, not plotted) into ``out``."""
    flag = np.where(
        value > high, FUNNEL_FLAGS[0], np.where(value < low, FUNNEL_FLAGS[2], FUNNEL_FLAGS[1])
    ).astype(object)
    flag[~plotted] = FUNNEL_FLAGS[3]
    out[f"limit_lower_{suffix}"] = low
    out[f"limit_upper_{suffix}"] = high
    out[f"flag_{suffix}"] = flag


def _is_rate(table: pd.DataFrame, unit: str | None) -> bool:
    if unit is not None:
        return not rate_unit(unit).is_proportion
    if "unit" in table.columns and table["unit"].notna().any():
        return not rate_unit(str(table["unit"].dropna().iloc[0])).is_proportion
    return True


def _y_label(unit: Unit) -> str:
    if unit.label == "%":
        return "Percentage (%)"
    if unit.label == "proportion":
        return "Proportion"
    return f"Rate {unit.label}"


def funnel_figure(
    table: pd.DataFrame,
    *,
    benchmark: float | None = None,
    benchmark_label: str | None = None,
    unit: str | None = None,
    method: FunnelMethod = "auto",
    title: str | None = None,
    label_column: str = "area_name",
    denominator_label: str = "Population (denominator)",
    max_labels: int = 15,
    polarity: str = "neutral",
) -> Figure:
    """Draw a funnel plot as a matplotlib Figure.

    Parameters
    ----------
    table : pandas.DataFrame
        As for :func:`funnel_flags`.
    benchmark : float, optional
        Benchmark in the table's unit (default: the study area's pooled value).
    benchmark_label : str, optional
        Name of the benchmark in the legend (default "Study area average" or
        "Benchmark").
    unit, method
        As for :func:`funnel_flags`.
    title : str, optional
        Figure title (a plain default otherwise).
    label_column : str, default 'area_name'
        Column used to label areas outside the limits (``area_code`` if absent).
    denominator_label : str, default 'Population (denominator)'
        Horizontal-axis label.
    max_labels : int, default 15
        Most areas to label, those furthest outside first.
    polarity : {'neutral', 'higher_is_worse', 'lower_is_worse'}
        Names the two sides as the benchmark colouring does: areas above the
        95% limits are *worse* (or *better*, or simply *higher*), those below
        the other; each side has its own colour from
        :data:`COMPARISON_COLOURS`, and areas outside the 99.8% limits are
        ringed.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    flags = funnel_flags(table, benchmark=benchmark, unit=unit, method=method)
    unit_info = rate_unit(str(flags["unit"].iloc[0]))
    bench = float(flags["benchmark"].iloc[0])
    name = benchmark_label or ("Study area average" if benchmark is None else "Benchmark")
    shown = flags[flags["flag_998"] != FUNNEL_FLAGS[3]]
    grid = funnel_grid(shown["denominator"] if len(shown) else flags["denominator"])
    limits = funnel_limits(bench, grid, unit=unit_info.label, method=str(flags["method"].iloc[0]))

    fig = Figure(figsize=(8, 6), layout="constrained")
    ax = fig.add_subplot()
    styles = {0.95: ("--", "95% limits (about 1 in 20 by chance)"), 0.998: (":", "99.8% limits")}
    for level, (style, label) in styles.items():
        part = limits[limits["confidence"] == level]
        ax.plot(part["denominator"], part["upper"], style, color="0.35", label=label)
        ax.plot(part["denominator"], part["lower"], style, color="0.35")
    shown_unit = "%" if unit_info.label == "%" else f" {unit_info.label}"
    ax.axhline(bench, color="black", linewidth=1.2, label=f"{name} ({bench:.3g}{shown_unit})")
    outside95 = shown["flag_95"] != FUNNEL_FLAGS[1]
    outside998 = shown["flag_998"] != FUNNEL_FLAGS[1]
    above_word, below_word = SIDE_WORDS.get(polarity, SIDE_WORDS["neutral"])
    groups = (
        (~outside95, "Similar", "Similar (within the 95% limits)"),
        (shown["flag_95"] == FUNNEL_FLAGS[0], above_word, f"{above_word} (above the 95% limits)"),
        (shown["flag_95"] == FUNNEL_FLAGS[2], below_word, f"{below_word} (below the 95% limits)"),
    )
    for mask, side, label in groups:
        if mask.any():
            ax.scatter(shown.loc[mask, "denominator"], shown.loc[mask, "value"], s=22,
                       color=COMPARISON_COLOURS[side], edgecolors="0.3", linewidths=0.4,
                       label=label, zorder=3)  # fmt: skip
    if outside998.any():
        ax.scatter(shown.loc[outside998, "denominator"], shown.loc[outside998, "value"], s=70,
                   facecolors="none", edgecolors="black", linewidths=1.1,
                   label="Outside the 99.8% limits (ringed)", zorder=4)  # fmt: skip
    column = label_column if label_column in shown.columns else "area_code"
    distance = (shown["value"] - bench).abs() / (shown["limit_upper_95"] - bench).abs()
    for idx in distance[outside95].sort_values(ascending=False).index[:max_labels]:
        ax.annotate(
            str(shown.at[idx, column]),
            (shown.at[idx, "denominator"], shown.at[idx, "value"]),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=8,
        )
    span = shown["value"].max() if len(shown) else bench
    ax.set_ylim(bottom=0, top=max(span, bench) * 1.25 + 1e-9)
    ax.set_xlabel(denominator_label)
    ax.set_ylabel(_y_label(unit_info))
    ax.set_title(title or f"Areas compared with the {name.lower()}")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    hidden = len(flags) - len(shown)
    note = "Points outside the lines differ from the benchmark by more than chance."
    if hidden:
        areas = "area" if hidden == 1 else "areas"
        note += f" {hidden} {areas} not shown (count suppressed or missing)."
    fig.get_layout_engine().set(rect=(0, 0.04, 1, 0.96))
    fig.text(0.01, 0.01, note, fontsize=8, color="0.3")
    return fig

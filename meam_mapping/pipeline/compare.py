"""Each area compared with a benchmark, as Fingertips colours it.

:func:`~meam_mapping.pipeline.rates.prevalence_by_area` gives every area's
rate with its 95% interval and the study-area benchmark worked out from the
full table before any suppression. Here those published rows become the
categories a person reads on a map, in a table and in a chart: *better*,
*similar* or *worse* than the benchmark when the indicator has a polarity
(:mod:`meam_mapping.indicators.kinds`), *higher*, *similar* or *lower* when it
is neutral, at the 95% or the 99.8% level. An area whose figure is hidden by
the disclosure policy is "not shown", never compared.

Notes
-----
An area differs significantly from the benchmark when its whole confidence
interval lies on one side of the benchmark value; the benchmark's own
uncertainty is ignored (Public Health England, *Technical Guide: Confidence
intervals*, 2018, as used by Fingertips). The 99.8% limits are recomputed
from the published count and denominator by the same interval method as the
95% ones (:func:`meam_mapping.estimate.prevalence.prevalence`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from meam_mapping.dataset import Dataset
from meam_mapping.disclosure import DEFAULT_POLICY, DisclosurePolicy
from meam_mapping.errors import InputError
from meam_mapping.indicators.kinds import COMPARISON_COLOURS
from meam_mapping.pipeline.rates import PrevalenceResult, prevalence_by_area

__all__ = [
    "BENCHMARK_COLOURS",
    "CONFIDENCE_LEVELS",
    "NOT_COMPARED",
    "NOT_SHOWN",
    "BenchmarkComparison",
    "benchmark_comparison",
    "benchmark_slice",
    "compare_areas_table",
    "compare_with_study_area",
    "indicator_polarity",
    "legend_categories",
    "with_comparison",
]

NOT_SHOWN = "Not shown"
NOT_COMPARED = "Not compared"

#: Category -> fill colour (Paul Tol's colour-blind safe "bright" and "muted"
#: sets: worse and better stay apart for every kind of colour blindness).
BENCHMARK_COLOURS: dict[str, str] = {**COMPARISON_COLOURS, NOT_COMPARED: "#BBBBBB"}

#: Confidence level -> words for the choice on a page.
CONFIDENCE_LEVELS: dict[float, str] = {0.95: "95%", 0.998: "99.8%"}

_SIDES = {
    "higher_is_worse": ("Worse", "Better"),
    "lower_is_worse": ("Better", "Worse"),
    "neutral": ("Higher", "Lower"),
}


@dataclass(frozen=True)
class BenchmarkComparison:
    """Published areas of one indicator compared with the study-area benchmark.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per area: ``area_code, area_name, count, denominator, value,
        lower, upper, suppressed, category`` (``lower``/``upper`` at
        ``confidence``; empty where the figure is hidden).
    benchmark : float
        The benchmark value in the indicator's unit.
    benchmark_label : str
        What the benchmark is, in words.
    confidence : float
        0.95 or 0.998.
    polarity : str
        The indicator's polarity.
    categories : tuple of str
        The categories this comparison can give, in legend order (better
        or higher first), then :data:`NOT_COMPARED`.
    unit : str
        The unit label.
    """

    table: pd.DataFrame
    benchmark: float
    benchmark_label: str
    confidence: float
    polarity: str
    categories: tuple[str, ...]
    unit: str

    @property
    def legend_title(self) -> str:
        """Legend heading naming the benchmark and the confidence level."""
        level = CONFIDENCE_LEVELS.get(self.confidence, f"{100 * self.confidence:g}%")
        value = f"{self.benchmark:,.1f} {self.unit}".strip()
        return f"Compared with the study area ({value}), {level} confidence"


def _check_confidence(confidence: float) -> float:
    for level in CONFIDENCE_LEVELS:
        if abs(float(confidence) - level) < 1e-9:
            return level
    raise InputError(
        f"cannot compare areas at a confidence level of {confidence!r}",
        expected="one of " + ", ".join(CONFIDENCE_LEVELS.values()),
        fix="Choose 95% (Fingertips' usual level) or 99.8%",
    )


def _check_polarity(polarity: str) -> str:
    if polarity not in _SIDES:
        raise InputError(
            f"there is no polarity called {polarity!r}",
            column="polarity",
            expected="one of " + ", ".join(_SIDES),
        )
    return polarity


def benchmark_comparison(
    result: PrevalenceResult, *, polarity: str = "higher_is_worse", confidence: float = 0.95
) -> BenchmarkComparison:
    """Label each published area better / similar / worse than the benchmark.

    Parameters
    ----------
    result : PrevalenceResult
        :func:`~meam_mapping.pipeline.rates.prevalence_by_area` with the
        study-area benchmark (published: suppressed rows carry no figures).
    polarity : {'higher_is_worse', 'lower_is_worse', 'neutral'}
        Which end is worse; neutral gives higher / similar / lower.
    confidence : {0.95, 0.998}
        Level of the interval that must exclude the benchmark.

    Returns
    -------
    BenchmarkComparison
    """
    from meam_mapping.estimate import prevalence

    confidence = _check_confidence(confidence)
    above, below = _SIDES[_check_polarity(polarity)]
    table = result.table
    hidden = table["suppressed"].astype(bool).to_numpy()
    bench = pd.to_numeric(table["benchmark"], errors="coerce").to_numpy(dtype=float)
    if confidence == 0.95:
        lower = table["lower"].to_numpy(dtype=float, copy=True)
        upper = table["upper"].to_numpy(dtype=float, copy=True)
    else:
        columns = [c for c in ("area_code", "count", "denominator", "suppressed", "unit")
                   if c in table.columns]  # fmt: skip
        limits = prevalence(table[columns].reset_index(drop=True), confidence=confidence)
        lower = limits["lower"].to_numpy(dtype=float, copy=True)
        upper = limits["upper"].to_numpy(dtype=float, copy=True)
    lower[hidden] = np.nan
    upper[hidden] = np.nan
    comparable = np.isfinite(lower) & np.isfinite(upper) & np.isfinite(bench)
    category = np.where(lower > bench, above, np.where(upper < bench, below, "Similar"))
    category = np.where(comparable, category, NOT_COMPARED).astype(object)
    category[hidden] = NOT_SHOWN
    value = table["value"].to_numpy(dtype=float, copy=True)
    value[hidden] = np.nan
    out = pd.DataFrame(
        {
            "area_code": table["area_code"].astype(str).to_numpy(),
            "area_name": table.get("area_name", table["area_code"]).astype(str).to_numpy(),
            "count": np.where(hidden, np.nan, table["count"].to_numpy(dtype=float)),
            "denominator": table["denominator"].to_numpy(dtype=float),
            "value": value,
            "lower": lower,
            "upper": upper,
            "suppressed": hidden,
            "category": category,
        }
    )
    order = (
        ("Higher", "Similar", "Lower") if polarity == "neutral" else ("Better", "Similar", "Worse")
    )
    return BenchmarkComparison(
        table=out,
        benchmark=float(result.benchmark),
        benchmark_label=result.benchmark_label,
        confidence=confidence,
        polarity=polarity,
        categories=(*order, NOT_COMPARED),
        unit=result.unit,
    )


def benchmark_slice(data: pd.DataFrame, comparison: BenchmarkComparison) -> pd.DataFrame:
    """A published map slice with each area's benchmark category.

    Parameters
    ----------
    data : pandas.DataFrame
        The published slice the map draws
        (:func:`~meam_mapping.pipeline.publish.map_slice`).
    comparison : BenchmarkComparison
        The same indicator, period and level compared with the benchmark.

    Returns
    -------
    pandas.DataFrame
        ``data`` (its disclosure mark kept) plus ``category`` and the
        tooltip column ``"Compared with the study area"``. An area hidden in
        either table is "Not shown"; a shown area the comparison lacks is
        "Not compared".
    """
    category = comparison.table.set_index("area_code")["category"]
    out = data.copy()
    codes = out["area_code"].astype(str)
    out["category"] = codes.map(category).fillna(NOT_COMPARED).to_numpy()
    out.loc[out["suppressed"].astype(bool).to_numpy(), "category"] = NOT_SHOWN
    level = CONFIDENCE_LEVELS[comparison.confidence]
    out["Compared with the study area"] = out["category"].map(
        lambda c: c if c in (NOT_SHOWN, NOT_COMPARED) else f"{c} ({level} confidence)"
    )
    return out


def compare_areas_table(comparison: BenchmarkComparison) -> tuple[pd.DataFrame, int]:
    """The areas with a published value, highest first, for a compare-areas chart.

    Returns
    -------
    table : pandas.DataFrame
        ``area_code, area_name, value, lower, upper, category`` (limits at
        the comparison's confidence level), highest value first.
    omitted : int
        Number of areas left out because their figure is not shown.
    """
    table = comparison.table
    shown = table.loc[~table["suppressed"] & table["value"].notna()]
    omitted = int(len(table) - len(shown))
    columns = ["area_code", "area_name", "value", "lower", "upper", "category"]
    return shown.sort_values("value", ascending=False)[columns].reset_index(drop=True), omitted


def indicator_polarity(dataset: Dataset, indicator: str) -> str:
    """The indicator's polarity from the dataset's catalogue (neutral when unknown)."""
    catalogue = dataset.catalogue().set_index("indicator")
    if indicator not in catalogue.index or "polarity" not in catalogue.columns:
        return "neutral"
    polarity = str(catalogue.loc[indicator, "polarity"])
    return polarity if polarity in _SIDES else "neutral"


def compare_with_study_area(
    dataset: Dataset,
    indicator: str,
    period: str | None,
    level: str | None,
    policy: DisclosurePolicy = DEFAULT_POLICY,
    *,
    confidence: float = 0.95,
) -> BenchmarkComparison:
    """Every area of one indicator at one level against the study area, published.

    Parameters
    ----------
    dataset : Dataset
        The data.
    indicator, period, level : str
        What to compare (the latest period and native level when None).
    policy : DisclosurePolicy
        Disclosure control applied before anything is compared or shown.
    confidence : {0.95, 0.998}
        Confidence level of the comparison.

    Returns
    -------
    BenchmarkComparison
    """
    result = prevalence_by_area(dataset, indicator, period, level, policy, benchmark="study_area")
    return benchmark_comparison(
        result, polarity=indicator_polarity(dataset, indicator), confidence=confidence
    )


def legend_categories(comparison: BenchmarkComparison) -> tuple[tuple[str, str], ...]:
    """``(label, colour)`` pairs for a map legend ("Not compared" only when an area is)."""
    present = set(comparison.table["category"])
    return tuple(
        (label, BENCHMARK_COLOURS[label])
        for label in comparison.categories
        if label != NOT_COMPARED or label in present
    )


def with_comparison(table: pd.DataFrame, comparison: BenchmarkComparison) -> pd.DataFrame:
    """The map as a table (:func:`~meam_mapping.pipeline.display.display_table`) with a Compared column.

    The column holds each area's category ("Better", "Similar", "Worse", or
    "Higher"/"Lower"; "Not shown" where the figure is hidden), placed before
    the ``Note`` column; its heading names the confidence level.
    """
    category = comparison.table.set_index("area_code")["category"]
    heading = f"Compared with the study area ({CONFIDENCE_LEVELS[comparison.confidence]})"
    out = table.copy()
    values = out["Code"].astype(str).map(category).fillna(NOT_COMPARED)
    out.insert(out.columns.get_loc("Note") if "Note" in out else len(out.columns), heading, values)
    return out

"""Confidence intervals for counts, rates and proportions: the one implementation.

All intervals come from PHStatsMethods, the Department of Health and Social
Care package behind Fingertips:

* ``'wilson'``: Wilson score interval for a proportion (Wilson 1927;
  Newcombe 1998);
* ``'byar'``: Byar's approximation to the Poisson interval for a count
  (Breslow & Day 1987), with the exact Poisson interval for counts under 10 as
  Fingertips does;
* ``'exact'``: the exact Poisson interval from the chi-squared distribution
  (Armitage & Berry 2002) for every count.

:func:`count_interval` gives limits for counts (Poisson methods),
:func:`rate_limits` limits for ``count / denominator`` (times a multiplier).
Unknown counts or denominators (NaN) give NaN limits, never zero.

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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import PHStatsMethods as phs

from meam_mapping.errors import InputError
from meam_mapping.indicators.units import Unit

__all__ = [
    "BYAR_MIN_COUNT",
    "CI_METHODS",
    "CIMethod",
    "check_confidence",
    "count_interval",
    "is_proportion_only",
    "methods_used",
    "rate_limits",
    "resolve_method",
]

CIMethod = Literal["auto", "wilson", "byar", "exact"]

#: Below this count Byar's method gives way to the exact Poisson interval.
BYAR_MIN_COUNT = 10


def _exact_counts(count: float, confidence: float) -> tuple[float, float]:
    # PHStatsMethods gives NaN for the lower limit of a zero count: it is 0.
    lower = 0.0 if count == 0 else float(phs.exact_lower(count, confidence))
    return lower, float(phs.exact_upper(count, confidence))


def _byar_counts(count: float, confidence: float) -> tuple[float, float]:
    if count < BYAR_MIN_COUNT:
        return _exact_counts(count, confidence)
    return float(phs.byars_lower(count, confidence)), float(phs.byars_upper(count, confidence))


def _wilson(count: float, denominator: float, confidence: float) -> tuple[float, float]:
    return (
        float(phs.wilson_lower(count, denominator, confidence)),
        float(phs.wilson_upper(count, denominator, confidence)),
    )


def _per_denominator(
    counts: Callable[[float, float], tuple[float, float]],
) -> Callable[[float, float, float], tuple[float, float]]:
    def limits(count: float, denominator: float, confidence: float) -> tuple[float, float]:
        lower, upper = counts(count, confidence)
        return lower / denominator, upper / denominator

    return limits


@dataclass(frozen=True)
class _Method:
    function: Callable[[float, float, float], tuple[float, float]]
    description: str
    proportion_only: bool


_REGISTRY: dict[str, _Method] = {
    "wilson": _Method(_wilson, "Wilson score interval for a proportion", True),
    "byar": _Method(
        _per_denominator(_byar_counts), "Byar's method (exact Poisson for counts under 10)", False
    ),
    "exact": _Method(_per_denominator(_exact_counts), "exact Poisson interval", False),
}
_COUNT_METHODS: dict[str, Callable[[float, float], tuple[float, float]]] = {
    "byar": _byar_counts,
    "exact": _exact_counts,
}

#: Interval methods by name, with a one-line description ('auto' picks by unit).
CI_METHODS: dict[str, str] = {
    "auto": "'wilson' for % and proportions, 'byar' for 'per ...' rates",
    **{name: spec.description for name, spec in _REGISTRY.items()},
}


def resolve_method(method: str, unit: Unit | None = None) -> str:
    """The method to use: ``'auto'`` picks Wilson for proportions, Byar otherwise.

    Raises
    ------
    InputError
        For a method not in :data:`CI_METHODS`, listing them.
    """
    if method == "auto":
        return "wilson" if unit is not None and unit.is_proportion else "byar"
    if method not in _REGISTRY:
        raise InputError(
            f"there is no interval method called {method!r}",
            expected="one of " + ", ".join(repr(m) for m in CI_METHODS),
            fix="Choose one of the listed methods",
        )
    return method


def check_confidence(confidence: float) -> float:
    """Return ``confidence`` as a float, refusing levels outside [0.5, 1)."""
    if not isinstance(confidence, (int, float)) or not 0.5 <= float(confidence) < 1:
        raise InputError(
            f"the confidence level {confidence!r} is not usable",
            expected="a number between 0.5 and 1, such as 0.95 or 0.998",
        )
    return float(confidence)


def count_interval(
    count: np.ndarray | float,
    *,
    method: Literal["byar", "exact"] = "byar",
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson limits for counts (Byar, exact under 10; or exact throughout).

    Parameters
    ----------
    count : array_like
        Counts of 0 or more; NaN where unknown.
    method : {'byar', 'exact'}, default 'byar'
    confidence : float, default 0.95

    Returns
    -------
    (lower, upper) : tuple of ndarray
        Limits for the count; NaN where the count is NaN.

    Examples
    --------
    >>> low, high = count_interval([25.0])
    >>> round(float(low[0]), 3), round(float(high[0]), 3)
    (16.174, 36.906)
    """
    if method not in _COUNT_METHODS:
        raise InputError(
            f"there is no count interval method called {method!r}",
            expected="'byar' or 'exact'",
        )
    level = check_confidence(confidence)
    values = np.atleast_1d(np.asarray(count, dtype=float))
    lower = np.full(values.shape, np.nan)
    upper = np.full(values.shape, np.nan)
    function = _COUNT_METHODS[method]
    rows = np.flatnonzero(np.isfinite(values) & (values >= 0))
    # Limits depend on the count alone: work them out once per distinct count.
    distinct, position = np.unique(values[rows], return_inverse=True)
    limits = np.array([function(c, level) for c in distinct], dtype=float).reshape(-1, 2)
    lower[rows], upper[rows] = limits[position, 0], limits[position, 1]
    return lower, upper


def rate_limits(
    count: np.ndarray,
    denominator: np.ndarray,
    *,
    method: str,
    confidence: float = 0.95,
    multiplier: float = 1.0,
    usable: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Limits of ``count / denominator * multiplier`` for each row.

    Parameters
    ----------
    count, denominator : array_like
        Counts and denominators (NaN where unknown).
    method : {'wilson', 'byar', 'exact'}
        Resolved method (see :func:`resolve_method`).
    confidence : float, default 0.95
    multiplier : float, default 1
        1,000 for a rate per 1,000, 100 for a percentage.
    usable : array of bool, optional
        Rows to compute; by default those with a known count and a positive
        denominator. Other rows get NaN.

    Returns
    -------
    (lower, upper) : tuple of ndarray
    """
    name = resolve_method(method)
    level = check_confidence(confidence)
    counts = np.asarray(count, dtype=float)
    dens = np.asarray(denominator, dtype=float)
    if usable is None:
        with np.errstate(invalid="ignore"):
            usable = np.isfinite(counts) & np.isfinite(dens) & (dens > 0) & (counts >= 0)
    lower = np.full(counts.shape, np.nan)
    upper = np.full(counts.shape, np.nan)
    rows = np.flatnonzero(usable)
    if name in _COUNT_METHODS:
        # Poisson limits depend on the count alone: one scipy call per distinct
        # count (a national table holds a few hundred), then each row's limits
        # are those divided by its denominator, as _per_denominator does.
        count_limits = _COUNT_METHODS[name]
        distinct, position = np.unique(counts[rows], return_inverse=True)
        limits = np.array([count_limits(c, level) for c in distinct], dtype=float).reshape(-1, 2)
        position = np.asarray(position).reshape(-1)
        lower[rows] = limits[position, 0] / dens[rows] * multiplier
        upper[rows] = limits[position, 1] / dens[rows] * multiplier
        return lower, upper
    function = _REGISTRY[name].function
    # Each distinct (count, denominator) pair is worked out once: a national
    # table repeats the same small counts and populations many times.
    pairs, position = np.unique(
        np.column_stack([counts[rows], dens[rows]]), axis=0, return_inverse=True
    )
    position = np.asarray(position).reshape(-1)
    limits = np.array([function(c, d, level) for c, d in pairs], dtype=float).reshape(-1, 2)
    lower[rows] = limits[position, 0] * multiplier
    upper[rows] = limits[position, 1] * multiplier
    return lower, upper


def is_proportion_only(method: str) -> bool:
    """True for methods that need count no larger than denominator (Wilson)."""
    return _REGISTRY[resolve_method(method)].proportion_only


def methods_used(method: str, count: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """The method actually used on each row (``'exact'`` for Byar counts under 10; None if unused)."""
    counts = np.asarray(count, dtype=float)
    used = np.full(len(counts), method, dtype=object)
    if method == "byar":
        with np.errstate(invalid="ignore"):
            used[usable & (counts < BYAR_MIN_COUNT)] = "exact"
    used[~usable] = None
    return used

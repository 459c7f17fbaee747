"""Funnel limits that allow for overdispersion (Spiegelhalter 2005).

Area rates of social data nearly always vary more between areas than
Poisson or binomial chance alone allows (different populations, different
recording), so plain funnel limits flag too many areas. Spiegelhalter (2005,
sections 3.3 and 3.4) gives two remedies, both from the standardised Pearson
residuals of the areas around the benchmark ``theta``:

``z_i = (y_i - theta) / s_i``, with ``s_i = sqrt(V(theta) / n_i)``,
``V(theta) = theta (1 - theta)`` for proportions and ``theta`` for rates.

The ``z_i`` are *winsorised* (the lowest and highest 10% are set to the 10th
and 90th percentiles, so that the areas one wants to detect do not inflate
the estimate), and

* **multiplicative** (``'multiplicative'``): ``phi = mean(z_w**2)`` and the
  limits are ``theta +/- z_alpha sqrt(phi) s(n)``, used when ``phi > 1``;
* **additive random effects** (``'additive'``): the DerSimonian-Laird
  between-area variance
  ``tau2 = max(0, (I phi - (I - 1)) / (sum w - sum w**2 / sum w))`` with
  ``w_i = 1 / s_i**2``, and limits ``theta +/- z_alpha sqrt(s(n)**2 + tau2)``.

The dispersion estimate is returned with a test of no overdispersion
(``I phi`` against chi-squared on ``I - 1`` degrees of freedom; conservative,
since winsorising shrinks ``phi``), so the page can show it. Limits use the normal approximation, as in Spiegelhalter (2005).

References
----------
Spiegelhalter, D. J. (2005). Handling over-dispersion of performance
indicators. Quality and Safety in Health Care 14, 347-351.
Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional
performance. Statistics in Medicine 24, 1185-1202 (section 3.4).
DerSimonian, R. & Laird, N. (1986). Meta-analysis in clinical trials.
Controlled Clinical Trials 7, 177-188.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from meam_mapping.errors import InputError
from meam_mapping.estimate.funnel import put_limits

__all__ = [
    "OVERDISPERSION_METHODS",
    "Overdispersion",
    "estimate_overdispersion",
    "overdispersed_limits",
    "overdispersed_flags",
]

Adjustment = Literal["multiplicative", "additive"]
#: Overdispersion adjustments by name.
OVERDISPERSION_METHODS: dict[str, str] = {
    "multiplicative": "limits widened by sqrt(phi) (Spiegelhalter 2005, multiplicative)",
    "additive": "random-effects limits with DerSimonian-Laird tau^2 (Spiegelhalter 2005)",
}
#: Share of areas winsorised at each end.
WINSOR = 0.10


@dataclass(frozen=True)
class Overdispersion:
    """How much more the areas vary than chance alone.

    Attributes
    ----------
    phi : float
        Overdispersion factor (mean squared winsorised z-score; 1 = chance only).
    tau2 : float
        Between-area variance (DerSimonian-Laird), in squared proportion or
        squared rate-per-person units.
    p_value : float
        Test of no overdispersion (``I phi`` on chi-squared, ``I - 1`` df).
    n_areas : int
        Areas used.
    benchmark : float
        Benchmark proportion or rate per person.
    kind : str
        ``'proportion'`` or ``'rate'``.
    """

    phi: float
    tau2: float
    p_value: float
    n_areas: int
    benchmark: float
    kind: str

    def describe(self) -> str:
        """One plain sentence for the page."""
        if self.p_value < 0.05 and self.phi > 1:
            return (
                f"The areas vary {self.phi:.1f} times as much as chance alone would make them "
                f"(overdispersion factor {self.phi:.2f}, p = {self.p_value:.3g}), so the limits "
                "were widened to allow for it."
            )
        return (
            f"The areas vary about as much as chance alone would make them (overdispersion "
            f"factor {self.phi:.2f}, p = {self.p_value:.3g}); the limits are barely changed."
        )


def _variance(theta: float, kind: str) -> float:
    return theta * (1 - theta) if kind == "proportion" else theta


def estimate_overdispersion(
    counts: Sequence[float] | np.ndarray,
    denominators: Sequence[float] | np.ndarray,
    *,
    benchmark: float | None = None,
    kind: Literal["proportion", "rate"] = "rate",
    winsor: float = WINSOR,
) -> Overdispersion:
    """Spiegelhalter's overdispersion factor and DerSimonian-Laird between-area variance.

    Parameters
    ----------
    counts, denominators : array-like of float
        Each area's count and denominator (areas with a missing count or a
        denominator of 0 are left out).
    benchmark : float, optional
        Benchmark proportion or rate per person (not per 1,000); by default
        the pooled ``sum(counts) / sum(denominators)`` of the areas used.
    kind : {'rate', 'proportion'}
        Poisson (``V = theta``) or binomial (``V = theta (1 - theta)``) variance.
    winsor : float, default 0.1
        Share of z-scores winsorised at each end.

    Returns
    -------
    Overdispersion
    """
    o = np.asarray(counts, dtype=float)
    n = np.asarray(denominators, dtype=float)
    use = np.isfinite(o) & np.isfinite(n) & (n > 0)
    o, n = o[use], n[use]
    if len(o) < 3:
        raise InputError(
            f"overdispersion needs at least 3 areas with counts, got {len(o)}",
            expected="3 or more areas",
        )
    if not 0 <= winsor < 0.5:
        raise InputError(f"winsor={winsor!r}", column="winsor", expected="from 0 to below 0.5")
    theta = float(o.sum() / n.sum()) if benchmark is None else float(benchmark)
    var = _variance(theta, kind)
    if not var > 0:
        raise InputError(
            f"the benchmark {theta!r} leaves no variation to compare with",
            expected="a benchmark above 0" + (" and below 1" if kind == "proportion" else ""),
        )
    s2 = var / n
    z = (o / n - theta) / np.sqrt(s2)
    low, high = np.quantile(z, [winsor, 1 - winsor])
    zw = np.clip(z, low, high)
    areas = len(z)
    phi = float(np.mean(zw**2))
    w = 1 / s2
    tau2 = max(0.0, (areas * phi - (areas - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    p_value = float(stats.chi2.sf(areas * phi, areas - 1))
    return Overdispersion(phi, float(tau2), p_value, areas, theta, kind)


def overdispersed_limits(
    dispersion: Overdispersion,
    denominators: Sequence[float] | np.ndarray,
    *,
    method: Adjustment = "multiplicative",
    multiplier: float = 1.0,
    levels: Sequence[float] = (0.95, 0.998),
) -> pd.DataFrame:
    """Funnel limits widened for overdispersion.

    Parameters
    ----------
    dispersion : Overdispersion
        From :func:`estimate_overdispersion`.
    denominators : array-like of float
        Denominators to evaluate at.
    method : {'multiplicative', 'additive'}
        See :data:`OVERDISPERSION_METHODS`. The multiplicative limits use
        ``max(phi, 1)``.
    multiplier : float, default 1
        Unit multiplier of the output (1,000 for per 1,000, 100 for %).
    levels : sequence of float
        Confidence levels.

    Returns
    -------
    pandas.DataFrame
        ``denominator, confidence, lower, upper, benchmark, method, phi, tau2``.
    """
    if method not in OVERDISPERSION_METHODS:
        raise InputError(
            f"unknown overdispersion method {method!r}",
            column="method",
            expected=f"one of {sorted(OVERDISPERSION_METHODS)}",
        )
    n = np.asarray(denominators, dtype=float)
    if np.any(~np.isfinite(n)) or np.any(n <= 0):
        raise InputError("denominators must be numbers above 0", expected="denominators > 0")
    theta = dispersion.benchmark
    s2 = _variance(theta, dispersion.kind) / n
    spread = max(dispersion.phi, 1.0) * s2 if method == "multiplicative" else s2 + dispersion.tau2
    top = 1.0 if dispersion.kind == "proportion" else np.inf
    frames = []
    for level in levels:
        z = stats.norm.ppf(1 - (1 - level) / 2)
        half = z * np.sqrt(spread)
        frames.append(
            pd.DataFrame(
                {
                    "denominator": n,
                    "confidence": level,
                    "lower": np.clip(theta - half, 0, top) * multiplier,
                    "upper": np.clip(theta + half, 0, top) * multiplier,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["benchmark"] = theta * multiplier
    out["method"] = OVERDISPERSION_METHODS[method]
    out["phi"] = dispersion.phi
    out["tau2"] = dispersion.tau2
    return out


def overdispersed_flags(
    table: pd.DataFrame,
    *,
    benchmark: float | None = None,
    kind: Literal["proportion", "rate"] = "rate",
    multiplier: float = 1000.0,
    method: Adjustment = "multiplicative",
) -> pd.DataFrame:
    """Where each area lies against overdispersed 95% and 99.8% limits.

    Parameters
    ----------
    table : pandas.DataFrame
        ``area_code, count, denominator``; rows with a missing count (for
        example suppressed) are kept but not plotted. The dispersion should
        be estimated from the full table, before suppression.
    benchmark : float, optional
        Benchmark in output units (e.g. per 1,000); by default the pooled value.
    kind : {'rate', 'proportion'}
    multiplier : float, default 1000
        Output unit (1,000 for per 1,000; 100 for %).
    method : {'multiplicative', 'additive'}

    Returns
    -------
    pandas.DataFrame
        The table plus ``value, benchmark, limit_lower_95, limit_upper_95,
        limit_lower_998, limit_upper_998, flag_95, flag_998`` (values in
        :data:`~meam_mapping.estimate.funnel.FUNNEL_FLAGS`), ``phi, tau2``; ``attrs['dispersion']``
        holds the :class:`Overdispersion` and ``attrs['text']`` its sentence.
    """
    missing = {"count", "denominator"} - set(table.columns)
    if missing:
        raise InputError(
            f"the table has no {sorted(missing)} column(s)",
            column=sorted(missing),
            expected="columns area_code, count, denominator",
        )
    o = pd.to_numeric(table["count"], errors="coerce").to_numpy(dtype=float)
    n = pd.to_numeric(table["denominator"], errors="coerce").to_numpy(dtype=float)
    bench = None if benchmark is None else float(benchmark) / multiplier
    dispersion = estimate_overdispersion(o, n, benchmark=bench, kind=kind)
    out = table.copy()
    plotted = np.isfinite(o) & np.isfinite(n) & (n > 0)
    value = np.where(plotted, o / np.where(plotted, n, 1.0) * multiplier, np.nan)
    out["value"] = value
    out["benchmark"] = dispersion.benchmark * multiplier
    for level, suffix in ((0.95, "95"), (0.998, "998")):
        low = np.full(len(out), np.nan)
        high = np.full(len(out), np.nan)
        if plotted.any():
            limits = overdispersed_limits(
                dispersion, n[plotted], method=method, multiplier=multiplier, levels=(level,)
            )
            low[plotted], high[plotted] = limits["lower"], limits["upper"]
        put_limits(out, suffix, value, low, high, plotted)
    out["phi"] = dispersion.phi
    out["tau2"] = dispersion.tau2
    out.attrs["dispersion"] = dispersion
    out.attrs["text"] = dispersion.describe()
    return out

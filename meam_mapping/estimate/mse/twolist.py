"""Two-list (dual system) estimates: Lincoln-Petersen and Chapman.

With lists A and B, ``n1`` people on A, ``n2`` on B and ``m`` on both:

* Lincoln-Petersen: ``N = n1 n2 / m`` with variance
  ``n1 n2 (n1 - m)(n2 - m) / m**3`` (Seber 1982, eq. 3.2-3.3);
* Chapman (1951): ``N = (n1 + 1)(n2 + 1) / (m + 1) - 1`` with variance
  ``(n1 + 1)(n2 + 1)(n1 - m)(n2 - m) / ((m + 1)**2 (m + 2))`` (Seber 1970;
  Wittes 1972).

The 95% interval is Chao's (1987) log-transformed interval: with ``M`` people
seen and ``f0 = N - M`` estimated hidden, ``C = exp(z sqrt(log(1 + var/f0**2)))``
and the interval is ``[M + f0/C, M + f0 C]``. It is the normal interval for
``log(f0)`` and so never falls below the number of people seen. This is the
interval printed by the R package CARE1 (Chao et al. 2001).

Both assume the two lists find people independently (and that everyone is
equally findable); that cannot be checked with two lists. Robson & Regier
(1964) advise at least 7 people on both lists for the bias to be small.

References
----------
Chapman, D. G. (1951). Univ. Calif. Publ. Stat. 1, 131-160.
Seber, G. A. F. (1970). Biometrika 57, 313-318.
Wittes, J. T. (1972). JASA 67, 93-97.
Robson, D. S. & Regier, H. A. (1964). Trans. Am. Fish. Soc. 93, 215-226.
Chao, A. (1987). Biometrics 43, 783-791.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from meam_mapping.errors import EstimationError

__all__ = ["TwoListEstimate", "chapman", "lincoln_petersen", "chao_log_interval"]

#: Fewest people on both lists for which Robson & Regier (1964) expect small bias.
MIN_OVERLAP = 7


@dataclass(frozen=True)
class TwoListEstimate:
    """A two-list estimate of the population size.

    Attributes
    ----------
    estimate, lower, upper : float
        Estimated population size and its confidence interval.
    variance : float
        Estimated variance of ``estimate``.
    observed : int
        People seen on at least one list (``n1 + n2 - m``).
    method : str
        ``'chapman'`` or ``'lincoln_petersen'``.
    ci_method : str
        How the interval was made.
    warnings : tuple of str
    """

    estimate: float
    lower: float
    upper: float
    variance: float
    observed: int
    method: str
    ci_method: str
    warnings: tuple[str, ...]


CI_METHOD = "log-transformed interval (Chao 1987)"


def chao_log_interval(
    estimate: float, variance: float, observed: float, alpha: float = 0.05
) -> tuple[float, float]:
    """Chao's (1987) log-transformed interval for a population size.

    Parameters
    ----------
    estimate : float
        Estimated population size.
    variance : float
        Its estimated variance.
    observed : float
        People seen (the interval never goes below this).
    alpha : float
        One minus the confidence level.

    Returns
    -------
    tuple of float
        ``(lower, upper)``.
    """
    f0 = estimate - observed
    if f0 <= 0 or variance <= 0:
        return float(observed), float(max(estimate, observed))
    z = stats.norm.ppf(1 - alpha / 2)
    c = np.exp(z * np.sqrt(np.log1p(variance / f0**2)))
    return float(observed + f0 / c), float(observed + f0 * c)


def _check(n1: int, n2: int, m: int) -> list[str]:
    if min(n1, n2, m) < 0 or m > min(n1, n2):
        raise EstimationError(
            f"impossible two-list counts (n1={n1}, n2={n2}, both={m}): the overlap cannot be "
            "negative or bigger than either list"
        )
    if m == 0:
        raise EstimationError(
            "nobody is on both lists, so the two lists give no overlap to estimate from; "
            "check the record matching, or add a third list"
        )
    warnings = []
    if m < MIN_OVERLAP:
        warnings.append(
            f"only {m} people are on both lists (fewer than {MIN_OVERLAP}): the estimate may be "
            "badly biased and the interval unreliable (Robson & Regier 1964)"
        )
    return warnings


def _two_list(
    n_hat: float, var: float, observed: int, alpha: float, method: str, warnings: list[str]
) -> TwoListEstimate:
    """Wrap a two-list point estimate and variance with Chao's log-normal interval."""
    low, high = chao_log_interval(n_hat, var, observed, alpha)
    return TwoListEstimate(
        float(n_hat), low, high, float(var), int(observed), method, CI_METHOD, tuple(warnings)
    )


def chapman(n1: int, n2: int, m: int, *, alpha: float = 0.05) -> TwoListEstimate:
    """Chapman's nearly unbiased two-list estimate with its variance.

    Parameters
    ----------
    n1, n2 : int
        People on list 1 and on list 2.
    m : int
        People on both.
    alpha : float
        One minus the confidence level.

    Returns
    -------
    TwoListEstimate

    Raises
    ------
    EstimationError
        When nobody is on both lists, or the counts are impossible.

    Examples
    --------
    >>> round(chapman(100, 100, 20).estimate, 1)
    484.8
    """
    warnings = _check(n1, n2, m)
    n_hat = (n1 + 1) * (n2 + 1) / (m + 1) - 1
    var = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
    return _two_list(n_hat, var, n1 + n2 - m, alpha, "chapman", warnings)


def lincoln_petersen(n1: int, n2: int, m: int, *, alpha: float = 0.05) -> TwoListEstimate:
    """Compute the Lincoln-Petersen two-list estimate (the maximum likelihood one).

    Parameters
    ----------
    n1, n2 : int
        People on list 1 and on list 2.
    m : int
        People on both.
    alpha : float
        One minus the confidence level.

    Returns
    -------
    TwoListEstimate

    Raises
    ------
    EstimationError
        When nobody is on both lists, or the counts are impossible.
    """
    warnings = _check(n1, n2, m)
    n_hat = n1 * n2 / m
    var = n1 * n2 * (n1 - m) * (n2 - m) / m**3
    return _two_list(n_hat, var, n1 + n2 - m, alpha, "lincoln_petersen", warnings)

"""People who differ in how visible they are: heterogeneity models and warnings.

Log-linear models with two-way interactions absorb dependence between pairs of
lists, but not *individual heterogeneity*: when some people are much more
likely than others to be seen by every service, those seen by several
services are a different group from those seen by one, and the models
underestimate the number missed by all.

Rcapture's ``closedp.t`` models ``Mth`` (Rivest & Baillargeon 2007;
Baillargeon & Rivest 2007) add to the list main effects one column ``h(k)`` of
the number of lists ``k`` a pattern is on, with ``h(0) = 0`` so the hidden
cell is still ``exp(intercept)``:

* **Darroch**: ``h(k) = k**2 / 2`` (Darroch et al. 1993);
* **Poisson2**: ``h(k) = 2**k - 1``;
* **Gamma3.5**: ``h(k) = -log(1 + k / 3.5)``.

Each comes from a mixing distribution of the individual effect, so its
parameter must be positive; a negative estimate means the data show no such
heterogeneity, and the model is left out (Rcapture sets such parameters to
zero). :func:`chao_lower_bound` gives Chao's (1987) lower bound, which holds
whatever the heterogeneity. :func:`heterogeneity_warnings` says, in plain
words, when the chosen estimate is probably too low.

References
----------
Chao, A. (1987). Estimating the population size for capture-recapture data with
unequal catchability. Biometrics 43, 783-791.
Darroch, J. N., Fienberg, S. E., Glonek, G. F. V. & Junker, B. W. (1993). A
three-sample multiple-recapture approach to census population estimation with
heterogeneous catchability. JASA 88, 1137-1148.
Link, W. A. (2003). Nonidentifiability of population size from capture-recapture
data with heterogeneous detection probabilities. Biometrics 59, 1123-1130.
Rivest, L.-P. & Baillargeon, S. (2007). Applications and extensions of Chao's
moment estimator for the size of a closed population. Biometrics 63, 999-1006.
Baillargeon, S. & Rivest, L.-P. (2007). Rcapture: loglinear models for
capture-recapture in R. J. Stat. Softw. 19(5) (source: cran/Rcapture, R/closedp.R).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from meam_mapping.estimate.mse.wording import about

__all__ = [
    "HETEROGENEITY_TERMS",
    "MOST_INTERACTIONS",
    "AIC_MARGIN",
    "PLAIN_WARNING",
    "is_heterogeneity",
    "heterogeneity_column",
    "chao_lower_bound",
    "heterogeneity_warnings",
]

#: Heterogeneity terms by name, with ``h(k)`` for ``k`` lists.
HETEROGENEITY_TERMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "heterogeneity (Darroch)": lambda k: k**2 / 2.0,
    "heterogeneity (Poisson2)": lambda k: 2.0**k - 1.0,
    "heterogeneity (Gamma3.5)": lambda k: -np.log1p(k / 3.5),
}
#: Share of all pairwise interactions above which the chosen model "needs most of them".
MOST_INTERACTIONS = 0.5
#: AIC units by which a heterogeneity model must beat the others to be "much better".
AIC_MARGIN = 2.0
#: What the user is told when heterogeneity is likely.
PLAIN_WARNING = (
    "people seen by several services are very different from people seen by one; "
    "the true number is probably higher than this estimate"
)


def is_heterogeneity(term: str) -> bool:
    """Whether a model term is a heterogeneity term (not a pair of lists)."""
    return term in HETEROGENEITY_TERMS


def heterogeneity_column(term: str, patterns: np.ndarray) -> np.ndarray:
    """The design column ``h(k)`` of a heterogeneity term for 0/1 patterns."""
    k = np.asarray(patterns, dtype=float).sum(axis=1)
    return HETEROGENEITY_TERMS[term](k)


def chao_lower_bound(y: np.ndarray, patterns: np.ndarray) -> float:
    """Chao's (1987) bias-corrected lower bound for the population size.

    ``N_LB = n + ((t - 1) / t) f1 (f1 - 1) / (2 (f2 + 1))`` where ``n`` people
    were seen, ``f1`` of them on exactly one of ``t`` lists and ``f2`` on
    exactly two. It is a lower bound under any heterogeneity in how visible
    people are (and equal lists); a model estimate below it is suspect.

    Parameters
    ----------
    y : numpy.ndarray
        Counts of the observable patterns.
    patterns : numpy.ndarray
        The 0/1 patterns (rows aligned with ``y``).

    Returns
    -------
    float
    """
    y = np.asarray(y, dtype=float)
    k = np.asarray(patterns).sum(axis=1)
    t = np.asarray(patterns).shape[1]
    f1, f2 = float(y[k == 1].sum()), float(y[k == 2].sum())
    return float(y.sum() + (t - 1) / t * f1 * (f1 - 1) / (2 * (f2 + 1)))


def heterogeneity_warnings(
    fits: Sequence, chosen, interval: tuple[float, float], n_lists: int, lower_bound: float
) -> list[str]:
    """Plain-words warnings that the estimate is probably too low.

    Warns when (a) the chosen model needs most of the possible pairwise
    interactions, (b) a heterogeneity model fits better than every model
    without heterogeneity by more than :data:`AIC_MARGIN` (even when it is
    the chosen one: heterogeneity models disagree among themselves and the
    data cannot tell them apart, Link 2003), (c) a heterogeneity model that
    fits at least as well as the best model without heterogeneity gives more
    than the chosen upper limit, or (d) Chao's lower bound lies
    above the chosen upper limit.

    Parameters
    ----------
    fits : sequence of LoglinearFit
        Every model fitted.
    chosen : LoglinearFit
        The model reported.
    interval : tuple of float
        The chosen model's interval.
    n_lists : int
        Number of lists.
    lower_bound : float
        Chao's lower bound.

    Returns
    -------
    list of str
        Empty, or one warning starting with :data:`PLAIN_WARNING` and giving
        the reasons.
    """
    usable = [f for f in fits if not f.diverged]
    het = [f for f in usable if any(is_heterogeneity(t) for t in f.terms)]
    plain = [f for f in usable if not any(is_heterogeneity(t) for t in f.terms)]
    reasons = []
    pairs = [t for t in chosen.terms if not is_heterogeneity(t)]
    possible = n_lists * (n_lists - 1) // 2
    if possible >= 3 and len(pairs) > MOST_INTERACTIONS * possible:
        reasons.append(
            f"the chosen model needs {len(pairs)} of the {possible} possible pairs of lists "
            "to be linked, which is what a few very visible people look like"
        )
    best_het = min(het, key=lambda f: f.aic, default=None)
    best_plain = min(plain, key=lambda f: f.aic, default=None)
    if best_het is not None and best_plain is not None:
        if best_het.aic < best_plain.aic - AIC_MARGIN:
            reasons.append(
                f"models for people who differ in visibility fit better than any model "
                f"without it (AIC {best_het.aic - best_plain.aic:+.1f}), and their estimates "
                "depend on the assumed form of the differences, which the data cannot check"
            )
    high = interval[1]
    above = [f for f in het if f is not chosen and math.isfinite(high) and f.n_hat > high]
    if best_plain is not None:
        above = [f for f in above if f.aic <= best_plain.aic]
    if above:
        top = max(above, key=lambda f: f.n_hat)
        reasons.append(
            f"a heterogeneity model that fits at least as well ({top.label}: "
            f"{about(top.n_hat)}) gives more than this estimate's upper limit ({about(high)})"
        )
    if math.isfinite(lower_bound) and math.isfinite(high) and lower_bound > high:
        reasons.append(
            f"Chao's lower bound ({about(lower_bound)}) is above this estimate's upper limit "
            f"({about(high)})"
        )
    if not reasons:
        return []
    return [PLAIN_WARNING + " (" + "; ".join(reasons) + ")"]

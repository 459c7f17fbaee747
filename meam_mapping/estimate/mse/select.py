"""Choosing which two-way interactions enter a log-linear model.

With ``k`` lists there are ``k(k-1)/2`` possible two-way interactions and
``2**(k(k-1)/2)`` models (8 for three lists, 64 for four, 1,024 for five).
Up to ``max_enumerate`` models every one is fitted; beyond that a stepwise
search (forward from independence, with a backward check after each
addition) is used. Models whose fit diverges are left out and reported.
The comparison table carries every fitted model so users can see how much the
estimate depends on the choice.

A pruned search (``prune=True``, used for many strata at once, see
:func:`~meam_mapping.estimate.mse.strata.estimate_by_stratum`) fits the models
in order of size (number of interactions) and stops when the criterion cannot
improve; the rule is in :func:`search_models`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from meam_mapping.errors import EstimationError, InputError
from meam_mapping.estimate.mse.loglinear import NO_HETEROGENEITY, LoglinearFit, fit_loglinear
from meam_mapping.estimate.mse.wording import about, at_least, in_words

__all__ = [
    "CRITERIA",
    "all_terms",
    "search_models",
    "best_model",
    "comparison_frame",
    "instability_warnings",
]

Criterion = Literal["aic", "bic"]
#: Information criteria by name.
CRITERIA: dict[str, Callable[[LoglinearFit], float]] = {
    "aic": lambda f: f.aic,
    "bic": lambda f: f.bic,
}

#: Models within this many criterion units of the best are "near-equal".
NEAR_EQUAL = 2.0
#: Relative difference in estimates between near-equal models worth a warning.
JUMP = 0.20
#: Largest criterion difference between the pruned search's choice and the best of all
#: models allowed by the simulation tests (the forward rule's tolerance).
PRUNE_TOLERANCE = NEAR_EQUAL


def criterion_function(name: str) -> Callable[[LoglinearFit], float]:
    """Look up an information criterion by name, listing the options if wrong."""
    key = str(name).lower()
    if key not in CRITERIA:
        raise InputError(
            f"unknown model selection criterion {name!r}",
            column="select",
            expected=f"one of {sorted(CRITERIA)} (or None to fit main effects only)",
        )
    return CRITERIA[key]


def all_terms(lists: Sequence[str]) -> list[str]:
    """Every two-way interaction ``'A:B'`` of the lists, in list order."""
    return [f"{a}:{b}" for a, b in itertools.combinations(lists, 2)]


def search_models(
    y: np.ndarray,
    lists: Sequence[str],
    *,
    criterion: str = "aic",
    max_enumerate: int = 1024,
    prune: bool = False,
) -> tuple[list[LoglinearFit], str]:
    """Fit the candidate models: all of them when few, stepwise when many.

    Parameters
    ----------
    y : numpy.ndarray
        Observable cell counts.
    lists : sequence of str
        List names.
    criterion : {'aic', 'bic'}
        Criterion steering the stepwise search.
    max_enumerate : int
        Largest number of models to fit exhaustively.
    prune : bool, default False
        Fit the models in order of size and stop when the criterion cannot
        improve (see Notes) instead of fitting every one.

    Returns
    -------
    tuple
        ``(fits, search)``: every model fitted and ``'all models'``,
        ``'pruned'`` or ``'stepwise'``.

    Notes
    -----
    The pruned search fits the models with 0, 1, 2, ... interactions, all
    models of one size before the next, and stops after a size when either

    * **no larger model can come close** (exact): every candidate is nested
      in the model with all two-way interactions, so when that model's fit
      exists its log-likelihood ``L_full`` bounds theirs and a model with
      ``p`` parameters has criterion at least ``-2 L_full + c p`` (``c`` = 2
      for AIC, log(observed) for BIC); when that bound for the next size is
      more than :data:`NEAR_EQUAL` above the best value so far, no unfitted
      model could be chosen or be a near-equal rival; or
    * **the criterion stopped improving** (forward rule): no model of this
      size beat the best smaller model, or even came within
      :data:`NEAR_EQUAL` of it (so near-equal rivals one size up, which the
      instability warning reports, are still found).

    The first rule never changes the choice. The second can, when two
    interactions only help together; then the chosen model's criterion is
    within :data:`PRUNE_TOLERANCE` of the best over all models in the
    simulations of ``tests/estimate/mse/test_select_pruned.py`` (fits on
    hundreds of simulated four-list tables with and without dependence
    between lists choose the same model as the full search in nearly all
    cases). Models not fitted are not in the comparison table, so the
    count of diverged models in the warnings is out of those fitted.
    """
    score = criterion_function(criterion)
    terms = all_terms(lists)
    if prune and 2 ** len(terms) <= max_enumerate:
        return _pruned(y, lists, terms, score, criterion), "pruned"
    if 2 ** len(terms) <= max_enumerate:
        fitted: dict[tuple[str, ...], LoglinearFit] = {}
        for r in range(len(terms)):
            for subset in itertools.combinations(terms, r):
                fitted[subset] = _fit_nested(y, lists, subset, fitted)
        # The model with every interaction from statsmodels' own start, as the pruned
        # search fits it (first): both searches give the same numbers for every model.
        fitted[tuple(terms)] = fit_loglinear(y, lists, tuple(terms))
        return list(fitted.values()), "all models"

    stepwise: dict[frozenset[str], LoglinearFit] = {}

    def get(model: frozenset[str]) -> LoglinearFit:
        if model not in stepwise:
            ordered = tuple(t for t in terms if t in model)
            stepwise[model] = fit_loglinear(y, lists, ordered)
        return stepwise[model]

    def value(model: frozenset[str]) -> float:
        fit = get(model)
        return np.inf if fit.diverged else score(fit)

    current: frozenset[str] = frozenset()
    best = value(current)
    while True:
        moves = [current | {t} for t in terms if t not in current]
        moves += [current - {t} for t in current]
        if not moves:
            break
        scores = [value(m) for m in moves]
        i = int(np.argmin(scores))
        if scores[i] < best - 1e-9:
            current, best = moves[i], scores[i]
        else:
            break
    return list(stepwise.values()), "stepwise"


def _pruned(
    y: np.ndarray,
    lists: Sequence[str],
    terms: list[str],
    score: Callable[[LoglinearFit], float],
    criterion: str,
) -> list[LoglinearFit]:
    """The pruned search of :func:`search_models`: fits in the exhaustive order, fewer of them."""
    full = fit_loglinear(y, lists, tuple(terms))
    per_param = 2.0 if criterion == "aic" else float(np.log(max(full.observed, 1)))
    exact = not full.diverged and np.isfinite(full.loglik)
    fitted: dict[tuple[str, ...], LoglinearFit] = {}
    best = np.inf
    for r in range(len(terms)):
        size_best = np.inf
        for subset in itertools.combinations(terms, r):
            fit = fitted[subset] = _fit_nested(y, lists, subset, fitted)
            if not fit.diverged:
                size_best = min(size_best, score(fit))
        rivals = size_best < best + NEAR_EQUAL
        best = min(best, size_best)
        next_params = full.n_params - len(terms) + r + 1
        if exact and -2 * full.loglik + per_param * next_params > best + NEAR_EQUAL:
            break
        if r > 0 and not rivals and np.isfinite(best):
            break
    return [*fitted.values(), full]


def _fit_nested(
    y: np.ndarray,
    lists: Sequence[str],
    subset: tuple[str, ...],
    fitted: dict[tuple[str, ...], LoglinearFit],
) -> LoglinearFit:
    # Models come in order of size, so the one without the last term is fitted already:
    # its coefficients start this fit (fewer iterations, same maximum).
    return fit_loglinear(y, lists, subset, start=fitted.get(subset[:-1]) if subset else None)


def best_model(fits: Sequence[LoglinearFit], criterion: str) -> LoglinearFit:
    """Return the non-diverged model with the lowest criterion (fewest terms on ties)."""
    score = criterion_function(criterion)
    usable = [f for f in fits if not f.diverged]
    if not usable:
        reasons = sorted({f.reason for f in fits})
        observed = max((f.observed for f in fits), default=0)
        raise EstimationError(
            "no candidate model has an estimate (every one would need the fitted number of "
            "some pattern to be zero): " + "; ".join(reasons[:3]) + ". What to do: merge "
            "lists that barely overlap into one, drop the list that overlaps with no other, "
            f"or report a lower bound: {at_least(observed)} people were seen"
        )
    return min(usable, key=lambda f: (round(score(f), 9), len(f.terms)))


def comparison_frame(
    fits: Sequence[LoglinearFit],
    criterion: str | None,
    selected: LoglinearFit,
    intervals: dict[tuple[str, ...], tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Tidy table comparing the fitted models, best first.

    Parameters
    ----------
    fits : sequence of LoglinearFit
        Every model fitted.
    criterion : {'aic', 'bic'} or None
        Criterion used to order and to compute ``delta``.
    selected : LoglinearFit
        The model reported.
    intervals : dict, optional
        ``terms -> (ci_low, ci_high)`` for the models with an interval.

    Returns
    -------
    pandas.DataFrame
        Columns ``model, terms, n_params, deviance, df, AIC, BIC, delta, n_hat,
        ci_low, ci_high, converged, diverged, reason, selected``. Diverged
        models have ``n_hat`` and the criteria set to NaN.
    """
    intervals = intervals or {}
    rows = []
    for f in fits:
        low, high = intervals.get(f.terms, (np.nan, np.nan))
        bad = f.diverged
        rows.append(
            {
                "model": f.label,
                "terms": list(f.terms),
                "n_params": f.n_params,
                "deviance": np.nan if bad else f.deviance,
                "df": f.df,
                "AIC": np.nan if bad else f.aic,
                "BIC": np.nan if bad else f.bic,
                "n_hat": np.nan if bad else f.n_hat,
                "ci_low": low,
                "ci_high": high,
                "converged": f.converged,
                "diverged": bad,
                "reason": f.reason,
                "selected": f.terms == selected.terms,
            }
        )
    frame = pd.DataFrame(rows)
    key = "BIC" if criterion == "bic" else "AIC"
    frame["delta"] = frame[key] - frame[key].min()
    frame = frame.sort_values([key, "n_params"], na_position="last", kind="stable")
    order = ["model", "terms", "n_params", "deviance", "df", "AIC", "BIC", "delta", "n_hat"]
    order += ["ci_low", "ci_high", "converged", "diverged", "reason", "selected"]
    return frame[order].reset_index(drop=True)


def instability_warnings(
    fits: Sequence[LoglinearFit], criterion: str, selected: LoglinearFit
) -> list[str]:
    """Warn about diverged models and near-equal models with different estimates.

    Parameters
    ----------
    fits : sequence of LoglinearFit
        Every model fitted.
    criterion : {'aic', 'bic'}
        Criterion used to select.
    selected : LoglinearFit
        The model chosen.

    Returns
    -------
    list of str
    """
    score = criterion_function(criterion)
    out = []
    diverged = [f for f in fits if f.diverged and f.reason != NO_HETEROGENEITY]
    if diverged:
        names = ", ".join(f.label for f in diverged[:5]) + (" ..." if len(diverged) > 5 else "")
        out.append(
            f"{len(diverged)} of {len(fits)} candidate models were left out because their fit "
            f"diverged ({names}); see the model comparison for the reasons"
        )
    best = score(selected)
    rivals = [
        f
        for f in fits
        if not f.diverged
        and f.terms != selected.terms
        and score(f) - best < NEAR_EQUAL
        and abs(f.n_hat - selected.n_hat) > JUMP * selected.n_hat
    ]
    if rivals:
        shown = "; ".join(f"{f.label}: {about(f.n_hat)}" for f in rivals[:3])
        out.append(
            f"models almost as good by {criterion.upper()} (within {in_words(NEAR_EQUAL)}) give "
            "estimates "
            f"more than {JUMP:.0%} away from the chosen one ({selected.label}: "
            f"{about(selected.n_hat)}; {shown}): the estimate is unstable, report the range"
        )
    return out

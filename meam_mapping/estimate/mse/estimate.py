"""Multiple systems estimation of hidden populations.

:class:`MultipleSystemsEstimator` estimates how many people there are in all
(``n_hat``), and so how many were missed by every service (``hidden``), from
an overlap (pattern) table: Chapman (or Lincoln-Petersen) for two lists,
Poisson log-linear models with chosen or selected two-way interactions for
three or more. :func:`estimate_hidden` is the one-shot twin returning a
:class:`HiddenPopulationEstimate`. Per-area estimates (and the command
line's JSON records) are in :mod:`meam_mapping.estimate.mse.strata`.

Method names go through :data:`METHODS`; a wrong name lists the valid ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from meam_mapping.errors import EstimationError, InputError
from meam_mapping.estimate.mse.heterogeneity import (
    HETEROGENEITY_TERMS,
    chao_lower_bound,
    heterogeneity_warnings,
)
from meam_mapping.estimate.mse.loglinear import (
    BOOTSTRAP_METHOD,
    PROFILE_METHOD,
    bootstrap_interval,
    fit_loglinear,
    parse_interactions,
    profile_interval,
)
from meam_mapping.estimate.mse.patterns import (
    COUNT_COLUMN,
    NON_LIST_COLUMNS,
    PatternTable,
    check_estimable,
    observable_patterns,
    pattern_counts,
    validate_patterns,
)
from meam_mapping.estimate.mse.select import (
    best_model,
    comparison_frame,
    criterion_function,
    instability_warnings,
    search_models,
)
from meam_mapping.estimate.mse.twolist import MIN_OVERLAP, chapman, lincoln_petersen
from meam_mapping.estimate.mse.wording import about

__all__ = [
    "METHODS",
    "CI_METHODS",
    "HiddenPopulationEstimate",
    "MultipleSystemsEstimator",
    "estimate_hidden",
]

Method = Literal["auto", "chapman", "lincoln_petersen", "loglinear", "heterogeneity"]
#: Estimation methods by name, with what each does.
METHODS: dict[str, str] = {
    "auto": "Chapman for two lists; for three or more, log-linear models with interactions "
    "or with heterogeneity, whichever fits best",
    "chapman": "Chapman's two-list estimate with its variance",
    "lincoln_petersen": "Lincoln-Petersen two-list estimate",
    "loglinear": "Poisson log-linear model with two-way interactions (two or more lists)",
    "heterogeneity": "log-linear models for people who differ in visibility (Rcapture's Mth "
    "Darroch, Poisson2 and Gamma3.5; three or more lists)",
}
#: Interval methods by name.
CI_METHODS: dict[str, str] = {
    "profile": "profile likelihood (log-linear); Chao's log-transformed interval (two lists)",
    "bootstrap": "parametric bootstrap, percentile interval",
}
#: Models within this many criterion units of the best also get an interval.
CI_COMPARISON_WINDOW = 10.0


def _choose(name: str, options: dict[str, str], what: str) -> str:
    key = str(name).lower()
    if key not in options:
        raise InputError(
            f"unknown {what} {name!r}", column=what, expected=f"one of {sorted(options)}"
        )
    return key


@dataclass(frozen=True, eq=False)
class HiddenPopulationEstimate:
    """An estimate of the size of a partly hidden population.

    Attributes
    ----------
    observed : int
        People seen on at least one list.
    n_hat, ci_low, ci_high : float
        Estimated population size and its confidence interval.
    hidden : float
        ``n_hat - observed``: estimated people missed by every list.
    method : str
        ``'chapman'``, ``'lincoln_petersen'`` or ``'loglinear'``.
    model : tuple of str
        Interaction terms used (``'A:B'``); empty means independent lists.
    ci_method : str
        How the interval was made.
    warnings : tuple of str
        Things to read before using the number.
    lists : tuple of str
        The lists used.
    comparison : pandas.DataFrame
        Every model fitted (see :func:`~meam_mapping.estimate.mse.select.comparison_frame`).
    lower_bound : float
        Chao's (1987) lower bound for three or more lists (NaN for two).
    """

    observed: int
    n_hat: float
    ci_low: float
    ci_high: float
    hidden: float
    method: str
    model: tuple[str, ...]
    ci_method: str
    warnings: tuple[str, ...]
    lists: tuple[str, ...]
    comparison: pd.DataFrame = field(repr=False)
    lower_bound: float = float("nan")

    def to_record(self) -> dict[str, Any]:
        """Return the command line's JSON object (infinite or missing numbers as None)."""

        def num(x: float) -> float | None:
            return float(x) if x is not None and math.isfinite(x) else None

        return {
            "observed": int(self.observed),
            "n_hat": num(self.n_hat),
            "ci_low": num(self.ci_low),
            "ci_high": num(self.ci_high),
            "hidden": num(self.hidden),
            "method": self.method,
            "model": list(self.model),
            "ci_method": self.ci_method,
            "warnings": list(self.warnings),
            "chao_lower_bound": num(self.lower_bound),
        }


class MultipleSystemsEstimator:
    """Estimate a population's size from overlapping lists (capture-recapture).

    Parameters
    ----------
    method : {'auto', 'chapman', 'lincoln_petersen', 'loglinear'}
        ``'auto'``: Chapman for two lists, log-linear for three or more.
    interactions : str, list of str or None
        Force the two-way interactions of a log-linear model, as
        ``"A:B,B:C"`` or ``["A:B"]``; ``'none'`` for independent lists.
        ``None`` selects them by ``select``.
    select : {'aic', 'bic'} or None
        Criterion for choosing interactions when ``interactions`` is None
        (``None`` also means AIC there).
    ci : {'profile', 'bootstrap'}
        ``'profile'``: profile likelihood for log-linear models and Chao's
        (1987) log-transformed interval for two-list estimates;
        ``'bootstrap'``: parametric bootstrap percentile interval.
    n_bootstrap : int
        Simulated tables for ``ci='bootstrap'``.
    alpha : float
        One minus the confidence level (0.05 for 95% intervals).
    max_enumerate : int
        Fit every model when there are at most this many; otherwise stepwise.
    search : {'all', 'pruned'}, default 'all'
        With ``'pruned'``, fit the candidate models in order of size and stop
        when the criterion cannot improve (rule and tolerance in
        :func:`~meam_mapping.estimate.mse.select.search_models`); faster, and
        ``comparison_`` then lists only the models fitted. Used for many strata.
    interval_window : float
        Models within this many criterion units of the best also get an
        interval in ``comparison_`` (0: only the chosen model, which is
        faster and changes nothing else).
    lists : list of str, optional
        The 0/1 list columns; by default every column except ``count``,
        ``area_code``, ``area_name``, ``sex``, ``age_band`` and ``strata``.
    strata : list of str, optional
        Grouping columns (added together here; see ``estimate_by_stratum``).
    random_state : int, numpy.random.Generator or None
        Seed for the bootstrap.

    Attributes
    ----------
    n_hat_, ci_low_, ci_high_ : float
        Estimated population size and interval.
    observed_ : int
        People seen on at least one list.
    hidden_ : float
        ``n_hat_ - observed_``.
    method_ : str
        Method used (``'auto'`` resolved).
    model_ : list of str
        Interaction terms used.
    ci_method_ : str
        How the interval was made (e.g. ``'profile likelihood'``).
    warnings_ : list of str
        Diagnostics: sparse cells, few overlaps, diverged or unstable models.
    comparison_ : pandas.DataFrame
        Model comparison: terms, deviance, df, AIC, BIC, n_hat, ci_low,
        ci_high, converged, diverged. Intervals are profile intervals, given
        for models within 10 of the best criterion value.
    lists_ : list of str
        List columns used.

    Notes
    -----
    All estimates assume a closed population and accurate record matching.
    Two-list estimates also assume independent lists, which two lists cannot
    check; with three or more lists, two-way interactions absorb pairwise
    dependence, but not a three-way one or heterogeneity that acts on all lists
    alike. See :mod:`~meam_mapping.estimate.mse.twolist` and
    :mod:`~meam_mapping.estimate.mse.loglinear` for the formulas and
    references.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [60, 40, 20]})
    >>> est = MultipleSystemsEstimator().fit(table)
    >>> est.method_, round(est.n_hat_)
    ('chapman', 234)
    """

    def __init__(
        self,
        *,
        method: Method = "auto",
        interactions: str | Sequence[str] | None = None,
        select: Literal["aic", "bic"] | None = "aic",
        ci: Literal["profile", "bootstrap"] = "profile",
        n_bootstrap: int = 999,
        alpha: float = 0.05,
        max_enumerate: int = 1024,
        search: Literal["all", "pruned"] = "all",
        interval_window: float = CI_COMPARISON_WINDOW,
        lists: Sequence[str] | None = None,
        strata: Sequence[str] = (),
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.method = method
        self.interactions = interactions
        self.select = select
        self.ci = ci
        self.n_bootstrap = n_bootstrap
        self.alpha = alpha
        self.max_enumerate = max_enumerate
        self.search = search
        self.interval_window = interval_window
        self.lists = lists
        self.strata = strata
        self.random_state = random_state

    # -- fitting -------------------------------------------------------
    def fit(self, patterns: pd.DataFrame | PatternTable) -> MultipleSystemsEstimator:
        """Estimate from a pattern table.

        Parameters
        ----------
        patterns : pandas.DataFrame or PatternTable
            One 0/1 column per list and ``count``; or a table already checked
            by :func:`~meam_mapping.estimate.mse.patterns.validate_patterns`
            (not checked again, and its own lists are used).

        Returns
        -------
        MultipleSystemsEstimator
            ``self``, with the learned attributes set.

        Raises
        ------
        InputError
            On a malformed table or option.
        EstimationError
            When no estimate can be made (no overlap, nested lists with two
            lists, a non-identifiable or diverging forced model).
        """
        method = _choose(self.method, METHODS, "method")
        ci = _choose(self.ci, CI_METHODS, "ci")
        if not 0 < float(self.alpha) < 1:
            raise InputError(f"alpha={self.alpha!r}", column="alpha", expected="between 0 and 1")
        if isinstance(patterns, PatternTable):  # checked already (one stratum of a checked table)
            table, grouping = patterns, list(patterns.strata)
        else:
            grouping = [c for c in patterns.columns if str(c) in NON_LIST_COLUMNS[1:]]
            grouping = list(dict.fromkeys([*map(str, grouping), *self.strata]))
            if self.lists is not None:
                grouping = [g for g in grouping if g not in self.lists]
            table = validate_patterns(patterns, lists=self.lists, strata=grouping)
        lists = list(table.lists)
        warnings = list(table.warnings)
        groups = [g for g in grouping if table.table[g].nunique(dropna=False) > 1]
        if groups:
            warnings.append(
                f"the table holds several groups ({', '.join(map(str, groups))}); their people "
                "were added together into one estimate. For one estimate per group, estimate "
                "each group on its own (--by in the command line; estimate_by_stratum in Python)"
            )
        if grouping:
            data = table.table.groupby(lists, as_index=False)[COUNT_COLUMN].sum()
        else:  # a checked table without groups has one row per pattern already
            data = table.table
        warnings += check_estimable(data, lists)
        y = pattern_counts(data, lists)
        heterogeneity = method in ("auto", "heterogeneity")
        if method == "auto":
            method = "chapman" if len(lists) == 2 else "loglinear"
        if method == "heterogeneity" and len(lists) < 3:
            raise InputError(
                f"method 'heterogeneity' needs three or more lists but the table has "
                f"{len(lists)} ({lists})",
                column="method",
                expected="'auto' or 'chapman' for two lists",
            )
        if method in ("chapman", "lincoln_petersen"):
            result = self._two_list(y, lists, method, ci, warnings)
        else:
            result = self._loglinear(
                y, lists, ci, warnings, heterogeneity=heterogeneity and len(lists) >= 3,
                only_heterogeneity=method == "heterogeneity",
            )  # fmt: skip
        self._set(result)
        return self

    def _two_list(
        self, y: np.ndarray, lists: list[str], method: str, ci: str, warnings: list[str]
    ) -> HiddenPopulationEstimate:
        if len(lists) != 2:
            raise InputError(
                f"method {method!r} uses exactly two lists but the table has {len(lists)} "
                f"({lists})",
                column="method",
                expected="'loglinear' or 'auto' for three or more lists",
            )
        if parse_interactions(self.interactions, lists):
            raise EstimationError(
                "with two lists the interaction between them cannot be estimated (the hidden "
                "cell would not be identifiable); use interactions='none' or add a list"
            )
        n01, n10, n11 = y
        n1, n2, m = int(n10 + n11), int(n01 + n11), int(n11)
        func = chapman if method == "chapman" else lincoln_petersen
        est = func(n1, n2, m, alpha=self.alpha)
        warnings += list(est.warnings)
        low, high, ci_method = est.lower, est.upper, f"{est.ci_method} with {method} variance"
        if ci == "bootstrap":
            low, high = _two_list_bootstrap(y, func, self)
            ci_method = BOOTSTRAP_METHOD
        indep = fit_loglinear(y, lists, ())
        comparison = comparison_frame([indep], None, indep, {(): (low, high)})
        comparison.loc[0, "n_hat"] = est.estimate
        return HiddenPopulationEstimate(
            est.observed, est.estimate, low, high, est.estimate - est.observed, method, (),
            ci_method, tuple(warnings), tuple(lists), comparison,
        )  # fmt: skip

    def _loglinear(
        self,
        y: np.ndarray,
        lists: list[str],
        ci: str,
        warnings: list[str],
        *,
        heterogeneity: bool = False,
        only_heterogeneity: bool = False,
    ) -> HiddenPopulationEstimate:
        warnings += _sparsity_warnings(y, lists)
        criterion = (self.select or "aic").lower()
        score = criterion_function(criterion)
        pats = observable_patterns(len(lists))
        lower_bound = chao_lower_bound(y, pats) if len(lists) >= 3 else float("nan")
        het_fits = (
            [fit_loglinear(y, lists, (term,)) for term in HETEROGENEITY_TERMS]
            if heterogeneity
            else []
        )
        try:
            if only_heterogeneity:
                fits = het_fits
                chosen = best_model(fits, criterion)
            elif self.interactions is not None:
                terms = parse_interactions(self.interactions, lists)
                chosen = fit_loglinear(y, lists, terms)
                if chosen.diverged:
                    raise EstimationError(
                        f"the model with interactions {', '.join(terms) or 'none'} cannot be fitted: "
                        f"{chosen.reason}; leave that interaction out or let it be selected"
                    )
                fits = [chosen]
            else:
                if self.search not in ("all", "pruned"):
                    raise InputError(
                        f"unknown model search {self.search!r}",
                        column="search",
                        expected="'all' (fit every model) or 'pruned' (stop when AIC cannot "
                        "improve)",
                    )
                fits, search = search_models(
                    y, lists, criterion=criterion, max_enumerate=self.max_enumerate,
                    prune=self.search == "pruned",
                )  # fmt: skip
                fits = fits + het_fits
                chosen = best_model(fits, criterion)
                warnings += instability_warnings(fits, criterion, chosen)
                if search == "stepwise":
                    warnings.append(
                        f"{2 ** (len(lists) * (len(lists) - 1) // 2):,} possible models: chose "
                        f"by a stepwise {criterion.upper()} search ({len(fits)} models fitted)"
                    )
        except EstimationError as exc:
            if math.isfinite(lower_bound):
                raise EstimationError(
                    f"{exc}; Chao's lower bound, which holds however much people differ in "
                    f"visibility, is {about(lower_bound)}"
                ) from exc
            raise
        best = min(score(f) for f in fits if not f.diverged)
        intervals = {}
        for f in fits:
            if not f.diverged and score(f) - best <= self.interval_window:
                intervals[f.terms] = profile_interval(y, lists, f, self.alpha)
        if chosen.terms not in intervals:  # chosen on other grounds than the smallest score
            intervals[chosen.terms] = profile_interval(y, lists, chosen, self.alpha)
        low, high = intervals[chosen.terms]
        ci_method = PROFILE_METHOD
        if ci == "bootstrap":
            low, high, failed = bootstrap_interval(
                y, lists, chosen, n_bootstrap=self.n_bootstrap, alpha=self.alpha,
                random_state=self.random_state,
            )  # fmt: skip
            ci_method = BOOTSTRAP_METHOD
            if failed > 0.05 * self.n_bootstrap:
                warnings.append(f"{failed} bootstrap fits diverged and were left out")
        if not math.isfinite(high):
            warnings.append(
                "the data put no upper limit on the number hidden (the interval is open-ended)"
            )
        if len(lists) >= 3:
            if self.interactions is None and not only_heterogeneity and not het_fits:
                het_fits = [fit_loglinear(y, lists, (term,)) for term in HETEROGENEITY_TERMS]
            warnings += heterogeneity_warnings(
                [*fits, *(f for f in het_fits if f not in fits)], chosen, (low, high),
                len(lists), lower_bound,
            )  # fmt: skip
        comparison = comparison_frame(fits, criterion, chosen, intervals)
        method = "heterogeneity" if only_heterogeneity else "loglinear"
        return HiddenPopulationEstimate(
            chosen.observed, chosen.n_hat, low, high, chosen.hidden, method, chosen.terms,
            ci_method, tuple(warnings), tuple(lists), comparison, lower_bound,
        )  # fmt: skip

    def _set(self, r: HiddenPopulationEstimate) -> None:
        self.result_ = r
        self.n_hat_ = r.n_hat
        self.ci_low_ = r.ci_low
        self.ci_high_ = r.ci_high
        self.observed_ = r.observed
        self.hidden_ = r.hidden
        self.method_ = r.method
        self.model_ = list(r.model)
        self.ci_method_ = r.ci_method
        self.warnings_ = list(r.warnings)
        self.comparison_ = r.comparison
        self.lists_ = list(r.lists)

    def summary(self) -> pd.DataFrame:
        """Tidy labelled table of the estimate.

        Returns
        -------
        pandas.DataFrame
            Rows ``population size``, ``hidden (missed by every list)`` and
            ``observed``; columns ``quantity, estimate, lower, upper, method,
            model, ci_method, confidence``.
        """
        if not hasattr(self, "result_"):
            raise EstimationError("call fit() before summary()")
        r = self.result_
        model = " + ".join(r.model) if r.model else "none (independent lists)"
        level = f"{1 - self.alpha:.0%}"
        rows = [
            ("population size", r.n_hat, r.ci_low, r.ci_high),
            ("hidden (missed by every list)", r.hidden, r.ci_low - r.observed,
             r.ci_high - r.observed),
            ("observed", float(r.observed), float(r.observed), float(r.observed)),
        ]  # fmt: skip
        return pd.DataFrame(
            [
                {
                    "quantity": q,
                    "estimate": e,
                    "lower": lo,
                    "upper": hi,
                    "method": r.method,
                    "model": model,
                    "ci_method": r.ci_method,
                    "confidence": level,
                }
                for q, e, lo, hi in rows
            ]  # fmt: skip
        )


def _two_list_bootstrap(y: np.ndarray, func: Any, est: MultipleSystemsEstimator) -> tuple:
    """Prediction-error bootstrap from the independence fit of two lists."""
    rng = np.random.default_rng(est.random_state)
    n01, n10, n11 = y
    point = func(int(n10 + n11), int(n01 + n11), int(n11)).estimate
    hidden = max(point - y.sum(), 0.0)
    errors = []
    for d01, d10, d11 in rng.poisson(np.broadcast_to(y, (int(est.n_bootstrap), 3))):
        if d11 > 0:
            n_star = func(int(d10 + d11), int(d01 + d11), int(d11)).estimate
            errors.append(n_star - (d01 + d10 + d11) - rng.poisson(hidden))
    if not errors:
        raise EstimationError("every bootstrap table had nobody on both lists")
    q_low, q_high = np.quantile(errors, [est.alpha / 2, 1 - est.alpha / 2])
    return float(max(point - q_high, y.sum())), float(point - q_low)


def _sparsity_warnings(y: np.ndarray, lists: list[str]) -> list[str]:
    out = []
    zero = int(np.sum(y == 0))
    if zero:
        out.append(
            f"{zero} of {len(y)} possible patterns have nobody in them: models with "
            "interactions touching those patterns may be unstable"
        )
    pats = observable_patterns(len(lists))
    small = []
    for i in range(len(lists)):
        for j in range(i + 1, len(lists)):
            both = int(y[(pats[:, i] == 1) & (pats[:, j] == 1)].sum())
            if both < MIN_OVERLAP:
                small.append(f"{lists[i]} & {lists[j]}: {both}")
    if small:
        out.append(
            f"few people are on both of some pairs of lists ({'; '.join(small)}): "
            "interactions between them are poorly estimated"
        )
    return out


def estimate_hidden(patterns: pd.DataFrame, **kw: Any) -> HiddenPopulationEstimate:
    """One-shot twin of :class:`MultipleSystemsEstimator`.

    Parameters
    ----------
    patterns : pandas.DataFrame
        Pattern table.
    **kw
        Any :class:`MultipleSystemsEstimator` parameter.

    Returns
    -------
    HiddenPopulationEstimate
    """
    return MultipleSystemsEstimator(**kw).fit(patterns).result_

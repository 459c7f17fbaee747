"""Whether a log-linear model's maximum likelihood estimate exists, by linear programming.

For a Poisson log-linear model with design ``X`` (one row per observable
pattern) and counts ``y``, the maximum likelihood estimate exists if and only
if the sufficient statistics ``X.T @ y`` lie in the relative interior of the
marginal cone spanned by the rows of ``X`` (Haberman 1974; Fienberg & Rinaldo
2012), that is, if and only if some table ``m`` with every cell strictly
positive has the same margins, ``X.T @ m == X.T @ y``. This is checked by the
linear programme

``maximise t  subject to  X.T @ m = X.T @ y,  m_i >= t,  0 <= t <= 1``

(:func:`mle_exists`): the estimate exists when the optimum ``t`` is positive.
When it does not exist, some patterns' fitted counts go to zero along a
direction of recession ``d`` of the log-likelihood (``X @ d >= 0``, zero on
every pattern with people in it, positive somewhere); :func:`forced_zero_patterns`
finds every such pattern, which names the lists behind the problem.

The test depends only on which patterns are empty, not on how small fitted
counts are: with 8 sparse lists a legitimate fitted count can be 1e-10.

References
----------
Haberman, S. J. (1974). The Analysis of Frequency Data. University of Chicago Press.
Fienberg, S. E. & Rinaldo, A. (2012). Maximum likelihood estimation in log-linear
models. Annals of Statistics 40(2), 996-1023.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from meam_mapping.estimate.mse.patterns import observable_patterns

__all__ = ["mle_exists", "model_exists", "forced_zero_patterns", "existence_problem"]

#: An optimum ``t`` at or below this counts as zero (no positive table).
TOLERANCE = 1e-7


def mle_exists(X: np.ndarray, y: np.ndarray) -> bool:
    """Whether a strictly positive table has the same sufficient statistics as ``y``.

    Parameters
    ----------
    X : numpy.ndarray
        Design, one row per observable cell.
    y : numpy.ndarray
        Observed counts.

    Returns
    -------
    bool
        True when the maximum likelihood estimate exists.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    zero = np.flatnonzero(y == 0)
    if len(zero) == 0:
        return True
    n, p = X.shape
    # Variables: m (n cells), t; minimise -t. Only empty cells need m_i >= t:
    # averaging a solution with y itself keeps the margins and makes every cell positive.
    c = np.zeros(n + 1)
    c[-1] = -1.0
    a_eq = np.hstack([X.T, np.zeros((p, 1))])
    b_eq = X.T @ y
    a_ub = np.zeros((len(zero), n + 1))
    a_ub[np.arange(len(zero)), zero] = -1.0
    a_ub[:, -1] = 1.0
    upper = np.full(n + 1, np.inf)
    upper[-1] = 1.0
    res = milp(
        c,
        constraints=[LinearConstraint(a_eq, b_eq, b_eq), LinearConstraint(a_ub, -np.inf, 0.0)],
        bounds=Bounds(np.zeros(n + 1), upper),
    )
    if res.status != 0 or res.fun is None:
        return False
    return bool(-res.fun > TOLERANCE)


class _Known:
    """What is already known about existence for one table's empty cells.

    Existence is monotone in the model: if a model's estimate exists, so does
    that of every model with fewer interactions (a positive table matching the
    larger margins matches the smaller ones), and if it does not exist, it
    does not for any model with more. Model searches fit many nested models of
    one table, and per-area tables often share their empty cells, so answers
    are remembered per (lists, empty cells).
    """

    def __init__(self) -> None:
        self.tables: dict[tuple, tuple[list[frozenset], list[frozenset]]] = {}

    def lookup(self, key: tuple, terms: frozenset) -> bool | None:
        exists, fails = self.tables.get(key, ([], []))
        if any(terms <= e for e in exists):
            return True
        if any(f <= terms for f in fails):
            return False
        return None

    def store(self, key: tuple, terms: frozenset, value: bool) -> None:
        if len(self.tables) > 512:
            self.tables.clear()
        exists, fails = self.tables.setdefault(key, ([], []))
        (exists if value else fails).append(terms)


_KNOWN = _Known()


def model_exists(y: np.ndarray, lists: Sequence[str], terms: Sequence[str], X: np.ndarray) -> bool:
    """:func:`mle_exists` for a two-way interaction model, remembering answers.

    Parameters
    ----------
    y : numpy.ndarray
        Observed counts, in the order of :func:`observable_patterns`.
    lists : sequence of str
        List names.
    terms : sequence of str
        Interaction terms ``'A:B'``.
    X : numpy.ndarray
        The model's design.

    Returns
    -------
    bool
    """
    y = np.asarray(y, dtype=float)
    if np.all(y > 0):
        return True
    key = (tuple(lists), np.packbits(y == 0).tobytes())
    model = frozenset(terms)
    known = _KNOWN.lookup(key, model)
    if known is None:
        known = mle_exists(X, y)
        _KNOWN.store(key, model, known)
    return known


def forced_zero_patterns(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cells whose fitted count the model drives to zero (empty when the estimate exists).

    Finds the cells ``i`` for which some direction ``d`` has ``X @ d >= 0``,
    ``(X @ d)_j = 0`` on every cell with people in it and ``(X @ d)_i > 0``.
    Each round maximises the sum of ``X @ d`` (capped at 1 per cell) over the
    cells not yet found; it stops when that maximum is zero, so every such
    cell is found.

    Parameters
    ----------
    X : numpy.ndarray
        Design, one row per observable cell.
    y : numpy.ndarray
        Observed counts.

    Returns
    -------
    numpy.ndarray
        Indices of the cells (all of them have ``y == 0``).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    zero = np.flatnonzero(y == 0)
    found: list[int] = []
    if len(zero) == 0:
        return np.array([], dtype=int)
    positive = np.flatnonzero(y > 0)
    a_eq = X[positive] if len(positive) else None
    b_eq = np.zeros(len(positive)) if len(positive) else None
    a_ub = np.vstack([-X[zero], X[zero]])  # 0 <= (X d)_i <= 1 on empty cells
    b_ub = np.concatenate([np.zeros(len(zero)), np.ones(len(zero))])
    remaining = list(range(len(zero)))
    while remaining:
        c = -X[zero[remaining]].sum(axis=0)
        res = linprog(
            c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
            bounds=[(None, None)] * X.shape[1], method="highs",
        )  # fmt: skip
        if res.status != 0 or -res.fun <= TOLERANCE:
            break
        values = X[zero] @ res.x
        new = [r for r in remaining if values[r] > TOLERANCE]
        if not new:
            break
        found += [int(zero[r]) for r in new]
        remaining = [r for r in remaining if r not in new]
    return np.array(sorted(found), dtype=int)


def _pattern_name(pattern: np.ndarray, lists: Sequence[str]) -> str:
    on = [lists[i] for i in np.flatnonzero(pattern)]
    return " & ".join(on) + " only"


def existence_problem(
    X: np.ndarray, y: np.ndarray, lists: Sequence[str], terms: Sequence[str]
) -> str:
    """Plain-words reason the estimate of a model does not exist, or '' if it exists.

    Parameters
    ----------
    X : numpy.ndarray
        Design of the observable patterns (intercept, lists, interactions).
    y : numpy.ndarray
        Observed counts, in the order of :func:`observable_patterns`.
    lists : sequence of str
        List names.
    terms : sequence of str
        The model's two-way interactions ``'A:B'``.

    Returns
    -------
    str
        ``''`` when the estimate exists; otherwise which lists cause the
        problem (for example "nobody is on both 'A' and 'B'") and that the
        model cannot be fitted.
    """
    y = np.asarray(y, dtype=float)
    if model_exists(y, lists, terms, X):
        return ""
    pats = observable_patterns(len(lists))
    index = {name: i for i, name in enumerate(lists)}
    for term in terms:
        if term.count(":") != 1:
            continue
        a, b = (index[n] for n in term.split(":"))
        for va, vb in ((1, 1), (1, 0), (0, 1)):
            if y[(pats[:, a] == va) & (pats[:, b] == vb)].sum() == 0:
                where = {
                    (1, 1): f"nobody is on both '{lists[a]}' and '{lists[b]}'",
                    (1, 0): f"everyone on '{lists[a]}' is also on '{lists[b]}'",
                    (0, 1): f"everyone on '{lists[b]}' is also on '{lists[a]}'",
                }[(va, vb)]
                return f"{where}, so the {term} interaction runs off to infinity"
    total = y.sum()
    everyone = [lists[i] for i in range(len(lists)) if y[pats[:, i] == 1].sum() == total]
    if everyone:
        return (
            f"everyone seen is on list '{everyone[0]}', so nothing shows how many people "
            f"that list misses and the estimate does not exist"
        )
    cells = forced_zero_patterns(X, y)
    shown = "; ".join(_pattern_name(pats[i], lists) for i in cells[:4])
    more = f" and {len(cells) - 4} more" if len(cells) > 4 else ""
    involved = sorted({lists[j] for i in cells for j in np.flatnonzero(pats[i])}, key=index.get)
    return (
        f"nobody is in the patterns {shown}{more}, and this model would need their fitted "
        f"numbers to be zero (lists involved: {', '.join(involved)}), so its estimate does "
        "not exist"
    )

"""Existence of log-linear estimates (meam_mapping.estimate.mse.existence).

The linear-programming test of Fienberg & Rinaldo (2012) is checked against a
second, independent formulation written here (a direction of recession of the
log-likelihood, Haberman 1974) and against statsmodels' Poisson GLM.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose
from scipy.optimize import linprog

from meam_mapping.errors import EstimationError
from meam_mapping.estimate.mse import MultipleSystemsEstimator, pattern_counts
from meam_mapping.estimate.mse.existence import (
    forced_zero_patterns,
    mle_exists,
)
from meam_mapping.estimate.mse.loglinear import design_matrix, fit_loglinear


def recession_direction_exists(X, y):
    """Independent check: is there d with X d >= 0, zero where y > 0, positive somewhere?"""
    zero = y == 0
    if not zero.any():
        return False
    kw = {}
    if (~zero).any():
        kw = {"A_eq": X[~zero], "b_eq": np.zeros(int((~zero).sum()))}
    res = linprog(
        -X[zero].sum(axis=0),
        A_ub=np.vstack([-X[zero], X[zero]]),
        b_ub=np.r_[np.zeros(zero.sum()), np.ones(zero.sum())],
        bounds=[(None, None)] * X.shape[1],
        method="highs",
        **kw,
    )
    return -res.fun > 1e-7


def sparse_lists(n, k, p, seed):
    rng = np.random.default_rng(seed)
    seen = rng.random((n, k)) < p
    seen = seen[seen.any(axis=1)].astype(int)
    names = [chr(ord("A") + i) for i in range(k)]
    table = pd.DataFrame(seen, columns=names).value_counts().rename("count").reset_index()
    return table, names


def glm_n_hat(table, names, terms):
    y = pattern_counts(table, names)
    res = sm.GLM(y, design_matrix(names, terms), family=sm.families.Poisson()).fit()
    return y.sum() + np.exp(res.params[0])


def test_eight_sparse_independent_lists_fit_like_statsmodels():
    # Issue 14: 8 independent lists, p = 0.03, N = 2,000 used to be refused
    # because a many-list pattern's fitted count is legitimately ~1e-10.
    table, names = sparse_lists(2000, 8, 0.03, seed=1)
    y = pattern_counts(table, names)
    fit = fit_loglinear(y, names, ())
    assert not fit.diverged, fit.reason
    assert fit.fitted.min() < 1e-8  # the old threshold would have refused it
    assert_allclose(fit.n_hat, glm_n_hat(table, names, ()), rtol=1e-6)

    forced = MultipleSystemsEstimator(interactions="none").fit(table)
    assert_allclose(forced.n_hat_, glm_n_hat(table, names, ()), rtol=1e-6)
    assert forced.ci_low_ < 2000 < forced.ci_high_

    selected = MultipleSystemsEstimator().fit(table)
    assert_allclose(selected.n_hat_, glm_n_hat(table, names, selected.model_), rtol=1e-6)
    assert selected.ci_low_ < 2000 < selected.ci_high_


def test_pairs_that_never_overlap_are_named():
    table, names = sparse_lists(1500, 6, 0.05, seed=3)
    y = pattern_counts(table, names)
    pats = np.array(list(itertools.product((0, 1), repeat=6))[1:])
    # Remove everyone on both A and B.
    y = np.where((pats[:, 0] == 1) & (pats[:, 1] == 1), 0.0, y)
    fit = fit_loglinear(y, names, ("A:B",))
    assert fit.diverged
    assert "nobody is on both 'A' and 'B'" in fit.reason
    assert not fit_loglinear(y, names, ()).diverged


def test_no_model_exists_says_what_to_do_and_gives_the_lower_bound():
    # Everyone on A or B is also on C, and nobody is on both A and B: every
    # person seen is on C, so no model of three lists has an estimate.
    table = pd.DataFrame({"A": [0, 0, 1], "B": [0, 1, 0], "C": [1, 1, 1], "count": [7, 3, 4]})
    with pytest.raises(EstimationError) as info:
        MultipleSystemsEstimator().fit(table)
    text = str(info.value)
    assert "everyone seen is on list 'C'" in text
    # 14 were seen; a message may be published beside figures rounded to protect the
    # cells of 3 and 4, so it gives the bound rounded down to 5, and Chao's to 10.
    assert "at least 10 people were seen" in text and "14" not in text
    assert "lower bound, which holds however much people differ in visibility, is about" in text
    assert "merge lists" in text


def test_forced_zero_patterns_are_found():
    names = ["A", "B", "C"]
    # Observable patterns in order: C, B, BC, A, AC, AB, ABC.
    y = np.array([7.0, 0, 3, 0, 4, 0, 0])
    X = design_matrix(names, ())
    assert not mle_exists(X, y)
    assert recession_direction_exists(X, y)
    # Independence must fit A only, B only and A & B only to zero.
    assert forced_zero_patterns(X, y).tolist() == [1, 3, 5]
    # A positive table with the same margins exists for the other table.
    y2 = np.array([4.0, 6, 0, 5, 0, 3, 0])
    assert mle_exists(X, y2) and not recession_direction_exists(X, y2)
    assert forced_zero_patterns(X, y2).tolist() == []


def _random_tables(count, seed):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        k = int(rng.integers(4, 7))
        names = [chr(ord("A") + i) for i in range(k)]
        terms = tuple(t for t in (f"{a}:{b}" for a, b in itertools.combinations(names, 2))
                      if rng.random() < 0.25)  # fmt: skip
        y = rng.poisson(rng.exponential(0.8, 2**k - 1)).astype(float)
        yield names, terms, y


def _check_tables(count, seed, n_glm):
    verdicts = []
    for i, (names, terms, y) in enumerate(_random_tables(count, seed)):
        X = design_matrix(names, terms)
        exists = mle_exists(X, y)
        assert exists != recession_direction_exists(X, y), (names, terms, y.tolist())
        verdicts.append(exists)
        if y.sum() == 0:
            continue
        fit = fit_loglinear(y, names, terms)
        # Never report a non-existent estimate.
        assert fit.diverged or exists
        if exists:
            assert not fit.diverged, fit.reason
        if i < n_glm:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = sm.GLM(y, X, family=sm.families.Poisson()).fit(maxiter=100)
            if exists:
                assert np.abs(res.params).max() < 15
                assert_allclose(fit.n_hat, y.sum() + np.exp(res.params[0]), rtol=1e-5)
            else:
                # statsmodels "converges" only by pushing a coefficient out.
                assert np.abs(res.params).max() > 15
    return np.array(verdicts)


def test_existence_agrees_with_independent_checks_on_random_sparse_tables():
    verdicts = _check_tables(200, seed=11, n_glm=80)
    assert 0.05 < (~verdicts).mean() < 0.6  # both kinds of table are exercised


@pytest.mark.slow
def test_existence_agrees_on_a_thousand_random_sparse_tables():
    verdicts = _check_tables(1000, seed=12, n_glm=300)
    assert (~verdicts).sum() >= 50

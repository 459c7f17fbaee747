"""The log-linear fits' own IRLS gives statsmodels' GLM results (it replaced statsmodels in the loop)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import statsmodels.api as sm

from meam_mapping.estimate.mse.loglinear import design_matrix, fit_loglinear, irls_poisson
from meam_mapping.estimate.mse.patterns import observable_patterns


def _statsmodels(y, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.GLM(y, X, family=sm.families.Poisson()).fit(maxiter=100)
    return np.asarray(res.params), bool(res.converged)


@pytest.mark.parametrize("k", [3, 4, 5])
def test_irls_equals_statsmodels_on_simulated_tables(k):
    rng = np.random.default_rng(k)
    lists = [f"L{i}" for i in range(k)]
    terms = [f"{a}:{b}" for a, b in itertools.combinations(lists, 2)]
    pats = observable_patterns(k)
    checked = 0
    for rep in range(8):
        y = rng.poisson(rng.gamma(1.0, 40.0 / (1 + rep % 3), size=len(pats))).astype(float)
        for r in (0, 1, 2, len(terms) - 1):
            for subset in itertools.islice(itertools.combinations(terms, r), 3):
                X = design_matrix(lists, subset)
                if X.shape[1] > X.shape[0] or np.linalg.matrix_rank(X) < X.shape[1]:
                    continue
                ours, ok = irls_poisson(y, X)
                theirs, their_ok = _statsmodels(y, X)
                assert ok == their_ok
                if their_ok:
                    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)
                checked += 1
    assert checked > 40


def test_fit_loglinear_hidden_count_matches_statsmodels_on_a_published_style_table():
    # Three lists with a positive dependence between the first two.
    lists = ["A", "B", "C"]
    y = np.array([120.0, 80.0, 30.0, 95.0, 22.0, 18.0, 9.0])
    for terms in [(), ("A:B",), ("A:B", "A:C"), ("A:B", "A:C", "B:C")]:
        fit = fit_loglinear(y, lists, terms)
        coef, _ = _statsmodels(y, design_matrix(lists, terms))
        assert fit.hidden == pytest.approx(np.exp(coef[0]), rel=1e-8)

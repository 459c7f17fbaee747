"""A model fit started from its nested model's coefficients reaches the same maximum.

The model search fits models in order of size and starts each from the
model without its last interaction (``fit_loglinear(..., start=...)``). On
simulated four-list tables every model must give the estimate of a fit from
statsmodels' own start to 1e-9 relative, be judged to diverge or not alike,
and a start that leads nowhere must fall back to statsmodels' own start.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings

import numpy as np
import pytest
from test_select_pruned import LISTS, simulated_table

from meam_mapping.estimate.mse.loglinear import fit_loglinear
from meam_mapping.estimate.mse.select import all_terms, search_models


@pytest.mark.parametrize("seed", range(6))
def test_started_fits_reach_the_same_maximum(seed):
    y = simulated_table(np.random.default_rng(seed))
    if seed == 0:
        y[11:15] = 0  # nobody on both housing and treatment: some models have no estimate
    terms = all_terms(LISTS)
    fitted = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in range(len(terms) + 1):
            for subset in itertools.combinations(terms, r):
                start = fitted.get(subset[:-1]) if subset else None
                warm = fitted[subset] = fit_loglinear(y, LISTS, subset, start=start)
                cold = fit_loglinear(y, LISTS, subset)
                assert warm.diverged == cold.diverged, subset
                if not cold.diverged:
                    assert abs(warm.n_hat - cold.n_hat) <= 1e-9 * cold.n_hat
                    assert abs(warm.aic - cold.aic) <= 1e-9 * abs(cold.aic)
    if seed == 0:
        assert any(f.diverged for f in fitted.values())


def test_a_start_that_leads_nowhere_falls_back():
    y = simulated_table(np.random.default_rng(2))
    parent = fit_loglinear(y, LISTS, ("housing:treatment",))
    wild = dataclasses.replace(parent, coef=np.full(len(parent.coef), 300.0))
    terms = ("housing:treatment", "housing:probation")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cold = fit_loglinear(y, LISTS, terms)
        fallback = fit_loglinear(y, LISTS, terms, start=wild)
        unrelated = fit_loglinear(
            y, LISTS, terms, start=fit_loglinear(y, LISTS, ("treatment:probation",))
        )
    assert not cold.diverged
    assert fallback.n_hat == cold.n_hat and fallback.aic == cold.aic
    assert unrelated.n_hat == cold.n_hat  # not nested: not used as a start


def test_every_model_of_the_full_search_matches_the_pruned_search():
    y = simulated_table(np.random.default_rng(5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full, _ = search_models(y, LISTS)
        pruned, _ = search_models(y, LISTS, prune=True)
    by_terms = {f.terms: f for f in full}
    for f in pruned:
        assert f.n_hat == by_terms[f.terms].n_hat or f.diverged

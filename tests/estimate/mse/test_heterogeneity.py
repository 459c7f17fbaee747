"""Heterogeneity models, Chao's lower bound and warnings (meam_mapping.estimate.mse.heterogeneity)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose
from scipy.special import comb

from meam_mapping.errors import EstimationError
from meam_mapping.estimate.mse import MultipleSystemsEstimator, observable_patterns
from meam_mapping.estimate.mse.heterogeneity import (
    HETEROGENEITY_TERMS,
    PLAIN_WARNING,
    chao_lower_bound,
)
from meam_mapping.estimate.mse.loglinear import NO_HETEROGENEITY, design_matrix, fit_loglinear

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from mse_heterogeneity import simulate  # noqa: E402

# Snowshoe hare data (Rcapture's `hare`, 68 animals, 6 occasions): numbers
# caught exactly 1..6 times, from `descriptive(hare)`, and the published Mh
# estimates of `closedp(hare)`, both in Rcapture's saved example output
# (cran/Rcapture, tests/Examples/Rcapture-Ex.Rout.save, Rcapture 1.3):
#   Mh Poisson2 81.5, Mh Darroch 90.4, Mh Gamma3.5 100.6.
HARE_F = np.array([25, 22, 13, 5, 1, 2], dtype=float)
HARE_MH = {
    "heterogeneity (Poisson2)": 81.5,
    "heterogeneity (Darroch)": 90.4,
    "heterogeneity (Gamma3.5)": 100.6,
}


@pytest.mark.parametrize("term", sorted(HARE_MH))
def test_heterogeneity_columns_reproduce_rcapture_hare(term):
    # Model Mh: log mu = b0 + b1 k + tau h(k), a function of k alone, so the
    # 63 histories collapse to the 6 numbers f_k with offset log C(6, k).
    k = np.arange(1, 7)
    X = np.column_stack([np.ones(6), k, HETEROGENEITY_TERMS[term](k)])
    res = sm.GLM(HARE_F, X, family=sm.families.Poisson(), offset=np.log(comb(6, k))).fit()
    assert round(HARE_F.sum() + np.exp(res.params[0]), 1) == HARE_MH[term]
    assert res.params[2] > 0  # heterogeneity parameter of the right sign


def test_heterogeneity_columns_are_rcapture_definitions():
    # cran/Rcapture R/closedp.R: Darroch nbcap^2/2, Poisson 2^nbcap - 1,
    # Gamma -log(3.5 + nbcap) + log(3.5); all zero for the hidden cell.
    k = np.arange(0, 7, dtype=float)
    assert_allclose(HETEROGENEITY_TERMS["heterogeneity (Darroch)"](k), k**2 / 2)
    assert_allclose(HETEROGENEITY_TERMS["heterogeneity (Poisson2)"](k), 2**k - 1)
    assert_allclose(
        HETEROGENEITY_TERMS["heterogeneity (Gamma3.5)"](k), -np.log(3.5 + k) + np.log(3.5)
    )


def test_mth_fit_equals_statsmodels_and_method_picks_best_aic():
    table = simulate(2.0, np.random.default_rng(3))
    lists = ["A", "B", "C", "D"]
    est = MultipleSystemsEstimator(method="heterogeneity", interval_window=0.0).fit(table)
    y = np.zeros(15)
    pats = observable_patterns(4)
    for _, row in table.iterrows():
        y[np.flatnonzero((pats == row[lists].to_numpy()).all(axis=1))[0]] = row["count"]
    aics = {}
    for term in HETEROGENEITY_TERMS:
        X = np.column_stack([np.ones(15), pats, HETEROGENEITY_TERMS[term](pats.sum(axis=1))])
        assert_allclose(design_matrix(lists, (term,)), X)
        res = sm.GLM(y, X, family=sm.families.Poisson()).fit()
        fit = fit_loglinear(y, lists, (term,))
        assert_allclose(fit.n_hat, y.sum() + np.exp(res.params[0]), rtol=1e-6)
        assert_allclose(fit.aic, res.aic, rtol=1e-8)
        aics[term] = res.aic
    assert est.method_ == "heterogeneity"
    assert est.model_ == [min(aics, key=aics.get)]
    assert est.ci_low_ < est.n_hat_ < est.ci_high_


def test_chao_lower_bound_by_hand():
    # 68 + (5/6) * 25 * 24 / (2 * 23): Chao (1987), bias-corrected form.
    pats = np.array([[1] * k + [0] * (6 - k) for k in range(1, 7)])
    assert_allclose(chao_lower_bound(HARE_F, pats), 68 + 5 / 6 * 25 * 24 / 46)


def test_negative_heterogeneity_is_left_out_quietly():
    # Too many people on exactly two lists: the log-counts are concave in the
    # number of lists, the opposite of heterogeneity, so tau < 0.
    table = simulate(0.0, np.random.default_rng(10))
    on_two = table[["A", "B", "C", "D"]].sum(axis=1) == 2
    table.loc[on_two, "count"] = (table.loc[on_two, "count"] * 1.6).round().astype(int)
    est = MultipleSystemsEstimator(interval_window=0.0).fit(table)
    comp = est.comparison_
    het = comp[comp["model"].str.startswith("heterogeneity")]
    assert len(het) == 3
    assert (het["reason"] == NO_HETEROGENEITY).all()
    assert not any("diverged" in w for w in est.warnings_)


def test_warns_in_plain_words_under_strong_heterogeneity_and_not_without():
    strong = MultipleSystemsEstimator(interval_window=0.0).fit(
        simulate(2.0, np.random.default_rng(21))
    )
    assert any(w.startswith(PLAIN_WARNING) for w in strong.warnings_)
    none = MultipleSystemsEstimator(interval_window=0.0).fit(
        simulate(0.0, np.random.default_rng(22))
    )
    assert not any(w.startswith(PLAIN_WARNING) for w in none.warnings_)
    assert none.ci_low_ <= 1000 <= none.ci_high_


def test_refusal_gives_chao_lower_bound():
    table = pd.DataFrame({"A": [0, 0, 1], "B": [0, 1, 0], "C": [1, 1, 1], "count": [7, 3, 4]})
    with pytest.raises(EstimationError, match="Chao's lower bound"):
        MultipleSystemsEstimator().fit(table)


@pytest.mark.slow
def test_heterogeneity_targets_of_issue_14():
    """sigma = 2: coverage >= 85% or warns in >= 90%; sigma = 0: warns in <= 10% (60 runs)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    from mse_heterogeneity import run, summarise

    table = summarise(run(60)).set_index("sigma")
    assert table.loc[2.0, "coverage_pct"] >= 85 or table.loc[2.0, "warning_pct"] >= 90
    assert table.loc[0.0, "warning_pct"] <= 10

"""Tests for multiple systems estimation (meam_mapping.estimate.mse)."""

from __future__ import annotations

import itertools
import json
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose
from scipy.optimize import minimize_scalar
from scipy.special import gammaln, xlogy

from meam_mapping.errors import EstimationError, InputError
from meam_mapping.estimate.mse import (
    MultipleSystemsEstimator,
    estimate_hidden,
    hidden_records,
)
from meam_mapping.estimate.mse.loglinear import design_matrix, fit_loglinear, parse_interactions
from meam_mapping.estimate.mse.patterns import observable_patterns
from meam_mapping.estimate.mse.strata import TOTAL_LABEL, estimate_by_stratum
from meam_mapping.estimate.mse.twolist import chapman, lincoln_petersen


def simulate(n, probs, rng, dependence=None):
    """People seen independently by each list; optionally list j depends on list i.

    dependence=(i, j, p_if_on_i, p_if_not_on_i).
    """
    seen = rng.random((n, len(probs))) < np.asarray(probs)
    if dependence is not None:
        i, j, p_on, p_off = dependence
        seen[:, j] = np.where(seen[:, i], rng.random(n) < p_on, rng.random(n) < p_off)
    seen = seen[seen.any(axis=1)].astype(int)
    names = [chr(ord("A") + c) for c in range(len(probs))]
    frame = pd.DataFrame(seen, columns=names)
    return frame.value_counts().rename("count").reset_index()


def table(rows, lists=("A", "B", "C")):
    return pd.DataFrame(rows, columns=[*lists, "count"])


# -- published and closed-form examples ------------------------------------


def test_chapman_matches_care1_diabetes_output():
    # CARE1 (Chao, Tsay, Lin, Shau & Chao 2001, Stat Med 20:3123) documentation,
    # Diabetes data (Bruno et al. 1994, Diabetes Care 17:548), "ESTIMATES BASED ON
    # ANY PAIR OF SAMPLES": n1 = 1754, n2 = 452, n3 = 1135; pair 1-2 printed as
    # Petersen 2353, Chapman 2351, se 58, interval 2250 to 2478 (Chao 1987
    # log-transformed); pair 1-3 as Petersen 2185, Chapman 2185, se 22, 2146 to
    # 2233. The overlaps are not printed: m12 = 337 and m13 = 911 are the only
    # integers giving the printed Petersen estimates.
    est = chapman(1754, 452, 337)
    assert_allclose(
        [est.estimate, np.sqrt(est.variance), est.lower, est.upper],
        [2351, 58, 2250, 2478],
        atol=0.5,
    )
    assert round(lincoln_petersen(1754, 452, 337).estimate) == 2353
    est13 = chapman(1754, 1135, 911)
    assert_allclose(
        [est13.estimate, np.sqrt(est13.variance), est13.lower, est13.upper],
        [2185, 22, 2146, 2233],
        atol=0.5,
    )
    assert round(lincoln_petersen(1754, 1135, 911).estimate) == 2185


def test_two_list_loglinear_is_lincoln_petersen():
    # Independence log-linear model for two lists: hidden = n10 n01 / n11 (Fienberg 1972).
    t = table([(1, 0, 60), (0, 1, 40), (1, 1, 20)], lists=("A", "B"))
    est = MultipleSystemsEstimator(method="loglinear", interactions="none").fit(t)
    assert_allclose(est.n_hat_, 120 + 60 * 40 / 20, rtol=1e-8)
    assert est.ci_method_.startswith("profile likelihood")
    assert est.ci_low_ < est.n_hat_ < est.ci_high_


def test_all_two_way_model_closed_form():
    # Three lists, all two-way interactions (no three-way term):
    # hidden = n111 n100 n010 n001 / (n110 n101 n011) (Bishop, Fienberg & Holland 1975, ch. 6).
    counts = {(1, 0, 0): 69, (0, 1, 0): 55, (0, 0, 1): 63, (1, 1, 0): 21, (1, 0, 1): 17,
              (0, 1, 1): 18, (1, 1, 1): 28}  # fmt: skip
    t = table([(*k, v) for k, v in counts.items()])
    est = estimate_hidden(t, interactions="A:B,A:C,B:C")
    hidden = 28 * 69 * 55 * 63 / (21 * 17 * 18)
    assert_allclose(est.hidden, hidden, rtol=1e-6)
    assert est.model == ("A:B", "A:C", "B:C")


def test_fit_matches_statsmodels_and_r_aic():
    rng = np.random.default_rng(3)
    t = simulate(800, [0.3, 0.4, 0.25, 0.35], rng)
    lists = ["A", "B", "C", "D"]
    pats = observable_patterns(4)
    y = np.array([t.loc[(t[lists] == p).all(axis=1), "count"].sum() for p in pats], float)
    fit = fit_loglinear(y, lists, ("A:B", "C:D"))
    res = sm.GLM(y, design_matrix(lists, ("A:B", "C:D")), family=sm.families.Poisson()).fit()
    assert_allclose(fit.coef, res.params, rtol=1e-7)
    assert_allclose(fit.deviance, res.deviance, rtol=1e-7)
    # R's glm AIC: -2 loglik (with log y!) + 2p
    assert_allclose(fit.aic, res.aic, rtol=1e-9)
    assert_allclose(fit.bic, -2 * res.llf + np.log(y.sum()) * 7, rtol=1e-9)


def _rcapture_profile(y, X, observed, n_total):
    """Rcapture's multinomial profile log-likelihood of N (closedpCI.t, Cormack 1992).

    Completed table (hidden cell = N - observed) fitted by statsmodels; value
    ``(deviance - 2 ct) / -2`` with ``ct = log(n0^n0 N! / (N^N n0!))`` written
    exactly with ``gammaln`` (Rcapture switches to Stirling's formula above 100).
    """
    n0 = n_total - observed
    yc = np.append(y, n0)
    Xc = np.vstack([X, np.eye(1, X.shape[1])])
    dev = sm.GLM(yc, Xc, family=sm.families.Poisson()).fit(tol=1e-12).deviance
    ct = xlogy(n0, n0) + gammaln(n_total + 1) - xlogy(n_total, n_total) - gammaln(n0 + 1)
    return (dev - 2 * ct) / -2


def test_profile_interval_multinomial_profile_falls_by_chi2():
    # Definition checked independently of our Newton solver: at each limit the
    # multinomial profile log-likelihood of N, computed Rcapture's way, is
    # chi2_1(0.95) / 2 below its maximum.
    rng = np.random.default_rng(4)
    t = simulate(1000, [0.3, 0.4, 0.25], rng)
    est = MultipleSystemsEstimator(interactions="none").fit(t)
    lists = ["A", "B", "C"]
    y = np.array(
        [t.loc[(t[lists] == p).all(axis=1), "count"].sum() for p in observable_patterns(3)], float
    )
    X = design_matrix(lists, ())
    n = est.observed_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        best = minimize_scalar(
            lambda m: -_rcapture_profile(y, X, n, m),
            bounds=(n + 1, est.n_hat_ * 1.5), method="bounded", options={"xatol": 1e-7},
        )  # fmt: skip
        top = -best.fun
        assert est.ci_low_ < best.x < est.ci_high_
        for limit in (est.ci_low_, est.ci_high_):
            drop = 2 * (top - _rcapture_profile(y, X, n, limit))
            assert_allclose(drop, 3.841458820694124, atol=1e-4)
    # It is wider than profiling the expected hidden count alone, whose deviance
    # rises by 3.84 strictly inside this interval.
    base = sm.GLM(y, X, family=sm.families.Poisson()).fit().deviance
    for limit in (est.ci_low_, est.ci_high_):
        off = np.full(len(y), np.log(limit - n))
        d = sm.GLM(y, X[:, 1:], family=sm.families.Poisson(), offset=off).fit().deviance
        assert d - base > 3.841458820694124


# -- simulation (fast) -----------------------------------------------------


def _replicates(n_rep, seed, **kw):
    rng = np.random.default_rng(seed)
    dep = kw.pop("dependence", None)
    out = []
    for _ in range(n_rep):
        t = simulate(1000, [0.3, 0.45, 0.25], rng, dependence=dep)
        e = MultipleSystemsEstimator(**kw).fit(t)
        out.append((e.n_hat_, e.ci_low_ <= 1000 <= e.ci_high_))
    return np.array([o[0] for o in out]), np.mean([o[1] for o in out])


def test_independent_lists_unbiased_and_covered():
    n_hat, coverage = _replicates(30, 11, interactions="none")
    assert abs(n_hat.mean() / 1000 - 1) < 0.05
    assert coverage >= 0.8
    n_hat_sel, _ = _replicates(30, 12)  # AIC selection
    assert abs(n_hat_sel.mean() / 1000 - 1) < 0.05


def test_dependent_lists_need_the_interaction():
    # B much likelier for people on A: positive dependence -> independence underestimates.
    dep = (0, 1, 0.8, 0.3)
    with_term, coverage = _replicates(30, 13, dependence=dep, interactions="A:B")
    without, _ = _replicates(30, 13, dependence=dep, interactions="none")
    assert abs(with_term.mean() / 1000 - 1) < 0.05
    assert coverage >= 0.8
    assert without.mean() / 1000 - 1 < -0.10


def test_bootstrap_is_seeded_and_sensible():
    rng = np.random.default_rng(5)
    t = simulate(1000, [0.3, 0.4, 0.25], rng)
    a = MultipleSystemsEstimator(interactions="none", ci="bootstrap", n_bootstrap=200,
                                 random_state=1).fit(t)  # fmt: skip
    b = MultipleSystemsEstimator(interactions="none", ci="bootstrap", n_bootstrap=200,
                                 random_state=1).fit(t)  # fmt: skip
    p = MultipleSystemsEstimator(interactions="none").fit(t)
    assert (a.ci_low_, a.ci_high_) == (b.ci_low_, b.ci_high_)
    assert a.ci_method_.startswith("parametric bootstrap")
    assert a.ci_low_ < a.n_hat_ < a.ci_high_
    assert_allclose([a.ci_low_, a.ci_high_], [p.ci_low_, p.ci_high_], rtol=0.08)
    two = table([(1, 0, 60), (0, 1, 40), (1, 1, 20)], lists=("A", "B"))
    c = MultipleSystemsEstimator(ci="bootstrap", n_bootstrap=300, random_state=2).fit(two)
    assert c.ci_low_ >= 120 and c.ci_low_ < c.n_hat_ < c.ci_high_


# -- selection, divergence, diagnostics -------------------------------------


def test_enumerates_64_models_for_four_lists():
    rng = np.random.default_rng(6)
    t = simulate(1000, [0.3, 0.4, 0.25, 0.35], rng)
    est = MultipleSystemsEstimator(select="bic", method="loglinear").fit(t)
    comp = est.comparison_
    assert len(comp) == 64
    # 'auto' also fits the three heterogeneity models of Rcapture's closedp.t.
    auto = MultipleSystemsEstimator(select="bic").fit(t).comparison_
    assert len(auto) == 67 and auto["model"].str.startswith("heterogeneity").sum() == 3
    assert comp["selected"].sum() == 1
    assert comp.loc[0, "selected"] and comp.loc[0, "delta"] == 0
    assert {"terms", "deviance", "df", "AIC", "BIC", "n_hat", "ci_low", "ci_high",
            "converged", "diverged"} <= set(comp.columns)  # fmt: skip
    assert comp.loc[0, "n_hat"] == est.n_hat_


def test_stepwise_when_too_many_models():
    rng = np.random.default_rng(7)
    t = simulate(1000, [0.3, 0.4, 0.25, 0.35], rng)
    est = MultipleSystemsEstimator(max_enumerate=10).fit(t)
    assert any("stepwise" in w for w in est.warnings_)
    assert 1 < len(est.comparison_) < 64


def test_diverging_model_excluded_with_warning():
    # Nobody on both A and C: the A:C interaction runs off to minus infinity.
    t = table([(1, 0, 0, 50), (0, 1, 0, 40), (0, 0, 1, 30), (1, 1, 0, 20), (0, 1, 1, 15)])
    est = MultipleSystemsEstimator().fit(t)
    comp = est.comparison_
    bad = comp[comp["terms"].map(lambda ts: "A:C" in ts)]
    assert bad["diverged"].all() and bad["n_hat"].isna().all()
    assert "A:C" not in est.model_
    assert any("diverged" in w for w in est.warnings_)
    assert np.isfinite(est.n_hat_) and est.n_hat_ < 1e6
    with pytest.raises(EstimationError, match="A:C"):
        MultipleSystemsEstimator(interactions="A:C").fit(t)


def test_non_identifiable_two_list_interaction_refused():
    t = table([(1, 0, 60), (0, 1, 40), (1, 1, 20)], lists=("A", "B"))
    with pytest.raises(EstimationError, match="identifiable"):
        MultipleSystemsEstimator(interactions="A:B").fit(t)
    with pytest.raises(EstimationError, match="identifiable"):
        fit_loglinear(np.array([40.0, 60, 20]), ["A", "B"], ("A:B",))


def test_unstable_choice_warned():
    # Two near-equal models with very different estimates: contrived table where
    # A:B and the independence model fit about equally (found by search, seed 0).
    rng = np.random.default_rng(0)
    for _ in range(200):
        t = simulate(300, [0.2, 0.25, 0.2], rng, dependence=(0, 1, 0.4, 0.2))
        est = MultipleSystemsEstimator().fit(t)
        comp = est.comparison_.dropna(subset=["AIC"])
        near = comp[(comp["delta"] < 2) & ~comp["selected"]]
        if ((near["n_hat"] - est.n_hat_).abs() > 0.2 * est.n_hat_).any():
            assert any("unstable" in w for w in est.warnings_)
            return
    pytest.fail("no unstable table found to test the warning")


def test_sparse_and_small_overlap_warnings():
    t = table([(1, 0, 0, 50), (0, 1, 0, 40), (0, 0, 1, 30), (1, 1, 0, 3), (1, 0, 1, 10),
               (0, 1, 1, 12)])  # fmt: skip
    est = MultipleSystemsEstimator(interactions="none").fit(t)
    text = " ".join(est.warnings_)
    assert "1 of 7 possible patterns have nobody" in text
    assert "A & B: 3" in text


def test_few_overlaps_two_lists_warns_and_zero_overlap_fails():
    t = table([(1, 0, 60), (0, 1, 40), (1, 1, 3)], lists=("A", "B"))
    est = MultipleSystemsEstimator().fit(t)
    assert est.method_ == "chapman" and any("Robson" in w for w in est.warnings_)
    with pytest.raises(EstimationError, match="more than one list"):
        MultipleSystemsEstimator().fit(table([(1, 0, 60), (0, 1, 40)], lists=("A", "B")))


def test_nested_lists():
    nested2 = table([(1, 1, 20), (0, 1, 40)], lists=("A", "B"))
    with pytest.raises(EstimationError, match="inside"):
        MultipleSystemsEstimator().fit(nested2)
    nested3 = table([(1, 1, 0, 20), (0, 1, 0, 40), (0, 0, 1, 30), (1, 1, 1, 5), (0, 1, 1, 9)])
    est = MultipleSystemsEstimator().fit(nested3)
    assert any("inside" in w for w in est.warnings_)
    assert "A:B" not in est.model_


def test_all_on_one_list_refused():
    t = table([(1, 0, 0, 50), (0, 1, 0, 40), (0, 0, 1, 30)])
    with pytest.raises(EstimationError, match="more than one list"):
        MultipleSystemsEstimator().fit(t)
    empty_list = table([(1, 0, 0, 50), (0, 1, 0, 40), (1, 1, 0, 30)])
    with pytest.raises(EstimationError, match="nobody on them"):
        MultipleSystemsEstimator().fit(empty_list)


def test_wrong_options_list_valid_names():
    t = table([(1, 0, 60), (0, 1, 40), (1, 1, 20)], lists=("A", "B"))
    with pytest.raises(InputError, match="chapman"):
        MultipleSystemsEstimator(method="petersen").fit(t)
    with pytest.raises(InputError, match="bootstrap"):
        MultipleSystemsEstimator(ci="wald").fit(t)
    with pytest.raises(InputError, match="aic"):
        MultipleSystemsEstimator(method="loglinear", select="cp").fit(t)
    with pytest.raises(InputError, match="alpha"):
        MultipleSystemsEstimator(alpha=5).fit(t)
    three = table([(1, 0, 0, 5), (0, 1, 1, 5), (1, 1, 1, 5)])
    with pytest.raises(InputError, match="exactly two lists"):
        MultipleSystemsEstimator(method="chapman").fit(three)


def test_parse_interactions():
    lists = ["hous", "drug", "mh"]
    assert parse_interactions("drug:hous, mh:drug", lists) == ("hous:drug", "drug:mh")
    assert parse_interactions("none", lists) == ()
    assert parse_interactions(["NONE"], lists) == ()
    assert parse_interactions(None, lists) == ()
    with pytest.raises(InputError, match=r"unknown list.*\['jail'\].*hous"):
        parse_interactions("hous:jail", lists)
    with pytest.raises(InputError, match="joined by ':'"):
        parse_interactions("hous-drug", lists)
    with pytest.raises(InputError, match="itself"):
        parse_interactions("mh:mh", lists)


def test_summary_and_attributes():
    t = table([(1, 0, 60), (0, 1, 40), (1, 1, 20)], lists=("A", "B"))
    est = MultipleSystemsEstimator().fit(t)
    s = est.summary()
    assert list(s["quantity"]) == ["population size", "hidden (missed by every list)", "observed"]
    assert {"estimate", "lower", "upper", "method"} <= set(s.columns)
    assert_allclose(s.loc[1, "estimate"], est.hidden_)
    assert est.hidden_ == pytest.approx(est.n_hat_ - est.observed_)
    assert est.model_ == [] and est.lists_ == ["A", "B"]
    with pytest.raises(EstimationError):
        MultipleSystemsEstimator().summary()


# -- records and strata -----------------------------------------------------


def _areas():
    rng = np.random.default_rng(8)
    parts = []
    for code, n in (("E07000008", 1500), ("E07000010", 1000)):
        part = simulate(n, [0.3, 0.4, 0.25], rng)
        part.insert(0, "area_code", code)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def test_hidden_records_contract():
    data = _areas()
    records = hidden_records(data, by="area_code")
    assert [r["area_code"] for r in records] == ["E07000008", "E07000010"]
    keys = {"observed", "n_hat", "ci_low", "ci_high", "hidden", "method", "model",
            "ci_method", "warnings", "chao_lower_bound", "area_code"}  # fmt: skip
    assert all(set(r) == keys for r in records)
    json.dumps(records)  # plain JSON types only
    assert all(r["method"] == "loglinear" for r in records)
    (single,) = hidden_records(data.drop(columns="area_code"), interactions="none")
    assert single["model"] == [] and single["ci_method"].startswith("profile likelihood")
    with pytest.raises(InputError, match="split by"):
        hidden_records(data, by="lsoa")


def test_hidden_records_unestimable_stratum_reported():
    data = _areas()
    bad = pd.DataFrame({"area_code": "X", "A": [1, 0, 0], "B": [0, 1, 0], "C": [0, 0, 1],
                        "count": [5, 5, 5]})  # fmt: skip
    records = hidden_records(pd.concat([data, bad], ignore_index=True), by="area_code")
    last = records[-1]
    assert last["area_code"] == "X" and last["n_hat"] is None
    assert "not estimated" in last["warnings"][0]


def test_by_stratum_separate_and_pooled_reconcile():
    data = _areas()
    sep = estimate_by_stratum(data, "area_code", interactions="none")
    assert list(sep["area_code"]) == ["E07000008", "E07000010", TOTAL_LABEL]
    assert_allclose(sep["n_hat"].iloc[-1], sep["n_hat"].iloc[:-1].sum())
    assert sep["observed"].iloc[-1] == sep["observed"].iloc[:-1].sum()
    assert "added together" in sep["note"].iloc[-1]
    pooled = estimate_by_stratum(data, "area_code", pooled=True, interactions="none")
    total = pooled.iloc[-1]
    overall = estimate_hidden(data.drop(columns="area_code"), interactions="none")
    assert_allclose(total["n_hat"], overall.n_hat, rtol=1e-6)
    assert_allclose(pooled["n_hat"].iloc[:-1].sum(), overall.n_hat, rtol=1e-6)
    assert (pooled["ci_low"].iloc[:-1] < pooled["n_hat"].iloc[:-1]).all()
    assert (pooled["n_hat"].iloc[:-1] < pooled["ci_high"].iloc[:-1]).all()


def test_estimator_adds_groups_with_warning():
    data = _areas()
    est = MultipleSystemsEstimator(interactions="none").fit(data)
    assert any("estimate_by_stratum" in w for w in est.warnings_)
    assert est.observed_ == data["count"].sum()


# -- slow replicate study ----------------------------------------------------


@pytest.mark.slow
def test_replicate_study_bias_and_coverage():
    # The correct model for each scenario (after AIC selection coverage is lower:
    # see bench/mse_replicates.py).
    for dep, kw in ((None, {"interactions": "none"}), ((0, 1, 0.8, 0.3), {"interactions": "A:B"})):
        n_hat, coverage = _replicates(200, 99, dependence=dep, **kw)
        assert abs(n_hat.mean() / 1000 - 1) < 0.05
        assert 0.90 <= coverage <= 0.98


def test_simulation_helper_patterns_complete():
    rng = np.random.default_rng(1)
    t = simulate(2000, [0.5, 0.5, 0.5], rng)
    assert len(t) == 7
    assert set(map(tuple, t[["A", "B", "C"]].to_numpy())) == set(
        p for p in itertools.product((0, 1), repeat=3) if any(p)
    )

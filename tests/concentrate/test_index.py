"""Tests for meam_mapping.concentrate.index."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import chi2

from meam_mapping.concentrate.index import (
    STANDARDISERS,
    CompositeIndex,
    composite_index,
    domain_rates,
    exponential_transform,
    standardise,
)
from meam_mapping.errors import InputError


def iod(fraction: float) -> float:
    """IoD 2019 technical report: X = -23 ln(1 - R (1 - exp(-100/23))), R = rank / N."""
    return -23 * math.log(1 - fraction * (1 - math.exp(-100 / 23)))


def three_areas() -> pd.DataFrame:
    # Hand-worked z-scores (population sd):
    # homelessness [3, 1, 2]:   mean 2, sd sqrt(2/3) -> z = [1.2247, -1.2247, 0]
    # justice [1, 3, 2.5]:      mean 13/6, sd 0.8498 -> z = [-1.3728, 0.9806, 0.3922]
    return pd.DataFrame(
        {"homelessness": [3.0, 1.0, 2.0], "justice": [1.0, 3.0, 2.5]},
        index=pd.Index(["A", "B", "C"], name="area_code"),
    )


def ranks_by_area(scores: pd.DataFrame) -> dict[str, int]:
    return dict(zip(scores["area_code"], scores["rank"], strict=True))


# ---------------------------------------------------------------- exponential
def test_exponential_transform_matches_iod_formula_at_known_ranks():
    n = 5
    fractions = np.arange(1, n + 1) / n
    assert_allclose(exponential_transform(fractions), [iod(f) for f in fractions])
    # Worked by hand: R/N = 0.5 -> -23 ln(1 - 0.5 x 0.987065) = 15.6468; R = N -> 100.
    assert_allclose(exponential_transform([0.5, 1.0]), [15.6468, 100.0], rtol=1e-5)


def test_standardise_exponential_ranks_rates_lowest_first():
    rates = np.array([10.0, 30.0, 20.0, 50.0, 40.0])  # ranks 1, 3, 2, 5, 4
    expected = [iod(r / 5) for r in (1, 3, 2, 5, 4)]
    assert_allclose(standardise(rates, "exponential"), expected)
    assert_allclose(standardise(rates, "rank"), [0.2, 0.6, 0.4, 1.0, 0.8])


def test_standardise_ties_share_the_average_rank():
    assert_allclose(standardise([1.0, 2.0, 2.0, 3.0], "rank"), [0.25, 0.625, 0.625, 1.0])


def test_unknown_method_lists_valid_names():
    with pytest.raises(InputError, match="exponential, rank, zscore"):
        CompositeIndex(method="pca").fit(three_areas())
    assert set(STANDARDISERS) == {"exponential", "rank", "zscore"}


# ---------------------------------------------------------------- weights
def test_ranking_changes_exactly_as_expected_when_a_weight_moves():
    rates = three_areas()
    model = CompositeIndex(method="zscore").fit(rates)
    # Equal weights: A -0.0741, B -0.1221, C 0.1961 -> C, A, B.
    assert ranks_by_area(model.scores_) == {"C": 1, "A": 2, "B": 3}
    assert_allclose(
        model.scores_.set_index("area_code").loc[["A", "B", "C"], "score"],
        [-0.07405, -0.12206, 0.19611],
        atol=1e-4,
    )
    # Homelessness x3: A (3 x 1.2247 - 1.3728) / 4 = 0.5753 -> A, C, B.
    assert ranks_by_area(model.reweight({"homelessness": 3})) == {"A": 1, "C": 2, "B": 3}
    # Justice x3: B (-1.2247 + 3 x 0.9806) / 4 = 0.4293, C 0.2942 -> B, C, A.
    assert ranks_by_area(model.reweight({"justice": 3})) == {"B": 1, "C": 2, "A": 3}
    # Reweighting leaves the fitted scores alone and matches a refit.
    assert ranks_by_area(model.scores_) == {"C": 1, "A": 2, "B": 3}
    refit = CompositeIndex(method="zscore", weights={"justice": 3}).fit(rates).scores_
    pd.testing.assert_frame_equal(model.reweight({"justice": 3}), refit)


def test_weights_are_normalised_and_unnamed_domains_keep_weight_one():
    model = CompositeIndex(method="zscore", weights={"homelessness": 3}).fit(three_areas())
    assert_allclose(list(model.weights_.values()), [0.75, 0.25])


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"housing": 1}, "'housing'.*homelessness, justice"),
        ({"homelessness": 0, "justice": 0}, "all weights are zero"),
        ({"homelessness": -1}, "0 or more"),
        ([1, 2], "map domain names"),
    ],
)
def test_bad_weights_are_refused(weights, message):
    with pytest.raises(InputError, match=message):
        CompositeIndex(weights=weights).fit(three_areas())


# ---------------------------------------------------------------- inputs
def test_bad_simulation_count_is_refused():
    with pytest.raises(InputError, match="n_simulations"):
        CompositeIndex(n_simulations=-1).fit(three_areas())


def test_a_single_area_is_refused():
    with pytest.raises(InputError, match="at least 2 areas"):
        CompositeIndex().fit(three_areas().iloc[:1])


def test_negative_or_text_rates_are_refused_with_rows():
    rates = three_areas().astype(object)
    rates.loc["B", "justice"] = "n/a"
    with pytest.raises(InputError, match="row 3, column 'justice'"):
        CompositeIndex().fit(rates)
    with pytest.raises(InputError, match="appear more than once"):
        CompositeIndex().fit(pd.concat([three_areas(), three_areas().iloc[:1]]))


def test_constant_domain_warns_and_contributes_nothing():
    rates = three_areas().assign(mental_health=5.0)
    with pytest.warns(UserWarning, match="mental_health"):
        model = CompositeIndex(method="zscore").fit(rates)
    assert_array_equal(model.standardised_["mental_health"], 0.0)
    plain = CompositeIndex(method="zscore").fit(three_areas()).scores_
    assert_allclose(model.scores_["score"], plain["score"] * 2 / 3)
    assert model.constant_ == ["mental_health"]


def test_missing_rates_are_excluded_with_reason_by_default():
    rates = three_areas().assign(mental_health=[1.0, 2.0, 3.0])
    rates.loc["C", "justice"] = np.nan
    model = CompositeIndex(method="zscore").fit(rates)
    assert list(model.scores_["area_code"].sort_values()) == ["A", "B"]
    assert model.excluded_.to_dict("records") == [
        {"area_code": "C", "reason": "no rate for justice"}
    ]


def test_missing_rates_can_be_mean_imputed_and_flagged():
    rates = three_areas()
    rates.loc["C", "justice"] = np.nan
    model = CompositeIndex(method="zscore", missing="impute").fit(rates)
    # justice observed for A, B only: z = -1, +1; C gets their mean, 0.
    assert_allclose(model.standardised_.loc[["A", "B", "C"], "justice"], [-1.0, 1.0, 0.0])
    flagged = model.scores_.set_index("area_code")["imputed"]
    assert flagged.to_dict() == {"A": False, "B": False, "C": True}


# ---------------------------------------------------------------- co-occurrence
def test_co_occurrence_counts_top_quintile_domains():
    # 10 areas: top quintile = the top 2 in each domain.
    rates = pd.DataFrame(
        {"homelessness": np.arange(1.0, 11.0), "justice": np.arange(10.0, 0.0, -1.0)},
        index=pd.Index([f"A{i}" for i in range(10)], name="area_code"),
    )
    rates.loc["A9", "justice"] = 9.5  # A9 tops homelessness; now also 2nd for justice
    scores = composite_index(rates).set_index("area_code")
    expected = {"A0": 1, "A1": 0, "A8": 1, "A9": 2}
    assert {k: scores.loc[k, "co_occurrence"] for k in expected} == expected
    assert scores["co_occurrence"].sum() == 4


# ---------------------------------------------------------------- uncertainty
def with_intervals(n: int = 30, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = {}
    for col in ("homelessness", "justice"):
        rate = rng.gamma(4, 0.5, n)
        rate[0] = 50.0  # far ahead of everyone, narrow interval
        out[col], out[f"{col}_lower"], out[f"{col}_upper"] = rate, rate * 0.8, rate * 1.25
    return pd.DataFrame(out, index=pd.Index([f"A{i:02d}" for i in range(n)], name="area_code"))


def test_rank_ranges_bracket_the_rank_and_are_seeded():
    rates = with_intervals()
    first = composite_index(rates, n_simulations=100, random_state=3)
    again = composite_index(rates, n_simulations=100, random_state=3)
    pd.testing.assert_frame_equal(first, again)
    assert (first["rank_low"] <= first["rank"]).all()
    assert (first["rank"] <= first["rank_high"]).all()
    assert (first["rank_high"] > first["rank_low"]).mean() > 0.5
    top = first.set_index("area_code").loc["A00"]
    assert (top["rank"], top["rank_low"], top["rank_high"]) == (1, 1, 1)


@pytest.mark.parametrize(
    ("method", "n"),
    # 2,000 areas x 60 draws: enough that ranks and limits are also worked out in halves.
    [("exponential", 40), ("rank", 40), ("zscore", 40), ("exponential", 2000)],
)
def test_rank_ranges_do_not_depend_on_how_many_threads_draw_them(method, n, monkeypatch):
    import meam_mapping.concentrate.index as index_module

    rates = with_intervals(n=n, seed=5)
    rates.loc["A03", "justice"] = np.nan  # one area imputed, so a domain has a gap
    rates["housing"] = np.linspace(1, 9, n)  # a domain without limits
    kw = {"method": method, "n_simulations": 60, "random_state": 2, "missing": "impute",
          "lower_is_worse": ["housing"]}  # fmt: skip
    monkeypatch.setattr(index_module, "_threads", lambda: 1)
    one = composite_index(rates, **kw)
    monkeypatch.setattr(index_module, "_threads", lambda: 2)
    two = composite_index(rates, **kw)
    pd.testing.assert_frame_equal(one, two)
    assert one["rank_low"].notna().all() and (one["rank_high"] > one["rank_low"]).any()


def test_drawn_rates_follow_their_confidence_limits():
    from meam_mapping.concentrate.index import _draw_rates

    # Log scale: x * exp(se z), se = (ln U - ln L) / 3.92, so the 2.5th and 97.5th
    # percentiles of the draws are the limits themselves when L * U = x^2.
    # Linear scale (x = 0, lower 0): |0 + se z| with se = (U - L) / 3.92, whose
    # 95th percentile is 1.96 se = (U - L) / 2 (|z| < 1.96 95% of the time).
    x, lower, upper = np.array([10.0, 0.0]), np.array([5.0, 0.0]), np.array([20.0, 4.0])
    draws = _draw_rates(x, lower, upper, np.random.default_rng(0), 200_000)
    assert draws.dtype == np.float32 and draws.shape == (200_000, 2)
    assert_allclose(np.percentile(draws[:, 0], [2.5, 50, 97.5]), [5, 10, 20], rtol=0.01)
    assert_allclose(np.percentile(draws[:, 1], 95), 2.0, rtol=0.01)
    assert (draws[:, 1] >= 0).all()


def test_no_intervals_means_no_rank_range():
    scores = composite_index(three_areas())
    assert scores["rank_low"].isna().all() and scores["rank_high"].isna().all()
    assert (scores["rank_range"] == "").all()
    assert list(scores.columns) == [
        "area_code",
        "score",
        "rank",
        "rank_low",
        "rank_high",
        "rank_range",
        "rank_range_level",
        "co_occurrence",
        "imputed",
        "method",
    ]


def test_reweight_with_ranges_reuses_the_fit_draws():
    rates = with_intervals()
    model = CompositeIndex(n_simulations=50, weights={"justice": 2}).fit(rates)
    fresh = CompositeIndex(n_simulations=50).fit(rates)
    pd.testing.assert_frame_equal(fresh.reweight({"justice": 2}, ranges=True), model.scores_)
    assert fresh.reweight({"justice": 2})["rank_low"].isna().all()


# ---------------------------------------------------------------- domain_rates
def tidy_table() -> pd.DataFrame:
    rows = [
        # area, indicator, domain, period, count, denominator, suppressed
        ("E1", "homeless_duty", "homelessness", "2023", 6, 1000, False),
        ("E1", "homeless_duty", "homelessness", "2024", 4, 1000, False),
        ("E2", "homeless_duty", "homelessness", "2024", np.nan, 500, True),
        ("E1", "probation", "justice", "2024", 10, 2000, False),
        ("E2", "probation", "justice", "2024", 0, 1000, False),
        ("E2", "probation_old", "justice", "2024", 3, 1000, False),
        ("E1", "adults", "context", "2024", 2000, np.nan, False),
    ]
    cols = ["area_code", "indicator", "domain", "period", "count", "denominator", "suppressed"]
    return pd.DataFrame(rows, columns=cols)


def test_domain_rates_pools_counts_and_keeps_suppressed_unknown():
    wide = domain_rates(tidy_table(), ci=False)
    assert list(wide.columns) == ["homelessness", "justice"]
    # E1 homelessness: (6 + 4) / (1000 + 1000); E2 suppressed -> NaN, never 0.
    assert_allclose(wide.loc["E1", "homelessness"], 0.005)
    assert np.isnan(wide.loc["E2", "homelessness"])
    # justice: 'probation' is known in 2 areas, 'probation_old' in 1 -> probation chosen.
    assert_allclose(wide["justice"], [0.005, 0.0])


def test_domain_rates_chosen_indicators_and_level_areas():
    wide = domain_rates(tidy_table(), ["E2", "E1", "E3"], {"justice": "probation_old"}, ci=False)
    assert list(wide.index) == ["E2", "E1", "E3"]
    assert_allclose(wide["justice"], [0.003, np.nan, np.nan])
    with pytest.raises(InputError, match="'nope'.*homeless_duty"):
        domain_rates(tidy_table(), indicators_by_domain={"justice": "nope"})


def test_domain_rates_byar_limits_close_to_exact_poisson():
    # Byar's approximation (Breslow & Day 1987) is within 0.2% of the exact
    # (Garwood) limits for 10 events: chi2(0.025, 20)/2 = 4.795, chi2(0.975, 22)/2 = 18.390.
    wide = domain_rates(tidy_table())
    exact = np.array([chi2.ppf(0.025, 20) / 2, chi2.ppf(0.975, 22) / 2]) / 2000
    assert_allclose(wide.loc["E1", ["homelessness_lower", "homelessness_upper"]], exact, rtol=2e-3)
    assert wide.loc["E2", "justice_lower"] == 0.0


def test_domain_rates_refuses_a_table_without_counts():
    with pytest.raises(InputError, match="count"):
        domain_rates(tidy_table().drop(columns="count"))
    bad = tidy_table()
    bad.loc[3, "count"] = -1
    with pytest.raises(InputError, match="row 5, column 'count'"):
        domain_rates(bad)


def test_domain_rates_feed_the_index():
    rates = domain_rates(tidy_table())
    # Only E1 has a known homelessness rate, so that domain cannot separate areas.
    with pytest.warns(UserWarning, match="homelessness"):
        model = CompositeIndex(missing="impute", n_simulations=20).fit(rates)
    assert list(model.standardised_.columns) == ["homelessness", "justice"]
    assert set(model.scores_["area_code"]) == {"E1", "E2"}


def test_rank_ranges_are_labelled_with_their_level():
    model = CompositeIndex(n_simulations=200).fit(with_intervals())
    scores = model.scores_
    assert (scores["rank_range_level"] == 0.9).all()
    first = scores.iloc[0]
    assert first["rank_range"] == f"{first['rank_low']} to {first['rank_high']} (90% range)"

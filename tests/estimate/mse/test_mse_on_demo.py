"""The hidden-population estimator recovers the demo's simulated truth.

The demo draws capture histories from a log-linear model with two known
interactions (treatment:probation, housing:mental_health), so the estimate for
each district should sit close to the true number, inside its interval.
"""

import warnings

import pytest

from meam_mapping.estimate import hidden_records


@pytest.mark.parametrize("select", ["aic"])
def test_each_district_truth_inside_the_interval(demo, select):
    truth = demo.truth.n_by_district
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        records = hidden_records(demo.patterns.drop(columns="sex"), by="area_code", select=select)
    assert len(records) == 5
    for record in records:
        n_true = truth[record["area_code"]]
        assert record["ci_low"] <= n_true <= record["ci_high"], record
        assert record["hidden"] == pytest.approx(record["n_hat"] - record["observed"])
        assert record["ci_method"].startswith("profile likelihood")
    # The county total is recovered within 5 %.
    total = sum(r["n_hat"] for r in records)
    assert abs(total - demo.truth.total) / demo.truth.total < 0.05


def test_true_model_recovers_the_total(demo):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        records = hidden_records(
            demo.patterns.drop(columns="sex"),
            by="area_code",
            interactions="treatment:probation,housing:mental_health",
        )
    for record in records:
        assert record["model"] == ["housing:mental_health", "treatment:probation"]
    observed = sum(r["observed"] for r in records)
    total = sum(r["n_hat"] for r in records)
    assert observed < demo.truth.total
    assert abs(total - demo.truth.total) / demo.truth.total < 0.05

"""The composite index turns a lower-is-worse domain round (issue 15: polarity flows downstream)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from meam_mapping.concentrate.index import CompositeIndex
from meam_mapping.errors import InputError


def _rates(seed=0, n=40):
    rng = np.random.default_rng(seed)
    index = pd.Index([f"E0100{i:04d}" for i in range(n)], name="area_code")
    return pd.DataFrame(
        {"homelessness": rng.gamma(4, 2, n), "treatment_completion": rng.uniform(10, 60, n)},
        index=index,
    )


@pytest.mark.parametrize("method", ["exponential", "rank", "zscore"])
def test_a_lower_is_worse_domain_scores_as_its_mirror_image(method):
    rates = _rates()
    turned = CompositeIndex(
        method=method, n_simulations=0, lower_is_worse=["treatment_completion"]
    ).fit(rates)
    # Same as giving the negated rate (shifted to stay positive) as higher-is-worse.
    mirror = rates.assign(treatment_completion=100 - rates["treatment_completion"])
    plain = CompositeIndex(method=method, n_simulations=0).fit(mirror)
    assert turned.reversed_ == ["treatment_completion"]
    assert_allclose(turned.standardised_.to_numpy(), plain.standardised_.to_numpy())
    assert turned.scores_["area_code"].tolist() == plain.scores_["area_code"].tolist()
    assert_allclose(turned.scores_["co_occurrence"], plain.scores_["co_occurrence"])


def test_polarity_is_read_from_the_rates_and_names_are_checked():
    rates = _rates()
    rates.attrs["polarity"] = {
        "homelessness": "higher_is_worse",
        "treatment_completion": "lower_is_worse",
    }
    assert CompositeIndex(n_simulations=0).fit(rates).reversed_ == ["treatment_completion"]
    assert CompositeIndex(n_simulations=0, lower_is_worse=[]).fit(rates).reversed_ == []
    with pytest.raises(InputError, match="not in the rates"):
        CompositeIndex(n_simulations=0, lower_is_worse=["justice"]).fit(rates)


def test_rank_ranges_use_the_turned_draws():
    rates = _rates(seed=4)
    for column in ("homelessness", "treatment_completion"):
        rates[f"{column}_lower"] = rates[column] * 0.8
        rates[f"{column}_upper"] = rates[column] * 1.25
    model = CompositeIndex(n_simulations=100, lower_is_worse=["treatment_completion"]).fit(rates)
    scores = model.scores_
    # The observed rank lies inside its simulated 90% range for most areas.
    inside = (scores["rank"] >= scores["rank_low"]) & (scores["rank"] <= scores["rank_high"])
    assert inside.mean() > 0.9

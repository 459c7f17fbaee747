"""Scenarios: validation, saving as plain values, and side-by-side comparison."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from workshop_data import grid_dataset

from meam_mapping.concentrate.index import CompositeIndex, domain_rates
from meam_mapping.disclosure import is_suppressed
from meam_mapping.errors import InputError
from meam_mapping.pipeline.scenarios import (
    Scenario,
    compare_scenarios,
    index_map_data,
    scenario_index,
)


@pytest.fixture(scope="module")
def dataset():
    return grid_dataset(6, seed=4, periods=2)


def test_a_scenario_round_trips_through_plain_values():
    scenario = Scenario(
        "Justice double", weights={"justice": 2}, lists=["housing", "probation"], high_contrast=1
    )
    assert scenario.weights == {"justice": 2.0} and scenario.lists == ("housing", "probation")
    assert scenario.high_contrast is True
    assert Scenario.from_dict(scenario.to_dict()) == scenario


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": " "}, "needs a name"),
        ({"weights": {"justice": -1}}, "weight for 'justice'"),
        ({"weights": {"justice": "lots"}}, "a number of 0 or more"),
        ({"method": "average"}, "one of exponential"),
        ({"threshold": 0}, "whole number from 1"),
        ({"coordinator_ratio": 40}, "from 1 to 30"),
        ({"level": "ward"}, "one of lsoa"),
    ],
)
def test_bad_choices_are_explained(kwargs, message):
    with pytest.raises(InputError, match=message):
        Scenario(**{"name": "x", **kwargs})


def test_unknown_saved_settings_are_explained():
    with pytest.raises(InputError, match="unknown setting"):
        Scenario.from_dict({"name": "x", "colour": "red"})


def test_scenario_index_matches_the_composite_index_on_latest_rates(dataset):
    scores = scenario_index(dataset, Scenario("Equal"))
    latest = dataset.indicators.loc[dataset.indicators["period"] == "2023"]
    expected = (
        CompositeIndex(n_simulations=0)
        .fit(domain_rates(latest, dataset.areas["lsoa"], ci=False))
        .scores_
    )
    assert scores["area_code"].tolist() == expected["area_code"].tolist()
    np.testing.assert_allclose(scores["score"], expected["score"])
    assert scores["area_name"].iloc[0].startswith("Area ")


def test_msoa_scenarios_sum_counts_before_ranking(dataset):
    scores = scenario_index(dataset, Scenario("Blocks", level="msoa"))
    assert len(scores) == 9
    # Rates recomputed from summed counts and denominators, never averaged.
    table = dataset.indicators.loc[dataset.indicators["period"] == "2023"]
    table = table.merge(dataset.areas["lsoa"][["area_code", "msoa_code"]], on="area_code")
    summed = table.groupby(["msoa_code", "domain"])[["count", "denominator"]].sum()
    rates = (summed["count"] / summed["denominator"]).unstack("domain")
    expected = CompositeIndex(n_simulations=0).fit(rates.rename_axis("area_code")).scores_
    assert scores["area_code"].tolist() == expected["area_code"].tolist()


def test_compare_lists_changed_settings_and_top_ten_moves(dataset):
    a = Scenario("Equal")
    b = Scenario(
        "Justice only", weights={"homelessness": 0, "substance_misuse": 0, "mental_health": 0}
    )
    result = compare_scenarios(dataset, a, b)
    changed = result.settings.loc[result.settings["changed"], "setting"].tolist()
    assert changed == ["Weight: homelessness", "Weight: mental health", "Weight: substance misuse"]
    # Worked by hand from the same scores: top ten under each scenario.
    rank_a = result.scores_a.set_index("area_code")["rank"]
    rank_b = result.scores_b.set_index("area_code")["rank"]
    top_a, top_b = set(rank_a.index[rank_a <= 10]), set(rank_b.index[rank_b <= 10])
    assert set(result.entering) == top_b - top_a and set(result.leaving) == top_a - top_b
    assert result.entering, "the fixture should move some areas"
    assert set(result.areas["area_code"]) == top_a | top_b
    moves = result.areas.set_index("area_code")
    for code in result.entering:
        assert moves.loc[code, "change"] == "enters the top 10"
        assert moves.loc[code, "rank_b"] <= 10 < moves.loc[code, "rank_a"]
    assert (moves["places_up"] == moves["rank_a"] - moves["rank_b"]).all()
    # Justice only: B's ranking is the justice rate's ranking.
    justice = domain_rates(
        dataset.indicators.loc[dataset.indicators["period"] == "2023"],
        dataset.areas["lsoa"],
        ci=False,
    )["justice"]
    assert result.scores_b["area_code"].iloc[0] == justice.idxmax()
    text = result.summary()
    assert "'Justice only' differs from 'Equal'" in text and f"{len(result.entering)} area" in text


def test_identical_scenarios_change_nothing(dataset):
    result = compare_scenarios(dataset, Scenario("A"), Scenario("B"))
    assert not result.settings["changed"].any()
    assert result.entering == () and result.leaving == ()
    assert (result.areas["change"] == "stays in the top 10").all()
    assert "the same areas make the top 10" in result.summary()


def test_different_levels_cannot_be_compared(dataset):
    with pytest.raises(InputError, match="same level of geography"):
        compare_scenarios(dataset, Scenario("A", level="lsoa"), Scenario("B", level="msoa"))


def test_weights_for_domains_without_rates_are_explained(dataset):
    no_justice = dataclasses.replace(
        dataset, indicators=dataset.indicators.loc[dataset.indicators["domain"] != "justice"]
    )
    with pytest.raises(InputError, match="no rates at this level: justice"):
        scenario_index(no_justice, Scenario("x", weights={"justice": 2}))


def test_index_map_data_holds_no_counts(dataset):
    scores = scenario_index(dataset, Scenario("Equal"))
    data = index_map_data(scores, top_n=5)
    assert is_suppressed(data)
    assert data["count"].isna().all()
    assert (data["top"] == "top 5").sum() == 5
    pd.testing.assert_series_equal(data["value"], scores["score"], check_names=False)

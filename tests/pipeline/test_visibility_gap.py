"""The visibility gap through the pipeline, against the demo's truth (issue 14, item 6)."""

from __future__ import annotations

import numpy as np
import pytest

from meam_mapping.demo import DISTANCE_INDICATOR
from meam_mapping.errors import InputError
from meam_mapping.estimate.visibility import VISIBILITY_FLAGS
from meam_mapping.pipeline.rates import visibility


@pytest.fixture(scope="module")
def gap(demo_dataset):
    return visibility(demo_dataset, "known_multiple_disadvantage", [DISTANCE_INDICATOR], "lsoa")


def test_flagged_areas_have_a_higher_true_hidden_share_on_the_demo(gap, demo):
    table, _ = gap
    truth = demo.truth.by_lsoa
    flagged = table.set_index("area_code")["flag"].reindex(truth.index) == VISIBILITY_FLAGS[0]
    assert flagged.sum() >= 20
    share = truth["hidden"].groupby(flagged).sum() / truth["n_true"].groupby(flagged).sum()
    assert share[True] > share[False] + 0.05
    # and more than chance alone would flag
    assert table.attrs["n_flagged"] > 3 * table.attrs["expected_by_chance"]


def test_chance_count_is_the_sum_of_exact_probabilities_and_is_in_the_text(gap):
    table, text = gap
    assert np.isclose(table["chance"].sum(), table.attrs["expected_by_chance"])
    assert f"{table.attrs['expected_by_chance']:.1f} areas would be flagged" in text
    assert 0 < table.attrs["expected_by_chance"] < 0.025 * len(table)


def test_areas_are_compared_within_their_district_and_small_counts_are_hidden(gap, demo_dataset):
    table, _ = gap
    lad = demo_dataset.areas["lsoa"].set_index("area_code")["lad_code"]
    assert (table["stratum"] == table["area_code"].map(lad)).all()
    small = table["suppressed"].astype(bool)
    assert small.any() and table.loc[small, "count"].isna().all()
    assert "two_plus" not in table.columns  # per-area small counts never leave the pipeline
    assert table["area_name"].notna().all()


def test_missing_any_count_says_what_to_ask_for(demo_dataset):
    from dataclasses import replace

    ind = demo_dataset.indicators
    without = replace(demo_dataset, indicators=ind.loc[ind["indicator"] != "known_md_any"])
    with pytest.raises(InputError, match="known to any service"):
        visibility(without, "known_multiple_disadvantage", [DISTANCE_INDICATOR], "lsoa")


def test_demo_ships_the_distance_to_the_nearest_hub_as_context(demo):
    rows = demo.indicators.loc[demo.indicators["indicator"] == DISTANCE_INDICATOR]
    assert (rows["domain"] == "context").all() and rows["count"].isna().all()
    truth = demo.truth.by_lsoa["distance_km"]
    values = rows.set_index("area_code")["value"].reindex(truth.index)
    assert np.allclose(values, truth, atol=0.005)
    assert (values.loc[demo.hubs["area_code"]] == 0).all()  # a hub sits at its LSOA's centroid

"""Tests for meam_mapping.pipeline.run on the synthetic demo.

The demo's truth (people per LSOA, the risk surface) is known, so the
analysis can be checked against it: hot spots and the first-priority focus
zone should sit where the simulator concentrated need. Caseload arithmetic is
checked by hand: coordinators = ceil(people / ratio).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from meam_mapping.disclosure import DisclosurePolicy, is_suppressed, require_suppressed
from meam_mapping.pipeline import AnalysisSettings, run


@pytest.fixture(scope="module")
def results(demo_dataset):
    return run(demo_dataset, AnalysisSettings(), DisclosurePolicy(threshold=5))


@pytest.fixture(scope="module")
def truth_by_msoa(demo, demo_dataset):
    lsoa = demo_dataset.areas["lsoa"].set_index("area_code")
    known = demo.indicators[demo.indicators["indicator"] == "known_multiple_disadvantage"]
    adults = known.set_index("area_code")["denominator"]
    frame = pd.DataFrame(
        {
            "msoa": lsoa["msoa_code"],
            "n_true": demo.truth.n_by_lsoa.reindex(lsoa.index),
            "risk": demo.truth.risk.reindex(lsoa.index),
            "adults": adults.reindex(lsoa.index),
        }
    )
    out = frame.groupby("msoa").agg(n_true=("n_true", "sum"), adults=("adults", "sum"),
                                    risk=("risk", "mean"))  # fmt: skip
    out["rate"] = out["n_true"] / out["adults"]
    return out


def test_every_part_ran_and_every_table_is_suppressed(results):
    assert results.unavailable == {}
    expected = {"indicators", "hidden_by_district", "prevalence_by_district", "index_by_area",
                "hotspots", "small_area", "area_estimates", "focus_zones", "caseload"}  # fmt: skip
    assert set(results.tables) == expected
    for name, table in results.tables.items():
        assert is_suppressed(table), name
        require_suppressed(table, name)


def test_district_intervals_cover_the_truth(results, demo):
    hidden = results.hidden.by_area.set_index("area_code")
    truth = demo.truth.n_by_district.reindex(hidden.index)
    covered = (hidden["ci_low"] <= truth) & (truth <= hidden["ci_high"])
    assert covered.sum() >= 4  # 95% intervals: at most one miss in five districts expected


def test_area_estimates_add_up_to_district_estimates(results):
    people = results.people
    by_district = people.groupby("lad_code")[["estimate", "lower", "upper"]].sum()
    hidden = results.hidden.by_area.set_index("area_code").reindex(by_district.index)
    assert_allclose(by_district["estimate"], hidden["n_hat"])
    # intervals come from the small-area bootstrap: each area's lies around its estimate
    assert (people["lower"] <= people["estimate"]).all() and (
        people["estimate"] <= people["upper"]
    ).all()


def test_hot_spots_sit_where_true_risk_is_high(results, truth_by_msoa):
    hot = results.hotspots.set_index("area_code")["category"]
    risk = truth_by_msoa["risk"].reindex(hot.index)
    assert (hot == "Hot spot").sum() >= 3
    assert risk[hot == "Hot spot"].mean() > 1.5 * risk[hot == "Not significant"].mean()


def test_top_focus_zone_has_more_true_need_than_the_county(results, truth_by_msoa):
    zones = results.zones
    assert (zones["estimate"] >= results.settings.zone_floor - 1e-9).all()
    top = zones.iloc[0]
    assert top["priority"] == 1
    members = top["area_codes"].split(", ")
    rate = truth_by_msoa.loc[members, "n_true"].sum() / truth_by_msoa.loc[members, "adults"].sum()
    county = truth_by_msoa["n_true"].sum() / truth_by_msoa["adults"].sum()
    assert rate > 1.5 * county
    # zones ranked by estimated people per 1,000 adults
    assert zones["rate_per_1000"].is_monotonic_decreasing


def test_caseload_arithmetic(results):
    assert_allclose(results.people["estimate"].sum(), results.headline.n_hat)  # areas add up
    head = results.published_headline()
    total = head["n_hat"]
    for ratio, plan in results.caseload.items():
        assert_allclose(plan.estimate, total)
        # the range is the headline's own 95% interval, not the zone limits added
        assert_allclose([plan.lower, plan.upper], [head["ci_low"], head["ci_high"]])
        people = math.floor(results.settings.reach_share * total + 0.5)
        assert plan.people_to_reach == people
        assert plan.coordinators == math.ceil(people / ratio)
    assert set(results.caseload) == {8, 10}
    assert results.caseload[8].coordinators >= results.caseload[10].coordinators
    shown = results.tables["caseload"].set_index("coordinator_ratio")
    assert int(shown.loc["1:8", "coordinators"]) == results.caseload[8].coordinators


def test_zone_table_rounds_to_ten(results):
    table = results.tables["focus_zones"]
    values = table["estimated_people"].to_numpy(dtype=float)
    assert_allclose(values % 10, 0)
    assert_allclose(values, np.round(results.zones["estimate"].to_numpy() / 10) * 10)


def test_missing_parts_are_reported_not_raised(demo_dataset):
    no_patterns = dataclasses.replace(demo_dataset, patterns=None)
    out = run(no_patterns, AnalysisSettings(permutations=99))
    assert out.unavailable["hidden"].startswith("not available: there is no overlap")
    assert {"zones", "caseload"} <= set(out.unavailable)
    assert out.scores is not None and "index_by_area" in out.tables
    assert "hidden_by_district" not in out.tables


def test_wrong_level_is_an_input_error(demo_dataset):
    from meam_mapping.errors import InputError

    with pytest.raises(InputError, match="no 'custom' areas"):
        run(demo_dataset, AnalysisSettings(level="custom"))

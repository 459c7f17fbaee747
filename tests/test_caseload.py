"""Tests for meam_mapping.caseload.

Worked examples are hand arithmetic: coordinators = ceil(people / ratio), e.g.
85 people -> ceil(85 / 8) = 11 at 1:8 and ceil(85 / 10) = 9 at 1:10.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from numpy.testing import assert_allclose

from meam_mapping.caseload import CaseloadPlan, plan_caseload
from meam_mapping.errors import EstimationError, InputError


def zones() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "zone": ["North", "South", "East", "West"],
            "estimate": [50.0, 30.0, 20.0, 10.0],
            "lower": [40.0, 20.0, 15.0, 5.0],
            "upper": [65.0, 40.0, 30.0, 15.0],
        }
    )


@pytest.mark.parametrize(("ratio", "expected"), [(8, 11), (10, 9)])
def test_85_people_need_11_coordinators_at_1_to_8_and_9_at_1_to_10(ratio, expected):
    est = pd.DataFrame({"area_code": ["E01", "E02"], "estimate": [60.0, 25.0]})
    plan = plan_caseload(est, coordinator_ratio=ratio, reach_share=1.0)
    assert plan.people_to_reach == 85
    assert plan.coordinators == expected


def test_floating_point_dust_does_not_add_a_person():
    # 0.1 x 850 = 85.00000000000001 in floating point: still 85 people, 11 coordinators.
    est = pd.DataFrame({"area_code": ["E01"], "estimate": [850.0]})
    plan = plan_caseload(est, coordinator_ratio=8, reach_share=0.1)
    assert (plan.people_to_reach, plan.coordinators) == (85, 11)


def test_ranges_from_lower_and_upper():
    plan = plan_caseload(zones(), coordinator_ratio=10, reach_share=0.5)
    # totals: 110 (80 to 150); half: 55 (40 to 75); /10 rounded up: 6 (4 to 8).
    assert (plan.estimate, plan.lower, plan.upper) == (110.0, 80.0, 150.0)
    assert (plan.people_to_reach, plan.people_to_reach_lower, plan.people_to_reach_upper) == (
        55,
        40,
        75,
    )
    assert (plan.coordinators, plan.coordinators_lower, plan.coordinators_upper) == (6, 4, 8)
    assert_allclose(plan.share_of_need_covered, 0.5)


def test_first_caseload_zones_greedy_by_estimate():
    plan = plan_caseload(zones(), coordinator_ratio=8, reach_share=0.5)
    # Target 55: North (50) is not enough, North + South (80) is.
    assert list(plan.first_caseload["zone"]) == ["North", "South"]
    assert list(plan.first_caseload["cumulative_estimate"]) == [50.0, 80.0]
    assert_allclose(plan.zones_share_of_need, 80 / 110)
    small = plan_caseload(zones(), coordinator_ratio=8, caseload_size=50)
    assert list(small.first_caseload["zone"]) == ["North"]


def test_areas_are_added_up_by_zone():
    est = pd.DataFrame(
        {
            "area_code": ["a", "b", "c", "d"],
            "zone": ["Z2", "Z1", "Z2", "Z1"],
            "estimate": [10.0, 12.0, 15.0, 1.0],
        }
    )
    plan = plan_caseload(est, coordinator_ratio=8, reach_share=0.4)
    # Z2 = 25, Z1 = 13; total 38, 40% = 15.2 -> 15 people; Z2 alone covers it.
    assert plan.unit == "zone"
    assert plan.people_to_reach == 15
    assert list(plan.first_caseload["zone"]) == ["Z2"]
    assert plan.first_caseload["estimate"].iloc[0] == 25.0
    assert plan.lower == plan.upper == plan.estimate == 38.0


def test_fixed_caseload_size_overrides_reach_share_with_a_warning():
    with pytest.warns(UserWarning, match="reach share was not used"):
        plan = plan_caseload(zones(), coordinator_ratio=8, reach_share=0.9, caseload_size=16)
    assert (plan.people_to_reach, plan.coordinators, plan.reach_share) == (16, 2, None)
    assert plan.people_to_reach_lower == plan.people_to_reach_upper == 16


def test_caseload_larger_than_upper_estimate_is_flagged():
    with pytest.warns(UserWarning, match="more than the upper estimate"):
        plan = plan_caseload(zones(), caseload_size=200)
    assert len(plan.first_caseload) == 4


def test_ratio_outside_8_to_10_warns_but_works():
    with pytest.warns(UserWarning, match="1:15"):
        plan = plan_caseload(zones(), coordinator_ratio=15, reach_share=0.5)
    assert plan.coordinators == 4  # ceil(55 / 15)
    assert plan.warnings


@pytest.mark.parametrize("ratio", [0, 31, 8.5, True, "8"])
def test_bad_ratio_is_refused(ratio):
    with pytest.raises(InputError, match="coordinator_ratio"):
        plan_caseload(zones(), coordinator_ratio=ratio, reach_share=0.5)


def test_reach_share_given_as_a_percentage_gets_a_fix():
    with pytest.raises(InputError, match="For 20% enter 0.2"):
        plan_caseload(zones(), reach_share=20)
    with pytest.raises(InputError, match="no year-one target"):
        plan_caseload(zones())
    with pytest.raises(InputError, match="reach_share"):
        plan_caseload(zones(), reach_share=0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.drop(columns="estimate"), "no estimate"),
        (lambda d: d.iloc[:0], "no rows"),
        (lambda d: d.assign(estimate=[50.0, -1.0, 20.0, 10.0]), "row 3, column 'estimate'"),
        (lambda d: d.assign(lower=[60.0, 20.0, 15.0, 5.0]), "row 2, columns 'lower'"),
        (lambda d: d.rename(columns={"zone": "area_code"}).assign(area_code="X"), "more than"),
    ],
)
def test_bad_tables_are_refused_with_where(change, message):
    with pytest.raises(InputError, match=message):
        plan_caseload(change(zones()), reach_share=0.5)


def test_no_estimated_need_cannot_be_planned():
    with pytest.raises(EstimationError, match="add up to nobody"):
        plan_caseload(zones().assign(estimate=0.0, lower=0.0, upper=0.0), reach_share=0.5)


def test_plan_is_frozen_with_assumptions_and_minutes():
    plan = plan_caseload(zones(), coordinator_ratio=8, reach_share=0.5)
    assert isinstance(plan, CaseloadPlan)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.coordinators = 1  # type: ignore[misc]
    assert len(plan.assumptions) >= 4
    assert all(a.endswith(".") for a in plan.assumptions)
    text = plan.minutes_text()
    for piece in (
        "about 110 people",
        "(range 80 to 150)",
        "about 55 people (range 40 to 75)",
        "one coordinator per 8 people",
        "7 coordinators (range 5 to 10)",
        "2 zones",
        "North, South",
    ):
        assert piece in text

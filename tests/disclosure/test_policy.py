"""Tests for DisclosurePolicy and DisclosureError (meam_mapping.disclosure.policy)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from meam_mapping.disclosure import (
    DEFAULT_POLICY,
    NOT_FOR_SHARING,
    DisclosureError,
    DisclosurePolicy,
)
from meam_mapping.errors import InputError


def test_policy_round_trip_and_validation():
    policy = DisclosurePolicy(threshold=10, round_to=5, secondary=False)
    assert DisclosurePolicy.from_dict(policy.to_dict()) == policy
    as_text = {"threshold": "10", "round_to": "5", "secondary": "False", "suppress_zero": "0"}
    assert DisclosurePolicy.from_dict(as_text) == policy
    assert DisclosurePolicy.from_dict({"round_to": "None"}) == DEFAULT_POLICY
    # dicts stored before the not_for_sharing flag existed still load
    old = {"threshold": 5, "round_to": None, "secondary": True, "suppress_zero": False}
    assert DisclosurePolicy.from_dict(old) == DEFAULT_POLICY
    with pytest.raises(InputError, match="round_to"):
        DisclosurePolicy(round_to=2.5)
    with pytest.raises(InputError, match="unknown disclosure setting"):
        DisclosurePolicy.from_dict({"treshold": 5})


def test_disclosure_error_is_an_input_error():
    with pytest.raises(DisclosureError) as err:
        DisclosurePolicy(secondary="yes")
    assert isinstance(err.value, InputError) and isinstance(err.value, ValueError)
    assert "True or False" in err.value.message


@pytest.mark.parametrize("threshold", [0, -1, -5])
def test_threshold_of_zero_or_below_is_refused(threshold):
    with pytest.raises(DisclosureError, match="threshold") as err:
        DisclosurePolicy(threshold=threshold)
    assert "not_for_sharing" in err.value.message  # says how to get it deliberately


def test_threshold_zero_allowed_when_not_for_sharing_and_labelled():
    policy = DisclosurePolicy(threshold=0, not_for_sharing=True)
    assert policy.label == NOT_FOR_SHARING == "not for sharing"
    assert policy.describe().startswith("NOT FOR SHARING")
    assert not policy.is_small([0, 1, 2, 4]).any()
    assert policy.small_range is None
    assert DisclosurePolicy.from_dict(policy.to_dict()) == policy
    assert DisclosurePolicy.from_dict({"threshold": "0", "not_for_sharing": "true"}) == policy
    with pytest.raises(DisclosureError):
        DisclosurePolicy(threshold=-1, not_for_sharing=True)  # a negative threshold is a typo
    assert DEFAULT_POLICY.label == ""


def test_is_small_and_small_range():
    assert_array_equal(DisclosurePolicy(threshold=10).is_small([0, 3, 9, 10]),
                       [False, True, True, False])  # fmt: skip
    policy = DisclosurePolicy(suppress_zero=True, secondary=False)
    assert_array_equal(policy.is_small([0, 4, 5, np.nan]), [True, True, False, False])
    assert "Zero counts are suppressed too" in policy.describe()
    assert DEFAULT_POLICY.small_range == (1, 4) and policy.small_range == (0, 4)
    assert DisclosurePolicy(threshold=1).small_range is None


def test_describe_states_the_audit_and_honest_labels():
    text = DEFAULT_POLICY.describe()
    assert "1 to 4" in text and "to protect a small number nearby" in text
    assert "next-smallest" not in text  # the old rule, which hid the smallest neighbour
    assert "half" in text
    off = DisclosurePolicy(secondary=False).describe()
    assert "switched off" in off


def test_round():
    policy = DisclosurePolicy(round_to=5)
    assert policy.round([0, 2, 2.5, 7, 13]).tolist() == [0, 0, 5, 5, 15]
    assert DEFAULT_POLICY.round([3.0]).tolist() == [3.0]

"""Tests for rounding and banding of derived outputs (disclosure.rounding)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from meam_mapping.disclosure import DisclosureError, band_scores, round_to_base


def test_round_to_base_halves_up_and_keeps_missing():
    got = round_to_base([0, 2.4, 2.5, 7, 7.5, 12.49, 1234.5, np.nan])
    assert_array_equal(got, [0, 0, 5, 5, 10, 10, 1235, np.nan])
    assert_array_equal(round_to_base([3, 14, 15], base=10), [0, 10, 20])
    s = pd.Series([1.0, 8.0], index=["a", "b"], name="estimate")
    out = round_to_base(s)
    assert out.index.tolist() == ["a", "b"] and out.name == "estimate"
    assert out.tolist() == [0.0, 10.0]


@pytest.mark.parametrize("base", [0, -5, 2.5, True])
def test_round_to_base_refuses_bad_base(base):
    with pytest.raises(DisclosureError, match="rounding base"):
        round_to_base([1.0], base=base)


def test_rounded_estimate_hides_the_difference_a_rate_would_give():
    # zone estimate 103 and area estimates 100: a rate from the rounded zone (105)
    # times adults no longer gives 3 back
    zone, areas = round_to_base([103.0])[0], round_to_base([100.0])[0]
    assert zone - areas in (0.0, 5.0)


def test_band_scores_deciles():
    scores = np.arange(1, 101, dtype=float)
    bands = band_scores(scores)
    assert bands[-1] == 1 and bands[0] == 10  # highest scores in band 1
    assert np.bincount(bands.astype(int))[1:].tolist() == [10] * 10
    low_first = band_scores(scores, bands=5, higher_first=False)
    assert low_first[0] == 1 and low_first[-1] == 5


def test_band_scores_ties_missing_and_series():
    s = pd.Series([3.0, 3.0, 1.0, np.nan, 2.0], index=list("abcde"))
    out = band_scores(s, bands=2)
    assert str(out.dtype) == "Int64" and out.index.tolist() == list("abcde")
    assert out["a"] == out["b"] == 1 and pd.isna(out["d"])
    with pytest.raises(DisclosureError, match="bands"):
        band_scores([1.0, 2.0], bands=1)

"""Tests for pattern-table validation (meam_mapping.estimate.mse.patterns)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from meam_mapping.errors import EstimationError, InputError
from meam_mapping.estimate.mse.patterns import (
    check_estimable,
    detect_lists,
    observable_patterns,
    pattern_counts,
    validate_patterns,
)


def good():
    return pd.DataFrame(
        {"area_code": ["E1"] * 3, "A": [1, 0, 1], "B": [0, 1, 1], "count": [30, 20, 10]}
    )


def test_valid_table_normalised():
    t = validate_patterns(good())
    assert t.lists == ("A", "B") and t.strata == () and t.observed == 60
    assert t.table["count"].dtype == np.int64
    assert t.warnings == ()


def test_detect_lists_skips_count_area_and_strata():
    cols = ["area_code", "sex", "hous", "drug", "count", "band"]
    assert detect_lists(cols, strata=["band"]) == ["hous", "drug"]


def test_text_and_float_values_accepted():
    t = validate_patterns(pd.DataFrame({"A": ["1", "0"], "B": [1.0, 1.0], "count": ["4", "5"]}))
    assert t.table["count"].tolist() == [5, 4]


def test_duplicates_summed_with_warning():
    df = pd.DataFrame({"A": [1, 0, 1, 1], "B": [0, 1, 1, 0], "count": [30, 20, 10, 5]})
    t = validate_patterns(df)
    assert t.observed == 65
    row = t.table[(t.table["A"] == 1) & (t.table["B"] == 0)]
    assert row["count"].item() == 35
    assert "row 5" in t.warnings[0] and "added together" in t.warnings[0]


def test_all_zero_row_with_zero_count_dropped():
    df = pd.DataFrame({"A": [1, 0, 0], "B": [0, 1, 0], "count": [3, 4, 0]})
    assert len(validate_patterns(df).table) == 2


@pytest.mark.parametrize(
    ("change", "match", "row", "column"),
    [
        (lambda d: d.drop(columns="count"), "no 'count' column", None, "count"),
        (lambda d: d.assign(A=[1, 2, 1]), "other than 0 and 1", 3, "A"),
        (lambda d: d.assign(B=["0", "yes", "1"]), "other than 0 and 1", 3, "B"),
        (lambda d: d.assign(count=[30, -1, 10]), "negative", 3, "count"),
        (lambda d: d.assign(count=[30, 2.5, 10]), "whole number", 3, "count"),
        (lambda d: d.assign(count=[30, None, 10]), "blank", 3, "count"),
        (lambda d: d.assign(A=[0, 0, 1], B=[0, 1, 1]), "none of the lists", 2, ["A", "B"]),
        (lambda d: d.drop(columns="B"), "at least two lists", None, None),
    ],
)
def test_bad_input(change, match, row, column):
    with pytest.raises(InputError, match=match) as info:
        validate_patterns(change(good()), file="p.csv")
    err = info.value
    assert err.file == "p.csv"
    assert err.row == row
    if column is not None:
        assert err.column == column


def test_not_a_frame_and_empty():
    with pytest.raises(InputError, match="not a table"):
        validate_patterns([[1, 0, 3]])
    with pytest.raises(InputError, match="no rows"):
        validate_patterns(good().iloc[:0])


def test_named_lists_and_strata_checked():
    with pytest.raises(InputError, match=r"list column\(s\) 'Z' are not in the overlap table"):
        validate_patterns(good(), lists=["A", "Z"])
    with pytest.raises(InputError, match="stratum"):
        validate_patterns(good(), strata=["sex"])
    with pytest.raises(InputError, match="twice"):
        validate_patterns(good(), lists=["A", "A"])
    extra = good().assign(sex=["f", "m", "f"])
    assert validate_patterns(extra).lists == ("A", "B")
    other = good().assign(band=["16-24", "25-34", "16-24"])
    with pytest.raises(InputError, match="--by band"):  # names the option that exists
        validate_patterns(other)
    assert validate_patterns(other, strata=["band"]).strata == ("band",)


def test_pattern_counts_order():
    df = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [30, 20, 10]})
    assert_array_equal(observable_patterns(2), [[0, 1], [1, 0], [1, 1]])
    assert_array_equal(pattern_counts(df, ["A", "B"]), [20, 30, 10])
    assert observable_patterns(4).shape == (15, 4)


def test_check_estimable():
    ok = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [30, 20, 10]})
    assert check_estimable(ok, ["A", "B"]) == []
    nobody = ok.assign(count=[0, 0, 0])
    with pytest.raises(EstimationError, match="nobody was seen"):
        check_estimable(nobody, ["A", "B"])
    nested = pd.DataFrame({"A": [1, 0], "B": [1, 1], "count": [5, 9]})
    with pytest.raises(EstimationError, match="lies inside"):
        check_estimable(nested, ["A", "B"])

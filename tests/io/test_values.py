"""Tests for meam_mapping.io.values: numbers, suppression markers and units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from meam_mapping.errors import InputError
from meam_mapping.io.values import (
    SUPPRESSION_MARKERS,
    UNITS,
    guess_unit,
    normalize_unit,
    parse_numbers,
)

MARKERS = ["*", "c", "x", "..", "-", "[c]", "[x]", ":", "C", "X", "[C]", "<5", "< 10"]


def test_numbers_with_thousands_commas_and_signs():
    p = parse_numbers(pd.Series(["1,234", "12", "-3.5", " 7 ", "1,234,567.5", "0"]), column="n")
    assert_allclose(p.values, [1234, 12, -3.5, 7, 1234567.5, 0])
    assert not p.suppressed.any()
    assert not p.missing.any()


@pytest.mark.parametrize("marker", MARKERS)
def test_every_suppression_marker_is_unknown_not_zero(marker):
    p = parse_numbers(pd.Series(["4", marker]), column="count")
    assert np.isnan(p.values.iloc[1])
    assert p.suppressed.tolist() == [False, True]
    assert p.values.iloc[1] != 0


def test_brief_markers_are_all_listed():
    assert {"*", "c", "x", "..", "-", "[c]", "[x]", ":"} <= SUPPRESSION_MARKERS


def test_blank_and_na_are_missing_not_suppressed():
    p = parse_numbers(pd.Series(["", "n/a", "NA", "5"]), column="count")
    assert p.missing.tolist() == [True, True, True, False]
    assert not p.suppressed.any()
    assert p.values.isna().sum() == 3


def test_junk_is_reported_with_spreadsheet_rows():
    cells = pd.Series(["5", "five", "6", "1,5", "inf"])
    with pytest.raises(InputError) as err:
        parse_numbers(cells, column="count", file="a.csv")
    assert err.value.row == [3, 5, 6]
    assert err.value.column == "count"
    assert "'five'" in err.value.message and "row 3" in err.value.message
    assert err.value.file == "a.csv"


def test_junk_rows_follow_given_row_numbers():
    with pytest.raises(InputError) as err:
        parse_numbers(pd.Series(["oops"]), column="value", rows=[17])
    assert err.value.row == [17]


@pytest.mark.parametrize(
    ("name", "values", "unit"),
    [
        ("Rate per 1,000 adults", None, "per_1000"),
        ("Admissions per 100,000 population", None, "per_100000"),
        ("Under 18s conception rate / 1,000", None, "per_1000"),
        ("Adults in treatment (%)", None, "percent"),
        ("Proportion of adults", [0.1, 0.4], "proportion"),
        ("Proportion of adults", [12.0, 40.0], "percent"),
        ("IMD 2019 score", None, "score"),
        ("Standardised admission ratio", None, "ratio"),
        ("homeless_households", [0.0, 3.0, 12.0], "count"),
        ("homeless_households", [0.5, 3.0], "other"),
        ("Admissions 2019/20", [0.5], "other"),
    ],
)
def test_guess_unit(name, values, unit):
    series = None if values is None else pd.Series(values)
    assert guess_unit(name, series) == unit
    assert unit in UNITS


@pytest.mark.parametrize(
    ("text", "unit"),
    [("per_1000", "per_1000"), ("Per 1,000", "per_1000"), ("%", "percent"), ("Number", "count")],
)
def test_normalize_unit(text, unit):
    assert normalize_unit(text) == unit


def test_normalize_unit_unknown_is_none():
    assert normalize_unit("bananas") is None

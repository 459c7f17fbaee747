"""Tests for meam_mapping.io.validate: the indicator table contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from meam_mapping.errors import InputError
from meam_mapping.io.validate import (
    INDICATOR_SCHEMA,
    check_area_codes,
    row_numbers,
    validate_indicator_table,
)
from meam_mapping.schema import INDICATOR_COLUMNS


def good_table(n: int = 4, **overrides) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "area_code": [f"E0100000{i}" for i in range(1, n + 1)],
            "indicator": "homelessness_duty_owed",
            "domain": "homelessness",
            "period": "2023/24",
            "count": [float(i) for i in range(n)],
            "denominator": 1000.0,
            "value": [float(i) for i in range(n)],
            "unit": "per_1000",
            "unit_label": "per 1,000 adults",
            "kind": "rate",
            "polarity": "higher_is_worse",
            "source": "council",
            "suppressed": False,
        }
    )
    for k, v in overrides.items():
        table[k] = v
    return table


def test_good_table_passes_ours_and_pandera():
    assert validate_indicator_table(good_table()) == []
    INDICATOR_SCHEMA.validate(good_table())


def test_missing_columns_are_listed_with_columns_found():
    table = good_table().drop(columns=["period", "unit"])
    with pytest.raises(InputError) as err:
        validate_indicator_table(table, file="t.csv")
    assert err.value.column == ["period", "unit"]
    assert "'count'" in err.value.expected  # lists what was found
    assert err.value.file == "t.csv"


def test_malformed_codes_named_with_rows():
    codes = ["E01000001", "E0100002", "E01000003", "e01000004", "E01000005"]
    table = good_table(5, area_code=codes)
    with pytest.raises(InputError) as err:
        validate_indicator_table(table, file="t.csv")
    assert err.value.row == [3, 5]
    assert err.value.column == "area_code"
    assert "row 3: 'E0100002'" in err.value.message
    assert "eight digits" in err.value.expected


def test_rows_come_from_row_column_when_present():
    table = good_table(3, area_code=["E01000001", "E01000002", "E0100003X"], _row=[10, 11, 12])
    with pytest.raises(InputError) as err:
        validate_indicator_table(table)
    assert err.value.row == [12]


def test_custom_ids_are_allowed_with_a_note():
    notes = check_area_codes(pd.Series(["Zone A", "Zone B", "E01000001"]))
    assert notes and "custom area ids" in notes[0]


def test_blank_area_code_raises():
    with pytest.raises(InputError, match="no area code") as err:
        check_area_codes(pd.Series(["E01000001", " "]))
    assert err.value.row == [3]


def test_duplicate_area_indicator_period_rows():
    table = good_table(3, area_code=["E01000001", "E01000002", "E01000001"])
    with pytest.raises(InputError, match="repeat") as err:
        validate_indicator_table(table)
    assert err.value.row == [2, 4]


def test_same_area_in_two_periods_is_not_a_duplicate():
    table = good_table(2, area_code=["E01000001", "E01000001"], period=["2022", "2023"])
    assert validate_indicator_table(table) == []


@pytest.mark.parametrize(
    ("count", "problem"),
    [(-1.0, "negative"), (2.5, "not whole numbers"), (1001.0, "larger than their denominator")],
)
def test_bad_counts(count, problem):
    table = good_table(unit="count")
    table.loc[2, "count"] = count
    with pytest.raises(InputError, match=problem) as err:
        validate_indicator_table(table)
    assert err.value.row == [4]
    assert err.value.column == "count"


def test_non_integer_counts_allowed_for_modelled_sources():
    table = good_table()
    table.loc[1, "count"] = 2.5
    assert validate_indicator_table(table, integer_counts=False) == []


@pytest.mark.parametrize("unit", ["count", "percent", "proportion"])
def test_count_above_denominator_is_an_error_for_people_units(unit):
    table = good_table(unit=unit, denominator=2.0)
    with pytest.raises(InputError, match="larger than their denominator"):
        validate_indicator_table(table)


@pytest.mark.parametrize("unit", ["per_1000", "per_100000"])
def test_count_above_denominator_is_only_noted_for_event_rates(unit):
    table = good_table(unit=unit, denominator=2.0)
    notes = validate_indicator_table(table)
    assert any("larger than their denominator" in n for n in notes)


@pytest.mark.parametrize("unit", ["per_1000", "count", "percent"])
def test_a_count_over_a_denominator_of_zero_names_its_rows(unit):
    """An export that wrote blank populations as 0: every rate would be missing, with no reason given."""
    table = good_table(unit=unit)
    table.loc[[1, 3], "denominator"] = 0.0
    with pytest.raises(InputError, match="2 count\\(s\\) above 0 have a denominator of 0") as err:
        validate_indicator_table(table)
    assert err.value.row == [3, 5] and err.value.column == "denominator"
    table.loc[[1, 3], "count"] = 0.0  # none counted in none: no rate, and nothing wrong
    validate_indicator_table(table)


def test_count_above_denominator_not_checked_for_scores():
    assert validate_indicator_table(good_table(unit="score", denominator=2.0)) == []


def test_negative_denominator():
    table = good_table()
    table.loc[0, "denominator"] = -5.0
    with pytest.raises(InputError, match="denominator") as err:
        validate_indicator_table(table)
    assert err.value.row == [2]


def test_suppressed_rows_keep_count_unknown():
    table = good_table()
    table.loc[1, "suppressed"] = True
    with pytest.raises(InputError, match="suppressed but have a count"):
        validate_indicator_table(table)
    table.loc[1, "count"] = np.nan
    assert validate_indicator_table(table) == []


@pytest.mark.parametrize(
    ("column", "bad", "listed"),
    [
        ("domain", "housing", "homelessness"),
        ("unit", "per_day", "per_1000"),
        ("unit", "per 1,000 adults", "per_1000"),  # wording belongs in unit_label
        ("kind", "median", "decile"),
        ("polarity", "bad", "lower_is_worse"),
    ],
)
def test_unknown_domain_unit_kind_polarity_lists_allowed(column, bad, listed):
    table = good_table()
    table.loc[3, column] = bad
    with pytest.raises(InputError, match=bad) as err:
        validate_indicator_table(table)
    assert err.value.row == [5]
    assert listed in err.value.expected


def test_any_per_n_code_is_a_unit_code():
    assert validate_indicator_table(good_table(unit="per_10000")) == []


def test_pandera_guard_turns_type_errors_into_input_errors():
    table = good_table()
    table["suppressed"] = ["no", "no", "no", "no"]
    with pytest.raises(InputError, match="indicator table format") as err:
        validate_indicator_table(table)
    assert err.value.column == "suppressed"


def test_row_numbers_default_to_position_plus_two():
    assert row_numbers(good_table(3)).tolist() == [2, 3, 4]
    assert list(INDICATOR_COLUMNS) == list(good_table().columns)

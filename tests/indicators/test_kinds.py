"""Kinds and polarity inferred from headings, units and data (issue 15 item 1)."""

from __future__ import annotations

import pandas as pd
import pytest

from meam_mapping.errors import InputError
from meam_mapping.indicators.kinds import (
    KINDS,
    POLARITIES,
    SUMMABLE_KINDS,
    check_kind,
    check_polarity,
    infer_kind,
)
from meam_mapping.indicators.table import fill_vocabulary, readable_name


@pytest.mark.parametrize(
    ("heading", "unit", "has_count", "has_den", "expected"),
    [
        # English Indices of Deprivation 2019, headings as published (File 1, 2, 6).
        (
            "Index of Multiple Deprivation (IMD) Rank",
            None,
            False,
            False,
            ("rank", "lower_is_worse"),
        ),
        (
            "Index of Multiple Deprivation (IMD) Decile",
            None,
            False,
            False,
            ("decile", "lower_is_worse"),
        ),
        (
            "Income Decile (where 1 is most deprived 10% of LSOAs)",
            None,
            False,
            False,
            ("decile", "lower_is_worse"),
        ),
        ("IMD quintile (1 is least deprived)", None, False, False, ("quintile", "higher_is_worse")),
        (
            "Index of Multiple Deprivation (IMD) Score",
            "score",
            False,
            False,
            ("score", "higher_is_worse"),
        ),
        (
            "Total population: mid 2015 (excluding prisoners)",
            "count",
            True,
            False,
            ("count", "neutral"),
        ),
        ("homelessness_duty_owed", "per_1000", True, True, ("rate", "higher_is_worse")),
        ("Adults in treatment", "%", True, True, ("proportion", "higher_is_worse")),
        ("Admissions per 1,000 population", "per 1,000", True, True, ("rate", "higher_is_worse")),
        ("homeless_households", "count", True, False, ("count", "higher_is_worse")),
        ("Mean age", "other", False, False, ("score", "neutral")),
        ("Rural urban classification", None, False, False, ("category", "neutral")),
        ("anything", None, True, True, ("rate", "higher_is_worse")),
    ],
)
def test_inferred_from_heading_unit_and_data(heading, unit, has_count, has_den, expected):
    assert infer_kind(heading, unit, has_count=has_count, has_denominator=has_den) == expected


def test_vocabularies():
    assert set(KINDS) == {
        "count",
        "rate",
        "proportion",
        "score",
        "rank",
        "decile",
        "quintile",
        "category",
    }
    assert set(POLARITIES) == {"higher_is_worse", "lower_is_worse", "neutral"}
    assert SUMMABLE_KINDS == {"count", "rate", "proportion"}


def test_given_kind_and_polarity_are_normalised_or_refused_with_rows():
    assert check_kind(pd.Series(["Rank", "", "decile"])).tolist() == ["rank", "", "decile"]
    assert check_polarity(pd.Series(["Higher is worse"])).tolist() == ["higher_is_worse"]
    with pytest.raises(InputError) as err:
        check_kind(pd.Series(["rate", "median"]), file="x.csv")
    assert "median" in err.value.message and "x.csv" in err.value.message
    assert err.value.row == [3]


def test_readable_name():
    assert readable_name("homelessness_duty_owed") == "Homelessness duty owed"
    assert readable_name("") == "Unnamed indicator"


def _demo_like() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": ["E01000001", "E01000002", "E01000001", "E01000002"],
            "indicator": ["homelessness_duty_owed"] * 2 + ["deprivation_score"] * 2,
            "count": [3.0, 4.0, None, None],
            "denominator": [1000.0, 1200.0, None, None],
            "unit": ["per 1,000 adults", "per 1,000 adults", "score", "score"],
            "suppressed": [False] * 4,
        }
    )


def test_fill_vocabulary_defaults_for_existing_data():
    out = fill_vocabulary(_demo_like())
    first = out.iloc[0]
    assert first["indicator_name"] == "Homelessness duty owed"
    assert (first["unit"], first["unit_label"]) == ("per_1000", "per 1,000 adults")
    assert (first["kind"], first["polarity"]) == ("rate", "higher_is_worse")
    last = out.iloc[-1]
    assert (last["unit"], last["kind"], last["polarity"]) == ("score", "score", "higher_is_worse")
    assert not out["indicator_name"].isin(["nan", ""]).any()


def test_fill_vocabulary_keeps_what_is_given_and_is_idempotent():
    table = _demo_like().assign(
        indicator_name=["Owed a duty", None, "Score", "nan"],
        kind=["", "", "decile", ""],
        polarity=["", "", "lower_is_worse", ""],
    )
    out = fill_vocabulary(table)
    assert out["indicator_name"].tolist() == [
        "Owed a duty",
        "Homelessness duty owed",
        "Score",
        "Deprivation score",
    ]
    assert out["kind"].tolist() == ["rate", "rate", "decile", "score"]
    assert out["polarity"].iloc[2] == "lower_is_worse"
    assert fill_vocabulary(out) is out


def test_fill_vocabulary_refuses_unknown_unit_with_rows():
    table = _demo_like()
    table.loc[3, "unit"] = "per fortnight"
    with pytest.raises(InputError) as err:
        fill_vocabulary(table, file="mine.csv", unit_column="Units")
    assert err.value.row == [5]
    assert "per fortnight" in err.value.message and "mine.csv" in err.value.message


def test_deprivation_file_headings_give_kinds_at_load():
    # Headings as in the English Indices of Deprivation 2019, File 1 and File 6
    # (values made up; numbers written with thousands commas as published).
    from meam_mapping.io.indicators import load_indicator_file

    data = (
        b"area_code,Index of Multiple Deprivation (IMD) Rank,"
        b"Index of Multiple Deprivation (IMD) Decile,Index of Multiple Deprivation (IMD) Score,"
        b"Total population: mid 2015 (excluding prisoners)\n"
        b'E01000001,"29,199",9,6.2,"1,296"\n'
        b'E01000002,"30,379",10,5.1,"1,156"\n'
        b'E01000003,"14,915",5,19.4,"1,350"\n'
    )
    table = load_indicator_file(data, name="File_1_IMD2019.csv").table
    kinds = table.drop_duplicates("indicator").set_index("indicator")[
        ["kind", "polarity", "unit", "indicator_name"]
    ]
    rank = kinds.loc["index_of_multiple_deprivation_imd_rank"]
    assert (rank["kind"], rank["polarity"], rank["unit"]) == ("rank", "lower_is_worse", "rank")
    decile = kinds.loc["index_of_multiple_deprivation_imd_decile"]
    assert (decile["kind"], decile["polarity"]) == ("decile", "lower_is_worse")
    score = kinds.loc["index_of_multiple_deprivation_imd_score"]
    assert (score["kind"], score["polarity"]) == ("score", "higher_is_worse")
    population = kinds.loc["total_population_mid_2015_excluding_prisoners"]
    assert (population["kind"], population["polarity"]) == ("count", "neutral")
    assert population["indicator_name"] == "Total population: mid 2015 (excluding prisoners)"
    ranks = table[table["kind"] == "rank"]
    assert ranks["count"].isna().all() and ranks["value"].tolist() == [29199.0, 30379.0, 14915.0]


def test_kind_and_polarity_columns_of_a_tidy_file_are_kept_or_refused():
    from meam_mapping.io.indicators import load_indicator_file

    good = (
        b"area_code,indicator,value,kind,polarity\n"
        b"E01000001,wellbeing,7.1,score,lower_is_worse\n"
        b"E01000002,wellbeing,6.4,score,lower_is_worse\n"
    )
    table = load_indicator_file(good, name="w.csv").table
    assert set(table["kind"]) == {"score"} and set(table["polarity"]) == {"lower_is_worse"}
    bad = good.replace(b"lower_is_worse\nE01000002", b"sideways\nE01000002")
    with pytest.raises(InputError) as err:
        load_indicator_file(bad, name="w.csv")
    assert err.value.row == [2] and "sideways" in err.value.message and "w.csv" in err.value.message

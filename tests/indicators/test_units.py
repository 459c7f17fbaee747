"""The one unit vocabulary: codes and wording read alike, unknown units refused."""

from __future__ import annotations

import pytest

from meam_mapping.errors import InputError
from meam_mapping.indicators.units import Unit, parse_unit, rate_unit, unit_code


@pytest.mark.parametrize(
    ("text", "code", "multiplier", "label"),
    [
        ("per_1000", "per_1000", 1000, "per 1,000"),
        ("per 1,000", "per_1000", 1000, "per 1,000"),
        ("per 1,000 adults", "per_1000", 1000, "per 1,000 adults"),
        ("Per 1000 population", "per_1000", 1000, "Per 1000 population"),
        ("per 100,000", "per_100000", 100000, "per 100,000"),
        ("rate per 10,000 population", "per_10000", 10000, "rate per 10,000 population"),
        ("Crude rate per 100,000", "per_100000", 100000, "Crude rate per 100,000"),
        ("DSR per 100k", "per_100000", 100000, "DSR per 100k"),
        ("/1,000", "per_1000", 1000, "/1,000"),
        ("per thousand", "per_1000", 1000, "per thousand"),
        ("per_100000", "per_100000", 100000, "per 100,000"),
        ("%", "percent", 100, "%"),
        ("percent", "percent", 100, "%"),
        ("Percentage", "percent", 100, "Percentage"),
        ("per cent", "percent", 100, "per cent"),
        ("% of adults", "percent", 100, "% of adults"),
        ("per 100", "percent", 100, "per 100"),
        ("proportion", "proportion", 1, "proportion"),
        ("Proportion of households", "proportion", 1, "Proportion of households"),
        ("count", "count", None, "count"),
        ("Number", "count", None, "Number"),
        ("people", "count", None, "people"),
        ("score", "score", None, "score"),
        ("IMD score", "score", None, "IMD score"),
        ("ratio", "ratio", None, "ratio"),
        ("rank", "rank", None, "rank"),
        ("Decile", "decile", None, "decile"),
        ("years", "other", None, "years"),
        ("other", "other", None, "value"),
    ],
)
def test_codes_and_wording_are_read_alike(text, code, multiplier, label):
    unit = parse_unit(text)
    assert (unit.code, unit.multiplier, unit.label) == (code, multiplier, label)


def test_flags():
    assert parse_unit("%").is_percent and parse_unit("%").is_proportion
    assert parse_unit("proportion").is_proportion and not parse_unit("proportion").is_percent
    assert parse_unit("per 1,000").is_rate and not parse_unit("per 1,000").is_proportion
    assert parse_unit("count").is_count and not parse_unit("count").is_rate
    assert parse_unit("decile").is_value_only and not parse_unit("count").is_value_only


def test_a_code_and_its_wording_agree_on_the_computation():
    assert parse_unit("per_1000").code == parse_unit("per 1,000 adults").code
    assert (
        parse_unit("per_1000").rate(25, 5000)
        == parse_unit("per 1,000 adults").rate(25, 5000)
        == 5.0
    )


@pytest.mark.parametrize("blank", ["", "  ", None, float("nan")])
def test_empty_gives_the_default(blank):
    assert parse_unit(blank).code == "per_1000"
    assert parse_unit(blank, default="count").code == "count"
    with pytest.raises(InputError, match="no unit"):
        parse_unit(blank, default=None)


@pytest.mark.parametrize("text", ["per fortnight", "bananas", "per 0", "per 1.5", "kg"])
def test_unknown_units_are_refused_listing_the_forms(text):
    with pytest.raises(InputError) as err:
        parse_unit(text, file="t.csv", row=4, column="Units")
    message = err.value.message
    assert repr(text) in message and "'per 1,000'" in message and "'proportion'" in message
    assert "t.csv" in message and "4" in message and "Units" in message


def test_rate_unit_refuses_counts_and_scores():
    assert rate_unit("per 1,000 adults").multiplier == 1000
    for text in ("count", "score", "rank"):
        with pytest.raises(InputError, match="not a rate"):
            rate_unit(text)


def test_unit_passes_through_and_code_helper():
    unit = Unit("per_1000", "per 1,000 adults", 1000)
    assert parse_unit(unit) is unit
    assert unit_code("rate per 100,000 population") == "per_100000"


def test_prevalence_module_re_exports_the_same_objects():
    import importlib

    prevalence = importlib.import_module("meam_mapping.estimate.prevalence")

    assert prevalence.parse_unit is parse_unit and prevalence.Unit is Unit

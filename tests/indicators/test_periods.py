"""Periods sort as time, not as text (issue 18 item 7)."""

from __future__ import annotations

from datetime import date

import pytest

from meam_mapping.indicators.periods import latest_period, parse_period, period_key, sort_periods


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2023/24", date(2023, 4, 1), date(2024, 3, 31)),
        ("2023-24", date(2023, 4, 1), date(2024, 3, 31)),
        ("2023/2024", date(2023, 4, 1), date(2024, 3, 31)),
        ("FY2023/24", date(2023, 4, 1), date(2024, 3, 31)),
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("Q4 2024", date(2024, 10, 1), date(2024, 12, 31)),
        ("2024 Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024Q2", date(2024, 4, 1), date(2024, 6, 30)),
        ("2024/25 Q1", date(2024, 4, 1), date(2024, 6, 30)),
        ("Q4 2024/25", date(2025, 1, 1), date(2025, 3, 31)),
        ("Jan 2025", date(2025, 1, 1), date(2025, 1, 31)),
        ("February 2024", date(2024, 2, 1), date(2024, 2, 29)),
        ("2025-01", date(2025, 1, 1), date(2025, 1, 31)),
        ("Jan-Mar 2024", date(2024, 1, 1), date(2024, 3, 31)),
        ("October to December 2023", date(2023, 10, 1), date(2023, 12, 31)),
        ("Oct 2024 to Mar 2025", date(2024, 10, 1), date(2025, 3, 31)),
        ("Nov-Jan 2025", date(2024, 11, 1), date(2025, 1, 31)),
        ("2025-01-31", date(2025, 1, 31), date(2025, 1, 31)),
        ("31/01/2025", date(2025, 1, 31), date(2025, 1, 31)),
        ("2019 - 21", date(2019, 1, 1), date(2021, 12, 31)),
        ("2017/18 - 19/20", date(2017, 4, 1), date(2020, 3, 31)),
    ],
)
def test_forms_read_as_spans(text, start, end):
    period = parse_period(text)
    assert period is not None and (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["unspecified", "latest", "2023/25", "Q5 2024", "2025-13", ""])
def test_unknown_text_is_not_a_period(text):
    assert parse_period(text) is None


def test_quarters_and_years_sort_as_time_not_text():
    assert sort_periods(["Q1 2025", "Q4 2024"]) == ["Q4 2024", "Q1 2025"]
    assert sort_periods(["2024/25", "2023/24"]) == ["2023/24", "2024/25"]
    assert sort_periods(["Jan 2025", "Dec 2024", "Feb 2024"]) == [
        "Feb 2024",
        "Dec 2024",
        "Jan 2025",
    ]
    assert sort_periods(["2024 Q1", "2023 Q4", "2023 Q10"]) == ["2023 Q4", "2024 Q1", "2023 Q10"]
    # Text sorting gets these wrong: the test must fail for a plain sorted().
    assert sorted(["Q1 2025", "Q4 2024"]) != sort_periods(["Q1 2025", "Q4 2024"])


def test_unknown_after_known_in_the_order_given():
    values = ["zeta", "2024", "alpha", "2023", "2024"]
    assert sort_periods(values) == ["2023", "2024", "zeta", "alpha"]
    assert sort_periods(values, unique=False) == ["2023", "2024", "2024", "zeta", "alpha"]
    assert period_key("zeta") == period_key("alpha") > period_key("2099")


def test_latest_period():
    assert latest_period(["Q4 2024", "Q1 2025", "unspecified"]) == "Q1 2025"
    assert latest_period(["2023/24", "2024/25"]) == "2024/25"
    assert latest_period(["unspecified"]) == "unspecified"
    with pytest.raises(ValueError):
        latest_period([])

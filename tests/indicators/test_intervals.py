"""One implementation of the intervals, equal to PHStatsMethods."""

from __future__ import annotations

import numpy as np
import PHStatsMethods as phs
import pytest
from numpy.testing import assert_allclose
from scipy.stats import chi2

from meam_mapping.errors import InputError
from meam_mapping.indicators.intervals import (
    BYAR_MIN_COUNT,
    count_interval,
    methods_used,
    rate_limits,
    resolve_method,
)
from meam_mapping.indicators.units import parse_unit


def test_byar_above_ten_equals_phstatsmethods():
    counts = np.array([10.0, 25.0, 133.0, 1000.0])
    lower, upper = count_interval(counts, method="byar")
    assert_allclose(lower, [phs.byars_lower(c, 0.95) for c in counts])
    assert_allclose(upper, [phs.byars_upper(c, 0.95) for c in counts])


def test_exact_poisson_below_ten_from_chi_squared():
    # Exact Poisson limits (Armitage & Berry 2002): chi2(a/2, 2x)/2, chi2(1-a/2, 2x+2)/2.
    counts = np.arange(0.0, BYAR_MIN_COUNT)
    lower, upper = count_interval(counts, method="byar")
    expected_lower = np.where(counts == 0, 0.0, chi2.ppf(0.025, 2 * counts) / 2)
    assert_allclose(lower, expected_lower, rtol=1e-6)
    assert_allclose(upper, chi2.ppf(0.975, 2 * counts + 2) / 2, rtol=1e-6)
    exact_lower, exact_upper = count_interval(counts, method="exact")
    assert_allclose(exact_lower, lower) and assert_allclose(exact_upper, upper)


def test_unknown_counts_stay_unknown():
    lower, upper = count_interval([np.nan, 12.0])
    assert np.isnan(lower[0]) and np.isnan(upper[0]) and np.isfinite(lower[1])


def test_rate_limits_scale_by_denominator_and_multiplier():
    # 25 of 5,000 per 1,000: the worked example in tests/estimate/test_prevalence.py.
    lower, upper = rate_limits(np.array([25.0]), np.array([5000.0]), method="byar", multiplier=1000)
    assert_allclose([lower[0], upper[0]], [3.23485, 7.38129], atol=1e-4)
    low, high = rate_limits(np.array([5.0]), np.array([100.0]), method="wilson", multiplier=100)
    assert_allclose(
        [low[0], high[0]],
        [100 * phs.wilson_lower(5, 100, 0.95), 100 * phs.wilson_upper(5, 100, 0.95)],
    )


def test_methods_and_errors():
    assert resolve_method("auto", parse_unit("%")) == "wilson"
    assert resolve_method("auto", parse_unit("per 1,000")) == "byar"
    with pytest.raises(InputError, match="'exact'"):
        resolve_method("clopper")
    with pytest.raises(InputError, match="confidence"):
        count_interval([3.0], confidence=1.5)
    used = methods_used("byar", np.array([3.0, 30.0, np.nan]), np.array([True, True, False]))
    assert used.tolist() == ["exact", "byar", None]


def test_domain_rates_use_the_same_intervals():
    import pandas as pd

    from meam_mapping.indicators.rates import domain_rates

    table = pd.DataFrame(
        {
            "area_code": ["A", "B"],
            "indicator": ["h", "h"],
            "domain": ["homelessness"] * 2,
            "count": [4.0, 40.0],
            "denominator": [1000.0, 1000.0],
        }
    )
    wide = domain_rates(table)
    lower, upper = count_interval(np.array([4.0, 40.0]))
    assert_allclose(wide["homelessness_lower"].to_numpy(), lower / 1000)
    assert_allclose(wide["homelessness_upper"].to_numpy(), upper / 1000)


def test_limits_worked_out_per_distinct_value_equal_row_by_row():
    """Repeated counts and denominators give the same limits as computing every row alone."""
    from meam_mapping.indicators.intervals import count_interval, rate_limits

    rng = np.random.default_rng(3)
    counts = rng.integers(0, 40, 500).astype(float)
    dens = rng.choice([900.0, 1500.0, 2000.0], 500)
    counts[[3, 7]] = np.nan
    dens[11] = 0.0
    for method in ("byar", "exact", "wilson"):
        low, high = rate_limits(counts, dens, method=method, multiplier=1000.0)
        for i in (0, 3, 11, 42, 499):
            one_low, one_high = rate_limits(counts[i : i + 1], dens[i : i + 1], method=method,
                                            multiplier=1000.0)  # fmt: skip
            np.testing.assert_array_equal([low[i], high[i]], [one_low[0], one_high[0]])
    low, high = count_interval(counts, method="exact")
    one_low, one_high = count_interval(counts[42:43], method="exact")
    assert (low[42], high[42]) == (one_low[0], one_high[0]) and np.isnan(low[3])


def test_poisson_rate_limits_are_phstatsmethods_row_by_row_exactly():
    """Limits worked out per distinct count, then divided by each denominator, equal
    PHStatsMethods called on every row (the same floating-point operations, so exactly)."""
    rng = np.random.default_rng(18)
    n = 2_000
    counts = rng.poisson(rng.choice([0.4, 3.0, 8.0, 14.0, 70.0], n)).astype(float)
    dens = rng.integers(40, 250_000, n).astype(float)
    counts[::37], dens[::41] = np.nan, 0.0
    for confidence in (0.95, 0.998):
        for method in ("byar", "exact"):
            low, high = rate_limits(counts, dens, method=method, confidence=confidence,
                                    multiplier=1000.0)  # fmt: skip
            want_low, want_high = np.full(n, np.nan), np.full(n, np.nan)
            for i in np.flatnonzero(np.isfinite(counts) & (dens > 0)):
                c = counts[i]
                if method == "byar" and c >= BYAR_MIN_COUNT:
                    lo, hi = phs.byars_lower(c, confidence), phs.byars_upper(c, confidence)
                else:
                    lo = 0.0 if c == 0 else phs.exact_lower(c, confidence)
                    hi = phs.exact_upper(c, confidence)
                want_low[i] = float(lo) / dens[i] * 1000.0
                want_high[i] = float(hi) / dens[i] * 1000.0
            np.testing.assert_array_equal(low, want_low)
            np.testing.assert_array_equal(high, want_high)

"""Overdispersed funnel limits (meam_mapping.estimate.overdispersion).

Formulas: Spiegelhalter (2005), Statistics in Medicine 24, 1185-1202, section
3.4, and Quality and Safety in Health Care 14, 347-351: winsorised Pearson
z-scores, phi = mean(z_w^2), DerSimonian-Laird tau^2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from meam_mapping.errors import InputError
from meam_mapping.estimate.funnel import funnel_flags
from meam_mapping.estimate.overdispersion import (
    estimate_overdispersion,
    overdispersed_flags,
    overdispersed_limits,
)

# Worked by hand: ten areas of 1,000 people, 100 events in all (benchmark
# 0.01 per person, expected 10 each, Poisson s.d. sqrt(10)). Deviations
# -8 -5 -3 -1 0 0 1 3 5 8; the 10th and 90th percentiles (linear
# interpolation) are -5.3 and 5.3, so the winsorised squared deviations sum to
# 2 * 5.3^2 + 2 * 25 + 2 * 9 + 2 * 1 = 126.18 and
# phi = 126.18 / 10 / 10 = 1.2618. With w_i = 1000 / 0.01 = 1e5:
# tau^2 = (10 * 1.2618 - 9) / (1e6 - 1e5) = 3.618 / 9e5.
COUNTS = np.array([2, 5, 7, 9, 10, 10, 11, 13, 15, 18], dtype=float)
DENOMINATORS = np.full(10, 1000.0)


def test_hand_worked_phi_and_tau2():
    d = estimate_overdispersion(COUNTS, DENOMINATORS, kind="rate")
    assert_allclose(d.benchmark, 0.01)
    assert_allclose(d.phi, 1.2618)
    assert_allclose(d.tau2, 3.618 / 9e5)
    assert d.n_areas == 10


def test_hand_worked_limits():
    d = estimate_overdispersion(COUNTS, DENOMINATORS, kind="rate")
    z = 1.959963984540054
    multi = overdispersed_limits(d, [1000.0], multiplier=1000, levels=(0.95,))
    assert_allclose(multi["upper"], 10 + z * np.sqrt(1.2618) * np.sqrt(10), rtol=1e-10)
    assert_allclose(multi["lower"], 10 - z * np.sqrt(1.2618) * np.sqrt(10), rtol=1e-10)
    add = overdispersed_limits(d, [1000.0], method="additive", multiplier=1000, levels=(0.95,))
    half = z * np.sqrt(0.01 / 1000 + 3.618 / 9e5) * 1000
    assert_allclose(add["upper"], 10 + half, rtol=1e-10)


def test_underdispersed_areas_keep_the_plain_width():
    counts = np.array([9, 10, 10, 10, 11, 10, 9, 11, 10, 10], dtype=float)
    d = estimate_overdispersion(counts, DENOMINATORS)
    assert d.phi < 1 and d.tau2 == 0
    limits = overdispersed_limits(d, [1000.0], multiplier=1000, levels=(0.95,))
    assert_allclose(limits["upper"], 10 + 1.959963984540054 * np.sqrt(10))
    assert "about as much as chance" in d.describe()


def test_overdispersed_areas_are_flagged_far_less_than_by_plain_limits():
    # Gamma-Poisson areas: true rates vary between areas, no area is special.
    rng = np.random.default_rng(0)
    n = rng.integers(500, 20000, 400).astype(float)
    theta, tau = 0.005, 0.0015
    rates = rng.gamma(theta**2 / tau**2, tau**2 / theta, len(n))
    table = pd.DataFrame(
        {
            "area_code": [f"A{i}" for i in range(len(n))],
            "count": rng.poisson(rates * n),
            "denominator": n,
        }  # fmt: skip
    )
    plain = funnel_flags(table, unit="per 1,000")
    plain_out = (plain["flag_998"] != "inside").mean()
    for method in ("multiplicative", "additive"):
        flags = overdispersed_flags(table, method=method)
        out = (flags["flag_998"] != "inside").mean()
        assert out < plain_out / 4, (method, out, plain_out)
        if method == "additive":  # the right model for rates varying between areas
            assert out <= 0.03
        assert flags.attrs["dispersion"].phi > 2
        assert flags.attrs["dispersion"].p_value < 1e-6
        assert "widened" in flags.attrs["text"]


def test_suppressed_rows_are_not_plotted():
    table = pd.DataFrame(
        {
            "area_code": list("ABCDE"),
            "count": [3, np.nan, 12, 8, 20],
            "denominator": [900, 1000, 1100, 950, 1500],
        }  # fmt: skip
    )
    flags = overdispersed_flags(table)
    assert flags.loc[1, "flag_95"] == "not plotted"
    assert flags["flag_95"].notna().all()


def test_bad_method_lists_the_options():
    d = estimate_overdispersion(COUNTS, DENOMINATORS)
    with pytest.raises(InputError, match="additive"):
        overdispersed_limits(d, [1000.0], method="wrong")

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from meam_mapping.errors import InputError
from meam_mapping.estimate.prevalence import (
    CI_METHODS,
    compare_with_benchmark,
    parse_unit,
    prevalence,
    rate_interval,
)

Z95 = stats.norm.ppf(0.975)


def _table(counts, denominators, **extra):
    codes = [f"E0100000{i}" for i in range(len(counts))]
    return pd.DataFrame({"area_code": codes, "count": counts, "denominator": denominators, **extra})


# Our own formulas, written from the papers, to cross-check PHStatsMethods.
def wilson_by_hand(r, n, z=Z95):
    # Wilson (1927); Newcombe (1998) method 3:
    # (2r + z^2 -/+ z sqrt(z^2 + 4 r (1 - r/n))) / (2 (n + z^2))
    root = z * np.sqrt(z**2 + 4 * r * (1 - r / n))
    return (2 * r + z**2 - root) / (2 * (n + z**2)), (2 * r + z**2 + root) / (2 * (n + z**2))


def byar_by_hand(o, z=Z95):
    # Breslow & Day (1987), vol. II, p. 69: Byar's approximation to the Poisson limits.
    lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    return lower, upper


def test_wilson_matches_newcombe_1998_table():
    # Newcombe RG (1998) Stat Med 17:857-872, Table II, method 3 (Wilson score
    # without continuity correction): 81/263, 15/148, 0/20, 1/29, 29/29.
    t = _table([81, 15, 0, 1, 29], [263, 148, 20, 29, 29])
    out = prevalence(t, unit="proportion", method="wilson")
    assert_allclose(out["lower"], [0.2553, 0.0624, 0.0, 0.0061, 0.8830], atol=5e-5)
    assert_allclose(out["upper"], [0.3662, 0.1605, 0.1611, 0.1718, 1.0], atol=5e-5)
    assert list(out["method"]) == ["wilson"] * 5


def test_wilson_hand_computed_and_percent_unit():
    # 5 of 100 at 95%: by hand z^2 = 3.841459, root = z*sqrt(22.841459) = 9.367203,
    # lower = 4.474256/207.682918 = 0.021544, upper = 23.208662/207.682918 = 0.111750.
    out = prevalence(_table([5], [100]), unit="%")
    assert out.loc[0, "method"] == "wilson"  # 'auto' picks Wilson for a percentage
    assert_allclose(
        out.loc[0, ["value", "lower", "upper"]].astype(float), [5.0, 2.1544, 11.1750], atol=1e-4
    )


def test_phstatsmethods_wilson_agrees_with_own_formula():
    rng = np.random.default_rng(7)
    n = rng.integers(20, 5000, 50).astype(float)
    r = np.floor(rng.uniform(0, 1, 50) * n)
    out = prevalence(_table(r, n), unit="proportion", method="wilson", include_998=True)
    low, high = wilson_by_hand(r, n)
    assert_allclose(out["lower"], low, rtol=1e-10, atol=1e-12)
    assert_allclose(out["upper"], high, rtol=1e-10)
    low, high = wilson_by_hand(r, n, z=stats.norm.ppf(0.999))
    assert_allclose(out["lower_998"], low, rtol=1e-10, atol=1e-12)
    assert_allclose(out["upper_998"], high, rtol=1e-10)


def test_byar_worked_example_per_1000():
    # 25 people among 5,000 adults: Byar by hand (Breslow & Day 1987):
    # lower = 25 (1 - 1/225 - 1.959964/15)^3 = 16.1743, upper = 26 (1 - 1/234 +
    # 1.959964/(3 sqrt 26))^3 = 36.9065 people; per 1,000 divide by 5.
    out = prevalence(_table([25], [5000]), unit="per 1,000")
    assert out.loc[0, "method"] == "byar"
    assert_allclose(
        out.loc[0, ["value", "lower", "upper"]].astype(float), [5.0, 3.23485, 7.38129], atol=1e-4
    )


def test_small_counts_use_exact_poisson_as_fingertips_does():
    # PHE Technical Guide "Confidence intervals" (2018): exact Poisson limits for
    # counts under 10. For 3 events the exact 95% limits are 0.6187 and 8.7673 and
    # for 0 events 0 and 3.6889 (Armitage & Berry 2002, chi-squared form).
    out = prevalence(_table([3, 0], [1000, 1000]), unit="per 1,000")
    assert list(out["method"]) == ["exact", "exact"]
    assert_allclose(out["lower"], [0.6187, 0.0], atol=1e-4)
    assert_allclose(out["upper"], [8.7673, 3.6889], atol=1e-4)
    # the chi-squared form, written out
    assert_allclose(out.loc[0, "upper"], stats.chi2.ppf(0.975, 8) / 2, rtol=1e-12)


def test_phstatsmethods_byar_agrees_with_own_formula():
    counts = np.arange(10, 400, 7, dtype=float)
    denominators = np.full(counts.size, 20000.0)
    out = prevalence(_table(counts, denominators), unit="per 100,000", method="byar")
    low, high = byar_by_hand(counts)
    assert_allclose(out["lower"], low / 20000 * 100000, rtol=1e-10)
    assert_allclose(out["upper"], high / 20000 * 100000, rtol=1e-10)


def test_exact_method_for_every_count():
    out = prevalence(_table([50], [1000]), method="exact")
    assert out.loc[0, "method"] == "exact"
    assert_allclose(out.loc[0, "lower"], stats.chi2.ppf(0.025, 100) / 2, rtol=1e-12)
    assert_allclose(out.loc[0, "upper"], stats.chi2.ppf(0.975, 102) / 2, rtol=1e-12)


def test_suppressed_and_missing_counts_stay_unknown_with_reason():
    t = _table(
        [12.0, 40.0, np.nan, 8.0, 5.0],
        [1000, 1000, 1000, np.nan, 0],
        suppressed=[False, True, False, False, False],
    )
    out = prevalence(t)
    assert out.loc[0, "value"] == pytest.approx(12.0)
    assert (
        out.loc[1:, ["count", "value", "lower", "upper"]].drop(index=[3, 4])["count"].isna().all()
    )
    assert out.loc[1:, ["value", "lower", "upper"]].isna().all().all()
    assert list(out["reason"].iloc[1:]) == [
        "count suppressed by the source",
        "count missing",
        "denominator missing",
        "denominator is zero",
    ]
    assert pd.isna(out.loc[0, "reason"])


def test_output_columns_and_passthrough():
    t = _table(
        [12, 30], [1000, 2000], area_name=["A", "B"], lad_code=["L1", "L1"], unit="per 1,000"
    )
    out = prevalence(t, include_998=True)
    assert list(out.columns[:12]) == [
        "area_code",
        "count",
        "denominator",
        "value",
        "lower",
        "upper",
        "lower_998",
        "upper_998",
        "confidence",
        "method",
        "unit",
        "reason",
    ]
    assert {"area_name", "lad_code"} <= set(out.columns)
    assert (out["lower_998"] < out["lower"]).all() and (out["upper_998"] > out["upper"]).all()


def test_rate_interval_is_labelled():
    r = rate_interval(25, 5000)
    assert r["method"] == "byar" and r["unit"] == "per 1,000"
    assert_allclose([r["lower"], r["upper"]], [3.23485, 7.38129], atol=1e-4)


@pytest.mark.parametrize(
    ("text", "multiplier", "is_proportion"),
    [
        ("per 1,000", 1000, False),
        ("per 100,000 adults", 100000, False),
        ("%", 100, True),
        ("proportion", 1, True),
        ("per_1000", 1000, False),
        ("per thousand", 1000, False),
    ],
)
def test_parse_unit(text, multiplier, is_proportion):
    unit = parse_unit(text)
    assert (unit.multiplier, unit.is_proportion) == (multiplier, is_proportion)


def test_wrong_method_lists_options():
    with pytest.raises(InputError) as err:
        prevalence(_table([1], [10]), method="clopper")
    for name in CI_METHODS:
        assert repr(name) in err.value.message


def test_bad_unit_and_bad_input_are_input_errors():
    with pytest.raises(InputError, match="unit"):
        prevalence(_table([1], [10]), unit="per fortnight")
    with pytest.raises(InputError, match="not a rate"):
        prevalence(_table([1], [10]), unit="score")
    with pytest.raises(InputError, match="row 3"):
        prevalence(_table([1, 12], [10, 10]), unit="%")
    with pytest.raises(InputError, match="negative"):
        prevalence(_table([-1], [10]))
    with pytest.raises(InputError, match="not numbers"):
        prevalence(_table(["a"], [10]))
    with pytest.raises(InputError, match="'denominator'"):
        prevalence(pd.DataFrame({"area_code": ["x"], "count": [1]}))
    with pytest.raises(InputError, match="mixes units"):
        prevalence(_table([1, 2], [10, 10], unit=["%", "per 1,000"]))


def test_compare_with_typed_benchmark():
    # 50/1000 (CI 37.1 to 65.9), 10/1000 (4.8 to 18.4), 30/1000 (20.2 to 42.8)
    # against 25 per 1,000: higher, lower, similar.
    out = compare_with_benchmark(
        prevalence(_table([50, 10, 30], [1000] * 3)), benchmark=25.0, benchmark_label="England"
    )
    assert list(out["comparison"]) == ["significantly higher", "significantly lower", "similar"]
    assert (out["benchmark"] == 25.0).all() and (out["benchmark_label"] == "England").all()


def test_compare_with_study_area_pools_counts_not_rates():
    t = _table([10, 90, 20, np.nan], [1000, 3000, 1000, 500])
    with pytest.warns(UserWarning, match="1 areas"):
        out = compare_with_benchmark(prevalence(t), benchmark="study_area")
    # (10 + 90 + 20) / (1000 + 3000 + 1000) * 1000 = 24 per 1,000 (mean of rates would be 20)
    assert_allclose(out["benchmark"], 24.0)
    # 10/1000 (4.8 to 18.4), 90/3000 (24.1 to 36.9), 20/1000 (12.2 to 30.9)
    assert list(out["comparison"]) == [
        "significantly lower",
        "significantly higher",
        "similar",
        "not compared",
    ]


def test_compare_with_parent_from_children_and_from_table():
    t = _table([5, 35, 20, 30], [1000, 1000, 1000, 1000], lad_code=["A", "A", "B", "B"])
    out = compare_with_benchmark(prevalence(t), benchmark="parent", parent_column="lad_code")
    assert_allclose(out["benchmark"], [20.0, 20.0, 25.0, 25.0])
    # 5/1000 (1.6 to 11.7), 35/1000 (24.4 to 48.7), 20/1000 (12.2 to 30.9), 30/1000 (20.2 to 42.8)
    assert list(out["comparison"]) == [
        "significantly lower",
        "significantly higher",
        "similar",
        "similar",
    ]
    parents = pd.DataFrame(
        {
            "area_code": ["A", "B", "C"],
            "count": [100.0, 50.0, 7.0],
            "denominator": [10000, 1000, 80],
            "suppressed": [False, False, True],
        }
    )
    out = compare_with_benchmark(
        prevalence(t), benchmark="parent", parent_column="lad_code", parent_table=parents
    )
    assert_allclose(out["benchmark"], [10.0, 10.0, 50.0, 50.0])


def test_compare_rejects_bad_requests():
    result = prevalence(_table([1, 2], [10, 10]))
    with pytest.raises(InputError, match="'study_area'"):
        compare_with_benchmark(result, benchmark="region")
    with pytest.raises(InputError, match="parent"):
        compare_with_benchmark(result, benchmark="parent")
    two = prevalence(_table([1, 2], [10, 10], indicator=["a", "b"]))
    with pytest.raises(InputError, match="more than one indicator"):
        compare_with_benchmark(two)

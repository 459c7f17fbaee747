from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import PHStatsMethods as phs
import pytest
from matplotlib.figure import Figure
from numpy.testing import assert_allclose
from PHStatsMethods.utils_funnel import sigma_adjustment
from scipy import stats

import meam_mapping.estimate.funnel as funnel_module
from meam_mapping.errors import InputError
from meam_mapping.estimate.funnel import (
    FUNNEL_FLAGS,
    FUNNEL_METHODS,
    count_control_limits,
    funnel_figure,
    funnel_flags,
    funnel_grid,
    funnel_limits,
)
from meam_mapping.estimate.prevalence import compare_with_benchmark, prevalence


@pytest.fixture
def areas():
    rng = np.random.default_rng(11)
    n = 60
    denominator = rng.integers(300, 3000, n).astype(float)
    count = rng.poisson(0.012 * denominator).astype(float)
    count[4] = 90.0  # far above
    count[7] = 0.0  # below for a large area
    denominator[7] = 2900.0
    count[9] = np.nan  # suppressed
    return pd.DataFrame(
        {
            "area_code": [f"E0100{i:04d}" for i in range(n)],
            "area_name": [f"Area {i}" for i in range(n)],
            "count": count,
            "denominator": denominator,
            "suppressed": np.arange(n) == 9,
        }
    )


def test_wilson_limits_worked_example():
    # Spiegelhalter (2005) normal limits p +/- z sqrt(p(1-p)/n), which are the
    # inverted Wilson score limits: p = 10%, n = 100 -> 10 +/- 1.959964*3 = 4.1201, 15.8799 %.
    out = funnel_limits(10.0, [100.0], unit="%", levels=(0.95,))
    assert_allclose(out[["lower", "upper"]].to_numpy()[0], [4.1201, 15.8799], atol=1e-4)
    assert out.loc[0, "method"] == "wilson"


def test_wilson_limits_match_phstatsmethods_sigma_adjustment():
    n = np.array([20.0, 150.0, 1000.0, 25000.0])
    out = funnel_limits(0.23, n, unit="proportion")
    for level, p in ((0.95, 0.975), (0.998, 0.999)):
        part = out[out["confidence"] == level]
        low = [max(0.0, sigma_adjustment(p, x, 0.23, "low", 1)) for x in n]
        high = [sigma_adjustment(p, x, 0.23, "high", 1) for x in n]
        assert_allclose(part["lower"], low, rtol=1e-10)
        assert_allclose(part["upper"], high, rtol=1e-10)


def test_proportion_limits_match_phstatsmethods_calculate_funnel_limits():
    df = pd.DataFrame({"num": [12, 40, 33, 80, 5], "den": [100, 400, 250, 700, 60]})
    theirs = phs.calculate_funnel_limits(
        df, "num", "proportion", 100, denom_col="den", metadata=False
    )
    benchmark = df["num"].sum() / df["den"].sum() * 100
    ours = funnel_limits(benchmark, theirs["Population"].to_numpy(), unit="%")
    for level, tag in ((0.95, "2s"), (0.998, "3s")):
        part = ours[ours["confidence"] == level]
        assert_allclose(part["lower"], theirs[f"lower_{tag}_limit"], rtol=1e-9)
        assert_allclose(part["upper"], theirs[f"upper_{tag}_limit"], rtol=1e-9)


def test_rate_limits_match_phstatsmethods_calculate_funnel_limits():
    # PHStatsMethods finds, for each whole number of events, the population at which
    # that count is on the limit; our limit at that population must be the same rate.
    df = pd.DataFrame({"num": [15, 40, 33, 80, 25], "den": [2000, 4000, 2500, 7000, 3000]})
    df["rate"] = df["num"] / df["den"] * 1000
    theirs = phs.calculate_funnel_limits(
        df,
        "num",
        "rate",
        1000,
        denom_col="den",
        rate="rate",
        rate_type="crude",
        years_of_data=1,
        metadata=False,
    )
    theirs = theirs.iloc[5:60]
    benchmark = df["num"].sum() / df["den"].sum() * 1000
    for level, tag in ((0.95, "2s"), (0.998, "3s")):
        for side in ("lower", "upper"):
            population = theirs[f"{side}_{tag}_population_1_year"].to_numpy()
            ours = funnel_limits(benchmark, population, unit="per 1,000", levels=(level,))
            assert_allclose(ours[side], theirs[f"{side}_{tag}_limit"], rtol=2e-5)


def test_count_limits_invert_the_exact_interval():
    expected = np.array([0.5, 4.0, 20.0, 300.0])
    out = count_control_limits(expected)
    # exact lower limit of the upper control count = expected (Armitage & Berry chi-squared form)
    assert_allclose(stats.chi2.ppf(0.025, 2 * out["upper"]) / 2, expected, rtol=1e-8)
    has_lower = out["lower"] > 0
    assert list(has_lower) == [
        False,
        True,
        True,
        True,
    ]  # 0 events is not surprising when 0.5 expected
    assert_allclose(
        stats.chi2.ppf(0.975, 2 * out.loc[has_lower, "lower"] + 2) / 2, expected[1:], rtol=1e-8
    )


def test_flags_agree_with_wilson_benchmark_comparison():
    rng = np.random.default_rng(3)
    n = rng.integers(50, 2000, 80).astype(float)
    r = rng.binomial(n.astype(int), rng.uniform(0.05, 0.35, 80)).astype(float)
    t = pd.DataFrame(
        {"area_code": [f"A{i}" for i in range(80)], "count": r, "denominator": n, "unit": "%"}
    )
    flags = funnel_flags(t, benchmark=20.0)
    compared = compare_with_benchmark(prevalence(t), benchmark=20.0)
    expected = compared["comparison"].map(
        {
            "significantly higher": "above upper limit",
            "significantly lower": "below lower limit",
            "similar": "inside",
        }
    )
    assert (flags["flag_95"] == expected).all()
    assert (flags["flag_95"] != "inside").sum() > 5  # the check has something to check


def test_flags_for_rates(areas):
    flags = funnel_flags(areas)
    assert flags.loc[4, "flag_998"] == "above upper limit"
    assert flags.loc[7, "flag_95"] == "below lower limit"
    assert flags.loc[9, "flag_95"] == "not plotted" and flags.loc[9, "flag_998"] == "not plotted"
    known = areas["count"].notna()
    assert_allclose(
        flags["benchmark"],
        areas.loc[known, "count"].sum() / areas.loc[known, "denominator"].sum() * 1000,
    )
    inside = flags["flag_95"] == "inside"
    assert (flags.loc[inside, "value"] <= flags.loc[inside, "limit_upper_95"]).all()
    assert {"area_name", "limit_lower_998", "limit_upper_998"} <= set(flags.columns)


def test_limits_frame_is_tidy_and_narrows():
    grid = funnel_grid([500, 2000, 800])
    assert grid.min() == pytest.approx(400) and grid.max() == pytest.approx(2200)
    out = funnel_limits(12.0, grid)
    assert len(out) == 2 * grid.size
    assert list(out.columns) == [
        "denominator",
        "confidence",
        "lower",
        "upper",
        "benchmark",
        "unit",
        "method",
    ]
    wide95 = out[out["confidence"] == 0.95]
    assert np.all(np.diff(wide95["upper"]) <= 1e-9)  # upper limit falls as the denominator grows
    assert (out["lower"] <= 12.0).all() and (out["upper"] >= 12.0).all()


def test_wrong_method_lists_options():
    with pytest.raises(InputError) as err:
        funnel_limits(10.0, [100.0], method="normal")
    for name in FUNNEL_METHODS:
        assert repr(name) in err.value.message


def test_bad_benchmark_and_denominators():
    with pytest.raises(InputError, match="benchmark"):
        funnel_limits(140.0, [100.0], unit="%")
    with pytest.raises(InputError, match="denominators"):
        funnel_limits(10.0, [0.0])


def test_figure(areas):
    fig = funnel_figure(areas, title="Homelessness duty owed")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "Homelessness duty owed"
    assert ax.get_xlabel() == "Population (denominator)"
    assert ax.get_ylabel() == "Rate per 1,000"
    labels = {t.get_text() for t in ax.texts}
    assert {"Area 4", "Area 7"} <= labels
    assert "Area 9" not in labels
    assert any("1 area not shown" in t.get_text() for t in fig.texts)


def test_library_module_does_not_import_streamlit():
    assert "streamlit" not in inspect.getsource(funnel_module)


def test_figure_colours_each_side_by_polarity(areas):
    """Points above and below the limits are told apart, named as the benchmark map names them."""
    from matplotlib.colors import to_hex

    from meam_mapping.indicators.kinds import COMPARISON_COLOURS

    flags = funnel_flags(areas)
    assert (flags["flag_95"] == FUNNEL_FLAGS[0]).any() and (
        flags["flag_95"] == FUNNEL_FLAGS[2]
    ).any()
    fig = funnel_figure(areas, polarity="higher_is_worse")
    legend = {t.get_text() for t in fig.axes[0].get_legend().get_texts()}
    assert {"Worse (above the 95% limits)", "Better (below the 95% limits)"} <= legend
    colours = {
        c.get_label(): to_hex(c.get_facecolor()[0])
        for c in fig.axes[0].collections
        if "95% limits" in c.get_label()
    }
    assert colours["Worse (above the 95% limits)"] == COMPARISON_COLOURS["Worse"].lower()
    assert colours["Better (below the 95% limits)"] == COMPARISON_COLOURS["Better"].lower()
    neutral = funnel_figure(areas)
    words = {t.get_text() for t in neutral.axes[0].get_legend().get_texts()}
    assert {"Higher (above the 95% limits)", "Lower (below the 95% limits)"} <= words

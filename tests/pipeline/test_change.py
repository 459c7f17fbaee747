"""Change over time: rate ratios between two periods from published slices."""

from __future__ import annotations

import numpy as np
import pytest

from meam_mapping.errors import InputError
from meam_mapping.pipeline.change import change_between, change_slice, change_table, rate_ratio
from meam_mapping.pipeline.publish import map_slice


def test_rate_ratio_matches_a_worked_example():
    # 20 events in 10,000 then 40 in 10,000: RR 2, 95% CI exp(log 2 ± 1.96 sqrt(1/20 + 1/40))
    # (Rothman, Greenland & Lash 2008, ch. 14).
    ratio, lower, upper = rate_ratio([20], [10_000], [40], [10_000])
    se = np.sqrt(1 / 20 + 1 / 40)
    np.testing.assert_allclose([ratio[0], lower[0], upper[0]],
                               [2.0, 2 * np.exp(-1.959964 * se), 2 * np.exp(1.959964 * se)], rtol=1e-6)  # fmt: skip
    assert np.isnan(rate_ratio([0], [100], [5], [100])[0][0])  # no finite ratio from a zero


def test_user_periods_compared_from_published_counts(user_dataset):
    change = change_between(user_dataset, "homelessness_duty_owed", "2023/24", "2024/25", "msoa")
    before = map_slice(user_dataset, "homelessness_duty_owed", "2023/24", "msoa").set_index(
        "area_code"
    )
    after = map_slice(user_dataset, "homelessness_duty_owed", "2024/25", "msoa").set_index(
        "area_code"
    )
    t = change.table.set_index("area_code")
    shown = t.loc[~t["suppressed"]]
    expected = (after.loc[shown.index, "value"] / before.loc[shown.index, "value"]).to_numpy()
    np.testing.assert_allclose(shown["ratio"].to_numpy(), expected)
    hidden = before["suppressed"] | after.loc[before.index, "suppressed"]
    assert (t.loc[hidden[hidden].index, "category"] == "Not shown").all()
    assert t.loc[t["suppressed"], ["ratio", "rate_before", "rate_after"]].isna().all().all()
    worse = shown["category"] == "Got worse"  # higher is worse for homelessness duties
    assert worse.any() and (shown.loc[worse, "lower"] > 1).all()
    sliced = change_slice(after.reset_index(), change)
    assert sliced.attrs == after.attrs and sliced["count"].isna().all()
    assert change_table(change)["Rate ratio"].dropna().is_monotonic_decreasing


def test_bad_period_choices_are_explained(user_dataset):
    with pytest.raises(InputError, match="two different periods"):
        change_between(user_dataset, "homelessness_duty_owed", "2024/25", "2024/25", "msoa")
    with pytest.raises(InputError, match="no period"):
        change_between(user_dataset, "homelessness_duty_owed", "2019/20", "2024/25", "msoa")


def test_an_areas_trend_agrees_with_the_change_map(user_dataset):
    from meam_mapping.pipeline.change import area_trend

    change = change_between(user_dataset, "homelessness_duty_owed", "2023/24", "2024/25", "msoa")
    t = change.table.set_index("area_code")
    for code in t.index[:12]:
        trend = area_trend(user_dataset, code, "msoa")
        row = trend.loc[
            (trend["indicator"] == "homelessness_duty_owed") & (trend["period"] == "2024/25")
        ]
        text = row["change"].iloc[0]
        assert text.startswith(t.loc[code, "category"])
        if np.isfinite(t.loc[code, "ratio"]):
            assert f"×{t.loc[code, 'ratio']:.2f}" in text


def test_the_analysis_tables_hold_the_same_change_as_the_map(user_dataset):
    """The pack's change_over_time table equals the Map page's change mode for the latest periods."""
    from meam_mapping.pipeline.change import changes_over_time
    from meam_mapping.pipeline.run import run
    from meam_mapping.pipeline.settings import AnalysisSettings

    level = "msoa"
    analysis = run(user_dataset, AnalysisSettings(level=level))
    table = analysis.tables["change_over_time"]
    assert table.equals(changes_over_time(user_dataset, level))
    catalogue = user_dataset.catalogue().set_index("indicator")
    for indicator, rows in table.groupby("indicator"):
        periods = list(catalogue.loc[indicator, "periods"])
        shown = change_table(
            change_between(user_dataset, indicator, periods[-2], periods[-1], level)
        )
        np.testing.assert_array_equal(rows["Rate ratio"].to_numpy(), shown["Rate ratio"].to_numpy())
        assert set(rows["before"]) == {periods[-2]} and set(rows["after"]) == {periods[-1]}
    hidden = table["Change"] == "Not shown"
    assert (
        hidden.any()
        and table.loc[hidden, ["Rate before", "Rate after", "Rate ratio"]].isna().all().all()
    )

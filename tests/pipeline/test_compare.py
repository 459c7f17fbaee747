"""Benchmark categories: better / similar / worse against the study area."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from meam_mapping.errors import InputError
from meam_mapping.pipeline import compare
from meam_mapping.pipeline.rates import PrevalenceResult, prevalence_by_area

INDICATOR = "homelessness_duty_owed"


@pytest.fixture(scope="module")
def result(demo_dataset):
    return prevalence_by_area(demo_dataset, INDICATOR, None, "msoa")


def test_95_uses_the_pipelines_significance(result):
    out = compare.benchmark_comparison(result, polarity="higher_is_worse", confidence=0.95)
    words = {"significantly higher": "Worse", "significantly lower": "Better", "similar": "Similar"}
    shown = ~out.table["suppressed"]
    expected = result.table.loc[shown.to_numpy(), "comparison"].map(words).to_numpy()
    assert (out.table.loc[shown, "category"].to_numpy() == expected).all()
    assert (out.table.loc[~shown, "category"] == compare.NOT_SHOWN).all()
    assert out.table.loc[~shown, ["count", "value", "lower", "upper"]].isna().all().all()


def test_998_is_stricter_and_wider(result):
    c95 = compare.benchmark_comparison(result, confidence=0.95).table
    c998 = compare.benchmark_comparison(result, confidence=0.998).table
    shown = ~c95["suppressed"]
    assert (c998.loc[shown, "lower"] < c95.loc[shown, "lower"]).all()
    assert (c998.loc[shown, "upper"] > c95.loc[shown, "upper"]).all()
    significant = c998["category"].isin(["Better", "Worse"])
    assert (c998.loc[significant, "category"] == c95.loc[significant, "category"]).all()
    assert significant.sum() < c95["category"].isin(["Better", "Worse"]).sum()


def test_998_limits_match_exact_poisson_for_a_small_count():
    # Byar's method falls back to the exact Poisson interval under 10 events
    # (PHE Technical Guide); 99.8% exact limits from the chi-squared quantiles.
    table = pd.DataFrame({
        "area_code": ["A", "B"], "count": [4.0, 400.0], "denominator": [1000.0, 1000.0],
        "value": [4.0, 400.0], "lower": [1.0, 360.0], "upper": [10.0, 440.0],
        "unit": "per 1,000", "suppressed": [False, False], "benchmark": [200.0, 200.0],
    })  # fmt: skip
    out = compare.benchmark_comparison(PrevalenceResult(table, 200.0, "study area", "per 1,000"),
                                       confidence=0.998)  # fmt: skip
    alpha = 0.002
    lower = stats.chi2.ppf(alpha / 2, 2 * 4) / 2
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * 5) / 2
    np.testing.assert_allclose(out.table.loc[0, ["lower", "upper"]].to_numpy(dtype=float),
                               [lower, upper], rtol=1e-4)  # fmt: skip
    assert out.table["category"].tolist() == ["Better", "Worse"]


@pytest.mark.parametrize(
    ("polarity", "expected"),
    [
        ("higher_is_worse", ["Better", "Worse"]),
        ("lower_is_worse", ["Worse", "Better"]),
        ("neutral", ["Lower", "Higher"]),
    ],  # fmt: skip
)
def test_polarity_names_the_sides(polarity, expected):
    table = pd.DataFrame({
        "area_code": ["A", "B"], "count": [10.0, 90.0], "denominator": [1000.0, 1000.0],
        "value": [10.0, 90.0], "lower": [5.0, 72.0], "upper": [18.0, 110.0], "unit": "per 1,000",
        "suppressed": [False, False], "benchmark": [50.0, 50.0],
    })  # fmt: skip
    out = compare.benchmark_comparison(
        PrevalenceResult(table, 50.0, "study area", "per 1,000"), polarity=polarity
    )
    assert out.table["category"].tolist() == expected


def test_wrong_choices_list_the_allowed_ones(result):
    with pytest.raises(InputError, match="99.8%"):
        compare.benchmark_comparison(result, confidence=0.9)
    with pytest.raises(InputError, match="higher_is_worse"):
        compare.benchmark_comparison(result, polarity="up")


def test_slice_and_chart_table_agree_with_the_map(demo_dataset):
    from meam_mapping.pipeline.publish import map_slice

    data = map_slice(demo_dataset, INDICATOR, None, "msoa")
    comparison = compare.compare_with_study_area(demo_dataset, INDICATOR, None, "msoa")
    sliced = compare.benchmark_slice(data, comparison)
    assert sliced.attrs == data.attrs  # the disclosure mark travels with it
    assert (sliced.loc[sliced["suppressed"], "category"] == compare.NOT_SHOWN).all()
    chart, omitted = compare.compare_areas_table(comparison)
    assert omitted == int(comparison.table["suppressed"].sum()) > 0
    assert chart["value"].is_monotonic_decreasing
    assert "Compared with the study area (6.4 per 1,000 adults), 95%" in comparison.legend_title


def test_compare_chart_omits_hidden_areas_and_says_so(demo_dataset):
    from meam_mapping.export.charts import compare_areas_figure, figure_bytes

    comparison = compare.compare_with_study_area(demo_dataset, INDICATOR, None, "msoa")
    fig = compare_areas_figure(comparison, title="t", label="Synthetic demonstration data")
    omitted = int(comparison.table["suppressed"].sum())
    assert f"{omitted} areas not shown" in fig.meam_alt_text
    bars = fig.axes[0].patches
    assert len(bars) == len(comparison.table) - omitted
    text = " ".join(t.get_text() for t in fig.texts)
    assert "Synthetic demonstration data" in text and f"{omitted} areas are not shown" in text
    assert figure_bytes(fig)[:4] == b"\x89PNG"


def test_static_and_interactive_maps_use_the_category_colours(demo_dataset):
    from matplotlib.colors import to_hex

    from meam_mapping.mapping import MapRequest, interactive_map, static_map_figure

    request = MapRequest(INDICATOR, level="msoa", benchmark_confidence=0.95)
    comparison = compare.compare_with_study_area(demo_dataset, INDICATOR, None, "msoa")
    expected = comparison.table.set_index("area_code")["category"]
    fig = static_map_figure(demo_dataset, request)
    drawn = {}
    for collection in fig.axes[0].collections:
        gid = collection.get_gid() or ""
        if gid.startswith("meam-class-") or gid == "meam-suppressed":
            colour = to_hex(collection.get_facecolor()[0])
            for code in collection.meam_area_codes:
                drawn[str(code)] = (gid, colour)
    for code, category in expected.items():
        gid, colour = drawn[code]
        if category == compare.NOT_SHOWN:
            assert gid == "meam-suppressed"
        else:
            assert colour == compare.BENCHMARK_COLOURS[category].lower()
    prepared = interactive_map(demo_dataset, request).meam_map_data
    legend = prepared.legend.set_index("label")
    assert legend.loc["Worse", "count"] == int((expected == "Worse").sum())
    assert prepared.classification.note == comparison.legend_title

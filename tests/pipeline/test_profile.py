"""An area's profile holds the published numbers the other pages show, and no hidden one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from meam_mapping.disclosure import DisclosurePolicy
from meam_mapping.errors import InputError
from meam_mapping.pipeline import every_indicator_all_levels
from meam_mapping.pipeline.compare import compare_with_study_area
from meam_mapping.pipeline.display import display_table
from meam_mapping.pipeline.profile import area_choices, area_profile
from meam_mapping.pipeline.publish import map_slice, publish_indicators
from meam_mapping.pipeline.run import Analysis
from meam_mapping.pipeline.settings import AnalysisSettings


@pytest.fixture(scope="module")
def analysis(demo_dataset):
    """The published indicator table and a small-area table, without the slow estimates."""
    policy = DisclosurePolicy()
    raw = every_indicator_all_levels(demo_dataset, None)
    small = pd.DataFrame({"area_code": ["Cambridge 002"], "area_name": ["Cambridge 002"],
                          "level": ["msoa"], "n_hat": [105.0], "ci_low": [95.0], "ci_high": [120.0],
                          "hidden_share": [18.0], "method": ["test"]})  # fmt: skip
    hot = pd.DataFrame({"area_code": ["Cambridge 002"], "category": ["Hot spot"]})
    return Analysis(
        settings=AnalysisSettings(), policy=policy, areas=demo_dataset.areas["msoa"],
        tables={"indicators": publish_indicators(raw, demo_dataset, policy), "small_area": small,
                "hotspots": hot},
        unavailable={"index": "not available: not made in this test"},
    )  # fmt: skip


def test_rates_equal_the_map_table_and_hidden_ones_stay_hidden(demo_dataset, analysis):
    profile = area_profile(demo_dataset, analysis, "E01017943")
    assert profile.level == "lsoa" and profile.district_name == "Cambridge"
    rows = profile.indicators.set_index("indicator")
    for indicator in ("homelessness_duty_owed", "drug_alcohol_treatment", "known_md_any"):
        table = display_table(map_slice(demo_dataset, indicator, None, "lsoa")).set_index("Code")
        rate = next(c for c in table.columns if c.startswith("Rate"))
        on_map = table.loc["E01017943", rate]
        mine = rows.loc[indicator, "value"]
        if pd.isna(on_map):
            assert pd.isna(mine) and rows.loc[indicator, "category"] == "Not shown"
            assert pd.isna(rows.loc[indicator, "count"]) and pd.isna(rows.loc[indicator, "lower"])
            assert rows.loc[indicator, "note"] == table.loc["E01017943", "Note"]
        else:
            assert round(mine, 1) == on_map
    hidden = rows["category"] == "Not shown"
    assert (
        hidden.any() and rows.loc[hidden, ["count", "value", "lower", "upper"]].isna().all().all()
    )


def test_interval_district_and_study_area_match_the_comparison(demo_dataset, analysis):
    profile = area_profile(demo_dataset, analysis, "Cambridge 002")
    row = profile.indicators.set_index("indicator").loc["homelessness_duty_owed"]
    compared = compare_with_study_area(demo_dataset, "homelessness_duty_owed", None, "msoa")
    theirs = compared.table.set_index("area_code").loc["Cambridge 002"]
    np.testing.assert_allclose([row["lower"], row["upper"]], [theirs["lower"], theirs["upper"]])
    assert row["category"] == theirs["category"] == "Worse"
    np.testing.assert_allclose(row["study_value"], compared.benchmark)
    district = compare_with_study_area(demo_dataset, "homelessness_duty_owed", None, "lad").table
    np.testing.assert_allclose(row["district_value"],
                               district.set_index("area_code").loc["E07000008", "value"])  # fmt: skip
    shown = compared.table.loc[~compared.table["suppressed"], "value"]
    assert row["range_min"] == shown.min() and row["range_max"] == shown.max()
    assert profile.people["estimated_people"] == 105.0 and profile.hotspot == "Hot spot"
    assert profile.index is None and "index" in profile.unavailable


def test_notes_and_typology_are_carried(demo_dataset, analysis):
    notes = pd.DataFrame(
        {"area_code": ["Cambridge 002", "Cambridge 003"], "text": ["hostel", "other"]}
    )
    typology = pd.Series({"Cambridge 002": "Group 1: high housing need"})
    profile = area_profile(demo_dataset, analysis, "Cambridge 002", notes=notes, typology=typology)
    assert profile.notes == ["hostel"] and profile.typology == "Group 1: high housing need"


def test_unknown_area_is_explained(demo_dataset, analysis):
    with pytest.raises(InputError, match="no area with the code"):
        area_profile(demo_dataset, analysis, "E99999999")
    assert area_choices(demo_dataset, "lad").is_monotonic_increasing


def test_export_refuses_a_hidden_number_and_writes_png_and_pdf(demo_dataset, analysis):
    from meam_mapping.export.profile import profile_bytes, profile_figure, spine_positions

    profile = area_profile(demo_dataset, analysis, "E01017943")
    assert profile_bytes(profile, "pdf")[:4] == b"%PDF"
    assert profile_bytes(profile, "png")[:4] == b"\x89PNG"
    pos = spine_positions(profile.indicators)
    shown = pos["x_area"].dropna()
    assert (shown.abs() <= 1 + 1e-9).all()
    leaked = profile.indicators.copy()
    leaked.loc[leaked["category"] == "Not shown", "value"] = 3.0
    from dataclasses import replace

    with pytest.raises(ValueError, match="hidden figure"):
        profile_figure(replace(profile, indicators=leaked))


def test_spine_puts_the_worse_end_left():
    from meam_mapping.export.profile import spine_positions

    t = pd.DataFrame({"value": [10.0, 10.0], "district_value": np.nan, "range_min": [0.0, 0.0],
                      "range_q25": [2.0, 2.0], "range_q75": [6.0, 6.0], "range_max": [10.0, 10.0],
                      "study_value": [5.0, 5.0], "polarity": ["higher_is_worse", "lower_is_worse"]})  # fmt: skip
    pos = spine_positions(t)
    assert pos["x_area"].tolist() == [-1.0, 1.0]

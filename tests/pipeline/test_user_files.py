"""The pipeline on a user's own files in the README's formats, not the demo.

The corpus (tests/userfiles.py) has no ``indicator_name`` column, units
written "per 1,000 adults", two periods, "*" marks, a wide table and an
overlap table by district, loaded as the Data page loads them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from meam_mapping import pipeline
from meam_mapping.disclosure import DisclosurePolicy
from meam_mapping.pipeline.publish import map_slice, publish_headline, published_table


def test_every_indicator_has_a_readable_name_and_unit(user_dataset):
    catalogue = user_dataset.catalogue()
    names = catalogue.set_index("indicator")["indicator_name"]
    assert names.notna().all()
    assert not names.astype(str).str.lower().isin(["nan", "none", ""]).any()
    assert names["homelessness_duty_owed"] == "Homelessness duty owed"
    labels = catalogue.set_index("indicator")["unit_label"].astype(str)
    assert labels["homelessness_duty_owed"] == "per 1,000 adults"
    assert not labels.str.contains("_").any(), labels.to_dict()  # never a code such as per_1000
    assert "denominator" not in set(catalogue["indicator"])  # the wide table's population column


@pytest.mark.parametrize("level", ["msoa", "lad"])
@pytest.mark.parametrize("period", ["2023/24", "2024/25"])
def test_rates_above_lsoa_are_summed_counts_over_summed_adults(
    user_dataset, user_files, level, period
):
    raw = user_files.tidy_table
    raw = raw[(raw["indicator"] == "homelessness_duty_owed") & (raw["period"] == period)]
    raw = raw.assign(count=pd.to_numeric(raw["count"], errors="coerce"))
    parent = {"msoa": "MSOA11CD", "lad": "LAD19CD"}[level]
    parents = user_files.lsoa.set_index("LSOA11CD")[parent]
    grouped = raw.assign(parent=raw["area_code"].map(parents)).groupby("parent")
    expected = grouped.apply(lambda g: np.nan if g["count"].isna().any()
                             else 1000 * g["count"].sum() / g["denominator"].sum())  # fmt: skip
    shown = map_slice(user_dataset, "homelessness_duty_owed", period, level, DisclosurePolicy())
    shown = shown.set_index("area_code")
    visible = shown.index[~shown["suppressed"].astype(bool) & shown["value"].notna()]
    assert len(visible) > 0.5 * len(shown)
    assert_allclose(shown.loc[visible, "value"], expected.reindex(visible), rtol=1e-9)
    # never the count shown as the rate
    assert not np.allclose(shown.loc[visible, "value"], shown.loc[visible, "count"])


def test_latest_period_is_the_later_financial_year(user_dataset):
    shown = map_slice(user_dataset, "homelessness_duty_owed", None, "lad", DisclosurePolicy())
    assert set(shown["period"]) == {"2024/25"}


def test_published_table_has_intervals_and_comparisons(user_dataset):
    table = published_table(user_dataset, "probation_caseload", None, "msoa", DisclosurePolicy())
    assert list(table.columns[:4]) == ["area_code", "area_name", "level", "period"]
    shown = table.loc[~table["suppressed"]]
    assert (shown["ci_low"] <= shown["value"]).all() and (shown["value"] <= shown["ci_high"]).all()
    assert shown["compared"].isin(["significantly higher", "significantly lower", "similar"]).all()
    hidden = table.loc[table["suppressed"]]
    assert hidden[["count", "value", "ci_low", "ci_high"]].isna().all().all()
    assert not table["count"].between(1, 4).any()


def test_the_analysis_runs_and_says_what_it_could_not_do(user_dataset):
    analysis = pipeline.run(user_dataset, pipeline.AnalysisSettings(permutations=99))
    head = publish_headline(analysis.headline, analysis.policy)
    assert head["n_hat"] > head["observed"] > 0
    assert head["ci_low"] <= head["n_hat"] <= head["ci_high"]
    assert "index_by_area" in analysis.tables and "hotspots" in analysis.tables
    # the corpus has no count of people known to two or more services per area
    assert "known_multiple_disadvantage" in analysis.unavailable["zones"]
    text = " ".join(analysis.unavailable.values())
    assert "nan" not in text and "per_1000" not in text
    # Each part that could not be made is named in words, with the reason and no program names.
    from meam_mapping.pipeline.report import analysis_text

    report = analysis_text(analysis, user_dataset)
    assert "Where hidden people live (small-area estimates): not available: only people" in report
    assert "Focus zones: not available:" in report
    assert "Small_area" not in report and "column 'indicator'" not in report


def _withheld_within(dataset, level):
    from meam_mapping.disclosure import WITHHELD_WITHIN

    shown = map_slice(dataset, "homelessness_duty_owed", "2024/25", level, DisclosurePolicy())
    return shown, set(shown.loc[shown["suppression"] == WITHHELD_WITHIN, "area_code"])


@pytest.mark.parametrize("level", ["msoa", "lad"])
def test_an_area_whose_count_is_unknown_is_not_called_small(user_dataset, user_files, level):
    """An MSOA or district holding an LSOA the source withheld ("*") has no known count.

    It is hidden, but it is not small: every surface says it is not known,
    none says "fewer than 5" (found by hand: the tooltip and the table said
    so of districts of 200 people).
    """
    import folium

    from meam_mapping.mapping import MapRequest, interactive_map
    from meam_mapping.pipeline.display import display_table
    from meam_mapping.pipeline.publish import publish_indicators
    from meam_mapping.pipeline.rates import district_prevalence
    from meam_mapping.pipeline.slices import area_names, every_indicator_all_levels

    words = "not known: includes counts withheld by the source"
    shown, unknown = _withheld_within(user_dataset, level)
    assert unknown, "the corpus withholds some LSOA counts with '*'"
    # Their known LSOAs alone hold five or more people: "fewer than 5" would be false.
    raw = user_files.tidy_table
    raw = raw[(raw["indicator"] == "homelessness_duty_owed") & (raw["period"] == "2024/25")]
    known = pd.to_numeric(raw["count"], errors="coerce")
    parent = user_files.lsoa.set_index("LSOA11CD")[{"msoa": "MSOA11CD", "lad": "LAD19CD"}[level]]
    known_sum = known.groupby(raw["area_code"].map(parent)).sum()
    assert (known_sum.reindex(sorted(unknown)) >= 5).all()
    # Not the areas hidden as small ones, or to protect them.
    assert shown.loc[shown["area_code"].isin(unknown), "count"].isna().all()

    table = published_table(user_dataset, "homelessness_duty_owed", "2024/25", level,
                            DisclosurePolicy()).set_index("area_code")  # fmt: skip
    assert (table.loc[sorted(unknown), "compared"] == f"not compared ({words})").all()

    people = display_table(shown, 5).set_index("Code")
    assert (people.loc[sorted(unknown), "Note"] == words).all()

    fmap = interactive_map(user_dataset, MapRequest(indicator="homelessness_duty_owed",
                                                    period="2024/25", level=level))  # fmt: skip
    layer = next(c for c in fmap._children.values() if isinstance(c, folium.GeoJson))
    tips = {f["properties"]["area_code"]: f["properties"]["tip"] for f in layer.data["features"]}
    for code in unknown:
        assert words in tips[code] and "fewer than" not in tips[code]
    legend = fmap.meam_map_data.legend
    assert words in legend.loc[legend["kind"] == "suppressed", "label"].item().lower()

    if level == "lad":  # the district rates of the Estimates page, analyse and the pack
        raw = every_indicator_all_levels(user_dataset, "2024/25")
        published = publish_indicators(raw, user_dataset, DisclosurePolicy())
        rates = district_prevalence(raw, published, area_names(user_dataset), DisclosurePolicy())
        rates = rates[(rates["indicator"] == "homelessness_duty_owed")
                      & (rates["period"] == "2024/25")].set_index("area_code")  # fmt: skip
        assert (rates.loc[sorted(unknown), "reason"] == f"count {words}").all()


def test_an_lsoa_withheld_by_the_source_says_so(user_dataset):
    from meam_mapping.disclosure import WITHHELD
    from meam_mapping.pipeline.display import display_table

    shown = map_slice(user_dataset, "homelessness_duty_owed", "2024/25", "lsoa", DisclosurePolicy())
    own = shown["suppression"] == WITHHELD
    assert own.any()
    people = display_table(shown, 5).set_index("Code")
    assert (people.loc[shown.loc[own, "area_code"], "Note"] == "withheld by the source").all()

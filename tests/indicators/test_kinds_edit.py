"""Kinds and polarity changed by a person (the Data page's editor) and what follows from them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from workshop_data import grid_dataset

from meam_mapping.dataset import Dataset
from meam_mapping.errors import InputError
from meam_mapping.indicators.kinds import apply_kinds, with_kinds
from meam_mapping.maps.classify import ordinal_classes_for
from meam_mapping.pipeline.compare import indicator_polarity
from meam_mapping.pipeline.concentration import fit_index
from meam_mapping.pipeline.settings import AnalysisSettings
from meam_mapping.pipeline.slices import domain_rates_at, indicator_all_levels, levels_of


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    base = grid_dataset(6, seed=3)
    codes = base.areas["lsoa"]["area_code"]
    # A deprivation decile given as plain numbers with a neutral "score" reading.
    decile = pd.DataFrame(
        {
            "area_code": codes,
            "indicator": "imd_decile_as_score",
            "indicator_name": "Deprivation group",
            "domain": "context",
            "period": "2022",
            "value": (np.arange(len(codes)) % 10 + 1).astype(float),
            "unit": "score",
            "kind": "score",
            "polarity": "neutral",
            "source": "tests",
        }
    )
    return Dataset(
        areas=base.areas,
        indicators=pd.concat([base.indicators, decile], ignore_index=True),
        name="kinds test",
    )


def _first(ds: Dataset, indicator: str, column: str) -> str:
    rows = ds.indicators.loc[ds.indicators["indicator"] == indicator, column]
    assert rows.nunique() == 1
    return str(rows.iloc[0])


def test_apply_kinds_writes_every_row_and_forgives_spelling(dataset):
    out = apply_kinds(
        dataset.indicators,
        {"imd_decile_as_score": {"kind": "Decile", "polarity": "Lower is worse"}},
    )
    rows = out[out["indicator"] == "imd_decile_as_score"]
    assert set(rows["kind"]) == {"decile"} and set(rows["polarity"]) == {"lower_is_worse"}
    # Other indicators and the input are untouched.
    other = out["indicator"] != "imd_decile_as_score"
    pd.testing.assert_frame_equal(out[other], dataset.indicators[other])
    assert set(dataset.indicators.loc[~other, "kind"]) == {"score"}


def test_apply_kinds_takes_the_editor_table_and_blank_leaves_a_value(dataset):
    edited = pd.DataFrame(
        {
            "indicator": ["probation_caseload", "imd_decile_as_score"],
            "kind": ["", "quintile"],
            "polarity": ["lower_is_worse", None],
        }
    )
    with pytest.raises(InputError, match="cannot be quintiles") as err:
        apply_kinds(dataset.indicators, edited)
    assert "1 to 5" in err.value.message
    edited.loc[1, "kind"] = "category"
    out = apply_kinds(dataset.indicators, edited)
    probation = out[out["indicator"] == "probation_caseload"]
    assert set(probation["kind"]) == {_first(dataset, "probation_caseload", "kind")}
    assert set(probation["polarity"]) == {"lower_is_worse"}
    assert set(out.loc[out["indicator"] == "imd_decile_as_score", "kind"]) == {"category"}


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"nope": {"kind": "count"}}, ["no indicator 'nope'", "probation_caseload"]),
        ({"probation_caseload": {"kind": "median"}}, ["unknown kind 'median'", "decile"]),
        ({"probation_caseload": {"polarity": "bad"}}, ["unknown polarity", "higher_is_worse"]),
        ({"probation_caseload": {"colour": "red"}}, ["only kind and polarity"]),
        # Rates such as 12.5 per 1,000 are not ranks.
        ({"probation_caseload": {"kind": "rank"}}, ["cannot be ranks", "whole numbers 1 or more"]),
    ],
)
def test_apply_kinds_refuses_what_it_cannot_apply(dataset, changes, words):
    with pytest.raises(InputError) as err:
        apply_kinds(dataset.indicators, changes)
    for word in words:
        assert word in err.value.message


def test_a_decile_set_by_hand_is_mapped_in_ten_ordered_classes_most_deprived_darkest(dataset):
    before, _ = indicator_all_levels(dataset, "imd_decile_as_score")
    values = before["value"].to_numpy()
    assert ordinal_classes_for(before, values) is None  # a score: ordinary classes
    changed = with_kinds(
        dataset, {"imd_decile_as_score": {"kind": "decile", "polarity": "lower_is_worse"}}
    )
    after, _ = indicator_all_levels(changed, "imd_decile_as_score")
    classes = ordinal_classes_for(after, after["value"].to_numpy())
    assert classes is not None and classes.kind == "decile"
    assigned = classes.assign(after["value"].to_numpy())
    # Decile 1 (most deprived) is the last, darkest class; decile 10 the first.
    assert set(assigned[after["value"].to_numpy() == 1]) == {9}
    assert set(assigned[after["value"].to_numpy() == 10]) == {0}
    assert any("set by hand to decile, lower is worse" in n for n in changed.notes)


def test_a_count_turned_into_a_score_is_no_longer_added_up(dataset):
    assert levels_of(dataset, "drug_alcohol_treatment") == ["lsoa", "msoa", "lad"]
    changed = with_kinds(dataset, {"drug_alcohol_treatment": {"kind": "score"}})
    assert levels_of(changed, "drug_alcohol_treatment") == ["lsoa"]


def test_polarity_set_by_hand_turns_the_benchmark_words_and_the_composite_index(dataset):
    settings = AnalysisSettings(level="lsoa")
    rates = domain_rates_at(dataset, "lsoa")
    assert rates.attrs["polarity"]["justice"] == "higher_is_worse"
    before = fit_index(rates, settings, simulations=0)
    changed = with_kinds(dataset, {"probation_caseload": {"polarity": "lower_is_worse"}})
    assert indicator_polarity(changed, "probation_caseload") == "lower_is_worse"
    turned = domain_rates_at(changed, "lsoa")
    after = fit_index(turned, settings, simulations=0)
    assert before.reversed_ == [] and after.reversed_ == ["justice"]
    # The justice column's standardised values are the mirror image: the area
    # with the lowest probation rate now counts as having the most need there.
    low = turned["justice"].idxmin()
    high = turned["justice"].idxmax()
    assert after.standardised_.loc[low, "justice"] == after.standardised_["justice"].max()
    assert before.standardised_.loc[high, "justice"] == before.standardised_["justice"].max()
    pd.testing.assert_series_equal(
        after.standardised_["homelessness"], before.standardised_["homelessness"]
    )


def test_kinds_set_by_hand_survive_saving_and_reopening_a_workspace(dataset, tmp_path):
    from meam_mapping.workspace import Workspace, load_workspace, save_workspace

    changed = with_kinds(
        dataset,
        {
            "imd_decile_as_score": {"kind": "decile", "polarity": "lower_is_worse"},
            "probation_caseload": {"polarity": "lower_is_worse"},
        },
    )
    path = save_workspace(Workspace(dataset=changed), tmp_path / "kinds.gpkg")
    back = load_workspace(path).dataset
    assert _first(back, "imd_decile_as_score", "kind") == "decile"
    assert _first(back, "imd_decile_as_score", "polarity") == "lower_is_worse"
    assert _first(back, "probation_caseload", "polarity") == "lower_is_worse"
    assert any("set by hand" in n for n in back.notes)

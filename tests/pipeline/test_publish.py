"""The publication gate attacked: linked tables, estimates on small overlaps, derived outputs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from meam_mapping import pipeline
from meam_mapping.disclosure import DisclosurePolicy
from meam_mapping.pipeline.publish import (
    headline_of,
    map_slice,
    pooled_figure,
    publish_hidden,
    publish_indicators,
    publish_models,
    publish_records,
    scrub_small_numbers,
)
from meam_mapping.pipeline.slices import every_indicator_all_levels, linked_groups


@pytest.fixture(scope="module")
def sexes(demo_dataset):
    """A Fingertips-style Persons/Male/Female indicator on the demo districts (40 = 37 + 3)."""
    lad = demo_dataset.areas["lad"]["area_code"].tolist()
    rows = []
    for i, code in enumerate(lad):
        male, female = (37, 3) if i == 0 else (60 + i, 55 + i)
        for sex, count in (("persons", male + female), ("male", male), ("female", female)):
            rows.append({"area_code": code, "indicator": f"alcohol_admissions_{sex}",
                         "indicator_name": f"Alcohol admissions ({sex})", "domain": "substance_misuse",
                         "period": "2022/23", "count": float(count), "denominator": 20000.0,
                         "value": count / 20.0, "unit": "per_1000", "source": "Fingertips",
                         "suppressed": False})  # fmt: skip
    table = pd.concat([demo_dataset.indicators, pd.DataFrame(rows)], ignore_index=True)
    return dataclasses.replace(demo_dataset, indicators=table)


def _shown(frame: pd.DataFrame, code: str) -> float:
    row = frame.loc[frame["area_code"] == code].iloc[0]
    return np.nan if row["suppressed"] else float(row["count"])


def test_persons_male_female_are_suppressed_together(sexes):
    assert linked_groups(sexes.indicators["indicator"].unique()) == {
        "alcohol_admissions_persons": ["alcohol_admissions_male", "alcohol_admissions_female"]
    }
    code = sexes.areas["lad"]["area_code"].iloc[0]
    shown = {sex: _shown(map_slice(sexes, f"alcohol_admissions_{sex}", None, "lad", DisclosurePolicy()),
                         code) for sex in ("persons", "male", "female")}  # fmt: skip
    assert np.isnan(shown["female"])
    # Persons - Male would give the 3 back: one of them must be hidden too.
    assert np.isnan(shown["persons"]) or np.isnan(shown["male"])
    table = publish_indicators(every_indicator_all_levels(sexes), sexes)
    lad = table.loc[(table["level"] == "lad") & (table["area_code"] == code)
                    & table["indicator"].str.startswith("alcohol_admissions")]  # fmt: skip
    assert lad["suppressed"].sum() >= 2


def test_estimates_resting_on_small_overlaps_are_rounded(demo_dataset):
    hidden = pipeline.hidden_by_area(demo_dataset)
    policy = DisclosurePolicy()
    total, areas = hidden.small_cells(policy.threshold)
    assert areas, "the demo has districts with overlaps of fewer than 5"
    table = publish_hidden(hidden, policy).set_index("area_code")
    for code in areas:
        assert table.loc[code, "n_hat"] % 10 == 0 and table.loc[code, "observed"] % 5 == 0
    head = headline_of(hidden, policy)
    assert total and head["n_hat"] % 10 == 0 and head["rounding"]
    # The table's total row and the headline are the same published figure.
    assert table.loc["Total", "n_hat"] == head["n_hat"]


def test_chapman_overlap_cannot_be_solved_back():
    # Two lists with 3 people on both: Chapman's (n1+1)(n2+1)/(m+1) - 1 and the seen
    # count would give m back exactly if both were shown exactly.
    patterns = pd.DataFrame({"a": [1, 0, 1], "b": [0, 1, 1], "count": [57, 63, 3]})
    from meam_mapping.estimate import hidden_records

    published = publish_records(hidden_records(patterns), patterns, DisclosurePolicy())[0]
    seen, n_hat = published["observed"], published["n_hat"]
    assert seen % 5 == 0 and n_hat % 10 == 0
    candidates = set()
    for m in range(1, 5):
        for n1 in range(m, 130):
            n2 = seen - n1 + m
            for exact_seen in range(seen - 2, seen + 3):
                n2 = exact_seen - n1 + m
                if n2 < m:
                    continue
                estimate = (n1 + 1) * (n2 + 1) / (m + 1) - 1
                if abs(estimate - n_hat) <= 5:
                    candidates.add(m)
    assert len(candidates) >= 3, candidates  # the overlap stays uncertain


def test_warnings_never_name_a_small_number():
    text = "only 1 people are on both lists (fewer than 10): the estimate may be unstable; 240 seen"
    scrubbed = scrub_small_numbers(text, 5)
    assert "only fewer than 5 people" in scrubbed and "240 seen" in scrubbed and "10" in scrubbed


def test_zone_rates_come_from_rounded_estimates(demo_dataset):
    analysis = pipeline.run(demo_dataset, pipeline.AnalysisSettings(permutations=99))
    zones = analysis.tables["focus_zones"].dropna(subset=["estimated_people"])
    assert (zones["estimated_people"] % 10 == 0).all()
    back = zones["people_per_1000_adults"] * zones["adults"] / 1000
    assert np.allclose(back, zones["estimated_people"], atol=0.05 * zones["adults"] / 1000 + 1e-9)
    people = analysis.tables["area_estimates"].dropna(subset=["estimated_people"])
    assert (people["estimated_people"] % 5 == 0).all()
    index = analysis.tables["index_by_area"]
    assert index["index_decile"].between(1, 10).all()
    assert index.loc[index["shown"] != "", ["score", "rank"]].isna().all().all()


def _small_area_result(known, n_hat, ci_low):
    from meam_mapping.pipeline.small_area import SmallAreaResult

    codes = [f"E0100000{i}" for i in range(len(known))]
    lsoa = pd.DataFrame({"area_code": codes, "lad_code": "E07000001", "n_hat": n_hat,
                         "ci_low": ci_low, "ci_high": np.asarray(n_hat) + 8.0, "known": known,
                         "hidden": np.asarray(n_hat) - np.asarray(known)})  # fmt: skip
    lsoa["hidden_share"] = lsoa["hidden"] / lsoa["n_hat"]
    return SmallAreaResult(lsoa=lsoa, by_level={}, method="test"), codes


def test_small_area_estimate_hidden_where_the_known_count_is_hidden():
    # 3 known, 10 estimated, 70% hidden: n_hat x (1 - share) = 3 and the lower limit (never
    # below the known count) rounds to 5, so published as they are they would give 3 back.
    result, codes = _small_area_result([3.0, 40.0], [10.0, 60.0], [4.0, 45.0])
    published = pd.DataFrame({"area_code": codes, "indicator": "known_md_any",
                              "suppressed": [True, False]})  # fmt: skip
    names = pd.Series(["A", "B"], index=codes)
    out = pipeline.publish.publish_small_area(result, names, published, "known_md_any")
    first, second = out.iloc[0], out.iloc[1]
    assert (
        first["suppressed"] and first[["n_hat", "ci_low", "ci_high", "hidden_share"]].isna().all()
    )
    assert not second["suppressed"] and second["n_hat"] == 60 and second["hidden_share"] == 33
    # without the published table nothing is hidden (and the old, leaky, figures come back)
    bare = pipeline.publish.publish_small_area(result, names)
    assert bare.loc[0, "n_hat"] * (1 - bare.loc[0, "hidden_share"] / 100) == pytest.approx(3.0)


def test_hotspots_are_published_as_bands_without_z_or_p():
    from meam_mapping.pipeline.publish import index_deciles, publish_hotspots

    result = pd.DataFrame({
        "area_code": ["a", "b", "c", "d"], "value": [1.0, 2.0, 3.0, 4.0],
        "statistic": [0.1, 0.2, 0.3, 0.4], "z": [2.71, -2.2, 0.3, 1.7],
        "p_value": [0.0005, 0.02, 0.7, 0.08], "p_fdr": [0.004, 0.04, 0.7, 0.09],
        "significant": [True, True, False, True],
        "category": ["Hot spot", "Cold spot", "Not significant", "Hot spot"],
        "method": "Getis-Ord Gi* with FDR",
    })  # fmt: skip
    out = publish_hotspots(result, pd.Series({"a": "A", "b": "B", "c": "C", "d": "D"}))
    assert list(out["confidence"]) == ["Hot spot, 99% confidence", "Cold spot, 95% confidence",
                                       "Not significant", "Hot spot, 90% confidence"]  # fmt: skip
    assert not {"z", "statistic", "value", "p_value", "p_fdr"} & set(out.columns)
    scores = pd.Series([5.0, 1.0, np.nan, 3.0] + list(range(10, 26)), dtype=float)
    deciles = index_deciles(scores)
    assert deciles.iloc[2] is pd.NA and deciles.max() == 10 and deciles.min() == 1
    assert deciles.iloc[1] == 1 and deciles.iloc[-1] == 10


@pytest.fixture(scope="module")
def small_pair(user_files, tmp_path_factory):
    """The user corpus with 3 people on both treatment and mental health in Fenland (E07000010)."""
    from meam_mapping.loading import build_dataset

    patterns = pd.read_csv(user_files.patterns)
    both = (
        (patterns["area_code"] == "E07000010")
        & (patterns["treatment"] == 1)
        & (patterns["mental_health"] == 1)
    )
    patterns.loc[both, "count"] = 0
    patterns.loc[patterns.index[both][0], "count"] = 3
    path = tmp_path_factory.mktemp("small-pair") / "overlap.csv"
    patterns.to_csv(path, index=False)
    dataset, _ = build_dataset(user_files.boundaries, [user_files.tidy], [path])
    return dataset, patterns


def test_district_warnings_never_name_a_small_overlap(small_pair):
    """Found by hand: the pack's hidden_by_district.csv said "treatment & mental_health: 3"."""
    dataset, _ = small_pair
    hidden = pipeline.hidden_by_area(dataset)
    raw = hidden.by_area.set_index("area_code").loc["E07000010", "warnings"]
    assert "treatment & mental_health: 3" in raw  # what the estimator says, before the gate
    table = publish_hidden(hidden, DisclosurePolicy()).set_index("area_code")
    shown = table.loc["E07000010", "warnings"]
    assert "treatment & mental_health: fewer than 5" in shown
    assert ": 3" not in shown


def test_no_exact_estimate_of_a_rounded_district_is_in_its_warnings(user_dataset):
    """A rounded district's warning gave its exact estimate (175, published as 170) back."""
    import re

    hidden = pipeline.hidden_by_area(user_dataset)
    policy = DisclosurePolicy()
    _, small = hidden.small_cells(policy.threshold)
    exact = hidden.by_area.set_index("area_code")
    table = publish_hidden(hidden, policy).set_index("area_code")
    worded = 0
    for code in small:
        text = str(table.loc[code, "warnings"])
        numbers = [int(n.replace(",", "")) for n in re.findall(r"about ([\d,]+)", text)]
        worded += len(numbers)
        assert all(n % 10 == 0 for n in numbers), text
        for column in ("n_hat", "ci_low", "ci_high"):
            value = round(float(exact.loc[code, column]))
            if value % 10:
                assert not re.search(rf"(?<![\d,.]){value:,}(?![\d,])", text), (column, text)
    assert worded, "the corpus has a rounded district whose warning names estimates"


def test_chao_lower_bound_is_rounded_with_the_estimates():
    from meam_mapping.estimate import hidden_records

    patterns = pd.DataFrame({"a": [1, 0, 0, 1, 1, 0, 1], "b": [0, 1, 0, 1, 0, 1, 1],
                             "c": [0, 0, 1, 0, 1, 1, 1], "count": [60, 48, 52, 9, 3, 11, 6]})  # fmt: skip
    record = hidden_records(patterns)[0]
    assert record["chao_lower_bound"] % 10  # to six places before the gate
    published = publish_records([record], patterns, DisclosurePolicy())[0]
    assert published["chao_lower_bound"] % 10 == 0 and published["n_hat"] % 10 == 0


def _pooled(table, lists):
    from meam_mapping.estimate import MultipleSystemsEstimator
    from meam_mapping.pipeline.hidden import HiddenResult

    model = MultipleSystemsEstimator(lists=list(lists), select="aic").fit(table)
    return HiddenResult(by_area=pd.DataFrame(), headline=None, pooled=None,
                        comparison=model.comparison_, overlap=table, lists=tuple(lists),
                        level=None, table=table)  # fmt: skip


def test_model_comparison_is_not_listed_where_it_would_give_hidden_overlaps_back():
    """Attack: try every value (1-4) of the two hidden cells against the models' fit.

    The exact deviances pin both cells, so with a small cell the list is not
    shown; without one it is, in whole people.
    """
    lists = ("a", "b", "c")
    pats = [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1)]
    counts = [60, 48, 52, 14, 3, 11, 2]  # a & c only: 3; all three: 2 (both hidden)
    table = pd.DataFrame(pats, columns=list(lists)).assign(count=counts)
    truth = _pooled(table, lists).comparison
    pinned = set()
    for x in range(1, 5):
        for y in range(1, 5):
            trial = _pooled(table.assign(count=counts[:4] + [x, counts[5], y]), lists)
            if np.allclose(trial.comparison["deviance"].round(2), truth["deviance"].round(2)):
                pinned.add((x, y))
    assert pinned == {(3, 2)}  # what listing the models to two decimals would give away
    policy = DisclosurePolicy()
    assert publish_models(_pooled(table, lists), policy).empty
    large = table.assign(count=counts[:4] + [13, counts[5], 12])
    shown = publish_models(_pooled(large, lists), policy)
    assert len(shown) == len(truth) and shown["selected"].sum() == 1
    assert (shown["n_hat"].dropna() % 1 == 0).all()


def test_one_model_figure_is_left_out_where_the_summed_table_has_a_small_cell(
    user_dataset, small_pair
):
    dataset, patterns = small_pair
    policy = DisclosurePolicy()
    lists = ["housing", "treatment", "mental_health", "probation"]
    # And one whose summed table has a pattern of 2 people (all in one district).
    rare = user_dataset.patterns.copy()
    lone = (rare[lists] == [1, 0, 1, 1]).all(axis=1)
    rare.loc[lone, "count"] = 0
    rare.loc[rare.index[lone][0], "count"] = 2
    sparse = dataclasses.replace(user_dataset, patterns=rare)
    seen = set()
    for data, table in ((user_dataset, user_dataset.patterns), (dataset, patterns), (sparse, rare)):
        summed = table.groupby(lists)["count"].sum()
        small = bool(((summed > 0) & (summed < policy.threshold)).any())
        hidden = pipeline.hidden_by_area(data)
        figure = pooled_figure(hidden, policy)
        assert (figure is None) == small
        seen.add(small)
        assert publish_models(hidden, policy).empty == small
        if figure is not None:
            assert abs(figure["n_hat"] - hidden.pooled.n_hat) <= 5  # rounded as the headline is
    assert seen == {True, False}


def test_hidden_share_comes_from_the_published_figures(user_dataset):
    """A share to six places from the exact estimate (0.365619 beside 60 of 170) said what
    rounding hid; it is the published hidden over the published estimate, to two places."""
    hidden = pipeline.hidden_by_area(user_dataset)
    policy = DisclosurePolicy()
    table = publish_hidden(hidden, policy)
    shown = table.dropna(subset=["n_hat", "hidden"])
    assert len(shown) >= 2 and (shown["rounding"] != "").any()
    expected = (shown["hidden"] / shown["n_hat"]).round(2)
    assert np.allclose(shown["hidden_share"].astype(float), expected)
    head = headline_of(hidden, policy)
    assert head["hidden_share"] == table.set_index("area_code").loc["Total", "hidden_share"]


@pytest.mark.parametrize(
    "indicator",
    ["homelessness_duty_owed", "alcohol_admissions_persons", "alcohol_admissions_female"],
)
def test_one_audit_serves_every_level(sexes, indicator):
    """Each level's map taken from one published table of all levels is the map made alone."""
    from meam_mapping.pipeline.publish import published_levels

    policy = DisclosurePolicy()
    published = published_levels(sexes, indicator, None, policy)
    levels = sorted(set(published["level"]))
    assert len(levels) >= 2 if indicator.startswith("homelessness") else levels == ["lad"]
    for level in levels:
        alone = map_slice(sexes, indicator, None, level, policy)
        shared = map_slice(sexes, indicator, None, level, policy, published=published)
        pd.testing.assert_frame_equal(shared, alone)
        assert shared.attrs == alone.attrs

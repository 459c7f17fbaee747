"""Ranks and deciles at larger areas: MHCLG's summaries instead of sums (issue 15)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from workshop_data import grid_dataset

from meam_mapping.dataset import Dataset
from meam_mapping.errors import InputError
from meam_mapping.geography.aggregate import aggregate_indicators
from meam_mapping.geography.ordinal_summaries import (
    offer_for_ordinal,
    summarise_ordinal,
    why_not_summed,
    with_ordinal_summaries,
)
from meam_mapping.pipeline.slices import indicator_all_levels, levels_of

# Headings exactly as in the English Indices of Deprivation 2019 (Files 1, 5 and 6).
DECILE = "Index of Multiple Deprivation (IMD) Decile"
RANK = "Index of Multiple Deprivation (IMD) Rank"
SCORE = "Index of Multiple Deprivation (IMD) Score"
POPULATION = "Total population: mid 2015 (excluding prisoners)"
CODES = [f"E0100000{i}" for i in range(1, 7)]
LOOKUP = dict(zip(CODES, ["E02000001"] * 3 + ["E02000002"] * 3, strict=True))


def _rows(indicator, values, kind, polarity, unit, period="2019"):
    return pd.DataFrame(
        {
            "area_code": CODES,
            "indicator": indicator,
            "indicator_name": indicator,
            "domain": "context",
            "period": period,
            "count": values if kind == "count" else np.nan,
            "denominator": np.nan,
            "value": values,
            "unit": unit,
            "kind": kind,
            "polarity": polarity,
            "source": "English Indices of Deprivation 2019",
        }
    )


@pytest.fixture()
def table() -> pd.DataFrame:
    return pd.concat(
        [
            _rows(DECILE, [1, 1, 5, 10, 3, np.nan], "decile", "lower_is_worse", "decile"),
            _rows(RANK, [10, 20, 1500, 32000, 7000, 9000], "rank", "lower_is_worse", "rank"),
            _rows(SCORE, [10.0, 20.0, 40.0, 5.0, 30.0, 12.0], "score", "higher_is_worse", "score"),
            _rows(
                POPULATION,
                [100.0, 200.0, 100.0, 1000.0, 500.0, 500.0],
                "count",
                "neutral",
                "count",
                "2015",
            ),
        ],
        ignore_index=True,
    )


def test_a_decile_is_never_summed(table):
    with pytest.raises(InputError, match="cannot be added up"):
        aggregate_indicators(table[table["indicator"] == DECILE], LOOKUP, to_level="msoa")


def test_the_offer_names_the_matching_score_and_population(table):
    offer = offer_for_ordinal(table, DECILE)
    assert (offer.score, offer.population, offer.share) == (SCORE, POPULATION, True)
    assert offer.average_score and offer.missing == ()
    rank = offer_for_ordinal(table, RANK)
    assert rank.score == SCORE and not rank.share  # no "share in the most deprived rank"
    assert "A rank places each small area" in rank.reason
    assert why_not_summed("decile").count(".") == 1  # one sentence


def test_worked_example_average_score_and_share_in_decile_1(table):
    out = summarise_ordinal(table, LOOKUP, indicator=DECILE, to_level="msoa").set_index(
        ["indicator", "area_code"]
    )
    average = out.loc[f"{SCORE}_population_weighted_msoa"]
    # (10x100 + 20x200 + 40x100) / 400 = 22.5; (5x1000 + 30x500 + 12x500) / 2000 = 13.0
    assert_allclose(average["value"], [22.5, 13.0])
    assert set(average["kind"]) == {"score"} and set(average["polarity"]) == {"higher_is_worse"}
    assert "population-weighted average of LSOA scores" in average["indicator_name"].iloc[0]
    assert POPULATION in average["source"].iloc[0]
    assert set(average["period"]) == {"2019"}
    share = out.loc[f"{DECILE}_share_most_deprived_msoa"]
    # E02000001: deciles 1, 1, 5 -> 2 of 3 in decile 1; E02000002 has an LSOA without a
    # decile, so its share is unknown rather than worked out from part of it.
    assert_allclose(share["value"].iloc[0], 200 / 3)
    assert np.isnan(share["value"].iloc[1])
    assert set(share["unit"]) == {"percent"} and set(share["unit_label"]) == {"% of LSOAs"}
    assert "most deprived decile" in share["indicator_name"].iloc[0]
    assert out["count"].isna().all()  # summaries of areas, not counts of people


def test_higher_is_worse_deciles_count_decile_10(table):
    flipped = table.assign(
        polarity=np.where(table["indicator"] == DECILE, "higher_is_worse", table["polarity"])
    )
    out = summarise_ordinal(flipped, LOOKUP, indicator=DECILE, to_level="msoa")
    share = out[out["indicator"].str.endswith("share_most_deprived_msoa")]
    assert_allclose(share["value"].iloc[0], 0.0)


def test_without_score_or_population_it_says_what_to_load(table):
    alone = table[table["indicator"] == RANK]
    offer = offer_for_ordinal(alone, RANK)
    assert not offer.anything
    assert any("File 5" in m for m in offer.missing) and any(
        "population" in m for m in offer.missing
    )
    with pytest.raises(InputError) as err:
        summarise_ordinal(alone, LOOKUP, indicator=RANK, to_level="msoa")
    assert "File 5" in err.value.message and "A rank places" in err.value.message
    neutral = table.assign(polarity="neutral")
    assert not offer_for_ordinal(neutral, DECILE).share
    with pytest.raises(InputError, match="not a rank, decile or quintile"):
        offer_for_ordinal(table, SCORE)


def test_a_dataset_gets_the_summaries_at_msoa_and_district_level():
    base = grid_dataset(6, seed=2)
    codes = base.areas["lsoa"]["area_code"].to_numpy()
    rng = np.random.default_rng(5)
    n = len(codes)
    wide = [
        (DECILE, rng.integers(1, 11, n).astype(float), "2019"),
        (SCORE, rng.uniform(2, 60, n), "2019"),
        (POPULATION, rng.integers(1000, 2500, n).astype(float), "2015"),
    ]
    extra = pd.concat(
        [
            pd.DataFrame(
                {
                    "area_code": codes,
                    "indicator": name,
                    "indicator_name": name,
                    "domain": "context",
                    "period": period,
                    "value": values,
                    "count": values if name == POPULATION else np.nan,
                    "unit": "count" if name == POPULATION else "score",
                    "source": "IoD2019",
                }
            )  # fmt: skip
            for name, values, period in wide
        ]
    )
    ds = Dataset(
        areas=base.areas, indicators=pd.concat([base.indicators, extra], ignore_index=True)
    )
    # Inferred from the headings: decile lower-is-worse, population a neutral count.
    assert levels_of(ds, DECILE) == ["lsoa"]
    out = with_ordinal_summaries(ds, DECILE)
    added = [
        i for i in out.indicators["indicator"].unique() if i not in set(ds.indicators["indicator"])
    ]
    assert sorted(added) == sorted(
        [f"{SCORE}_population_weighted_msoa", f"{SCORE}_population_weighted_lad",
         f"{DECILE}_share_most_deprived_msoa", f"{DECILE}_share_most_deprived_lad"]
    )  # fmt: skip
    lad, native = indicator_all_levels(out, f"{DECILE}_share_most_deprived_lad")
    assert native == "lad" and len(lad) == 2
    lsoa = ds.areas["lsoa"]
    decile = extra[extra["indicator"] == DECILE].set_index("area_code")["value"]
    for code, value in zip(lad["area_code"], lad["value"], strict=True):
        children = lsoa.loc[lsoa["lad_code"] == code, "area_code"]
        assert_allclose(value, 100 * (decile.loc[children] == 1).mean())
    score = extra[extra["indicator"] == SCORE].set_index("area_code")["value"]
    pop = extra[extra["indicator"] == POPULATION].set_index("area_code")["value"]
    msoa, _ = indicator_all_levels(out, f"{SCORE}_population_weighted_msoa")
    for code, value in zip(msoa["area_code"], msoa["value"], strict=True):
        children = lsoa.loc[lsoa["msoa_code"] == code, "area_code"]
        expected = (score[children] * pop[children]).sum() / pop[children].sum()
        assert_allclose(value, expected)
    assert any("A decile places" in note for note in out.notes)
    # Running it again replaces rather than duplicates.
    again = with_ordinal_summaries(out, DECILE)
    assert len(again.indicators) == len(out.indicators)
    # Asking for the decile itself at district level (map/table commands) says why not.
    from meam_mapping.pipeline.publish import map_slice

    with pytest.raises(InputError) as err:
        map_slice(ds, DECILE, None, "lad")
    assert "A decile places each small area" in err.value.message
    assert "Data page" in err.value.message

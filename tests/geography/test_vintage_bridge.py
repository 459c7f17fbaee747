"""LSOA 2011 tables on 2021 boundaries (and back) through the ONS lookup (issue 15 item 5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from meam_mapping.errors import InputError
from meam_mapping.geography.vintage_bridge import (
    ONS_LOOKUP_LICENCE,
    bridge_offer,
    bridge_table,
    ons_lookup,
)

LOOKUP_CSV = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "geography"
    / "lsoa11_lsoa21_lad22_lookup_extract.csv"
)
OLD = ["E01000001", "E01000002", "E01000003", "E01000004", "E01000005",
       "E01000010", "E01000020", "E01000021", "E01000030", "E01000031"]  # fmt: skip
NEW = ["E01000001", "E01000002", "E01000003", "E01000004", "E01000005",
       "E01033770", "E01033771", "E01033780", "E01033790", "E01033791"]  # fmt: skip
COUNT = [10, 20, 5, 8, 12, 30, 7, 9, 16, 4]
DENOMINATOR = [1000, 1500, 800, 1200, 1000, 2000, 900, 1100, 1600, 800]


@pytest.fixture(scope="module")
def lookup():
    return ons_lookup(pd.read_csv(LOOKUP_CSV, dtype=str), file=LOOKUP_CSV.name)


def _table(codes, count, denominator):
    count, denominator = np.asarray(count, float), np.asarray(denominator, float)
    rate = pd.DataFrame(
        {"area_code": codes, "indicator": "homelessness_duty_owed", "domain": "homelessness",
         "period": "2023/24", "count": count, "denominator": denominator,
         "value": 1000 * count / denominator, "unit": "per_1000", "kind": "rate",
         "polarity": "higher_is_worse", "source": "council", "suppressed": False}
    )  # fmt: skip
    decile = rate.assign(
        indicator="imd_decile", domain="context", count=np.nan, denominator=np.nan,
        value=np.arange(1, len(codes) + 1) % 10 + 1.0, unit="decile", kind="decile",
        polarity="lower_is_worse",
    )  # fmt: skip
    return pd.concat([rate, decile], ignore_index=True)


def test_the_ons_layout_is_read_with_its_change_types(lookup):
    assert (lookup.level, lookup.from_vintage, lookup.to_vintage) == ("lsoa", "2011", "2021")
    assert lookup.columns == ("LSOA11CD", "LSOA21CD", "CHGIND")
    assert len(lookup.pairs) == 12
    assert lookup.pairs.groupby("change")["from_code"].nunique().to_dict() == {
        "M": 2, "S": 1, "U": 5, "X": 2,
    }  # fmt: skip
    assert "Open Government Licence" in lookup.licence == ONS_LOOKUP_LICENCE


def test_bad_change_types_and_other_files_are_refused_with_rows():
    frame = pd.read_csv(LOOKUP_CSV, dtype=str)
    frame.loc[3, "CHGIND"] = "Q"
    with pytest.raises(InputError) as err:
        ons_lookup(frame, file="lookup.csv")
    assert "'Q'" in err.value.message and "row 5" in err.value.message
    assert "U (unchanged)" in err.value.message
    with pytest.raises(InputError, match="LSOA11CD and LSOA21CD"):
        ons_lookup(frame.drop(columns="LSOA21CD"))


def test_the_offer_gives_the_share_of_areas_changed_and_the_matches_gained(lookup):
    offer = bridge_offer(OLD, lookup, boundary_codes=NEW, table_vintage="2011",
                         boundary_vintage="LSOA 2021")  # fmt: skip
    assert not offer.reverse
    # 5 of the 10 areas changed: 1 split, 2 merged, 2 redrawn.
    assert (offer.n_unchanged, offer.n_split, offer.n_merged, offer.n_irregular) == (5, 1, 2, 2)
    assert offer.share_changed == pytest.approx(0.5)
    assert (offer.matched_before, offer.matched_after) == (5, 10)
    assert offer.split == ("E01000010",) and offer.merged == ("E01000020", "E01000021")
    assert "50.0% of the table's areas" in offer.sentence()
    # Same vintage: nothing to offer. Vintage unknown: read from the codes.
    assert bridge_offer(OLD, lookup, table_vintage="2021", boundary_vintage="LSOA 2021") is None
    assert not bridge_offer(OLD, lookup, boundary_codes=NEW).reverse
    back = bridge_offer(NEW, lookup, boundary_codes=OLD)
    assert back.reverse and (back.table_vintage, back.boundary_vintage) == ("2021", "2011")
    # 2021 -> 2011: the two pieces of the split merge back, and so does E01033790 (which
    # joins part of E01033791 in E01000030); the merged area splits; E01033791 is irregular.
    assert (back.n_merged, back.n_split, back.n_irregular) == (3, 1, 1)


def test_counts_are_summed_and_rates_recomputed_never_averaged(lookup):
    result = bridge_table(_table(OLD, COUNT, DENOMINATOR), lookup)
    rate = result.table[result.table["indicator"] == "homelessness_duty_owed"].set_index(
        "area_code"
    )
    assert sorted(rate.index) == sorted(NEW)
    # Merged: (7 + 9) / (900 + 1100) = 8.0 per 1,000 (the mean of the two rates is 7.98).
    assert_allclose(rate.loc["E01033780", ["count", "denominator", "value"]], [16, 2000, 8.0])
    # Split, no weights: shared equally, each piece keeps the old rate of 15 per 1,000.
    assert_allclose(rate.loc[["E01033770", "E01033771"], "count"], [15, 15])
    assert_allclose(rate.loc[["E01033770", "E01033771"], "value"], [15, 15])
    # Irregular: E01000030 split in two, half joining E01000031: (8 + 4) / (800 + 800).
    assert_allclose(rate.loc["E01033791", "value"], 7.5)
    assert_allclose(rate.loc["E01000002", "value"], 1000 * 20 / 1500)
    assert rate["count"].sum() == pytest.approx(sum(COUNT))  # nothing lost
    # A decile is carried only where the area did not change.
    decile = result.table[result.table["indicator"] == "imd_decile"].set_index("area_code")["value"]
    assert decile[NEW[:5]].notna().all() and decile[NEW[5:]].isna().all()
    notes = " ".join(result.report.notes)
    assert "50.0% of the table's areas changed" in notes
    assert "Split: E01000010" in notes and "Merged: E01000020, E01000021" in notes
    assert "Open Government Licence" in notes
    assert result.table["source"].str.contains("converted to 2021 areas").all()


def test_weights_share_out_split_areas_and_the_reverse_sums_pieces(lookup):
    weights = pd.Series(
        {"E01033770": 300.0, "E01033771": 100.0, "E01033790": 1.0, "E01033791": 1.0}
    )
    rate = bridge_table(_table(OLD, COUNT, DENOMINATOR), lookup, weights=weights).table
    rate = rate[rate["indicator"] == "homelessness_duty_owed"].set_index("area_code")
    assert_allclose(rate.loc[["E01033770", "E01033771"], "count"], [22.5, 7.5])
    new_counts = [10, 20, 5, 8, 12, 15, 15, 16, 8, 12]
    new_dens = [1000, 1500, 800, 1200, 1000, 1000, 1000, 2000, 800, 1600]
    back = bridge_table(_table(NEW, new_counts, new_dens), lookup)
    back_rate = back.table[back.table["indicator"] == "homelessness_duty_owed"].set_index(
        "area_code"
    )
    assert_allclose(back_rate.loc["E01000010", ["count", "denominator", "value"]], [30, 2000, 15.0])
    assert "from LSOA 2021 to 2011" in back.report.notes[0]


def test_a_2011_file_converted_before_adding_joins_every_2021_area(lookup):
    import geopandas as gpd
    from shapely.geometry import box

    from meam_mapping.dataset import Dataset
    from meam_mapping.io.lookups import read_ons_lookup
    from meam_mapping.loading import add_indicators, load_table_file

    areas = gpd.GeoDataFrame(
        {"area_code": NEW, "area_name": NEW, "level": "lsoa"},
        geometry=[box(i * 100, 0, i * 100 + 100, 100) for i in range(len(NEW))],
        crs="EPSG:27700",
    )
    dataset = Dataset(areas={"lsoa": areas}, indicators=pd.DataFrame(), name="2021 boundaries")
    rows = ["LSOA code (2011),Households owed a duty"] + [
        f"{c},{n}" for c, n in zip(OLD, COUNT, strict=True)
    ]
    loaded = load_table_file(("\n".join(rows) + "\n").encode(), name="duty.csv", period="2023/24")
    plain = add_indicators(dataset, loaded, file="duty.csv")
    assert plain.report.matched == 5
    from_file = read_ons_lookup(LOOKUP_CSV.read_bytes(), name=LOOKUP_CSV.name)
    from meam_mapping.geography.vintage_bridge import bridge_loaded

    bridged = add_indicators(dataset, bridge_loaded(loaded, from_file), file="duty.csv")
    assert bridged.report.matched == 10 and bridged.report.ok
    notes = " ".join(bridged.notes)
    assert "50.0% of the table's areas changed" in notes and "Split: E01000010" in notes
    counts = bridged.dataset.indicators.set_index("area_code")["count"]
    assert counts.sum() == pytest.approx(sum(COUNT))
    assert counts["E01033780"] == 16  # 7 + 9, merged

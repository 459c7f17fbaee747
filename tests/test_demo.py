import numpy as np
import pandas as pd
from numpy.testing import assert_array_equal

from meam_mapping.demo import DEMO_LISTS, build_demo
from meam_mapping.schema import INDICATOR_COLUMNS


def test_demo_areas_are_cambridgeshire(demo):
    assert len(demo.areas["lsoa"]) == 375
    assert len(demo.areas["msoa"]) == 76
    assert sorted(demo.areas["lad"]["area_name"]) == [
        "Cambridge",
        "East Cambridgeshire",
        "Fenland",
        "Huntingdonshire",
        "South Cambridgeshire",
    ]
    for level, frame in demo.areas.items():
        assert frame.crs.to_epsg() == 27700, level
        assert frame.is_valid.all(), level
    # The district layer is the union of its LSOAs: areas agree to 0.01 %.
    lsoa_area = demo.areas["lsoa"].area.sum()
    assert abs(demo.areas["lad"].area.sum() - lsoa_area) / lsoa_area < 1e-4


def test_demo_is_deterministic(demo):
    again = build_demo()
    pd.testing.assert_frame_equal(demo.indicators, again.indicators)
    pd.testing.assert_frame_equal(demo.patterns, again.patterns)
    other = build_demo(seed=7, areas=demo.areas)
    assert not demo.patterns["count"].equals(other.patterns["count"])


def test_patterns_match_the_people_seen(demo):
    people = demo.truth.people
    seen = people[list(DEMO_LISTS)].sum(axis=1) > 0
    assert demo.patterns["count"].sum() == seen.sum()
    # The all-zero pattern is never observed.
    assert (demo.patterns[list(DEMO_LISTS)].sum(axis=1) > 0).all()
    # Some people are hidden from every service, and the truth knows how many.
    assert demo.truth.total - seen.sum() > 0.1 * demo.truth.total
    assert_array_equal(
        demo.truth.n_by_district.sort_index().to_numpy(),
        people.groupby("lad_code").size().sort_index().to_numpy(),
    )


def test_everyone_faces_at_least_two_domains(demo):
    faces = demo.truth.people.filter(like="faces_")
    assert faces.shape[1] == 4
    assert (faces.sum(axis=1) >= 2).all()


def test_indicator_table_follows_the_contract(demo):
    table = demo.indicators
    assert list(table.columns[: len(INDICATOR_COLUMNS)]) == list(INDICATOR_COLUMNS)
    assert not table.duplicated(["area_code", "indicator", "period"]).any()
    counts = table.dropna(subset=["count"])
    assert (counts["count"] <= counts["denominator"]).all()
    np.testing.assert_allclose(counts["value"], 1000 * counts["count"] / counts["denominator"])
    assert set(table["domain"]) <= {
        "homelessness",
        "substance_misuse",
        "mental_health",
        "justice",
        "context",
    }


def test_need_is_spatially_concentrated(demo):
    """Need piles up in towns: a handful of LSOAs hold a large share of people."""
    n = demo.truth.n_by_lsoa.sort_values(ascending=False)
    top_tenth = n.iloc[: len(n) // 10].sum() / n.sum()
    assert top_tenth > 0.25  # uniform placement would give about 0.10
    # ... and the concentration is spatially smooth (positive Moran's I).
    from esda.moran import Moran
    from libpysal.weights import Queen

    lsoa = demo.areas["lsoa"].set_index("area_code").loc[n.index]
    w = Queen.from_dataframe(lsoa, use_index=True, silence_warnings=True)
    moran = Moran(demo.truth.risk.loc[n.index].to_numpy(), w, permutations=0)
    assert moran.I > 0.4


def test_demo_label_is_synthetic(demo):
    assert "synthetic" in demo.label.lower()
    assert all("source" in s for s in demo.sources)

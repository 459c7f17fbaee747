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


def test_service_hubs_are_points_in_each_district(demo):
    hubs = demo.hubs
    assert hubs.crs.to_epsg() == 27700
    assert (hubs.geom_type == "Point").all()
    assert set(hubs["lad_code"]) == set(demo.areas["lad"]["area_code"])
    assert hubs.groupby("lad_code").size().between(1, 3).all()
    assert hubs["hub_id"].is_unique
    # Each hub lies inside its district.
    lad = demo.areas["lad"].set_index("area_code")
    for hub in hubs.itertuples():
        assert lad.geometry.loc[hub.lad_code].contains(hub.geometry)


def test_truth_per_lsoa_adds_up(demo):
    by_lsoa = demo.truth.by_lsoa
    people = demo.truth.people
    assert len(by_lsoa) == 375
    assert_array_equal(by_lsoa["n_true"], demo.truth.n_by_lsoa.loc[by_lsoa.index])
    assert (by_lsoa["hidden"] == by_lsoa["n_true"] - by_lsoa["seen"]).all()
    assert by_lsoa["seen"].sum() == demo.patterns["count"].sum()
    assert by_lsoa["hidden"].sum() == (people[list(DEMO_LISTS)].sum(axis=1) == 0).sum()
    assert set(people["age_band"]) == {"18-24", "25-34", "35-49", "50+"}


def test_known_counts_match_the_truth(demo):
    wide = demo.indicators.pivot(index="area_code", columns="indicator", values="count")
    people = demo.truth.people
    for service in DEMO_LISTS:
        known = people.loc[people[service] == 1].groupby("area_code").size()
        assert_array_equal(wide[f"known_md_{service}"], known.reindex(wide.index, fill_value=0))
    assert_array_equal(wide["known_md_any"], demo.truth.by_lsoa["seen"].loc[wide.index])
    # Known to two or more <= known to any <= sum of the services.
    assert (wide["known_multiple_disadvantage"] <= wide["known_md_any"]).all()
    total = wide[[f"known_md_{s}" for s in DEMO_LISTS]].sum(axis=1)
    assert (wide["known_md_any"] <= total).all()


def test_visibility_falls_with_distance_from_hubs(demo):
    """With a strong gradient, far LSOAs hide a larger share of their people."""
    strong = build_demo(areas=demo.areas, visibility_gradient=0.15)
    flat = build_demo(areas=demo.areas, visibility_gradient=0.0)
    for world, more in ((strong, True), (flat, False)):
        people = world.truth.people
        seen = people[list(DEMO_LISTS)].sum(axis=1) > 0
        far = people["distance_km"] > people["distance_km"].median()
        gap = seen[~far].mean() - seen[far].mean()
        assert (gap > 0.15) if more else (abs(gap) < 0.06), gap
    assert strong.truth.visibility_gradient == 0.15
    # Sex changes who sees whom: men are likelier to be on probation.
    people = flat.truth.people
    by_sex = people.groupby("sex")["probation"].mean()
    assert by_sex["male"] > by_sex["female"]

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from shapely.geometry import box

from meam_mapping.errors import InputError
from meam_mapping.geography.aggregate import (
    aggregate_indicators,
    as_lookup,
    assign_to_parents,
    dissolve_areas,
    unit_multiplier,
)
from meam_mapping.schema import INDICATOR_COLUMNS

LOOKUP = {
    "E01000001": "E02000001",
    "E01000002": "E02000001",
    "E01000003": "E02000002",
    "E01000004": "E02000002",
}


def _row(
    code, count, den, ind="homelessness_duty_owed", unit="per 1,000", supp=False, period="2023"
):
    return {
        "area_code": code,
        "indicator": ind,
        "domain": "homelessness",
        "period": period,
        "count": count,
        "denominator": den,
        "value": np.nan,
        "unit": unit,
        "source": "test",
        "suppressed": supp,
    }


def _by_parent(result, indicator="homelessness_duty_owed"):
    t = result.table
    return t[t["indicator"] == indicator].set_index("area_code")


def test_pooled_rate_not_mean_of_rates():
    # Hand-computed worked example: LSOA A 10 of 100 adults (100 per 1,000),
    # LSOA B 10 of 1,000 adults (10 per 1,000). The mean of the two rates is
    # 55 per 1,000, but the MSOA rate is (10 + 10) / (100 + 1,000) x 1,000
    # = 18.1818... per 1,000.
    table = pd.DataFrame([_row("E01000001", 10, 100), _row("E01000002", 10, 1000)])
    res = aggregate_indicators(
        table, {"E01000001": "E02000001", "E01000002": "E02000001"}, to_level="msoa"
    )
    row = _by_parent(res).loc["E02000001"]
    assert_allclose([row["count"], row["denominator"], row["value"]], [20, 1100, 20 / 1100 * 1000])
    assert not np.isclose(row["value"], 55.0)
    assert list(res.table.columns[: len(INDICATOR_COLUMNS)]) == list(INDICATOR_COLUMNS)
    assert row["n_areas"] == 2 and row["note"] == "" and not row["suppressed"]


@pytest.mark.parametrize(
    ("unit", "mult"),
    [
        ("%", 100),
        ("per 1,000", 1000),
        ("per 1000", 1000),
        ("Per 100,000", 100000),
        ("per_1000", 1000),
        ("proportion", 1),
        ("count", None),
        (None, None),
        ("score", None),
    ],
)
def test_unit_multiplier(unit, mult):
    assert unit_multiplier(unit) == mult


def test_percent_and_count_units():
    table = pd.DataFrame(
        [
            _row("E01000001", 1, 4, unit="%"),
            _row("E01000002", 1, 6, unit="%"),
            _row("E01000001", 3, np.nan, ind="n", unit="count"),
            _row("E01000002", 4, np.nan, ind="n", unit="count"),
        ]
    )
    res = aggregate_indicators(table, LOOKUP, to_level="msoa")
    assert_allclose(_by_parent(res).loc["E02000001", "value"], 2 / 10 * 100)
    counts = _by_parent(res, "n").loc["E02000001"]
    assert counts["count"] == 7 and counts["value"] == 7 and np.isnan(counts["denominator"])


def _with_suppressed():
    return pd.DataFrame(
        [
            _row("E01000001", 10, 100),
            _row("E01000002", np.nan, 200, supp=True),
            _row("E01000003", 7, 300),
            _row("E01000004", np.nan, 400),  # missing, not suppressed
        ]
    )


def test_suppressed_child_makes_parent_unknown():
    res = aggregate_indicators(_with_suppressed(), LOOKUP, to_level="msoa")
    t = _by_parent(res)
    assert np.isnan(t.loc["E02000001", "count"]) and t.loc["E02000001", "suppressed"]
    assert t.loc["E02000001", "note"] == "includes suppressed"
    assert np.isnan(t.loc["E02000001", "value"])
    assert t.loc["E02000001", "denominator"] == 300  # denominators are all known
    assert np.isnan(t.loc["E02000002", "count"]) and not t.loc["E02000002", "suppressed"]
    assert t.loc["E02000002", "note"] == "includes missing"


def test_lower_bound_option_reports_known_sum_as_minimum():
    res = aggregate_indicators(
        _with_suppressed(), LOOKUP, to_level="msoa", suppressed="lower_bound"
    )
    t = _by_parent(res)
    assert t.loc["E02000001", "count"] == 10 and t.loc["E02000001", "lower_bound"]
    assert t.loc["E02000001", "note"] == "minimum: includes suppressed"
    assert_allclose(t.loc["E02000001", "value"], 10 / 300 * 1000)


def test_absent_child_and_children_missing_from_lookup():
    table = pd.DataFrame(
        [
            _row("E01000001", 1, 10),
            _row("E01000002", 2, 10),
            _row("E01000003", 3, 10),
            _row("E01009999", 4, 10),
        ]
    )
    res = aggregate_indicators(table, LOOKUP, to_level="msoa")
    t = _by_parent(res)
    assert res.missing_from_lookup == ("E01009999",)
    assert t.loc["E02000001", "count"] == 3
    assert np.isnan(t.loc["E02000002", "count"])  # E01000004 has no row
    assert t.loc["E02000002", "note"].startswith("incomplete")
    assert any("E01009999" in n for n in res.notes)


def test_scores_without_counts_are_refused_with_the_reason():
    table = pd.DataFrame(
        [
            _row("E01000001", 1, 10),
            _row("E01000002", 1, 10),
            _row("E01000001", np.nan, np.nan, ind="deprivation_score", unit="score"),
            _row("E01000002", np.nan, np.nan, ind="deprivation_score", unit="score"),
        ]
    )
    with pytest.raises(InputError) as err:
        aggregate_indicators(table, LOOKUP, to_level="msoa")
    assert "deprivation_score" in err.value.message
    assert "homelessness_duty_owed" not in err.value.message.split("level:")[1].split(".")[0]
    assert "values without counts" in err.value.message


@pytest.mark.parametrize("kind", ["rank", "decile", "quintile", "score", "category"])
def test_ranks_deciles_and_scores_are_never_summed(kind):
    # Even with numbers in the count column, a rank (1 = most deprived) summed
    # over areas means nothing: refuse and say what to do instead.
    rows = [_row(c, 3, np.nan, ind="imd_rank", unit="count") for c in LOOKUP]
    table = pd.DataFrame(rows).assign(kind=kind)
    with pytest.raises(InputError) as err:
        aggregate_indicators(table, LOOKUP, to_level="lad")
    assert f"imd_rank ({kind})" in err.value.message
    assert "population-weighted" in err.value.message


@pytest.mark.parametrize("unit", ["per_1000", "per 1,000 adults", "rate per 1000 population"])
def test_unit_codes_and_wording_give_the_rate_never_the_count(unit):
    # The bug of issue 12: the loader's code per_1000 was not understood here,
    # so the MSOA value was the count (133) instead of the rate (16.6).
    table = pd.DataFrame(
        [_row("E01000001", 50, 4000, unit=unit), _row("E01000002", 83, 4000, unit=unit)]
    )
    row = _by_parent(aggregate_indicators(table, LOOKUP, to_level="msoa")).loc["E02000001"]
    assert_allclose(row["value"], 1000 * 133 / 8000)
    assert row["unit"] == unit


def test_rate_with_unknown_denominator_is_unknown_not_the_count():
    table = pd.DataFrame(
        [
            _row("E01000001", 50, np.nan, unit="per_1000"),
            _row("E01000002", 83, 4000, unit="per_1000"),
        ]
    )
    row = _by_parent(aggregate_indicators(table, LOOKUP, to_level="msoa")).loc["E02000001"]
    assert row["count"] == 133 and np.isnan(row["value"])


def test_unknown_unit_is_refused_listing_the_known_ones():
    table = pd.DataFrame([_row(c, 5, 100, unit="per fortnight") for c in LOOKUP])
    with pytest.raises(InputError) as err:
        aggregate_indicators(table, LOOKUP, to_level="msoa")
    assert "per fortnight" in err.value.message and "per 1,000" in err.value.message


def test_lookup_forms_agree_and_clashes_are_refused():
    frame = pd.DataFrame({"lsoa": list(LOOKUP), "msoa": list(LOOKUP.values())})
    areas_like = pd.DataFrame(
        {"area_code": list(LOOKUP), "msoa_code": list(LOOKUP.values()), "lad_code": "E07000008"}
    )
    for lookup in (LOOKUP, pd.Series(LOOKUP), frame, areas_like):
        assert as_lookup(lookup, to_level="msoa").to_dict() == LOOKUP
    with pytest.raises(InputError, match="more than one larger area: E01000001"):
        as_lookup(pd.DataFrame({"c": ["E01000001", "E01000001"], "p": ["E02000001", "E02000002"]}))
    with pytest.raises(InputError, match="more than two columns"):
        as_lookup(areas_like, to_level="custom")
    with pytest.raises(InputError, match="unknown level"):
        aggregate_indicators(pd.DataFrame([_row("E01000001", 1, 1)]), LOOKUP, to_level="county")


def _children():
    # four 1x1 squares in a row plus one far away
    codes = ["E01000001", "E01000002", "E01000003", "E01000004", "E01000005"]
    geoms = [box(i, 0, i + 1, 1) for i in range(4)] + [box(100, 100, 101, 101)]
    return gpd.GeoDataFrame({"area_code": codes}, geometry=geoms, crs=27700)


def _parents():
    # zone A covers x 0-1.7 (so child 2 lies 70% in A), zone B covers x 1.7-4
    return gpd.GeoDataFrame(
        {"area_code": ["ZONE_A", "ZONE_B"], "area_name": ["A", "B"]},
        geometry=[box(0, 0, 1.7, 1), box(1.7, 0, 4, 1)],
        crs=27700,
    )


def test_assign_to_parents_by_overlap_and_point():
    placed = assign_to_parents(_children(), _parents())
    assert placed.lookup.to_dict() == {
        "E01000001": "ZONE_A",
        "E01000002": "ZONE_A",
        "E01000003": "ZONE_B",
        "E01000004": "ZONE_B",
    }
    assert placed.outside == ("E01000005",)
    assert placed.split == {"E01000002": 0.7}
    by_point = assign_to_parents(_children(), _parents(), method="representative_point")
    assert by_point.lookup["E01000002"] == "ZONE_A"  # its middle point (x = 1.5) lies in zone A
    assert by_point.split == {}
    assert by_point.outside == ("E01000005",)


def test_aggregate_to_custom_polygons():
    table = pd.DataFrame([_row(c, 1, 10) for c in _children()["area_code"]])
    res = aggregate_indicators(table, _parents(), to_level="custom", areas=_children())
    assert res.outside_parents == ("E01000005",)
    assert res.missing_from_lookup == ("E01000005",)
    assert _by_parent(res).loc["ZONE_A", "count"] == 2
    with pytest.raises(InputError, match="small-area polygons"):
        aggregate_indicators(table, _parents(), to_level="custom")


def test_dissolve_areas_builds_parent_polygons():
    kids = _children().iloc[:4].copy()
    kids["msoa_code"] = list(LOOKUP.values())
    kids["lad_code"] = "E07000008"
    out = dissolve_areas(kids, kids, "msoa", names={"E02000001": "Cambridge 001"})
    assert list(out["area_code"]) == ["E02000001", "E02000002"]
    assert list(out["area_name"]) == ["Cambridge 001", "E02000002"]
    assert_allclose(out.geometry.area, [2.0, 2.0])
    assert set(out["level"]) == {"msoa"} and set(out["lad_code"]) == {"E07000008"}
    partial = dissolve_areas(_children(), LOOKUP, "msoa")
    assert "E01000005" in partial.attrs["notes"][0]
    with pytest.raises(InputError, match="none of the areas"):
        dissolve_areas(_children(), {"X": "Y"}, "msoa")


def test_sources_of_each_parent_are_joined_sorted_and_blank_ones_left_out():
    # Two parents, two periods, a missing domain in one group: each group's own
    # distinct sources, in order, blank or "nan" left out, none borrowed from another.
    rows = [
        {**_row("E01000001", 10, 100), "source": "NDTMS"},
        {**_row("E01000002", 12, 100), "source": "DLUHC H-CLIC"},
        {**_row("E01000002", 12, 100, period="2024"), "source": "DLUHC H-CLIC"},
        {**_row("E01000001", 11, 100, period="2024"), "source": "nan"},
        {**_row("E01000003", 9, 100), "source": ""},
        {**_row("E01000004", 8, 100), "source": None},
        {**_row("E01000003", 9, 100, period="2024"), "source": "NDTMS", "domain": None},
        {**_row("E01000004", 8, 100, period="2024"), "source": "MoJ", "domain": None},
    ]
    t = aggregate_indicators(pd.DataFrame(rows), LOOKUP, to_level="msoa").table
    got = {(r.area_code, r.period): r.source for r in t.itertuples()}
    assert got == {
        ("E02000001", "2023"): "DLUHC H-CLIC; NDTMS",
        ("E02000001", "2024"): "DLUHC H-CLIC",
        ("E02000002", "2023"): "",
        ("E02000002", "2024"): "MoJ; NDTMS",
    }


def test_dissolving_by_shared_edges_gives_the_full_unions_shapes(user_files):
    """ONS LSOAs into MSOAs and districts: the coverage union equals geopandas' dissolve."""
    import shapely

    from meam_mapping.geography.aggregate import _dissolved
    from meam_mapping.geography.boundaries import read_boundaries

    areas = read_boundaries(user_files.boundaries).areas
    for column in ("msoa_code", "lad_code"):
        work = gpd.GeoDataFrame({"area_code": areas[column]}, geometry=areas.geometry,
                                crs=areas.crs)  # fmt: skip
        ours = _dissolved(work)
        theirs = work.dissolve(by="area_code", as_index=False)
        assert ours["area_code"].tolist() == theirs["area_code"].tolist()
        assert shapely.equals(ours.geometry.to_numpy(), theirs.geometry.to_numpy()).all()


def test_children_that_overlap_or_cross_are_merged_by_the_full_union():
    import shapely
    from shapely.geometry import Polygon, box

    from meam_mapping.geography.aggregate import _dissolved

    overlapping = [box(0, 0, 2, 2), box(1, 0, 3, 2)]  # overlap by a 1 x 2 strip
    # A T-junction: the right square's corner lies on the left one's edge, which has no vertex there.
    t_junction = [box(10, 0, 12, 4), Polygon([(12, 1), (14, 1), (14, 3), (12, 3)])]
    tiled = [box(20, 0, 21, 1), box(21, 0, 22, 1)]
    work = gpd.GeoDataFrame(
        {"area_code": ["A", "A", "B", "B", "C", "C"], "lad_code": ["X", "Y", "X", "X", "Z", "Z"]},
        geometry=[*overlapping, *t_junction, *tiled],
    )
    out = _dissolved(work).set_index("area_code")
    assert out.loc["A", "geometry"].area == 6  # not 8: the overlap counted once
    for code, parts in (("A", overlapping), ("B", t_junction), ("C", tiled)):
        assert shapely.equals(out.loc[code, "geometry"], shapely.union_all(parts))
    assert out.loc["A", "lad_code"] == "X"  # the first child's, as dissolve keeps it

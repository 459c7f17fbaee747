"""Every registered publication is recognised from an extract in its published layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meam_mapping.errors import InputError
from meam_mapping.io.indicators import load_indicator_file
from meam_mapping.io.inspect import inspect_table
from meam_mapping.publications import get_publication, publications, recognise

DATA = Path(__file__).parents[1] / "data" / "publications"
EXTRACTS = {
    "iod2019_file1": "iod2019_file1.csv",
    "iod2019_file2": "iod2019_file2.csv",
    "iod2019_file6": "iod2019_file6.csv",
    "iod2025_file1": "iod2025_file1.csv",
    "ons_mid_year_lsoa": "ons_mid_year_lsoa.csv",
    "census2021_area_table": "census2021_ts001_lsoa.csv",
    "fingertips_export": "fingertips_export.csv",
    "mhclg_hclic_a1": "mhclg_hclic_a1.csv",
    "ndtms_adult_treatment": "ndtms_adult_treatment.csv",
    "ocu_prevalence": "ocu_prevalence.csv",
    "moj_proven_reoffending_la": "moj_proven_reoffending_la.csv",
}


def test_every_publication_has_an_extract_and_says_whether_its_headings_were_checked() -> None:
    names = {p.name for p in publications()}
    assert names == set(EXTRACTS)
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for pub in publications():
        assert pub.licence.startswith("Open Government Licence")
        assert pub.source_url.startswith("https://")
        assert isinstance(pub.headings_checked, bool) and pub.headings_seen_in
        assert EXTRACTS[pub.name] in readme  # provenance of the extract's values


@pytest.mark.parametrize("name", sorted(EXTRACTS))
def test_extract_is_recognised_with_the_registered_kinds(name: str) -> None:
    pub = get_publication(name)
    found = inspect_table(DATA / EXTRACTS[name])
    assert found.publication == name
    assert found.licence == pub.licence
    assert found.indicators
    by_id = {i.id: i for i in found.indicators}
    by_name = {i.name: i for i in found.indicators}
    for key, spec in pub.indicators.items():
        ind = by_id.get(key) or by_name.get(key)
        assert ind is not None, key
        assert (ind.kind, ind.polarity, ind.unit) == (spec["kind"], spec["polarity"], spec["unit"])
    if pub.level:
        assert found.level == pub.level
    if pub.vintage:
        assert found.vintage == pub.vintage


def test_wide_extract_headings_are_exactly_the_registered_ones() -> None:
    for name in ("iod2019_file1", "iod2019_file2", "iod2019_file6", "iod2025_file1"):
        first = (DATA / EXTRACTS[name]).read_text(encoding="utf-8").splitlines()[0]
        import csv

        assert next(csv.reader([first])) == list(get_publication(name).headings)


def test_iod_2019_files_as_the_issue_asks() -> None:
    one = inspect_table(
        DATA / "iod2019_file1.csv", boundary_codes=["E01000001", "E01021988", "E01099999"]
    )
    assert (one.area_column, one.level, one.vintage) == ("LSOA code (2011)", "lsoa", "2011")
    kinds = {i.name: (i.kind, i.polarity) for i in one.indicators}
    assert kinds == {
        "Index of Multiple Deprivation (IMD) Rank": ("rank", "lower_is_worse"),
        "Index of Multiple Deprivation (IMD) Decile": ("decile", "lower_is_worse"),
    }
    assert one.join is not None
    assert (one.join.matched, one.join.unmatched_table, one.join.unmatched_boundaries) == (2, 5, 1)
    assert one.join.unmatched_boundaries_first == ("E01099999",)
    two = inspect_table(DATA / "iod2019_file2.csv")
    assert len(two.indicators) == 16
    assert {(i.kind, i.polarity) for i in two.indicators} == {
        ("rank", "lower_is_worse"), ("decile", "lower_is_worse"),
    }  # fmt: skip
    six = inspect_table(DATA / "iod2019_file6.csv")
    assert {(i.kind, i.polarity, i.unit) for i in six.indicators} == {("count", "neutral", "count")}


def test_thousands_separators_are_read_and_ranks_are_not_summable() -> None:
    table = load_indicator_file(DATA / "iod2019_file1.csv").table
    rank = table[table["indicator"] == "index_of_multiple_deprivation_imd_rank"]
    assert rank.set_index("area_code").loc["E01000001", "value"] == 29199
    assert rank["count"].isna().all()  # a rank is a value, never a count to add up
    assert (table["source"].str.startswith("English Indices of Deprivation 2019")).all()
    assert (table["period"] == "2019").all()


def test_inspection_json_has_the_design_keys() -> None:
    found = inspect_table(DATA / "iod2019_file1.csv", boundary_codes=["E01000001"]).to_dict()
    for key in ("layout", "area_column", "level", "vintage", "rows", "indicators", "join"):
        assert key in found
    assert set(found["indicators"][0]) >= {"id", "name", "kind", "polarity", "unit", "periods"}
    assert set(found["join"]) >= {"matched", "unmatched_table", "unmatched_boundaries"}
    json.dumps(found)


def test_recognition_needs_every_heading() -> None:
    heads = list(get_publication("iod2019_file1").headings)
    assert recognise(heads).name == "iod2019_file1"
    assert recognise(heads[:-1]) is None


def test_unknown_publication_lists_the_registered_ones() -> None:
    with pytest.raises(InputError, match="iod2019_file1"):
        get_publication("iod2019")


def test_readme_lists_every_recognised_publication() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Your data: input formats", 1)[1].split("\n## ", 1)[0]
    for pub in publications():
        assert f"`{pub.name}`" in section


def test_repeated_ranks_and_mixed_levels_are_flagged() -> None:
    data = (
        b"LSOA code (2011),Index of Multiple Deprivation (IMD) Rank\n"
        b'E01000001,"29,199"\nE01000002,"29,199"\nE09000001,12\n'
    )
    notes = " ".join(inspect_table(data, name="x.csv").notes)
    assert "29,199 are given to more than one area" in notes
    assert "several levels" in notes and "E09000001" in notes

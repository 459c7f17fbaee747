"""Boundaries as ONS publishes them (no MSOA or district) plus an ONS lookup: the same as boundaries that carry them."""

from __future__ import annotations

import pandas as pd
import pytest
from userfiles import write_bare_boundaries

from meam_mapping.disclosure import DisclosurePolicy
from meam_mapping.errors import InputError
from meam_mapping.geography.area_lookup import area_lookup, read_area_lookup, with_area_lookup
from meam_mapping.geography.boundaries import read_boundaries
from meam_mapping.loading import build_dataset
from meam_mapping.pipeline.publish import map_slice
from meam_mapping.pipeline.slices import level_offer


@pytest.fixture(scope="module")
def bare(user_files, tmp_path_factory):
    return write_bare_boundaries(user_files, tmp_path_factory.mktemp("bare"))


@pytest.fixture(scope="module")
def carried(user_files):
    """The corpus's own boundaries, whose features carry MSOA11CD and LAD19CD."""
    return build_dataset(user_files.boundaries, [user_files.tidy])[0]


def _lookup_frame(path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.index = frame.index + 2  # the row a spreadsheet shows
    return frame


def test_a_lookup_gives_the_same_msoas_districts_and_published_tables(user_files, bare, carried):
    boundaries, lookup = bare
    dataset, report = build_dataset(boundaries, [user_files.tidy], areas_lookup=lookup)
    assert dataset.levels == carried.levels == ["lsoa", "msoa", "lad"]
    assert any("MSOA and district taken from OA11_LSOA11_MSOA11_LAD11_EW_LUv2.csv" in r
               for r in report)  # fmt: skip
    for level in ("msoa", "lad"):
        ours = dataset.areas[level].sort_values("area_code").reset_index(drop=True)
        theirs = carried.areas[level].sort_values("area_code").reset_index(drop=True)
        pd.testing.assert_frame_equal(
            ours.drop(columns="geometry"), theirs.drop(columns="geometry")
        )
        assert ours.geometry.geom_equals_exact(theirs.geometry, tolerance=0.01).all()
        for indicator in ("homelessness_duty_owed", "probation_caseload"):
            got = map_slice(dataset, indicator, None, level, DisclosurePolicy())
            want = map_slice(carried, indicator, None, level, DisclosurePolicy())
            pd.testing.assert_frame_equal(got, want)


@pytest.mark.parametrize("form", ["lower-case headings", "excel", "one row per lsoa"])
def test_the_lookup_is_read_as_downloaded_in_other_forms(user_files, bare, tmp_path, form):
    boundaries, lookup = bare
    frame = _lookup_frame(lookup)
    if form == "lower-case headings":  # as the 2021 lookups are written
        path = tmp_path / "lookup.csv"
        frame.rename(columns=str.lower).to_csv(path, index=False)
    elif form == "excel":
        path = tmp_path / "lookup.xlsx"
        frame.to_excel(path, index=False)
    else:
        path = tmp_path / "lookup.csv"
        frame.drop(columns="OA11CD").drop_duplicates("LSOA11CD").to_csv(path, index=False)
    read = with_area_lookup(read_boundaries(boundaries), read_area_lookup(path))
    carried = read_boundaries(user_files.boundaries)
    assert read.areas["msoa_code"].tolist() == carried.areas["msoa_code"].tolist()
    assert read.areas["lad_code"].tolist() == carried.areas["lad_code"].tolist()
    assert read.parent_names["lad"] == carried.parent_names["lad"]


def test_a_lookup_missing_areas_is_refused_naming_them_and_the_vintages(bare):
    boundaries, lookup = bare
    frame = _lookup_frame(lookup)
    gone = sorted(frame["LSOA11CD"].unique())[:3]
    # A 2021 lookup: the areas that changed in 2021 are not in it.
    frame = frame[~frame["LSOA11CD"].isin(gone)].rename(columns=lambda c: c.replace("11", "21"))
    with pytest.raises(InputError) as err:
        with_area_lookup(read_boundaries(boundaries), area_lookup(frame, file="lu21.csv"))
    text = str(err.value)
    assert "3 of the 375 areas of the boundaries are not in the lookup" in text
    assert gone[0] in text and "LSOA 2011 and the lookup LSOA 2021" in text
    assert "lu21.csv" in text and "own year" in text


def test_an_area_in_two_districts_or_a_wrong_code_names_the_rows(bare):
    _, lookup = bare
    frame = _lookup_frame(lookup)
    twice = frame.copy()
    twice.loc[3, "LAD11CD"] = "E07000012" if twice.loc[3, "LAD11CD"] != "E07000012" else "E07000008"
    with pytest.raises(InputError) as err:
        area_lookup(twice, file="lu.csv")
    assert "more than one district in LAD11CD" in str(err.value)
    assert twice.loc[3, "LSOA11CD"] in str(err.value) and "rows 2, 3, 4" in str(err.value)
    wrong = frame.copy()
    wrong.loc[7, "MSOA11CD"] = "E01000001"  # an LSOA code where an MSOA belongs
    with pytest.raises(InputError) as err:
        area_lookup(wrong, file="lu.csv")
    assert "not MSOA codes" in str(err.value) and "rows 7" in str(err.value)
    assert "column MSOA11CD" in str(err.value) or "MSOA11CD" in str(err.value)
    with pytest.raises(InputError, match="no columns of area codes"):
        area_lookup(frame[["OA11CD", "LSOA11NM"]], file="lu.csv")


def test_the_boundaries_own_parent_fields_are_kept(user_files, bare):
    _, lookup = bare
    read = read_boundaries(user_files.boundaries)
    assert with_area_lookup(read, read_area_lookup(lookup)) is read


def test_a_level_not_offered_says_why_and_what_to_do(user_files, bare):
    boundaries, lookup = bare
    dataset, _ = build_dataset(boundaries, [user_files.tidy])
    levels, missing = level_offer(dataset, "homelessness_duty_owed")
    assert levels == ["lsoa"] and set(missing) == {"msoa", "lad"}
    assert "do not say which district each LSOA is in" in missing["lad"]
    assert "--areas-lookup" in missing["lad"] and "Data page" in missing["lad"]
    with pytest.raises(InputError) as err:
        map_slice(dataset, "homelessness_duty_owed", None, "lad", DisclosurePolicy())
    assert str(err.value).count("--areas-lookup") == 1
    dataset, _ = build_dataset(boundaries, [user_files.tidy], areas_lookup=lookup)
    assert level_offer(dataset, "homelessness_duty_owed") == (["lsoa", "msoa", "lad"], {})


def test_a_finer_level_than_the_data_says_they_cannot_be_split(carried):
    from meam_mapping.pipeline.slices import indicator_all_levels, why_not_at

    table, native = indicator_all_levels(carried, "homelessness_duty_owed")
    districts = table.loc[table["level"] == "lad"].drop(columns="level").assign(level="lad")
    assert "cannot be split into smaller ones" in why_not_at(carried, districts, "lad", "lsoa")
    ranks = table.loc[table["level"] == native].assign(kind="rank", count=float("nan"),
                                                       suppressed=False)  # fmt: skip
    assert "does not give the rank of a larger area" in why_not_at(carried, ranks, native, "lad")
    assert "outside the LSOA, MSOA and district hierarchy" in why_not_at(carried, table, "custom",
                                                                          "lad")  # fmt: skip


def test_the_best_fit_lookup_is_read_by_the_column_of_the_boundaries_own_codes(user_files,
                                                                              tmp_path):  # fmt: skip
    """ONS's LSOA (2011) to LSOA (2021) to LAD lookup has both years' codes: the one matching is used."""
    lsoa = user_files.lsoa
    new = lsoa["LSOA11CD"].where(lsoa.index >= 3, [f"E0110{i:04d}" for i in range(len(lsoa))])
    best_fit = pd.DataFrame({"LSOA11CD": lsoa["LSOA11CD"], "LSOA11NM": lsoa["LSOA11NM"],
                             "LSOA21CD": new, "LSOA21NM": lsoa["LSOA11NM"],
                             "CHGIND": ["M" if i < 3 else "U" for i in range(len(lsoa))],
                             "LAD22CD": lsoa["LAD19CD"], "LAD22NM": lsoa["LAD19NM"],
                             "LAD22NMW": "", "ObjectId": range(1, len(lsoa) + 1)})  # fmt: skip
    path = tmp_path / "LSOA11_LSOA21_LAD22_EW_LU.csv"
    best_fit.to_csv(path, index=False)
    lookup = read_area_lookup(path)
    assert [one.vintage for one in (lookup, *lookup.alternatives)] == ["LSOA 2011", "LSOA 2021"]
    for year, codes in (("11", lsoa["LSOA11CD"]), ("21", new)):
        bare = tmp_path / f"lsoa{year}.geojson"
        frame = lsoa[["LSOA11NM", "geometry"]].assign(**{f"LSOA{year}CD": codes.to_numpy()})
        frame.to_file(bare, driver="GeoJSON")
        read = with_area_lookup(read_boundaries(bare), lookup)
        assert read.areas["lad_code"].tolist() == lsoa["LAD19CD"].tolist()
        assert "msoa_code" not in read.areas  # the best-fit lookup names no MSOA
        assert f"LSOA 20{year}" in (read.vintage or "") and "every area was found" not in " ".join(
            read.notes
        )


def test_the_boundaries_errors_come_before_the_lookups(user_files, bare, tmp_path):
    """The lookup is read while the boundaries are parsed; what is told is still in file order."""
    boundaries, _ = bare
    wrong_lookup = tmp_path / "not_a_lookup.csv"
    wrong_lookup.write_text("a,b\n1,2\n")
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(InputError) as err:
        build_dataset(broken, [user_files.tidy], areas_lookup=wrong_lookup)
    assert "broken.geojson" in str(err.value) and "not_a_lookup" not in str(err.value)
    with pytest.raises(InputError, match="not_a_lookup.csv: no columns of area codes"):
        build_dataset(boundaries, [user_files.tidy], areas_lookup=wrong_lookup)


def test_a_workbook_with_notes_beside_the_lookup_and_other_bad_files(bare, tmp_path, monkeypatch):
    _, lookup = bare
    frame = pd.read_csv(lookup, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    book = tmp_path / "lookup.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"Notes": ["Source: Office for National Statistics"]}).to_excel(
            writer, sheet_name="Notes", index=False
        )
        frame.to_excel(writer, sheet_name="OA11_LSOA11_MSOA11_LAD11", index=False)
    read = read_area_lookup(book)
    assert (
        read.file == "lookup.xlsx (sheet 'OA11_LSOA11_MSOA11_LAD11')" and len(read.parents) == 375
    )
    notes_only = tmp_path / "notes.xlsx"
    with pd.ExcelWriter(notes_only) as writer:
        pd.DataFrame({"Notes": ["a"]}).to_excel(writer, sheet_name="Notes", index=False)
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="Other", index=False)
    with pytest.raises(InputError) as err:
        read_area_lookup(notes_only)
    assert "none of the workbook's 2 sheets ('Notes', 'Other') is a lookup" in str(err.value)
    assert "--sheet" not in str(err.value)  # that option is the indicator table's
    binary = tmp_path / "lookup.csv"
    binary.write_bytes(b"\x00\x01\x02 not text")
    with pytest.raises(InputError, match="lookup.csv"):
        read_area_lookup(binary)
    # A file too large is refused before it is read into memory.
    import meam_mapping.io.safety as safety

    real = safety.check_file_size
    monkeypatch.setattr(safety, "check_file_size",
                        lambda size, file, limit=1_000: real(size, file, limit=limit))  # fmt: skip
    monkeypatch.setattr(type(lookup), "read_bytes", lambda self: pytest.fail("read before refused"))
    with pytest.raises(InputError, match="larger than the 1,000 bytes"):
        read_area_lookup(lookup)


def test_msoa_boundaries_take_their_districts_from_the_same_lsoa_lookup(user_files, tmp_path, capsys,
                                                                       monkeypatch):  # fmt: skip
    """ONS's MSOA files name no district either; the OA-LSOA-MSOA-LAD lookup says which each is in."""
    import io

    import geopandas as gpd

    from meam_mapping.cli import main

    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(tmp_path / "cache"))
    _, lookup = write_bare_boundaries(user_files, tmp_path)
    lsoa = gpd.read_file(user_files.boundaries)
    msoa = lsoa.dissolve("MSOA11CD", as_index=False)[["MSOA11CD", "MSOA11NM", "geometry"]]
    bare = tmp_path / "bare_msoa.geojson"
    msoa.to_file(bare, driver="GeoJSON")
    ask = [
        "table",
        "--data",
        str(user_files.tidy),
        "--indicator",
        "homelessness_duty_owed",
        "--level",
        "lad",
    ]
    # The LSOA table on LSOA boundaries with their fields, and an MSOA table of the same people on
    # MSOA boundaries with the lookup: the same districts, the same figures.
    assert main([*ask, "--boundaries", str(user_files.boundaries)]) == 0
    want = pd.read_csv(io.StringIO(capsys.readouterr().out))
    tidy = pd.read_csv(user_files.tidy, dtype=str)
    tidy = tidy.loc[tidy["indicator"] == "homelessness_duty_owed"]
    count = pd.to_numeric(tidy["count"], errors="coerce")
    tidy = tidy.assign(count=count, denominator=pd.to_numeric(tidy["denominator"]),
                       area_code=tidy["area_code"].map(lsoa.set_index("LSOA11CD")["MSOA11CD"]))  # fmt: skip
    keys = ["area_code", "indicator", "domain", "period", "unit", "source"]
    by_msoa = tidy.groupby(keys, as_index=False).agg(
        count=("count", lambda s: str(int(s.sum())) if s.notna().all() else "*"),
        denominator=("denominator", "sum"),
    )
    msoa_table = tmp_path / "msoa_duty.csv"
    by_msoa.to_csv(msoa_table, index=False)
    ask[2] = str(msoa_table)
    assert main([*ask, "--boundaries", str(bare), "--areas-lookup", str(lookup)]) == 0
    got = pd.read_csv(io.StringIO(capsys.readouterr().out))
    pd.testing.assert_frame_equal(got, want)

"""A district or MSOA missing some of its LSOAs is not totalled as if it were whole.

A boundary file with a feature that has no shape (a damaged export), or an
extract that stops part-way through a district, used to give that district a
total of the LSOAs it still had: a published count and rate short by the
missing LSOAs' people, with nothing in the table or on the map to say so.
Such districts (and MSOAs) are now left out of their level, with a note
naming them; whole ones are published exactly as from the complete file.
"""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import pytest

from meam_mapping.cli import main
from meam_mapping.geography.boundaries import read_boundaries
from meam_mapping.loading import build_dataset

ASK = ["--indicator", "homelessness_duty_owed", "--level", "lad"]


def _published(capsys, boundaries, data, *extra) -> tuple[int, pd.DataFrame | None, str]:  # noqa: ANN001
    status = main(
        ["table", "--boundaries", str(boundaries), "--data", str(data), *ASK, *map(str, extra)]
    )
    out = capsys.readouterr()
    frame = pd.read_csv(io.StringIO(out.out)) if status == 0 else None
    return status, frame, out.err


@pytest.fixture()
def damaged(user_files, tmp_path):  # noqa: ANN001, ANN201
    """The corpus's boundaries with two LSOAs of one district left without a shape."""
    lsoa = gpd.read_file(user_files.boundaries)
    victims = lsoa.index[lsoa["LAD19CD"] == "E07000009"][:2]
    lsoa.loc[victims, "geometry"] = None
    path = tmp_path / "damaged.geojson"
    lsoa.to_file(path, driver="GeoJSON")
    return path, lsoa.loc[victims]


def test_a_district_missing_lsoas_is_not_totalled_and_the_others_are_unchanged(
    user_files,
    damaged,
    tmp_path,
    capsys,
    monkeypatch,  # noqa: ANN001
) -> None:
    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(tmp_path / "cache"))
    path, victims = damaged
    status, whole, _ = _published(capsys, user_files.boundaries, user_files.tidy)
    assert status == 0 and "E07000009" in set(whole["area_code"])
    status, got, err = _published(capsys, path, user_files.tidy)
    assert status == 0
    assert "E07000009" not in set(got["area_code"])
    expected = whole.loc[whole["area_code"] != "E07000009"].reset_index(drop=True)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)
    assert "1 district(s) are not drawn or totalled as districts, because 2 of their areas" in err
    assert "E07000009 East Cambridgeshire" in err
    msoas = sorted(set(victims["MSOA11CD"]))
    dataset, _ = build_dataset(path, [user_files.tidy])
    assert not set(msoas) & set(dataset.areas["msoa"]["area_code"])
    assert set(dataset.areas["lad"]["area_code"]) == {
        "E07000008",
        "E07000010",
        "E07000011",
        "E07000012",
    }


def test_the_cache_keeps_what_was_left_out(damaged, tmp_path) -> None:  # noqa: ANN001
    path, _ = damaged
    folder = tmp_path / "cache"
    first = read_boundaries(path, cache=True, cache_folder=folder)
    again = read_boundaries(path, cache=True, cache_folder=folder)
    assert again.lonlat is None  # from the cache
    assert first.left_out == again.left_out and first.left_out["lad"] == {"E07000009": 2}


def test_a_split_area_with_one_piece_shapeless_is_not_missing(user_files, tmp_path) -> None:  # noqa: ANN001
    lsoa = gpd.read_file(user_files.boundaries)
    piece = lsoa.iloc[[0]].copy()
    piece["geometry"] = None
    path = tmp_path / "split.geojson"
    pd.concat([lsoa, piece]).pipe(gpd.GeoDataFrame, crs=lsoa.crs).to_file(path, driver="GeoJSON")
    read = read_boundaries(path, cache=False)
    assert read.left_out == {} and len(read.areas) == len(lsoa)


def test_with_a_lookup_an_extract_stopping_part_way_through_a_district(
    user_files,
    tmp_path,
    capsys,
    monkeypatch,  # noqa: ANN001
) -> None:
    from userfiles import write_bare_boundaries

    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(tmp_path / "cache"))
    bare, lookup = write_bare_boundaries(user_files, tmp_path)
    frame = gpd.read_file(bare)
    districts = user_files.lsoa.set_index("LSOA11CD")["LAD19CD"]
    cut = frame.loc[districts.reindex(frame["LSOA11CD"]).to_numpy() != "E07000012"]
    cut = pd.concat(
        [cut, frame.loc[districts.reindex(frame["LSOA11CD"]).to_numpy() == "E07000012"].iloc[:10]]
    )
    extract = tmp_path / "extract.geojson"
    gpd.GeoDataFrame(cut, crs=frame.crs).to_file(extract, driver="GeoJSON")
    status, whole, _ = _published(capsys, user_files.boundaries, user_files.tidy)
    status, got, err = _published(capsys, extract, user_files.tidy, "--areas-lookup", lookup)
    assert status == 0 and "E07000012" not in set(got["area_code"])
    expected = whole.loc[whole["area_code"] != "E07000012"].reset_index(drop=True)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)
    missing = int((districts == "E07000012").sum()) - 10
    assert f"because {missing} of their areas are missing" in err


def test_when_every_district_is_short_the_level_says_why(user_files, tmp_path, capsys) -> None:  # noqa: ANN001
    lsoa = gpd.read_file(user_files.boundaries)
    lsoa.loc[lsoa.groupby("LAD19CD").head(1).index, "geometry"] = None
    path = tmp_path / "each_short.geojson"
    lsoa.to_file(path, driver="GeoJSON")
    status, _, err = _published(capsys, path, user_files.tidy)
    assert status == 2
    problem = err.strip().splitlines()[-1]
    assert "Every district the boundaries name is missing some of its areas" in problem


def test_an_overlap_table_of_a_district_left_out_says_why(user_files, damaged) -> None:  # noqa: ANN001
    from meam_mapping.errors import InputError

    path, _ = damaged
    with pytest.raises(InputError) as caught:
        build_dataset(path, [user_files.tidy], [user_files.patterns])
    text = str(caught.value)
    assert (
        "not in the boundaries: E07000009 (E07000009 named by the boundary file but left out"
        in text
    )
    assert "see the loading notes" in text


def test_the_evidence_pack_says_which_district_is_left_out_and_why(user_files, damaged, tmp_path,
                                                                  monkeypatch):  # fmt: skip
    """A bid writer reading the pack sees why a district is missing from its tables."""
    import docx

    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(tmp_path / "cache"))
    path, _ = damaged
    out = tmp_path / "pack"
    assert (
        main(["pack", "--boundaries", str(path), "--data", str(user_files.tidy), "--out", str(out)])
        == 0
    )
    districts = pd.read_csv(out / "prevalence_by_district.csv", encoding="utf-8-sig")
    assert "E07000009" not in set(districts["area_code"]) and len(set(districts["area_code"])) == 4
    said = "1 district(s) are not drawn or totalled as districts, because 2 of their areas"
    assert said in (out / "README.txt").read_text(encoding="utf-8")
    report = "\n".join(p.text for p in docx.Document(str(out / "report.docx")).paragraphs)
    assert "Notes on the data, from loading the files:" in report and said in report
    assert "E07000009 East Cambridgeshire" in report


def test_the_maps_say_which_districts_are_not_drawn(
    user_files, damaged, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    """An empty place on a shared map is explained on it, in the browser map and the static one alike."""
    from meam_mapping.mapping import MapRequest, interactive_map, static_map_figure

    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(tmp_path / "cache"))
    path, _ = damaged
    dataset, _ = build_dataset(path, [user_files.tidy])
    request = MapRequest(indicator="homelessness_duty_owed", level="lad")
    said = "Not drawn: 1 district(s) missing some of their areas from the boundary file (E07000009)"
    assert said in interactive_map(dataset, request).get_root().render()
    figure = static_map_figure(dataset, request)
    shown = " ".join(t.get_text().replace("\n", " ") for t in figure.texts)
    assert said in shown
    whole, _ = build_dataset(user_files.boundaries, [user_files.tidy])
    assert "Not drawn" not in interactive_map(whole, request).get_root().render()


def test_a_saved_workspace_keeps_what_was_left_out(user_files, damaged, tmp_path, capsys,
                                                  monkeypatch):  # fmt: skip
    """Reopened later, the district map still says which district it does not draw, and why."""
    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(tmp_path / "cache"))
    path, _ = damaged
    work = tmp_path / "work.gpkg"
    assert (
        main(
            [
                "workspace",
                "--boundaries",
                str(path),
                "--data",
                str(user_files.tidy),
                "--out",
                str(work),
            ]
        )
        == 0
    )
    out = tmp_path / "lad.html"
    ask = ["--indicator", "homelessness_duty_owed", "--level", "lad", "--out", str(out)]
    assert main(["map", "--workspace", str(work), *ask]) == 0
    assert (
        "Not drawn: 1 district(s) missing some of their areas from the boundary file (E07000009)"
        in out.read_text()
    )
    lsoa = gpd.read_file(path)
    lsoa = lsoa.loc[lsoa["geometry"].notna()]
    whole = tmp_path / "whole.gpkg"
    short = tmp_path / "short.geojson"
    lsoa.loc[lsoa["LAD19CD"] != "E07000009"].to_file(
        short, driver="GeoJSON"
    )  # whole districts only
    assert (
        main(
            [
                "workspace",
                "--boundaries",
                str(short),
                "--data",
                str(user_files.tidy),
                "--out",
                str(whole),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["map", "--workspace", str(whole), *ask]) == 0
    assert "Not drawn" not in out.read_text()


def test_the_join_report_says_the_unmatched_rows_are_the_shapeless_areas(
    user_files, damaged
) -> None:  # noqa: ANN001
    """Not 'may be from the other LSOA vintage': the table's codes are right, the shapes are missing."""
    path, victims = damaged
    _, report = build_dataset(path, [user_files.tidy])
    text = " ".join(report)
    codes = sorted(victims["LSOA11CD"])
    assert (
        "2 of the table's area codes are areas the boundary file holds without a usable shape"
        in text
    )
    assert all(code in text for code in codes)
    assert "other LSOA vintage" not in text

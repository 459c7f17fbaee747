"""ONS's LSOA boundaries (no MSOA or district) on the Data and Map pages, with and without a lookup."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest
from userfiles import write_bare_boundaries

from meam_mapping.loading import build_dataset

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _upload(at, key, path):
    at.file_uploader(key=key).set_value((path.name, path.read_bytes(), "text/csv")).run()


def _data_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.switch_page("pages/data.py").run()
    return at


def _use_boundaries(at, boundaries, lookup=None) -> None:
    """Upload the boundaries (and a lookup) on the Data page and press "Use these boundaries"."""
    _upload(at, "boundary_upload", boundaries)
    if lookup is not None:
        _upload(at, "parents_upload", lookup)
    next(b for b in at.button if b.label == "Use these boundaries").click().run()


def test_the_data_page_takes_a_lookup_beside_the_boundaries(user_files, tmp_path):
    bare, lookup = write_bare_boundaries(user_files, tmp_path)
    at = _data_page()
    _use_boundaries(at, bare, lookup)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    dataset = at.session_state["dataset"]
    assert dataset.levels == ["lsoa", "msoa", "lad"]
    assert len(dataset.areas["lad"]) == 5 and len(dataset.areas["msoa"]) == 76
    shown = " ".join(str(x.value) for x in at.markdown) + " ".join(str(x.value) for x in at.info)
    assert "taken from OA11_LSOA11_MSOA11_LAD11_EW_LUv2.csv" in shown + " ".join(
        str(x.value) for x in at.caption
    )


def test_a_lookup_that_does_not_cover_the_boundaries_is_refused_and_nothing_is_lost(user_files,
                                                                                   tmp_path):  # fmt: skip
    bare, lookup = write_bare_boundaries(user_files, tmp_path)
    lines = lookup.read_text(encoding="utf-8-sig").splitlines()
    short = tmp_path / "short.csv"
    short.write_text("\n".join(lines[:100]) + "\n")
    at = _data_page()
    before = at.session_state["dataset"]
    _use_boundaries(at, bare, short)
    assert not at.exception, at.exception
    problem = " ".join(str(e.value) for e in at.error)
    assert "short.csv" in problem and "are not in the lookup" in problem
    assert at.session_state["dataset"] is before  # the loaded data stay as they were


def test_the_map_page_says_why_districts_are_not_offered(user_files, tmp_path):
    bare, _ = write_bare_boundaries(user_files, tmp_path)
    dataset, _ = build_dataset(bare, [user_files.tidy], name="Bare LSOAs")
    at = AppTest.from_file(APP, default_timeout=600)
    at.session_state["dataset"] = dataset
    at.run()
    at.switch_page("pages/map.py").run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    for level in ("MSOAs", "Districts"):
        note = next(c for c in captions if c.startswith(f"**{level} are not offered.**"))
        assert "Which MSOA and district each area is in" in note
    assert list(at.radio(key="map_level").options) == ["LSOA (neighbourhood, about 1,500 people)"]


def test_a_district_missing_lsoas_is_named_on_the_data_page_and_left_off_the_map(
    user_files, tmp_path
):
    """Boundaries with one district's LSOAs partly shapeless: said on loading; that district not offered."""
    import geopandas as gpd

    lsoa = gpd.read_file(user_files.boundaries)
    lsoa.loc[lsoa.index[lsoa["LAD19CD"] == "E07000010"][:3], "geometry"] = None
    damaged = tmp_path / "damaged.geojson"
    lsoa.to_file(damaged, driver="GeoJSON")
    at = _data_page()
    _use_boundaries(at, damaged)
    assert not at.exception, at.exception
    shown = " ".join(
        str(x.value) for kind in (at.markdown, at.info, at.caption, at.warning) for x in kind
    )
    assert "1 district(s) are not drawn or totalled as districts, because 3 of their areas" in shown
    assert "E07000010 Fenland" in shown
    dataset = at.session_state["dataset"]
    assert "E07000010" not in set(dataset.areas["lad"]["area_code"])
    assert len(dataset.areas["lad"]) == 4


def test_the_map_page_says_which_district_it_does_not_draw(user_files, tmp_path):
    import geopandas as gpd

    lsoa = gpd.read_file(user_files.boundaries)
    lsoa.loc[lsoa.index[lsoa["LAD19CD"] == "E07000010"][:3], "geometry"] = None
    damaged = tmp_path / "damaged.geojson"
    lsoa.to_file(damaged, driver="GeoJSON")
    dataset, _ = build_dataset(damaged, [user_files.tidy], name="Damaged")
    at = AppTest.from_file(APP, default_timeout=600)
    at.session_state["dataset"] = dataset
    at.run()
    at.switch_page("pages/map.py").run()
    at.radio(key="map_level").set_value("lad").run()
    assert not at.exception, at.exception
    said = "Not drawn: 1 district(s) missing some of their areas from the boundary file (E07000010)"
    assert any(said in c.value for c in at.caption)
    assert "E07000010" not in set(at.dataframe[0].value["Code"])
    at.radio(key="map_level").set_value("lsoa").run()
    assert not any("Not drawn" in c.value for c in at.caption)


def test_the_data_page_reads_the_same_upload_once_and_clears_the_cache(user_files, tmp_path,
                                                                       monkeypatch):  # fmt: skip
    """Uploaded boundaries and a large lookup are kept: loading them again parses neither."""
    from geopandas.testing import assert_geodataframe_equal

    from meam_mapping.geography import area_lookup, boundaries
    from meam_mapping.io import read

    cache = tmp_path / "cache"
    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(cache))
    monkeypatch.delenv("MEAM_MAPPING_BOUNDARY_CACHE", raising=False)
    monkeypatch.setattr(area_lookup, "KEEP_LOOKUP_FROM", 1)  # the corpus's lookup is small
    bare, lookup = write_bare_boundaries(user_files, tmp_path)
    at = _data_page()
    _use_boundaries(at, bare, lookup)
    first = at.session_state["dataset"]
    kept = sorted(p.relative_to(cache) for p in cache.rglob("*.parquet"))
    assert any(p.parent.name == "lookups" for p in kept) and any(
        p.parent.name == "boundaries" for p in kept
    ), kept

    def refuse(*args, **kwargs):
        raise AssertionError("read again")

    monkeypatch.setattr(boundaries, "_read_boundaries", refuse)
    monkeypatch.setattr(read, "read_lookup_table", refuse)
    next(b for b in at.button if b.label == "Use these boundaries").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    again = at.session_state["dataset"]
    assert again is not first and again.levels == first.levels == ["lsoa", "msoa", "lad"]
    for level in again.levels:
        assert_geodataframe_equal(again.areas[level], first.areas[level])
    files = [p for p in cache.rglob("*") if p.is_file()]
    next(b for b in at.button if b.label == "Clear the boundary cache").click().run()
    assert f"Removed {len(files)} cached file(s)." in " ".join(str(s.value) for s in at.success)
    assert [p for p in cache.rglob("*") if p.is_file()] == []

"""Boundaries read once: the second read of the same file comes from the cache, and a bad entry never does."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from geopandas.testing import assert_geodataframe_equal

from meam_mapping.errors import InputError
from meam_mapping.geography import boundaries, boundary_cache
from meam_mapping.geography.boundaries import read_boundaries
from meam_mapping.geography.boundary_cache import (
    cache_key,
    clear_boundary_cache,
    load_frame,
    store_frame,
)
from meam_mapping.maps import simplify

DEMO = Path(__file__).resolve().parents[2] / "data" / "cambridgeshire.gpkg"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private cache folder (the default one, through MEAM_MAPPING_CACHE)."""
    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(boundary_cache.CACHE_SWITCH_ENV, raising=False)
    return tmp_path / "cache" / "boundaries"


@pytest.fixture
def demo_file(tmp_path):
    copy = tmp_path / "districts.gpkg"
    shutil.copy(DEMO, copy)
    return copy


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.parquet"))


def _no_parsing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the file was parsed again")

    monkeypatch.setattr(boundaries, "_read_boundaries", refuse)


def test_second_read_comes_from_the_cache_and_is_the_same(cache, demo_file, monkeypatch):
    first = read_boundaries(demo_file, layer="lad")
    assert len(_entries(cache)) == 1
    _no_parsing(monkeypatch)
    second = read_boundaries(demo_file, layer="lad")
    assert_geodataframe_equal(first.areas, second.areas)
    assert second.areas.crs.to_string() == "EPSG:27700"
    assert (second.notes, second.code_field, second.name_field, second.vintage) == (
        first.notes, first.code_field, first.name_field, first.vintage)  # fmt: skip
    assert second.areas.attrs == first.areas.attrs


def test_a_copy_elsewhere_hits_and_other_options_miss(cache, demo_file, tmp_path):
    lad = read_boundaries(demo_file, layer="lad")
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    shutil.copy(demo_file, moved / demo_file.name)
    read_boundaries(moved / demo_file.name, layer="lad")
    assert len(_entries(cache)) == 1  # same content and name: the same entry
    msoa = read_boundaries(demo_file, layer="msoa")
    assert len(_entries(cache)) == 2
    assert len(msoa.areas) > len(lad.areas)


def test_a_changed_file_is_read_again(cache, tmp_path):
    import geopandas as gpd

    path = tmp_path / "areas.geojson"
    lad = gpd.read_file(DEMO, layer="lad")
    lad.to_file(path, driver="GeoJSON")
    first = read_boundaries(path)
    lad.iloc[:-1].to_file(path, driver="GeoJSON")  # one district fewer, same name
    second = read_boundaries(path)
    assert len(second.areas) == len(first.areas) - 1


def test_bytes_are_cached_by_content(cache, demo_file, monkeypatch):
    data = demo_file.read_bytes()
    first = read_boundaries(data, name="upload.gpkg", layer="lad")
    _no_parsing(monkeypatch)
    assert_geodataframe_equal(read_boundaries(data, name="upload.gpkg", layer="lad").areas,
                              first.areas)  # fmt: skip


class _Upload(io.BytesIO):
    """What the Data page hands over: Streamlit's UploadedFile is a BytesIO with a name."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


def test_an_upload_is_cached_by_content_and_name(cache, demo_file, monkeypatch):
    data = demo_file.read_bytes()
    first = read_boundaries(_Upload(data, "districts.gpkg"), layer="lad")
    assert len(_entries(cache)) == 1
    with monkeypatch.context() as patch:
        _no_parsing(patch)
        again = read_boundaries(_Upload(data, "districts.gpkg"), layer="lad")
        assert_geodataframe_equal(again.areas, first.areas)
        assert again.notes == first.notes
        with pytest.raises(InputError, match="parsed again"):  # another name: its own notes
            read_boundaries(_Upload(data, "other.gpkg"), layer="lad")
        with pytest.raises(InputError, match="parsed again"):  # a stream: read each time
            read_boundaries(io.BufferedReader(io.BytesIO(data)), layer="lad")


@pytest.mark.parametrize("damage", [b"", b"not parquet at all", "truncate"])
def test_a_corrupt_entry_is_ignored_and_rebuilt(cache, demo_file, damage):
    first = read_boundaries(demo_file, layer="lad")
    (entry,) = _entries(cache)
    data = entry.read_bytes()
    entry.write_bytes(data[: len(data) // 2] if damage == "truncate" else damage)
    again = read_boundaries(demo_file, layer="lad")
    assert_geodataframe_equal(again.areas, first.areas)
    (rebuilt,) = _entries(cache)
    assert rebuilt.read_bytes() != (damage if isinstance(damage, bytes) else data[: len(data) // 2])
    assert load_frame(rebuilt.stem) is not None


def test_an_entry_from_another_version_is_not_trusted(cache, monkeypatch):
    import geopandas as gpd

    frame = gpd.read_file(DEMO, layer="lad")
    key = cache_key("boundaries", "some file")
    with monkeypatch.context() as patch:
        patch.setattr(boundary_cache, "__version__", "0.0.1")
        path = store_frame(key, frame)
    assert path is not None and path.exists()
    assert load_frame(key) is None  # written by 0.0.1: ignored ...
    assert not path.exists()  # ... and removed, so the next read rebuilds it


def test_an_entry_under_another_key_is_not_trusted(cache):
    import geopandas as gpd

    frame = gpd.read_file(DEMO, layer="lad")
    path = store_frame(cache_key("boundaries", "file A"), frame)
    other = cache_key("boundaries", "file B")
    shutil.copy(path, path.with_name(f"{other}.parquet"))
    assert load_frame(other) is None
    assert load_frame(path.stem) is not None


def test_the_cache_can_be_cleared_and_switched_off(cache, demo_file, monkeypatch):
    read_boundaries(demo_file, layer="lad")
    assert clear_boundary_cache() == 1
    assert _entries(cache) == []
    read_boundaries(demo_file, layer="lad", cache=False)
    monkeypatch.setenv(boundary_cache.CACHE_SWITCH_ENV, "0")
    read_boundaries(demo_file, layer="lad")
    assert _entries(cache) == []


def test_an_unwritable_cache_folder_costs_only_the_speed_up(tmp_path, demo_file, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(blocker))
    result = read_boundaries(demo_file, layer="lad")
    assert len(result.areas) > 0


def test_display_geometry_is_cached_and_follows_the_shapes(cache, demo_file, monkeypatch):
    areas = read_boundaries(demo_file, layer="lad").areas
    first = simplify.simplify_for_display(areas, level="lad")

    def refuse(*args, **kwargs):
        raise AssertionError("simplified again")

    with monkeypatch.context() as patch:
        patch.setattr(simplify, "simplify_coverage", refuse)
        second = simplify.simplify_for_display(areas, level="lad")
    assert_geodataframe_equal(first, second)
    assert second.attrs["display"] == first.attrs["display"]
    assert len(list((cache / "display").glob("*.parquet"))) == 1
    edited = areas.copy()
    edited.loc[0, "geometry"] = edited.geometry.iloc[0].buffer(-50)
    assert boundary_cache.frame_fingerprint(edited) != boundary_cache.frame_fingerprint(areas)
    assert boundary_cache.frame_fingerprint(areas.iloc[1:]) != boundary_cache.frame_fingerprint(
        areas
    )


def test_deferred_writes_are_all_written_when_the_block_ends(cache, demo_file):
    """Inside deferred_writes the entry is written by a background thread, and is there after."""
    with boundary_cache.deferred_writes():
        first = read_boundaries(demo_file, layer="lad")
        with boundary_cache.deferred_writes():  # nested: the outer block waits
            pass
    assert len(_entries(cache)) == 1
    again = read_boundaries(demo_file, layer="lad")
    assert_geodataframe_equal(first.areas, again.areas)


def test_an_unexpected_error_of_a_deferred_write_is_raised_when_the_block_ends():
    def broken() -> None:
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        with boundary_cache.deferred_writes():
            boundary_cache.write_soon(broken)
    done = []
    boundary_cache.write_soon(done.append, 1)  # outside a block: written at once
    assert done == [1]


def test_content_digest_is_read_once_per_unchanged_file(tmp_path, monkeypatch):
    """A file named by several keys of one command is hashed once; a change is hashed again."""
    import hashlib
    import os
    import time

    from meam_mapping.geography.boundary_cache import content_digest

    monkeypatch.setattr(boundary_cache, "_SETTLED_NS", 0)  # the file was just written
    path = tmp_path / "table.csv"
    path.write_bytes(b"area_code,count\nE01000001,7\n")
    first = content_digest(path)
    assert first == hashlib.sha256(path.read_bytes()).hexdigest()
    reads = []
    real_open = open

    def counting_open(file, mode="r", *args, **kwargs):  # noqa: ANN001, ANN202
        handle = real_open(file, mode, *args, **kwargs)
        if "b" in mode and str(file) == str(path):
            real_read = handle.read
            handle.read = lambda *a: reads.append(1) or real_read(*a)  # type: ignore[method-assign]
        return handle

    monkeypatch.setattr("builtins.open", counting_open)
    assert content_digest(path) == first and not reads  # known: not read again
    # The same size, a new content, the modification time put back: read and hashed
    # anew (the change time moved).
    stat = path.stat()
    time.sleep(0.05)  # past the clock's step, so the change time moves
    path.write_bytes(b"area_code,count\nE01000001,8\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_mtime_ns == stat.st_mtime_ns and path.stat().st_size == stat.st_size
    second = content_digest(path)
    assert reads and second == hashlib.sha256(path.read_bytes()).hexdigest() != first


def test_content_digest_of_a_file_changed_moments_ago_is_not_remembered(tmp_path):
    from meam_mapping.geography.boundary_cache import _DIGESTS, content_digest

    path = tmp_path / "fresh.csv"
    path.write_bytes(b"area_code\n")
    content_digest(path)
    assert not any(str(path.resolve()) == key[0] for key in _DIGESTS)


def test_bytes_are_kept_whole_and_a_damaged_or_foreign_entry_is_never_trusted(tmp_path):
    from meam_mapping.geography.boundary_cache import load_bytes, store_bytes

    path = store_bytes("k1", b"\x00\x01stream", {"decimals": 4}, folder=tmp_path)
    assert path is not None and path.parent.name == "packed"
    payload, meta = load_bytes("k1", folder=tmp_path)
    assert payload == b"\x00\x01stream" and meta["decimals"] == 4
    assert load_bytes("k2", folder=tmp_path) is None  # not kept
    path.rename(path.with_name("k2.parquet"))  # an entry under another name
    assert load_bytes("k2", folder=tmp_path) is None and not path.with_name("k2.parquet").exists()
    store_bytes("k1", b"abc", folder=tmp_path).write_bytes(b"PAR1 cut short")
    assert load_bytes("k1", folder=tmp_path) is None and not path.exists()


# ------------------------------------------------- merged levels and lookups kept
def _refuse(what):
    def refuse(*args, **kwargs):
        raise AssertionError(f"{what} again")

    return refuse


def test_merged_parents_are_kept_and_the_same(cache, user_files, monkeypatch):
    from meam_mapping.geography import aggregate

    lsoa = read_boundaries(user_files.boundaries).areas  # they name their MSOAs and districts
    monkeypatch.setattr(aggregate, "KEEP_MERGED_FROM", 1)
    first = {level: aggregate.dissolve_areas(lsoa, lsoa.set_index("area_code")[column], level)
             for level, column in (("msoa", "msoa_code"), ("lad", "lad_code"))}  # fmt: skip
    assert len(sorted((cache / "merged").glob("*.parquet"))) == 2
    with monkeypatch.context() as patch:
        patch.setattr(aggregate, "_dissolved", _refuse("merged"))
        for level, column in (("msoa", "msoa_code"), ("lad", "lad_code")):
            again = aggregate.dissolve_areas(lsoa, lsoa.set_index("area_code")[column], level)
            assert_geodataframe_equal(again, first[level])
    # Other shapes (one LSOA moved into another MSOA) are another entry, merged afresh.
    moved = lsoa.copy()
    moved.loc[0, "msoa_code"] = moved.loc[len(moved) - 1, "msoa_code"]
    other = aggregate.dissolve_areas(moved, moved.set_index("area_code")["msoa_code"], "msoa")
    assert not other.geometry.geom_equals(first["msoa"].geometry).all()
    assert len(sorted((cache / "merged").glob("*.parquet"))) == 3
    assert clear_boundary_cache() >= 3
    assert sorted((cache / "merged").glob("*")) == []


def test_a_damaged_merged_entry_is_merged_again(cache, user_files, monkeypatch):
    from meam_mapping.geography import aggregate

    lsoa = read_boundaries(user_files.boundaries).areas  # they name their MSOAs and districts
    monkeypatch.setattr(aggregate, "KEEP_MERGED_FROM", 1)
    first = aggregate.dissolve_areas(lsoa, lsoa.set_index("area_code")["lad_code"], "lad")
    (entry,) = sorted((cache / "merged").glob("*.parquet"))
    entry.write_bytes(b"PAR1 not a parquet file")
    again = aggregate.dissolve_areas(lsoa, lsoa.set_index("area_code")["lad_code"], "lad")
    assert_geodataframe_equal(again, first)
    assert load_frame(entry.stem, kind="merged") is not None  # rebuilt


def test_few_areas_or_the_cache_off_keep_no_merged_entry(cache, user_files, monkeypatch):
    from meam_mapping.geography import aggregate

    lsoa = read_boundaries(user_files.boundaries).areas  # they name their MSOAs and districts
    assert len(lsoa) < aggregate.KEEP_MERGED_FROM
    aggregate.dissolve_areas(lsoa, lsoa.set_index("area_code")["lad_code"], "lad")
    monkeypatch.setattr(aggregate, "KEEP_MERGED_FROM", 1)
    monkeypatch.setenv(boundary_cache.CACHE_SWITCH_ENV, "off")
    aggregate.dissolve_areas(lsoa, lsoa.set_index("area_code")["lad_code"], "lad")
    assert not (cache / "merged").exists()


def _assert_same_lookup(got, want):
    import pandas as pd

    assert len(got.alternatives) == len(want.alternatives)
    for one, other in zip((got, *got.alternatives), (want, *want.alternatives), strict=True):
        pd.testing.assert_frame_equal(one.parents, other.parents)
        assert (one.level, one.file, one.vintage, one.names) == (
            other.level, other.file, other.vintage, other.names,
        )  # fmt: skip


def test_a_large_lookup_is_kept_read_and_the_same(cache, user_files, tmp_path, monkeypatch):
    import io

    from userfiles import write_bare_boundaries

    from meam_mapping.geography import area_lookup
    from meam_mapping.io import read

    _, path = write_bare_boundaries(user_files, tmp_path)
    small = area_lookup.read_area_lookup(path)
    assert not (cache / "lookups").exists()  # a district's lookup is read each time
    monkeypatch.setattr(area_lookup, "KEEP_LOOKUP_FROM", 1)
    first = area_lookup.read_area_lookup(path)
    _assert_same_lookup(first, small)
    assert first.alternatives  # the MSOAs' own reading is kept too
    with monkeypatch.context() as patch:
        patch.setattr(read, "read_lookup_table", _refuse("read"))
        _assert_same_lookup(area_lookup.read_area_lookup(path), first)
        _assert_same_lookup(area_lookup.read_area_lookup(path.read_bytes(), name=path.name), first)
        with pytest.raises(AssertionError, match="read again"):  # the name is in its messages
            area_lookup.read_area_lookup(path.read_bytes(), name="other.csv")
        upload = io.BytesIO(path.read_bytes())  # as the Data page has it: kept by content too
        _assert_same_lookup(area_lookup.read_area_lookup(upload, name=path.name), first)
        with pytest.raises(AssertionError, match="read again"):  # a stream: read each time
            area_lookup.read_area_lookup(io.BufferedReader(io.BytesIO(path.read_bytes())),
                                         name=path.name)  # fmt: skip
    # An edited file is read afresh; a damaged entry is read again and replaced.
    path.write_text(path.read_text(encoding="utf-8-sig").replace(",E02", ",W02", 1),
                    encoding="utf-8-sig")  # fmt: skip
    with pytest.raises(InputError, match="more than one MSOA"):
        area_lookup.read_area_lookup(path)
    for entry in (cache / "lookups").glob("*.parquet"):
        entry.write_bytes(b"damaged")
    _, path = write_bare_boundaries(user_files, tmp_path)
    _assert_same_lookup(area_lookup.read_area_lookup(path), first)
    assert clear_boundary_cache() >= 1
    assert sorted((cache / "lookups").glob("*")) == []


def test_uploads_of_one_lookup_under_two_names_keep_their_own_names(cache, user_files, tmp_path,
                                                                     monkeypatch):  # fmt: skip
    from userfiles import write_bare_boundaries

    from meam_mapping.geography import area_lookup

    _, path = write_bare_boundaries(user_files, tmp_path)
    monkeypatch.setattr(area_lookup, "KEEP_LOOKUP_FROM", 1)
    first = area_lookup.read_area_lookup(_Upload(path.read_bytes(), "lookup_2021.csv"))
    second = area_lookup.read_area_lookup(_Upload(path.read_bytes(), "copy.csv"))
    assert (first.file, second.file) == ("lookup_2021.csv", "copy.csv")  # the names messages give
    assert len(list((cache / "lookups").glob("*.parquet"))) == 2

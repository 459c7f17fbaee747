"""The map command's published slice kept on disk: the second command draws the same map without reloading."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from meam_mapping import cli, loading
from meam_mapping.geography import boundary_cache
from meam_mapping.maps import slice_cache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(boundary_cache.CACHE_SWITCH_ENV, raising=False)
    # The finished file is kept too (tests/maps/test_output_cache.py): off here, so the slice is used.
    monkeypatch.setattr(cli, "_output_key", lambda args: None)
    return tmp_path / "cache" / "boundaries" / "slices"


@pytest.fixture
def files(user_files, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(user_files.boundaries, folder / "b.geojson")
    shutil.copy(user_files.tidy, folder / "t.csv")
    return folder / "b.geojson", folder / "t.csv"


def _map(files, out, *extra):
    b, t = files
    return cli.main(["map", "--boundaries", str(b), "--data", str(t), "--indicator",
                     "homelessness", "--out", str(out), *extra])  # fmt: skip


def _page(path) -> str:
    return re.sub(r"_[0-9a-f]{32}", "_ID", path.read_text(encoding="utf-8"))  # folium's random ids


def _no_loading(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the table was loaded again")

    monkeypatch.setattr(loading, "load_table_file", refuse)


def test_second_map_comes_from_the_kept_slice_and_is_the_same(cache, files, tmp_path, monkeypatch,
                                                              capsys):  # fmt: skip
    assert _map(files, tmp_path / "one.html") == 0
    first_err = capsys.readouterr().err
    assert len(list(cache.glob("*.parquet"))) == 1
    _no_loading(monkeypatch)
    assert _map(files, tmp_path / "two.html") == 0
    assert capsys.readouterr().err == first_err  # the same loading report
    assert _page(tmp_path / "one.html") == _page(tmp_path / "two.html")


def test_kept_slice_reads_back_equal_with_its_disclosure_marks(cache, files, tmp_path):
    _map(files, tmp_path / "one.html")
    key = next(cache.glob("*.parquet")).stem
    kept = slice_cache.load_slice(key)
    from meam_mapping.mapping import MapRequest, request_slice

    dataset = loading.build_dataset(*files[:1], [files[1]])[0]
    indicator = cli._indicator(dataset, "homelessness")
    fresh = request_slice(dataset, MapRequest(indicator=indicator))[0]
    pd.testing.assert_frame_equal(kept.data, fresh)
    assert kept.data.attrs == fresh.attrs and kept.indicator == indicator


def test_another_table_content_or_threshold_is_another_entry(cache, files, tmp_path):
    _map(files, tmp_path / "one.html")
    _map(files, tmp_path / "two.html", "--threshold", "10")
    table = pd.read_csv(files[1])
    table["denominator"] = table["denominator"] * 2  # every rate halves
    table.to_csv(files[1], index=False)
    _map(files, tmp_path / "three.html")
    assert len(list(cache.glob("*.parquet"))) == 3
    assert _page(tmp_path / "one.html") != _page(tmp_path / "three.html")


def test_damaged_or_foreign_entry_is_rebuilt_never_trusted(cache, files, tmp_path):
    _map(files, tmp_path / "one.html")
    entry = next(cache.glob("*.parquet"))
    entry.write_bytes(entry.read_bytes()[:200])
    assert slice_cache.load_slice(entry.stem) is None
    assert not entry.exists()
    _map(files, tmp_path / "two.html")
    other = cache / ("0" * 40 + ".parquet")
    shutil.copy(entry, other)  # right content, wrong key
    assert slice_cache.load_slice(other.stem) is None and not other.exists()
    assert _page(tmp_path / "one.html") == _page(tmp_path / "two.html")


def test_switched_off_and_cleared_with_the_boundary_cache(cache, files, monkeypatch):
    key = slice_cache.slice_key(*files[:1], [files[1]], indicator="x")
    found = slice_cache.CachedSlice(data=pd.DataFrame({"area_code": ["E01000001"], "value": [1.5]}),
                                    indicator="x")  # fmt: skip
    assert slice_cache.store_slice(key, found) is not None
    pd.testing.assert_frame_equal(slice_cache.load_slice(key).data, found.data)
    assert boundary_cache.clear_boundary_cache() == 1
    assert slice_cache.load_slice(key) is None
    monkeypatch.setenv(boundary_cache.CACHE_SWITCH_ENV, "0")
    assert slice_cache.slice_key(*files[:1], [files[1]], indicator="x") is None

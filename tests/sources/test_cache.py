from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from meam_mapping.errors import InputError
from meam_mapping.sources.cache import (
    CACHE_ENV,
    OFFLINE_ENV,
    SourceCache,
    SourceError,
    default_cache_dir,
    offline_from_env,
)
from meam_mapping.sources.http import SourceClient

URL = "https://example.org/api/data.csv?x=1"


def test_put_get_roundtrip_with_provenance_sidecar(tmp_path):
    cache = SourceCache(tmp_path)
    when = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    entry = cache.put(URL, b"a,b\n1,2\n", licence="OGL v3.0", source="Example", fetched=when)
    got = cache.get(URL)
    assert got is not None and got.read() == b"a,b\n1,2\n"
    assert got.fetched == "2024-05-01T09:30:00+00:00" and got.fetched_date == "2024-05-01"
    sidecar = json.loads(entry.path.with_suffix(".json").read_text())
    assert sidecar["url"] == URL
    assert sidecar["licence"] == "OGL v3.0"
    assert sidecar["source"] == "Example"
    assert sidecar["bytes"] == 8
    assert [e.url for e in cache.entries()] == [URL]


def test_missing_and_damaged_entries_are_absent(tmp_path):
    cache = SourceCache(tmp_path)
    assert cache.get(URL) is None
    entry = cache.put(URL, b"abc", licence="L", source="S")
    entry.path.write_bytes(b"tampered")
    assert cache.get(URL) is None
    assert cache.remove(URL) is True
    assert cache.get(URL) is None


def test_default_folder_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "here"))
    assert default_cache_dir() == tmp_path / "here"
    assert SourceCache().folder == tmp_path / "here"
    monkeypatch.delenv(CACHE_ENV)
    assert default_cache_dir().parts[-2:] == (".cache", "meam_mapping")
    monkeypatch.setenv(OFFLINE_ENV, "yes")
    assert offline_from_env() is True
    monkeypatch.setenv(OFFLINE_ENV, "0")
    assert offline_from_env() is False


def test_offline_with_nothing_cached_is_a_clear_error(tmp_path):
    client = SourceClient(cache=tmp_path, offline=True)
    with pytest.raises(SourceError) as info:
        client.fetch(URL, expect="csv", licence="L", source="S")
    assert isinstance(info.value, InputError)
    assert "offline" in info.value.message and URL in info.value.message


def test_offline_reads_from_cache(tmp_path):
    SourceCache(tmp_path).put(URL, b"a,b\n", licence="OGL", source="S")
    got = SourceClient(cache=tmp_path, offline=True).fetch(
        URL, expect="csv", licence="x", source="y"
    )
    assert got.data == b"a,b\n" and got.from_cache and got.licence == "OGL"
    assert "cache" in got.describe()


def test_offline_env_switch(monkeypatch, tmp_path):
    monkeypatch.setenv(OFFLINE_ENV, "1")
    with pytest.raises(SourceError, match="offline"):
        SourceClient(cache=tmp_path).fetch(URL, expect="csv", licence="L", source="S")

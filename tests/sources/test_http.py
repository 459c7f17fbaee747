from __future__ import annotations

import pytest

from meam_mapping.sources.cache import SourceCache, SourceError
from meam_mapping.sources.http import HttpClient, SourceClient, build_url, check_content

CSV = b"Area Code,Value\nE07000008,1\n"


def test_build_url_keeps_order_and_commas():
    url = build_url(
        "http://h/api",
        "all_data/csv/by_indicator_id",
        {"indicator_ids": "1,2", "p": None, "c": 501},
    )
    assert url == "http://h/api/all_data/csv/by_indicator_id?indicator_ids=1,2&c=501"


def test_get_returns_body(server, fast_http):
    server.routes["/a.csv"] = lambda q: (200, "text/csv", CSV)
    data, ctype = fast_http.get(server.url + "a.csv", expect="csv")
    assert data == CSV and ctype == "text/csv"


def test_retries_after_two_failures_then_succeeds(server):
    calls = {"n": 0}

    def flaky(q):
        calls["n"] += 1
        return (503, "text/plain", b"busy") if calls["n"] <= 2 else (200, "text/csv", CSV)

    server.routes["/flaky"] = flaky
    waits: list[float] = []
    http = HttpClient(timeout=2, retries=3, backoff=0.5, sleep=waits.append)
    data, _ = http.get(server.url + "flaky", expect="csv")
    assert data == CSV and calls["n"] == 3
    assert waits == [0.5, 1.0]  # exponential backoff


def test_gives_up_after_bounded_retries(server):
    server.routes["/down"] = lambda q: (500, "text/plain", b"error")
    http = HttpClient(timeout=2, retries=2, backoff=0, sleep=lambda s: None)
    with pytest.raises(SourceError, match="3 attempt"):
        http.get(server.url + "down", expect="csv")
    assert len(server.hits) == 3


def test_client_error_is_not_retried(server, fast_http):
    with pytest.raises(SourceError, match="HTTP 404"):
        fast_http.get(server.url + "nothing-here", expect="csv")
    assert len(server.hits) == 1


def test_timeout_is_reported(server):
    server.routes["/slow"] = lambda q: (200, "text/csv", CSV)
    server.delay = 1.0
    http = HttpClient(timeout=0.2, retries=0, sleep=lambda s: None)
    with pytest.raises(SourceError, match="did not answer within 0.2 seconds"):
        http.get(server.url + "slow", expect="csv")


def test_html_page_instead_of_csv_is_detected(server, fast_http):
    page = b"<!DOCTYPE html><html><head><title>Service unavailable</title></head></html>"
    server.routes["/maint"] = lambda q: (200, "text/html; charset=utf-8", page)
    with pytest.raises(SourceError) as info:
        fast_http.get(server.url + "maint", expect="csv")
    assert "web page instead of a table" in info.value.message
    assert "Service unavailable" in info.value.message
    # Even when mislabelled as CSV
    with pytest.raises(SourceError, match="web page"):
        check_content(page, "text/csv", "csv", "u")


def test_invalid_json_is_reported():
    with pytest.raises(SourceError, match="not valid JSON"):
        check_content(b"Area,Value\n", "application/json", "json", "u")


def test_closed_port_fails_fast(closed_url, fast_http):
    with pytest.raises(SourceError, match="could not be reached"):
        fast_http.get(closed_url + "x", expect="csv")


def test_source_client_caches_and_falls_back(server, tmp_path, fast_http, closed_url):
    server.routes["/d.csv"] = lambda q: (200, "text/csv", CSV)
    client = SourceClient(cache=tmp_path, http=fast_http, offline=False)
    first = client.fetch(server.url + "d.csv", expect="csv", licence="OGL", source="Test")
    second = client.fetch(server.url + "d.csv", expect="csv", licence="OGL", source="Test")
    assert not first.from_cache and second.from_cache and len(server.hits) == 1
    # refresh re-downloads; when the service is down the cached copy is used with a note
    server.routes["/d.csv"] = lambda q: (500, "text/plain", b"")
    stale = SourceClient(cache=tmp_path, http=fast_http, offline=False, refresh=True)
    got = stale.fetch(server.url + "d.csv", expect="csv", licence="OGL", source="Test")
    assert got.from_cache and got.data == CSV and "Could not download a fresh copy" in got.notes[0]


def test_html_error_page_is_never_cached(server, tmp_path, fast_http):
    server.routes["/e.csv"] = lambda q: (200, "text/html", b"<html><title>Oops</title></html>")
    client = SourceClient(cache=tmp_path, http=fast_http, offline=False)
    with pytest.raises(SourceError):
        client.fetch(server.url + "e.csv", expect="csv", licence="L", source="S")
    assert SourceCache(tmp_path).entries() == []

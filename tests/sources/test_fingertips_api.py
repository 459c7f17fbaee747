from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from numpy.testing import assert_allclose

from meam_mapping.errors import InputError
from meam_mapping.sources import fingertips as ft
from meam_mapping.sources.cache import SourceError
from meam_mapping.sources.http import SourceClient


def _file(data_dir, name):
    return (data_dir / name).read_bytes()


@pytest.fixture
def api(server, data_dir):
    """The Fingertips endpoints served from fixtures built to the documented layouts."""

    def all_data(q):
        assert q["indicator_ids"] == "93736"
        assert q["parent_area_type_id"] == "15"
        if q["child_area_type_id"] != "501":  # header only: no rows for this area type
            return (
                200,
                "text/csv",
                _file(data_dir, "fingertips_all_data_93736_501.csv").split(b"\n")[0],
            )
        return 200, "text/csv", _file(data_dir, "fingertips_all_data_93736_501.csv")

    def search(q):
        text = q["search_text"].lower()
        if "homeless" in text:
            return 200, "application/json", _file(data_dir, "fingertips_search_homelessness.json")
        return 200, "application/json", b"{}"

    def metadata(q):
        assert set(q["indicator_ids"].split(",")) <= {"93736", "93737"}
        return 200, "text/csv", _file(data_dir, "fingertips_metadata_93736_93737.csv")

    server.routes.update(
        {
            "/api/all_data/csv/by_indicator_id": all_data,
            "/api/area_types": lambda q: (
                200,
                "application/json",
                _file(data_dir, "fingertips_area_types.json"),
            ),
            "/api/available_data": lambda q: (
                200,
                "application/json",
                _file(data_dir, "fingertips_available_data.json"),
            ),
            "/api/indicator_search": search,
            "/api/indicator_metadata/csv/by_indicator_id": metadata,
        }
    )
    return server.url + "api/"


def test_area_types_and_resolution(api, client):
    types = ft.area_types(base_url=api, client=client)
    assert 501 in types["area_type_id"].tolist()
    assert ft.resolve_area_type("districts apr 2023", base_url=api, client=client) == 501
    assert ft.resolve_area_type(502) == 502
    with pytest.raises(InputError, match="area types match"):
        ft.resolve_area_type("UAs", base_url=api, client=client)


def test_available_data(api, client):
    avail = ft.available_data(indicator_id=93736, base_url=api, client=client)
    assert sorted(avail["area_type_id"]) == [501, 502]
    assert ft.available_data(area_type_id=502, base_url=api, client=client)[
        "indicator_id"
    ].tolist() == [93736, 93737, 90245]


def test_search_and_starter_resolution(api, client):
    found = ft.search_indicators("homelessness owed a duty", base_url=api, client=client)
    assert found["indicator_id"].tolist() == [93736, 93737]
    assert found.loc[0, "area_type_ids"] == "501,502"
    starters = ft.resolve_starter_indicators(area_type_id=501, base_url=api, client=client)
    row = starters[starters["key"] == "homelessness_duty_owed"]
    assert row["indicator_id"].tolist() == [93736]  # the 'dependent children' one is excluded
    # a starter with nothing found stays visible with a missing id
    assert starters.loc[starters["key"] == "reoffending", "indicator_id"].isna().all()


def test_fetch_indicator_to_tidy_table(api, client):
    result = ft.fetch_indicator(93736, 501, base_url=api, client=client, domain="homelessness")
    t = result.table.set_index("area_code")
    assert result.layout == "fingertips"
    assert set(t.index) == {
        "E92000001",
        "E07000008",
        "E07000009",
        "E07000010",
        "E07000011",
        "E07000012",
    }
    assert (t["domain"] == "homelessness").all()
    assert_allclose(
        t.loc["E07000008", ["count", "denominator", "value"]].astype(float), [611, 55500, 11.0]
    )
    # suppressed, not zero (value note explains the blank)
    assert t.loc["E07000012", "suppressed"] and np.isnan(t.loc["E07000012", "count"])
    assert result.notes[0].startswith("OHID Fingertips API data downloaded")
    assert "Open Government Licence" in result.notes[0]
    assert any("breakdown" in n for n in result.notes)


def test_fetch_indicator_by_area_type_name(api, client):
    result = ft.fetch_indicator(93736, "districts apr 2023", "england", base_url=api, client=client)
    assert len(result.table) == 6


def test_changed_column_order_and_missing_optional_column(api, client, server, data_dir):
    rows = list(
        csv.reader(io.StringIO(_file(data_dir, "fingertips_all_data_93736_501.csv").decode()))
    )
    header = rows[0]
    drop = header.index("Compared to goal")
    order = list(reversed([i for i in range(len(header)) if i != drop]))
    out = io.StringIO()
    csv.writer(out).writerows([[r[i] for i in order] for r in rows])
    server.routes["/api/all_data/csv/by_indicator_id"] = lambda q: (
        200,
        "text/csv",
        out.getvalue().encode(),
    )
    result = ft.fetch_indicator(93736, 501, base_url=api, client=client)
    t = result.table.set_index("area_code")
    assert_allclose(t.loc["E07000010", "count"], 587)
    assert t.loc["E07000012", "suppressed"]


def test_no_rows_for_area_type(api, client):
    with pytest.raises(InputError, match="no data"):
        ft.fetch_indicator(93736, 502, base_url=api, client=client)


def test_html_page_instead_of_csv(api, client, server):
    server.routes["/api/all_data/csv/by_indicator_id"] = lambda q: (
        200,
        "text/html",
        b"<html><title>Fingertips is down for maintenance</title></html>",
    )
    with pytest.raises(SourceError, match="maintenance"):
        ft.fetch_indicator(93736, 501, base_url=api, client=client)


def test_cached_then_loaded_with_network_off(api, client, tmp_path, closed_url, fast_http):
    first = ft.fetch_indicator(93736, 501, base_url=api, client=client)
    # same cache, but the service is now unreachable: the address of the cache key
    # must be the same, so we reuse the base URL and switch to offline mode ...
    offline = SourceClient(cache=client.cache, offline=True)
    again = ft.fetch_indicator(93736, 501, base_url=api, client=offline)
    assert again.table.equals(first.table)
    assert "read from the local cache" in again.notes[0]
    # ... and a different (closed) address has nothing cached: a clear error, no hang
    down = SourceClient(cache=client.cache, http=fast_http, offline=False)
    with pytest.raises(SourceError, match="could not be reached"):
        ft.fetch_indicator(93736, 501, base_url=closed_url, client=down)

from __future__ import annotations

import json
import re

import pytest

from meam_mapping.errors import InputError
from meam_mapping.schema import STORAGE_CRS
from meam_mapping.sources import ons
from meam_mapping.sources.cache import SourceError
from meam_mapping.sources.http import SourceClient

LOOKUP = "OA_LSOA_MSOA_EW_DEC_2021_LU_v3"
LSOA = "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5"


def _arcgis(features, *, flag_in_properties):
    """An ArcGIS-style query endpoint: where 'FIELD IN (...)', paged, f=geojson."""

    def route(q):
        assert q["f"] == "geojson" and q["outSR"] == "4326"
        m = re.fullmatch(r"(\w+) IN \((.*)\)", q["where"])
        if m:
            field, codes = m.group(1).lower(), set(re.findall(r"'([^']*)'", m.group(2)))
            chosen = [
                f
                for f in features
                if {k.lower(): v for k, v in f["properties"].items()}[field] in codes
            ]
        else:
            chosen = features
        start, size = int(q["resultOffset"]), int(q["resultRecordCount"])
        page = chosen[start : start + size]
        more = start + size < len(chosen)
        body = {"type": "FeatureCollection", "features": page}
        if flag_in_properties:
            body["properties"] = {"exceededTransferLimit": more}
        elif more:
            body["exceededTransferLimit"] = True
        return 200, "application/geo+json", json.dumps(body).encode()

    return route


@pytest.fixture
def arcgis(server, data_dir):
    rows = json.loads((data_dir / "ons_lookup_lsoa21_rows.json").read_text())
    lookup = [{"type": "Feature", "properties": r, "geometry": None} for r in rows]
    bounds = json.loads((data_dir / "ons_lsoa21_boundaries.geojson").read_text())["features"]
    server.routes[f"/{LOOKUP}/FeatureServer/0/query"] = _arcgis(lookup, flag_in_properties=False)
    server.routes[f"/{LSOA}/FeatureServer/0/query"] = _arcgis(bounds, flag_in_properties=True)
    return server


def test_query_features_follows_pages(arcgis, client):
    result = ons.query_features(
        LOOKUP, return_geometry=False, page_size=4, base_url=arcgis.url, client=client
    )
    assert len(result.collection["features"]) == 10 and result.pages == 3
    offsets = [re.search(r"resultOffset=(\d+)", h).group(1) for h in arcgis.hits]
    assert offsets == ["0", "4", "8"]


def test_lookup_for_chosen_authority(arcgis, client):
    table = ons.fetch_lookup(["e07000008"], page_size=2, base_url=arcgis.url, client=client)
    assert table["lsoa_code"].tolist() == [
        "E01017923",
        "E01017924",
        "E01017925",
    ]  # OAs deduplicated
    assert set(table["lad_code"]) == {"E07000008"} and set(table["msoa_code"]) == {"E02003718"}
    assert "returnGeometry=false" in arcgis.hits[0]


def test_boundaries_arrive_cached_and_load_offline(arcgis, client, closed_url, fast_http):
    result = ons.fetch_boundaries(
        "lsoa", ["E07000008", "E07000009"], page_size=2, base_url=arcgis.url, client=client
    )
    areas = result.areas
    assert len(areas) == 5 and areas.crs.to_string() == STORAGE_CRS
    assert list(areas.columns) == [
        "area_code",
        "area_name",
        "level",
        "msoa_code",
        "lad_code",
        "geometry",
    ]
    assert areas.set_index("area_code").loc["E01017981", "lad_code"] == "E07000009"
    assert (areas["level"] == "lsoa").all() and result.vintage == "LSOA 2021"
    assert any("Open Government Licence" in n for n in result.notes)
    hits = len(arcgis.hits)
    # network off: the same request is answered from the cache, with no request made
    offline = SourceClient(cache=client.cache, offline=True)
    again = ons.fetch_boundaries(
        "lsoa", ["E07000008", "E07000009"], page_size=2, base_url=arcgis.url, client=offline
    )
    assert len(arcgis.hits) == hits
    assert again.areas["area_code"].tolist() == areas["area_code"].tolist()
    assert any("read from the local cache" in n for n in again.notes)
    # a service that cannot be reached and was never cached: a clear error
    down = SourceClient(cache=client.cache, http=fast_http, offline=False)
    with pytest.raises(SourceError, match="could not be reached"):
        ons.fetch_boundaries("lsoa", ["E07000008"], base_url=closed_url, client=down)


def test_service_names_are_configurable(arcgis, client):
    renamed = ons.OnsService(
        "LSOA_2021_renamed_V9",
        "boundaries",
        {"lsoa_code": "LSOA21CD", "lsoa_name": "LSOA21NM"},
        "lsoa",
        2021,
        "BGC",
    )
    arcgis.routes["/LSOA_2021_renamed_V9/FeatureServer/0/query"] = arcgis.routes[
        f"/{LSOA}/FeatureServer/0/query"
    ]
    result = ons.fetch_boundaries(
        "lsoa",
        ["E07000009"],
        service="mine",
        services={"mine": renamed},
        base_url=arcgis.url,
        client=client,
    )
    assert sorted(result.areas["area_code"]) == ["E01017981", "E01017982"]
    assert any("partly assumed" in n for n in result.notes)
    with pytest.raises(InputError, match="Unknown ONS service"):
        ons.fetch_boundaries(
            "lsoa", ["E07000009"], service="nope", base_url=arcgis.url, client=client
        )


def test_arcgis_error_reply_is_reported(server, client):
    server.routes["/Old_V1/FeatureServer/0/query"] = lambda q: (
        200,
        "application/json",
        b'{"error": {"code": 400, "message": "Invalid URL"}}',
    )
    with pytest.raises(SourceError, match="Invalid URL"):
        ons.query_features("Old_V1", base_url=server.url, client=client)


def test_bad_codes_are_refused(client):
    with pytest.raises(InputError, match="not GSS codes"):
        ons.fetch_lookup(["E07000008' OR 1=1 --"], client=client)

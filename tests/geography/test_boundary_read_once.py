"""A GeoJSON boundary file is parsed once; other JSON formats get the same message as before."""

from __future__ import annotations

import json

import pyogrio
import pytest
from shapely.geometry import box, mapping

from meam_mapping.errors import InputError
from meam_mapping.geography import boundary_files
from meam_mapping.geography.boundaries import read_boundaries


def _geojson(path):
    features = [{"type": "Feature", "properties": {"LSOA21CD": f"E0100000{i}", "LSOA21NM": f"A {i}"},
                 "geometry": mapping(box(i * 0.01, 52.0, i * 0.01 + 0.01, 52.01))}
                for i in range(1, 4)]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_geojson_is_not_opened_twice(tmp_path, monkeypatch):
    path = _geojson(tmp_path / "b.geojson")
    expected = read_boundaries(path, cache=False)
    calls = []
    monkeypatch.setattr(boundary_files.pyogrio, "read_info",
                        lambda *a, **k: calls.append(a) or pyogrio.read_info(*a, **k))  # fmt: skip
    found = read_boundaries(path, cache=False)
    assert calls == []
    assert found.areas.equals(expected.areas) and found.notes == expected.notes


def test_esri_json_is_named_as_before(tmp_path):
    path = tmp_path / "b.json"
    path.write_text(json.dumps({
        "geometryType": "esriGeometryPolygon", "spatialReference": {"wkid": 4326},
        "fields": [{"name": "LSOA21CD", "type": "esriFieldTypeString"}],
        "features": [{"attributes": {"LSOA21CD": "E01000001"},
                      "geometry": {"rings": [[[0, 52], [0.01, 52], [0.01, 52.01], [0, 52]]]}}],
    }))  # fmt: skip
    with pytest.raises(InputError, match="ESRIJSON"):
        read_boundaries(path, cache=False)

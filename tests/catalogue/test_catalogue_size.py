"""The catalogue covers every format with at least 40 named cases."""

from __future__ import annotations

from catalogue.cases import CASES


def test_catalogue_has_40_unique_cases_over_every_format():
    ids = [c.id for c in CASES]
    assert len(ids) >= 40 and len(set(ids)) == len(ids)
    assert {c.format for c in CASES} >= {
        "csv",
        "xlsx",
        "geojson",
        "gpkg",
        "zip",
        "patterns",
        "fingertips",
    }
    assert all(c.expected and c.file_name in c.expected for c in CASES)

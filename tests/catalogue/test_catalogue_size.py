"""The catalogue covers every format with named cases (59 before issue 18, 100 or more after)."""

from __future__ import annotations

from catalogue.cases import CASES


def test_catalogue_has_unique_cases_over_every_format():
    ids = [c.id for c in CASES]
    assert len(ids) >= 100 and len(set(ids)) == len(ids)
    assert {c.format for c in CASES} == {
        "csv",
        "xlsx",
        "geojson",
        "gpkg",
        "zip",
        "patterns",
        "fingertips",
        "workspace",
    }
    assert all(c.expected and any(c.file_name in e for e in c.expected) for c in CASES)

"""inspect says when a table's LSOA vintage differs from the boundaries', and what the ONS lookup would do."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from meam_mapping.geography.vintage_bridge import ons_lookup
from meam_mapping.io.inspect import inspect_table

DATA = Path(__file__).resolve().parents[1] / "data"
NEW = ["E01000001", "E01000002", "E01000003", "E01000004", "E01000005",
       "E01033770", "E01033771", "E01033780", "E01033790", "E01033791"]  # fmt: skip


def _table_2011() -> bytes:
    rows = ["LSOA code (2011),Households owed a duty"]
    for code, n in zip(
        ["E01000001", "E01000002", "E01000003", "E01000004", "E01000005",
         "E01000010", "E01000020", "E01000021", "E01000030", "E01000031"],
        [10, 20, 5, 8, 12, 30, 7, 9, 16, 4], strict=True,
    ):  # fmt: skip
        rows.append(f"{code},{n}")
    return ("\n".join(rows) + "\n").encode()


def test_inspect_reports_the_share_of_areas_changed_and_the_matches_gained():
    lookup = ons_lookup(
        pd.read_csv(DATA / "geography" / "lsoa11_lsoa21_lad22_lookup_extract.csv", dtype=str)
    )
    found = inspect_table(_table_2011(), name="duty.csv", boundary_codes=NEW,
                          boundary_vintage="LSOA 2021", lookup=lookup)  # fmt: skip
    assert (found.area_column, found.level, found.vintage) == ("LSOA code (2011)", "lsoa", "2011")
    bridge = found.vintage_bridge
    assert bridge["share_changed"] == 0.5
    assert (bridge["n_split"], bridge["n_merged"], bridge["n_irregular"]) == (1, 2, 2)
    assert (bridge["matched_before"], bridge["matched_after"]) == (5, 10)
    assert "Open Government Licence" in bridge["licence"]
    text = found.to_text()
    assert "50.0% of the table's areas in the ONS lookup changed" in text
    assert "would match 10 boundary areas instead of 5" in text
    # Without the lookup the note still says so, with the share of codes the boundaries lack.
    plain = inspect_table(
        _table_2011(), name="duty.csv", boundary_codes=NEW, boundary_vintage="LSOA 2021"
    )
    assert plain.vintage_bridge is None
    assert any(
        "50.0% of the table's area codes are not in the boundaries" in n for n in plain.notes
    )
    json.dumps(found.to_dict())  # plain JSON types


def test_same_vintage_offers_nothing():
    lookup = ons_lookup(
        pd.read_csv(DATA / "geography" / "lsoa11_lsoa21_lad22_lookup_extract.csv", dtype=str)
    )
    old = ["E01000001", "E01000002", "E01000003", "E01000004", "E01000005",
           "E01000010", "E01000020", "E01000021", "E01000030", "E01000031"]  # fmt: skip
    found = inspect_table(_table_2011(), name="duty.csv", boundary_codes=old,
                          boundary_vintage="LSOA 2011", lookup=lookup)  # fmt: skip
    assert found.vintage_bridge is None
    assert not any("convert" in n.lower() for n in found.notes)


def test_the_inspect_command_takes_the_lookup(tmp_path, capsys):
    import geopandas as gpd
    from shapely.geometry import box

    from meam_mapping.cli import main

    bounds = gpd.GeoDataFrame(
        {"LSOA21CD": NEW, "LSOA21NM": NEW},
        geometry=[box(530000 + i * 600, 180000, 530500 + i * 600, 180500) for i in range(len(NEW))],
        crs=27700,
    )
    bounds.to_file(tmp_path / "lsoa21.geojson", driver="GeoJSON")
    (tmp_path / "duty.csv").write_bytes(_table_2011())
    args = ["inspect", "--data", tmp_path / "duty.csv", "--boundaries", tmp_path / "lsoa21.geojson",
            "--lookup", DATA / "geography" / "lsoa11_lsoa21_lad22_lookup_extract.csv", "--format", "json"]  # fmt: skip
    assert main([str(a) for a in args]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["vintage"] == "2011" and found["join"]["matched"] == 5
    assert found["vintage_bridge"]["share_changed"] == 0.5
    assert found["vintage_bridge"]["boundary_vintage"] == "2021"
    assert any("LSOA 2021" in n and "50.0%" in n for n in found["notes"])

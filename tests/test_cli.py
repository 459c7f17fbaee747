"""The command line on a user's files: workspace, table, analyse, hidden, map and pack.

Re-running last year's analysis on this year's files takes three commands and
no clicks; every command's numbers pass the disclosure gate, and errors are
one line on stderr with exit status 2.
"""

from __future__ import annotations

import io
import json
import re

import geopandas as gpd
import pandas as pd
import pytest

from meam_mapping.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_workspace_then_analyse_then_pack(user_files, tmp_path, capsys):
    work = tmp_path / "work.gpkg"
    status, out, _ = run(capsys, "workspace", "--boundaries", user_files.boundaries,
                         "--data", user_files.tidy, "--data", user_files.wide,
                         "--patterns", user_files.patterns, "--out", work)  # fmt: skip
    assert status == 0
    assert "375 of 375 area codes in the table matched" in out  # the join report is printed
    assert work.exists()
    status, out, _ = run(capsys, "analyse", "--workspace", work, "--format", "json")
    assert status == 0
    saved = json.loads(out)
    status, out, _ = run(capsys, "analyse", "--boundaries", user_files.boundaries,
                         "--data", user_files.tidy, "--data", user_files.wide,
                         "--patterns", user_files.patterns, "--format", "json")  # fmt: skip
    direct = json.loads(out)
    assert saved["headline"] == direct["headline"]
    assert saved["hotspots"]["hot"] == direct["hotspots"]["hot"]
    status, _, _ = run(capsys, "pack", "--workspace", work, "--out", tmp_path / "pack")
    assert status == 0
    hidden = pd.read_csv(tmp_path / "pack" / "hidden_by_district.csv")
    assert int(hidden.iloc[-1]["n_hat"]) == direct["headline"]["n_hat"]
    # Areas without data have no index decile or hot spot: blank in their tooltips, never "nan".
    page = (tmp_path / "pack" / "map.html").read_text(encoding="utf-8")
    tips = re.findall(r'"tip": "([^"]*)"', page)
    assert any("no data" in t for t in tips) and any("Hot spot" in t for t in tips)
    assert [t for t in tips if re.search(r"\b(nan|None|NaN)\b", t)] == []


def test_analyse_settings_file_and_text(tmp_path, capsys):
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"level": "msoa", "permutations": 99, "zone_floor": 60}))
    status, out, _ = run(capsys, "analyse", "--demo", "--settings", settings, "--format", "json")
    assert status == 0
    data = json.loads(out)
    assert data["settings"]["zone_floor"] == 60 and data["settings"]["permutations"] == 99
    for zone in data["zones"]:
        assert zone["estimated_people"] is None or zone["estimated_people"] >= 60 - 5
    status, text, _ = run(capsys, "analyse", "--demo", "--settings", settings)
    spots = next(line for line in text.splitlines() if line.startswith("Hot spots"))
    assert spots.startswith(
        f"Hot spots of the composite index (MSOAs): {data['hotspots']['hot']} hot"
    )
    assert (
        "Getis-Ord Gi*" in spots and "gi_star" not in text
    )  # the statistic's name, not the program's
    settings.write_text(json.dumps({"levle": "msoa"}))
    status, _, err = run(capsys, "analyse", "--demo", "--settings", settings)
    assert status == 2 and "unknown settings: levle" in err


def test_table_is_the_published_table(user_files, capsys):
    status, out, _ = run(capsys, "table", "--boundaries", user_files.boundaries, "--data",
                         user_files.tidy, "--indicator", "probation_caseload", "--level", "lsoa")  # fmt: skip
    assert status == 0
    from io import StringIO

    table = pd.read_csv(StringIO(out))
    assert list(table.columns) == ["area_code", "area_name", "level", "period", "count",
                                   "denominator", "value", "ci_low", "ci_high", "unit",
                                   "suppressed", "compared"]  # fmt: skip
    assert not table["count"].between(1, 4).any()
    assert table["suppressed"].any()
    assert set(table["period"]) == {"2024/25"}


def test_hidden_is_published_output(user_files, capsys):
    status, out, _ = run(capsys, "hidden", "--patterns", user_files.patterns, "--by", "area_code",
                         "--format", "json")  # fmt: skip
    assert status == 0
    records = json.loads(out)
    for record in records:
        text = " ".join(record["warnings"])
        assert not any(f" {n}" in text.replace(":", " ").replace(")", " ") + " " for n in
                       ("1 ", "2 ", "3 ", "4 "))  # fmt: skip
        if record["suppressed"].startswith("rounded"):
            assert record["n_hat"] % 10 == 0 and record["observed"] % 5 == 0
    status, out, err = run(capsys, "hidden", "--patterns", user_files.patterns, "--threshold", "0",
                           "--format", "json")  # fmt: skip
    assert status == 0 and "NOT FOR SHARING" in err
    assert all("NOT FOR SHARING" in r["label"] for r in json.loads(out))


def test_hidden_text_reads_as_words_and_shows_the_published_numbers(user_files, capsys):
    """The terminal report gives each group the JSON's numbers, in words a commissioner reads."""
    args = ["hidden", "--patterns", user_files.patterns, "--by", "area_code"]
    status, out, _ = run(capsys, *args, "--format", "json")
    assert status == 0
    records = json.loads(out)
    status, text, _ = run(capsys, *args)
    assert status == 0
    for name in ("n_hat", "ci_low", "ci_high", "chao_lower_bound", "loglinear", "[", "nan"):
        assert name not in text, name
    blocks = text.strip().split("\n\n")
    assert len(blocks) == len(records)

    def shown(value):
        return "not shown" if value is None else f"{value:,}"

    for block, record in zip(blocks, records, strict=True):
        assert block.startswith(f"area_code {record['area_code']}")
        assert (
            f"seen by at least one service: {shown(record['observed']):>}"
            in " ".join(block.split()).lower()
        )
        if record["n_hat"] is not None:
            assert (
                f"{shown(record['n_hat'])}  (95% interval {shown(record['ci_low'])} to "
                f"{shown(record['ci_high'])})" in block
            )
        assert "Seen by no service (hidden):" in block and shown(record["hidden"]) in block
        for warning in record["warnings"]:
            assert f"  - {warning}" in block


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["hidden", "--patterns", "PATTERNS", "--by", "housing"], "names a list"),
        (["hidden", "--patterns", "PATTERNS", "--threshold", "-1"], "not allowed"),
        (["analyse", "--boundaries", "BOUNDARIES"], "--boundaries needs --data"),
        (["table", "--demo", "--indicator", "nope"], "there is no indicator 'nope'"),
        (
            ["map", "--demo", "--indicator", "deprivation_score", "--level", "lad", "--out", "OUT"],
            "cannot be shown at level 'lad'",
        ),
    ],
)
def test_bad_requests_are_one_line_with_status_2(user_files, tmp_path, capsys, args, message):
    swap = {"PATTERNS": user_files.patterns, "BOUNDARIES": user_files.boundaries,
            "OUT": tmp_path / "m.png"}  # fmt: skip
    status, _, err = run(capsys, *[swap.get(a, a) for a in args])
    assert status == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pack", "--demo", "--out", "HERE"], "already has files in it"),
        (["pack", "--demo", "--out", "A_FILE"], "this is a file, not a folder"),
        (
            ["map", "--demo", "--indicator", "probation_caseload", "--out", "MISSING/x.png"],
            "does not exist",
        ),
        (
            ["map", "--demo", "--indicator", "probation_caseload", "--out", "HERE"],
            "Expected a file name ending .html, .png",
        ),
    ],
)
def test_output_paths_are_checked(tmp_path, capsys, args, message):
    (tmp_path / "raw.csv").write_text("someone's raw file\n")
    (tmp_path / "a.txt").write_text("x")
    swap = {
        "HERE": tmp_path,
        "A_FILE": tmp_path / "a.txt",
        "MISSING/x.png": tmp_path / "no" / "x.png",
    }
    status, _, err = run(capsys, *[swap.get(a, a) for a in args])
    assert status == 2 and message in err
    assert (tmp_path / "raw.csv").read_text() == "someone's raw file\n"  # nothing lost


def test_pack_with_force_zips_only_its_own_files(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "raw.csv").write_text("unrelated raw data\n")
    status, _, _ = run(capsys, "pack", "--demo", "--out", tmp_path / "out", "--force")
    assert status == 0
    import zipfile

    names = zipfile.ZipFile(tmp_path / "out.zip").namelist()
    assert "out/report.pdf" in names and not any(n.endswith("raw.csv") for n in names)
    assert (tmp_path / "out" / "raw.csv").read_text() == "unrelated raw data\n"


def test_pack_out_ending_zip_names_the_zip_not_a_folder(tmp_path, capsys):
    """``--out pack.zip`` writes pack.zip (and the folder pack), not a folder pack.zip and pack.zip.zip."""
    import zipfile

    status, out, _ = run(capsys, "pack", "--demo", "--out", tmp_path / "pack.zip")
    assert status == 0
    assert (
        zipfile.is_zipfile(tmp_path / "pack.zip") and (tmp_path / "pack" / "report.pdf").is_file()
    )
    assert not (tmp_path / "pack.zip.zip").exists() and str(tmp_path / "pack.zip") in out


def test_a_negative_seed_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["demo", "--seed", "-1", "--out", str(tmp_path / "d.gpkg")])
    assert stop.value.code == 2
    assert "not between 0 and" in capsys.readouterr().err


# -- inspect and --indicator by heading (issue 15) ------------------------------------

_PUBLICATIONS = __import__("pathlib").Path(__file__).parent / "data" / "publications"
_IOD_LSOAS = {
    "E01000001": "City of London 001A", "E01000002": "City of London 001B",
    "E01000003": "City of London 001C", "E01000005": "City of London 001E",
    "E01000006": "Barking and Dagenham 016A", "E01000007": "Barking and Dagenham 015A",
    "E01021988": "Tendring 018A",
}  # fmt: skip


@pytest.fixture
def iod_boundaries(tmp_path):
    """Squares for the LSOAs of the IoD File 1 extract, with ONS 2011 field names."""
    import geopandas as gpd
    from shapely.geometry import box

    frame = gpd.GeoDataFrame(
        {"LSOA11CD": list(_IOD_LSOAS), "LSOA11NM": list(_IOD_LSOAS.values())},
        geometry=[box(530000 + i * 600, 180000, 530500 + i * 600, 180500) for i in range(7)],
        crs=27700,
    )
    path = tmp_path / "lsoa11.geojson"
    frame.to_file(path, driver="GeoJSON")
    return path


def test_inspect_iod_file_1_with_boundaries(iod_boundaries, capsys):
    data = _PUBLICATIONS / "iod2019_file1.csv"
    status, out, _ = run(capsys, "inspect", "--data", data, "--boundaries", iod_boundaries,
                         "--format", "json")  # fmt: skip
    assert status == 0
    found = json.loads(out)
    assert (found["area_column"], found["level"], found["vintage"]) == (
        "LSOA code (2011)",
        "lsoa",
        "2011",
    )
    assert found["publication"] == "iod2019_file1"
    assert found["join"]["matched"] == 7 and found["join"]["unmatched_table"] == 0
    assert {i["kind"] for i in found["indicators"]} == {"rank", "decile"}
    status, out, _ = run(capsys, "inspect", "--data", data)
    assert status == 0 and "Area column: 'LSOA code (2011)'; level: lsoa; vintage: 2011" in out


def test_indicator_by_heading_part_or_id_and_closest_matches(iod_boundaries, capsys):
    base = ("table", "--boundaries", iod_boundaries, "--data", _PUBLICATIONS / "iod2019_file1.csv",
            "--format", "json", "--indicator")  # fmt: skip
    results = []
    for name in ("Index of Multiple Deprivation (IMD) Decile", "imd decile",
                 "index_of_multiple_deprivation_imd_decile"):  # fmt: skip
        status, out, _ = run(capsys, *base, name)
        assert status == 0
        results.append(json.loads(out))
    assert results[0] == results[1] == results[2]
    status, _, err = run(capsys, *base, "IMD Decle")
    assert status == 2 and "index_of_multiple_deprivation_imd_decile" in err
    status, _, err = run(capsys, *base, "index of multiple deprivation")
    assert status == 2 and "matches 2 indicators" in err


def test_map_of_the_imd_decile_draws_ten_ordered_classes_with_decile_1_darkest(
    iod_boundaries, tmp_path
):
    from matplotlib.colors import to_hex

    from meam_mapping.indicators.lookup import resolve_indicator
    from meam_mapping.loading import build_dataset
    from meam_mapping.mapping import MapRequest, interactive_map, static_map_figure

    out = tmp_path / "imd.svg"
    assert main(["map", "--boundaries", str(iod_boundaries), "--data",
                 str(_PUBLICATIONS / "iod2019_file1.csv"), "--indicator",
                 "Index of Multiple Deprivation (IMD) Decile", "--out", str(out)]) == 0  # fmt: skip
    assert out.stat().st_size > 0
    dataset, _ = build_dataset(iod_boundaries, [_PUBLICATIONS / "iod2019_file1.csv"], [])
    indicator = resolve_indicator(dataset.indicators, "Index of Multiple Deprivation (IMD) Decile")
    figure = static_map_figure(dataset, MapRequest(indicator=indicator))
    drawn = {c.get_gid(): c for ax in figure.axes for c in ax.collections if c.get_gid()}

    def lum(c) -> float:
        r, g, b, _ = c.get_facecolor()[0]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    classes = {gid: c for gid, c in drawn.items() if gid.startswith("meam-class-")}
    darkest = min(classes.values(), key=lum)
    assert list(darkest.meam_area_codes) == ["E01021988"]  # decile 1: Tendring 018A
    assert list(drawn["meam-class-0"].meam_area_codes) == ["E01000002"]  # decile 10, lightest
    from matplotlib.text import Text

    joined = " | ".join(t.get_text() for t in figure.findobj(Text))
    assert "1 (most deprived)" in joined and "10 (least deprived)" in joined
    for decile in range(2, 10):  # ten classes, empty ones included
        assert f"| {decile}  (" in joined or f"| {decile} (" in joined, decile
    html = interactive_map(dataset, MapRequest(indicator=indicator)).get_root().render()
    assert "Darkest: 1 (most deprived); lightest: 10 (least deprived)" in html
    assert to_hex(darkest.get_facecolor()[0]) in html


def test_the_command_returns_mains_status_and_leaves_its_objects_to_the_exit(monkeypatch):
    import gc

    from meam_mapping import cli

    monkeypatch.setattr(cli, "main", lambda: 3)
    before = gc.get_freeze_count()
    try:
        assert cli.run() == 3
        assert gc.get_freeze_count() > before  # the collector no longer walks them at exit
    finally:
        gc.unfreeze()


def test_python_m_meam_mapping_writes_the_map_and_its_cache_entries_then_exits(
    user_files, tmp_path
):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "MEAM_MAPPING_CACHE": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "meam_mapping", "map", "--boundaries", str(user_files.boundaries),
               "--data", str(user_files.tidy), "--indicator", "homelessness_duty_owed", "--out"]  # fmt: skip
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([*command, str(tmp_path / "m.html")], capture_output=True, text=True,
                          cwd=root, env=env, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "m.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    kept = sorted(p.parent.name for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert "outputs" in kept  # the writes left for the end were all made before the exit
    bad = subprocess.run([*command, str(tmp_path / "no" / "m.html")], capture_output=True,
                         text=True, cwd=root, env=env, timeout=300, check=False)  # fmt: skip
    assert bad.returncode == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr


def test_a_map_collects_less_often_and_puts_the_thresholds_back(user_files, tmp_path, monkeypatch):
    import gc

    from meam_mapping import cli

    seen = []
    monkeypatch.setattr(cli, "_draw_map", lambda args: seen.append(gc.get_threshold()) or 0)
    before = gc.get_threshold()
    assert main(["map", "--boundaries", str(user_files.boundaries), "--data", str(user_files.tidy),
                 "--indicator", "homelessness_duty_owed", "--out", str(tmp_path / "m.html")]) == 0  # fmt: skip
    assert seen and seen[0][0] > before[0]
    assert gc.get_threshold() == before


def test_a_level_whose_counts_are_all_unknown_says_why(user_files, tmp_path, capsys, monkeypatch):
    """Every district holds an LSOA the wide table withholds ('*'): no district total exists."""
    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "lad.html"
    status, _, err = run(capsys, "map", "--boundaries", user_files.boundaries, "--data",
                         user_files.wide, "--indicator", "treatment_clients", "--level", "lad",
                         "--out", out)  # fmt: skip
    assert status == 2 and not out.exists()
    assert ("No district's count is known: each of the 5 districts includes areas whose counts "
            "the source withheld") in err  # fmt: skip
    assert "Map a finer level" in err and "Traceback" not in err
    # The table says the same of each district, not "suppressed" (which reads as small).
    status, table, _ = run(capsys, "table", "--boundaries", user_files.boundaries, "--data",
                           user_files.wide, "--indicator", "treatment_clients", "--level", "lad")  # fmt: skip
    assert status == 0
    rows = [line for line in table.splitlines() if line.startswith("E07")]
    assert len(rows) == 5
    assert all(r.endswith("not compared (not known: includes counts withheld by the source)")
               for r in rows)  # fmt: skip


def test_boundaries_without_districts_map_them_with_an_ons_lookup(user_files, tmp_path, capsys,
                                                                 monkeypatch):  # fmt: skip
    """ONS's LSOA files carry no MSOA or district: --areas-lookup gives them, as a field would."""
    from userfiles import write_bare_boundaries

    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(tmp_path / "cache"))
    bare, lookup = write_bare_boundaries(user_files, tmp_path)
    ask = ["--data", user_files.tidy, "--indicator", "homelessness_duty_owed", "--level", "lad"]
    status, _, err = run(capsys, "table", "--boundaries", bare, *ask)
    problem = err.strip().splitlines()[-1]  # after the loading report
    assert status == 2 and problem.startswith("meam-mapping table:") and "--areas-lookup" in problem
    status, want, _ = run(capsys, "table", "--boundaries", user_files.boundaries, *ask)
    status, got, err = run(capsys, "table", "--boundaries", bare, *ask, "--areas-lookup", lookup)
    assert status == 0 and got == want and "taken from OA11_LSOA11_MSOA11_LAD11_EW_LUv2.csv" in err
    status, _, err = run(capsys, "table", "--demo", "--indicator", "x", "--areas-lookup", lookup)
    assert status == 2 and "--areas-lookup goes with --boundaries" in err

    # A map kept from an earlier run is not used once the lookup says something else.
    out = tmp_path / "lad.html"
    draw = ["map", "--boundaries", bare, *ask, "--areas-lookup", lookup, "--out", out]
    assert run(capsys, *draw)[0] == 0
    first = out.read_bytes()
    assert run(capsys, *draw)[0] == 0 and out.read_bytes() == first
    frame = pd.read_csv(lookup, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    moved = frame["LAD11CD"] == frame["LAD11CD"].iloc[0]
    frame.loc[moved, ["LAD11CD", "LAD11NM"]] = ["E07000099", "Somewhere Else"]
    frame.to_csv(lookup, index=False)
    status, _, err = run(capsys, *draw)
    assert status == 0 and "Somewhere Else" in out.read_text()
    status, table, _ = run(capsys, "table", "--boundaries", bare, *ask, "--areas-lookup", lookup)
    assert "E07000099,Somewhere Else,lad" in table


def test_inspect_joins_a_district_table_as_the_map_does(user_files, tmp_path, capsys, monkeypatch):
    """A district table on LSOA boundaries: inspect reports the join the map and the table make."""
    from userfiles import write_bare_boundaries

    monkeypatch.setenv("MEAM_MAPPING_CACHE", str(tmp_path / "cache"))
    districts = sorted(
        gpd.read_file(user_files.boundaries).filter(regex="(?i)^lad\\d\\dcd$").iloc[:, 0].unique()
    )
    table = tmp_path / "district_duty.csv"
    table.write_text("area_code,indicator,domain,period,count,denominator,unit,source\n" + "".join(
        f"{code},households_owed_a_duty,homelessness,2023/24,{20 + i},{5000 + i},per 1000,Council\n"
        for i, code in enumerate(districts)))  # fmt: skip
    ask = ["--data", table]
    status, out, _ = run(
        capsys, "inspect", *ask, "--boundaries", user_files.boundaries, "--format", "json"
    )
    join = json.loads(out)["join"]
    assert status == 0 and join["matched"] == len(districts) and join["unmatched_table"] == 0
    status, out, err = run(capsys, "table", *ask, "--boundaries", user_files.boundaries,
                           "--indicator", "households_owed_a_duty")  # fmt: skip
    published = pd.read_csv(io.StringIO(out))
    assert status == 0 and sorted(published["area_code"]) == districts

    bare, lookup = write_bare_boundaries(user_files, tmp_path)
    status, out, _ = run(capsys, "inspect", *ask, "--boundaries", bare)
    assert (
        status == 0
        and f"Join: 0 matched; {len(districts)} table codes not in the boundaries" in out
    )
    assert "do not say which district each of their LSOAs is in" in out and "--areas-lookup" in out
    status, out, _ = run(capsys, "inspect", *ask, "--boundaries", bare, "--areas-lookup", lookup,
                         "--format", "json")  # fmt: skip
    assert status == 0 and json.loads(out)["join"]["matched"] == len(districts)
    status, _, err = run(capsys, "inspect", *ask, "--areas-lookup", lookup)
    assert status == 2 and "--areas-lookup goes with --boundaries" in err


def test_an_analysis_on_boundaries_with_a_lookup_equals_one_on_boundaries_with_the_fields(
    user_files, tmp_path, capsys
):
    """Estimates, hot spots, zones, caseload and district prevalence: the same numbers either way."""
    from userfiles import write_bare_boundaries

    from meam_mapping.loading import build_dataset

    bare, lookup = write_bare_boundaries(user_files, tmp_path)
    rest = ["--data", user_files.tidy, "--patterns", user_files.patterns, "--format", "json"]
    status, theirs, _ = run(capsys, "analyse", "--boundaries", user_files.boundaries, *rest)
    assert status == 0
    status, ours, _ = run(capsys, "analyse", "--boundaries", bare, "--areas-lookup", lookup, *rest)
    assert status == 0 and json.loads(ours) == json.loads(theirs)
    assert json.loads(ours)["prevalence_by_district"]  # districts were there to compare
    # The lookup is one of the sources the numbers came from.
    dataset, _ = build_dataset(bare, [user_files.tidy], areas_lookup=lookup)
    named = [s for s in dataset.sources if lookup.name in s["table"]]
    assert len(named) == 1 and "Open Government Licence" in named[0]["licence"]

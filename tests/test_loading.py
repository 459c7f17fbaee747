"""Offline, a user loads a Fingertips export and an MHCLG-style workbook for the
demo districts, sees them joined with a join report, and maps them."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from meam_mapping.errors import InputError
from meam_mapping.io.indicators import load_indicator_file
from meam_mapping.loading import add_indicators, dataset_from_files, workbook_sheets
from meam_mapping.mapping import MapRequest, interactive_map
from meam_mapping.pipeline.publish import map_slice as suppressed_slice
from meam_mapping.sources.tables import import_table

HEADER = (
    "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,"
    "Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,"
    "Lower CI 99.8 limit,Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,"
    "Compared to England value or percentiles,Compared to Region value or percentiles,"
    "Time period Sortable,New data,Compared to goal"
)
DISTRICTS = {
    "E07000008": ("Cambridge", 812, 118000),
    "E07000009": ("East Cambridgeshire", 301, 71000),
    "E07000010": ("Fenland", 455, 82000),
    "E07000011": ("Huntingdonshire", 610, 143000),
    "E07000012": ("South Cambridgeshire", 3, 130000),
}


def fingertips_csv() -> bytes:
    rows = [HEADER]
    for code, (name, count, denominator) in DISTRICTS.items():
        value = 1000 * count / denominator
        rows.append(
            f"93736,Homelessness - households owed a duty under the Homelessness Reduction Act,"
            f"E12000006,East of England region,{code},{name},Districts & UAs (from Apr 2023),Persons,"
            f"18+ yrs,,,2023/24,{value:.2f},{value * 0.9:.2f},{value * 1.1:.2f},,,{count},{denominator},,,"
            f"Similar,Similar,20230000,,"
        )
    return ("\n".join(rows) + "\n").encode()


def mhclg_workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "Contents"
    ws = book.create_sheet("A1")
    ws["A1"] = (
        "Table A1: Statutory homelessness initial assessments, January to March 2024 (provisional)"
    )
    heads = [
        "ONS Code",
        "Local Authority",
        "Total initial assessments",
        "Total owed a prevention or relief duty",
        "Threatened with homelessness within 56 days - Prevention duty owed",
        "Homeless - Relief duty owed",
        "Not threatened with homelessness within 56 days - no duty owed",
        "Number of households in area (000s)",
    ]
    for j, head in enumerate(heads, start=1):
        ws.cell(3, j, head)
    for i, (code, (name, count, denominator)) in enumerate(DISTRICTS.items(), start=4):
        values = [
            code,
            name,
            count + 50,
            count,
            count // 2,
            count - count // 2,
            50,
            denominator / 2000,
        ]
        for j, value in enumerate(values, start=1):
            ws.cell(i, j, value)
    ws.cell(4 + len(DISTRICTS), 2, "Rest of England")
    ws.cell(4 + len(DISTRICTS), 3, 100000)
    ws.cell(6 + len(DISTRICTS), 1, "Source: H-CLIC")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_fingertips_export_joins_to_demo_districts_and_maps(demo_dataset):
    loaded = load_indicator_file(fingertips_csv(), name="fingertips.csv")
    added = add_indicators(demo_dataset, loaded)
    assert added.report.ok, added.report.summary_text()
    assert added.report.matched == 5
    indicator = loaded.table["indicator"].iloc[0]
    data = suppressed_slice(added.dataset, indicator, None, "lad")
    assert len(data) == 5
    # South Cambridgeshire's count of 3 is hidden, and so is one more district.
    assert data["suppressed"].sum() >= 2
    html = interactive_map(
        added.dataset, MapRequest(indicator=indicator, level="lad")
    )._repr_html_()
    assert "Cambridge" in html
    assert any(s.get("table") == "fingertips.csv" for s in added.dataset.sources)


def test_mhclg_workbook_joins_and_maps(demo_dataset):
    data = mhclg_workbook()
    assert workbook_sheets(data) == ["A1"]  # the empty Contents sheet is not offered
    loaded = import_table(data, "mhclg_homelessness_a1", name="homelessness-live-table-a1.xlsx")
    added = add_indicators(demo_dataset, loaded)
    assert added.report.ok, added.report.summary_text()
    owed = suppressed_slice(
        added.dataset, "homelessness_duty_owed", loaded.table["period"].iloc[0], "lad"
    )
    assert len(owed) == 5
    assert any("Rest of England" in note for note in loaded.notes)


def test_codes_matching_nothing_give_a_clear_message(demo_dataset):
    text = b"area_code,rough_sleepers\nE06000001,4\nE06000002,9\n"
    loaded = load_indicator_file(text, name="hartlepool.csv")
    with pytest.raises(InputError) as err:
        add_indicators(demo_dataset, loaded)
    assert "hartlepool.csv" in err.value.message


def test_boundaries_and_table_from_files(tmp_path, demo):
    path, table = _boundary_and_table_files(tmp_path, demo)
    dataset = dataset_from_files(path, [table])
    assert dataset.levels[0] == "lsoa"
    assert len(dataset.areas["lsoa"]) == 375
    data = suppressed_slice(dataset, "probation", None, None)
    assert len(data) == 375


def test_a_published_workbook_with_title_rows_loads_without_choosing_a_layout(demo_dataset):
    """The H-CLIC table as saved (a title row above the headings) needs no renaming or layout."""
    from pathlib import Path

    from meam_mapping.loading import load_table_file

    path = Path(__file__).parent / "data" / "publications" / "mhclg_hclic_a1.csv"
    with pytest.raises(InputError):
        load_indicator_file(path)  # the plain loader alone cannot read it
    loaded = load_table_file(path)
    assert any("registered publication" in note for note in loaded.notes)
    added = add_indicators(demo_dataset, loaded)
    assert added.report.matched >= 2
    with pytest.raises(InputError, match="Required column"):
        load_table_file(path, layout="tidy")  # a stated layout is obeyed, never second-guessed


def test_load_table_file_takes_every_option_the_data_page_passes(tmp_path):
    """The Data page passes name, sheet, layout, period, source and decimal (as keywords)."""
    from meam_mapping.loading import load_table_file

    path = tmp_path / "counts.csv"
    path.write_text("area_code,indicator,count,denominator\nE01000001,homeless,12,1500\n")
    loaded = load_table_file(path, name="counts.csv", sheet=None, layout="auto", period="2024/25",
                             source="Council records", decimal="auto")  # fmt: skip
    assert set(loaded.table["source"]) == {"Council records"}
    assert set(loaded.table["period"]) == {"2024/25"}


def _boundary_and_table_files(tmp_path, demo):
    lsoa = demo.areas["lsoa"].rename(columns={"area_code": "LSOA11CD", "area_name": "LSOA11NM"})
    path = tmp_path / "lsoa.geojson"
    lsoa.to_crs(4326).to_file(path)
    table = tmp_path / "probation.csv"
    rows = demo.indicators.query("indicator == 'probation_caseload'")[["area_code", "count"]]
    rows.rename(columns={"count": "probation"}).to_csv(table, index=False)
    return path, table


def test_tables_read_beside_the_boundaries_give_the_same_dataset_and_call_on_areas(tmp_path, demo):
    """The tables are read in a second thread; the result and report are as one after the other."""
    from meam_mapping.loading import build_dataset

    path, table = _boundary_and_table_files(tmp_path, demo)
    seen = []
    dataset, report = build_dataset(
        path, [table, table], on_areas=lambda dataset, read: seen.append(dataset)
    )
    assert len(seen) == 1 and seen[0].indicators.empty  # the boundaries alone, before the tables
    assert seen[0].areas["lsoa"] is dataset.areas["lsoa"]
    assert report[0].startswith("Boundaries") and [r for r in report if r.startswith("Table")] == [
        f"Table {table}:",
        f"Table {table}:",
    ]
    assert "2 existing rows" not in " ".join(report) and len(dataset.indicators) == 375


def test_the_boundaries_error_comes_first_and_then_each_tables_in_turn(tmp_path, demo):
    from meam_mapping.loading import build_dataset

    path, table = _boundary_and_table_files(tmp_path, demo)
    bad_table = tmp_path / "bad.csv"
    bad_table.write_text("nothing,useful\n1,2\n")
    bad_bounds = tmp_path / "bad.geojson"
    bad_bounds.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(InputError, match="bad.geojson"):
        build_dataset(bad_bounds, [bad_table])
    with pytest.raises(InputError) as table_error:
        build_dataset(path, [table, bad_table, table])
    alone = None
    try:
        load_indicator_file(bad_table)
    except InputError as err:
        alone = str(err)
    assert alone is not None and str(table_error.value).startswith(alone.split(":")[0])


def test_tables_start_when_the_boundaries_are_parsed_not_before(tmp_path, demo, monkeypatch):
    """The tables wait for the boundaries' checks (so the threads do not take turns through them)."""
    import meam_mapping.geography.boundary_files as boundary_files
    from meam_mapping import loading
    from meam_mapping.loading import build_dataset

    monkeypatch.setenv("MEAM_MAPPING_BOUNDARY_CACHE", "0")
    path, table = _boundary_and_table_files(tmp_path, demo)
    events = []
    real_reading_now, real_load = boundary_files.reading_now, loading.load_table_file

    def reading_now():
        events.append("parse")
        real_reading_now()

    def load(file, **options):  # noqa: ANN001, ANN202
        events.append("table")
        return real_load(file, **options)

    monkeypatch.setattr(boundary_files, "reading_now", reading_now)
    monkeypatch.setattr(loading, "load_table_file", load)
    monkeypatch.setattr(loading, "_load_table_in_child", load)  # a closure: read in a thread here
    calls = []
    dataset, _ = build_dataset(path, [table], on_reading=lambda: calls.append(len(events)))
    # on_reading ran once, after the checks.
    assert events == ["parse", "table"] and len(calls) == 1 and calls[0] >= 1
    assert len(dataset.indicators) == 375
    # A boundary file refused by its checks: the table is not even read.
    events.clear()
    calls.clear()
    bad = tmp_path / "deep.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": ' + "[" * 500 + "]" * 500 + "}")
    with pytest.raises(InputError, match="nested"):
        build_dataset(bad, [table], on_reading=lambda: calls.append(len(events)))
    assert events == [] and calls == []


def test_when_reading_calls_back_once_in_its_own_thread_only():
    import threading

    from meam_mapping.geography.boundary_files import reading_now, when_reading

    calls = []
    with when_reading(lambda: calls.append(threading.current_thread().name)):
        other = threading.Thread(target=reading_now, name="other")
        other.start()
        other.join()
        assert calls == []  # another thread's reading is not this one's
        reading_now()
        reading_now()
    reading_now()
    assert calls == [threading.current_thread().name]


def test_the_tables_half_of_the_join_made_where_it_was_read_changes_nothing(tmp_path, demo):
    """The child reading a table also works out the table's half of the join (as
    ``_load_table_in_child`` does); dataset, report and notes are those of joining it
    whole. The areas are joined without their shapes, and their vintage still gives its hint."""
    from dataclasses import replace

    from meam_mapping.geography.boundaries import read_boundaries
    from meam_mapping.geography.join import table_side
    from meam_mapping.loading import dataset_from_boundaries

    path, _ = _boundary_and_table_files(tmp_path, demo)
    dataset = dataset_from_boundaries(read_boundaries(path))
    codes = list(dataset.areas["lsoa"]["area_code"][:3])
    text = (f"area_code,rough_sleepers\n {codes[0].lower()} ,4\n{codes[1]},9\n{codes[2]},\n"
            "E01099999,3\n").encode()  # fmt: skip
    loaded = load_indicator_file(text, name="rough.csv")
    side = table_side(loaded.table, file=loaded.file_name)
    whole = add_indicators(dataset, loaded)
    halves = add_indicators(dataset, replace(loaded, table=side.table, join_side=side))
    assert halves.report == whole.report and halves.notes == whole.notes
    pd.testing.assert_frame_equal(halves.dataset.indicators, whole.dataset.indicators)
    assert "geometry" not in halves.dataset.indicators.columns
    assert halves.report.unmatched_table_codes == {"E01099999": (5,)}
    assert any("The boundaries are LSOA 2011" in n for n in halves.report.notes)
    # A side made for another table is not trusted: the table given is joined.
    other = replace(loaded, join_side=table_side(loaded.table.iloc[:1]))
    assert add_indicators(dataset, other).report == whole.report


def test_msoas_and_districts_merged_side_by_side_are_the_same(user_files, monkeypatch):
    """Large boundaries merge their MSOAs and districts in two threads: the same areas as one by one."""
    from geopandas.testing import assert_geodataframe_equal

    from meam_mapping import loading
    from meam_mapping.geography.boundaries import read_boundaries

    result = read_boundaries(user_files.boundaries)
    monkeypatch.setenv("MEAM_MAPPING_BOUNDARY_CACHE", "off")  # merged here, both times
    assert len(result.areas) < loading.MERGE_TOGETHER_FROM
    one_by_one = loading.dataset_from_boundaries(result)
    monkeypatch.setattr(loading, "MERGE_TOGETHER_FROM", 1)
    threads = []
    real = loading.dissolve_areas

    def noted(*args, **kwargs):
        import threading

        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(loading, "dissolve_areas", noted)
    together = loading.dataset_from_boundaries(result)
    assert len(threads) == 2 and all(name.startswith("meam-merge") for name in threads)
    assert list(together.areas) == list(one_by_one.areas) == ["lsoa", "msoa", "lad"]
    for level in ("msoa", "lad"):
        assert_geodataframe_equal(together.areas[level], one_by_one.areas[level])

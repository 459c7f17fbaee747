"""The bad-input catalogue: files people really send, and what MEAM Mapping says.

Each :class:`Case` builds the bytes of one bad file, names the loader it goes
to, and lists the words its message must contain (the file name, the row and
column where there is one, and the fix). The tests in this folder assert them;
``scripts/bad_input_catalogue.py`` prints them as a Markdown table for the
README's troubleshooting section.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from meam_mapping.errors import InputError

__all__ = ["CASES", "Case", "run_case"]

X0, Y0 = 545_000, 258_000


@dataclass(frozen=True)
class Case:
    """One bad file and the message it must produce."""

    id: str
    format: str  # csv, xlsx, geojson, gpkg, zip, patterns, fingertips
    what_user_did: str
    build: Callable[[], bytes]
    file_name: str
    loader: str  # indicators, patterns, boundaries
    expected: tuple[str, ...]
    kwargs: dict = field(default_factory=dict)
    #: True when the right outcome is to load the file and say what was done
    #: (``expected`` then names fragments of the loader's notes).
    accepted: bool = False
    #: For an accepted case: a function given the loaded result that asserts it is right.
    check: Callable[[object], None] | None = None
    #: Environment variables set while the file is loaded (settings a user or server sets).
    env: dict[str, str] = field(default_factory=dict)


def _load(case: Case, data: bytes) -> object:
    if case.loader == "indicators":
        from meam_mapping.io.indicators import load_indicator_file

        return load_indicator_file(data, name=case.file_name, **case.kwargs)
    if case.loader == "workspace":
        from meam_mapping.workspace import load_workspace

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / case.file_name
            path.write_bytes(data)
            return load_workspace(path, **case.kwargs)
    if case.loader == "patterns":
        from meam_mapping.io.patterns import read_patterns

        return read_patterns(io.BytesIO(data), file_name=case.file_name, **case.kwargs)
    from meam_mapping.geography.boundaries import read_boundaries

    return read_boundaries(io.BytesIO(data), name=case.file_name, **case.kwargs)


def _notes(result: object) -> str:
    notes = getattr(result, "notes", None)
    if notes is None and isinstance(result, tuple):  # load_indicator_file's result
        notes = getattr(result[0], "notes", [])
    return " ".join(str(n) for n in (notes or []))


def run_case(case: Case) -> str:
    """Load the case's file and return the InputError message it must raise.

    For an ``accepted`` case, the file must load: the text returned is
    ``"<file>: accepted. <notes>"`` (what the loader says it did).
    """
    saved = {k: os.environ.get(k) for k in case.env}
    os.environ.update(case.env)
    try:
        result = _load(case, case.build())
    except InputError as err:
        if case.accepted:
            raise AssertionError(f"{case.id}: refused: {err.message}") from err
        return err.message
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if case.accepted:
        if case.check is not None:
            case.check(result)
        return f"{case.file_name}: accepted. {_notes(result)}"
    raise AssertionError(f"{case.id}: the file was accepted")


# --- builders --------------------------------------------------------------------------


def _text(text: str, encoding: str = "utf-8") -> Callable[[], bytes]:
    return lambda: text.encode(encoding)


def _xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_GOOD_ROWS = [["area_code", "homeless_households"], ["E01000001", 4], ["E01000002", 7]]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _layer(points: bool = False, code_field: str = "LSOA11CD", spacing: float | None = None):
    import geopandas as gpd
    import shapely
    from shapely.geometry import Point, box

    geoms = (
        [Point(X0, Y0), Point(X0 + 10, Y0)]
        if points
        else [box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)]
    )
    if spacing is not None:  # a corner point every ``spacing`` metres (full resolution)
        geoms = list(shapely.segmentize(geoms, spacing))
    return gpd.GeoDataFrame(
        {code_field: ["E01000001", "E01000002"], "LSOA11NM": ["Cambridge 001A", "Cambridge 001B"]},
        geometry=geoms,
        crs="EPSG:27700",
    )


def _geojson(**kw) -> bytes:
    return _layer(**kw).to_crs("EPSG:4326").to_json().encode()


def _gpkg(layers: tuple[str, ...] = ("lsoa",), crs: bool = True) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "b.gpkg"
        for name in layers:
            layer = _layer() if crs else _layer().set_crs(None, allow_override=True)
            layer.to_file(path, layer=name, driver="GPKG")
        return path.read_bytes()


def _shapefile(stem: str = "lsoa", drop: tuple[str, ...] = ()) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        _layer().to_file(Path(tmp) / f"{stem}.shp")
        return {p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir()) if p.suffix not in drop}


def _bad_crc_zip() -> bytes:
    data = bytearray(_zip(_shapefile()))
    data[45] ^= 0xFF  # inside the first member's compressed bytes
    return bytes(data)


def _billion_laughs_xlsx() -> bytes:
    good = _xlsx({"Sheet1": _GOOD_ROWS})
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, bomb if item.filename.endswith("sheet1.xml") else src.read(item))
    return out.getvalue()


def _zip_bomb(inner: str) -> Callable[[], bytes]:
    return lambda: _zip({inner: b"\x00" * (8 * 1024**2)})


_FT_HEAD = (
    "Indicator ID,Indicator Name,Area Code,Area Name,Area Type,Sex,Age,Category Type,"
    "Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Count,Denominator,"
    "Value note\n"
)
_FT_ROW = "93015,Adults in treatment,E07000008,Cambridge,District,Persons,18+ yrs,,,2022/23,{v},1,2,{c},1000,\n"

# --- builders for issue 18 (hostile and odd inputs) -------------------------------------


def _geo_dict(frame, crs_name: str | None) -> bytes:
    import json

    data = json.loads(frame.to_json())
    data.pop("crs", None)
    if crs_name:
        data["crs"] = {"type": "name", "properties": {"name": crs_name}}
    return json.dumps(data).encode()


def _bng_without_crs() -> bytes:
    return _geo_dict(_layer(), None)


def _swapped_axes() -> bytes:
    import shapely

    frame = _layer().to_crs("EPSG:4326")
    frame = frame.set_geometry(
        shapely.transform(frame.geometry.to_numpy(), lambda xy: xy[:, ::-1]), crs=frame.crs
    )
    return _geo_dict(frame, None)


def _bng_label_on_degrees() -> bytes:
    return _geo_dict(_layer().to_crs("EPSG:4326"), "urn:ogc:def:crs:EPSG::27700")


def _scottish_metres_without_crs() -> bytes:
    frame = _layer().assign(LSOA11CD=["S01000001", "S01000002"])
    return _geo_dict(frame, None)


def _split_multipart() -> bytes:
    import geopandas as gpd
    from shapely.geometry import box

    frame = gpd.GeoDataFrame(
        {"LAD23CD": ["E07000008", "E07000010", "E07000010"], "LAD23NM": ["A", "B", "B"]},
        geometry=[
            box(X0, Y0, X0 + 1000, Y0 + 1000),
            box(X0 + 2000, Y0, X0 + 3000, Y0 + 1000),
            box(X0 + 5000, Y0, X0 + 6000, Y0 + 1000),
        ],
        crs="EPSG:27700",
    )
    return frame.to_crs("EPSG:4326").to_json().encode()


def _cp1252_shapefile(upper: bool = False) -> dict[str, bytes]:
    frame = _layer().assign(LSOA11NM=["St Mary\u2019s", "Café Quarter"])
    with tempfile.TemporaryDirectory() as tmp:
        frame.to_file(Path(tmp) / "lsoa.shp", encoding="cp1252")
        files = {
            (p.stem + p.suffix.upper() if upper else p.name): p.read_bytes()
            for p in sorted(Path(tmp).iterdir())
            if p.suffix.lower() != ".cpg"
        }
    return files


def _upper_case_shapefile() -> dict[str, bytes]:
    return {Path(k).stem + Path(k).suffix.upper(): v for k, v in _shapefile().items()}


def _vrt(source: str = "/vsicurl/http://127.0.0.1:9/b.geojson") -> Callable[[], bytes]:
    return _text(
        "<OGRVRTDataSource><OGRVRTLayer name='b'>"
        f"<SrcDataSource>{source}</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
    )


def _areas_named(*expected: str) -> Callable[[object], None]:
    def check(result: object) -> None:
        names = list(result.areas["area_name"])  # type: ignore[attr-defined]
        assert names == list(expected), names

    return check


def _in_great_britain(result: object) -> None:
    areas = result.areas  # type: ignore[attr-defined]
    minx, miny, maxx, maxy = areas.total_bounds
    assert abs(minx - X0) < 1 and abs(miny - Y0) < 1, areas.total_bounds
    assert abs(areas.geometry.area.sum() - 2e6) < 2e3


def _table_values(expected: dict[str, list[float]]) -> Callable[[object], None]:
    """A check that the loaded table holds these numbers, column by column."""

    def check(result: object) -> None:
        table = result.table  # type: ignore[attr-defined]
        for column, values in expected.items():
            got = [round(float(v), 6) for v in table[column]]
            assert got == values, f"{column}: {got} != {values}"

    return check


_EUROPEAN = (
    "area_code;indicator;period;count;denominator;value\n"
    "E01000001;Homeless households;2024/25;27;1.430;18,9\n"
    "E01000002;Homeless households;2024/25;4;2.105;1,9\n"
)


def _one_area_per_code(result: object) -> None:
    areas = result.areas  # type: ignore[attr-defined]
    assert list(areas["area_code"]) == ["E07000008", "E07000010"]
    assert abs(areas.geometry.iloc[1].area - 2e6) < 2e3


def _workspace(*statements: tuple[str, tuple]) -> Callable[[], bytes]:
    """A saved workspace (grid test data) edited afterwards with SQL, as someone might."""

    def build() -> bytes:
        import sqlite3

        from workshop_data import grid_dataset

        from meam_mapping.workspace import Workspace, save_workspace

        with tempfile.TemporaryDirectory() as tmp:
            path = save_workspace(
                Workspace(grid_dataset(3, seed=4), settings={"choices": {"map_k": 5}}),
                Path(tmp) / "w.gpkg",
            )
            con = sqlite3.connect(path)
            with con:
                for sql, args in statements:
                    con.execute(sql, args)
            con.close()
            return path.read_bytes()

    return build


def _settings(value: str) -> Callable[[], bytes]:
    return _workspace(("UPDATE meta SET value = ? WHERE key = 'settings'", (value,)))


def _far_cell_xlsx(dimension: bool = True) -> bytes:
    import re

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in _GOOD_ROWS:
        sheet.append(row)
    sheet["XFD1048576"] = 1
    buffer = io.BytesIO()
    book.save(buffer)
    if dimension:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename.endswith("sheet1.xml"):
                body = re.sub(rb"<dimension[^>]*/>", b"", body)
            dst.writestr(item, body)
    return out.getvalue()


def _pattern_lists(k: int, count: str = "3") -> Callable[[], bytes]:
    import itertools

    def build() -> bytes:
        names = [f"service_{i}" for i in range(k)]
        lines = [",".join([*names, "count"])]
        for p in itertools.islice((p for p in itertools.product((0, 1), repeat=k) if any(p)), 20):
            lines.append(",".join([*map(str, p), count]))
        return ("\n".join(lines) + "\n").encode()

    return build


def _wide_csv(n: int) -> Callable[[], bytes]:
    def build() -> bytes:
        header = "area_code," + ",".join(f"indicator_{i}" for i in range(n))
        row = "E01000001," + ",".join("1" for _ in range(n))
        return (header + "\n" + row + "\n").encode()

    return build


# --- the catalogue ----------------------------------------------------------------------

CASES: list[Case] = [
    # CSV indicator files
    Case(
        "csv-empty",
        "csv",
        "Uploaded an empty CSV file",
        _text(""),
        "homeless.csv",
        "indicators",
        ("homeless.csv", "The file is empty", "Check you chose the right file"),
    ),
    Case(
        "csv-headings-only",
        "csv",
        "Saved only the heading row",
        _text("area_code,homeless_households\n"),
        "homeless.csv",
        "indicators",
        ("homeless.csv", "column headings but no data rows", "Check you chose the right file"),
    ),
    Case(
        "csv-is-pdf",
        "csv",
        "Renamed a PDF report to .csv",
        lambda: b"%PDF-1.7\n1 0 obj",
        "report.csv",
        "indicators",
        ("report.csv", "look like a PDF document", "ask for the CSV"),
    ),
    Case(
        "csv-is-xlsx",
        "csv",
        "Renamed an Excel workbook to .csv",
        lambda: _xlsx({"Sheet1": _GOOD_ROWS}),
        "data.csv",
        "indicators",
        ("data.csv", "look like an Excel workbook (.xlsx)", "Check you chose the right file"),
    ),
    Case(
        "csv-is-geojson",
        "csv",
        "Loaded a GeoJSON map file as indicator data",
        lambda: _geojson(),
        "lsoa.csv",
        "indicators",
        ("lsoa.csv", "GeoJSON map file", "load it as boundaries"),
    ),
    Case(
        "csv-is-webpage",
        "csv",
        "Saved the web page instead of the download",
        _text("<!DOCTYPE html><html><body>Download</body></html>"),
        "export.csv",
        "indicators",
        ("export.csv", "web page", "save the table itself"),
    ),
    Case(
        "csv-is-zip",
        "csv",
        "Uploaded a zip archive named .csv",
        lambda: _zip({"a.csv": b"x"}),
        "bundle.csv",
        "indicators",
        ("bundle.csv", "zip archive", "unzip it first"),
    ),
    Case(
        "csv-wrong-extension",
        "csv",
        "Uploaded a Numbers spreadsheet",
        _text("area_code,x\n"),
        "data.numbers",
        "indicators",
        ("data.numbers", "Files ending '.numbers' cannot be read", "Save As > 'CSV UTF-8'"),
    ),
    Case(
        "csv-duplicate-heading",
        "csv",
        "Has two columns with the same heading",
        _text("area_code,count,Count\nE01000001,1,2\n"),
        "dup.csv",
        "indicators",
        (
            "dup.csv",
            "row 1",
            "column 'Count'",
            "appears twice (columns B and C)",
            "Rename or remove one",
        ),
    ),
    Case(
        "csv-thousands-comma",
        "csv",
        "Wrote 1,234 without quotes",
        _text("area_code,homeless_households\nE01000001,4\nE01000002,1,234\n"),
        "homeless.csv",
        "indicators",
        (
            "homeless.csv",
            "row 3",
            "more values than there are column headings",
            "Remove the thousands commas",
        ),
    ),
    Case(
        "csv-unclosed-quote",
        "csv",
        "Left a quote mark unclosed, so one cell swallowed the file",
        _text('area_code,homeless_households\nE01000001,"4\n' + "E01000002,5\n" * 20_000),
        "homeless.csv",
        "indicators",
        (
            "homeless.csv",
            "row 2",
            "longer than 131,072 characters",
            "quote mark",
            "find the stray quote mark in this row",
        ),
    ),
    Case(
        "csv-blank-area-code",
        "csv",
        "Left an area code blank",
        _text("area_code,homeless_households\nE01000001,4\n,7\n"),
        "homeless.csv",
        "indicators",
        (
            "homeless.csv",
            "row 3",
            "column 'area_code'",
            "have no area code",
            "Fill in the area code",
        ),
    ),
    Case(
        "csv-text-in-count",
        "csv",
        "Wrote a word in a number column",
        _text("area_code,homeless_households\nE01000001,4\nE01000002,twelve\n"),
        "homeless.csv",
        "indicators",
        (
            "homeless.csv",
            "row 3",
            "column 'homeless_households'",
            "'twelve'",
            "leave them blank if the value is unknown",
        ),
    ),
    Case(
        "csv-negative-count",
        "csv",
        "Entered a negative count",
        _text(
            "area_code,indicator,count\nE01000001,rough_sleeping,4\nE01000002,rough_sleeping,-3\n"
        ),
        "tidy.csv",
        "indicators",
        ("tidy.csv", "row 3", "column 'count'", "negative", "Correct the value"),
    ),
    Case(
        "csv-no-area-column",
        "csv",
        "The table has no area code column",
        _text("ward,homeless_households\nAbbey,4\n"),
        "homeless.csv",
        "indicators",
        (
            "homeless.csv",
            "'ward'",
            "could not be recognised",
            "Rename the area code column to area_code",
        ),
    ),
    Case(
        "csv-unknown-domain",
        "csv",
        "Put an unknown word in the domain column",
        _text("area_code,indicator,domain,count\nE01000001,rough_sleeping,weather,4\n"),
        "tidy.csv",
        "indicators",
        ("tidy.csv", "row 2", "column 'domain'", "'weather'", "Use one of the listed domains"),
    ),
    Case(
        "csv-unknown-unit",
        "csv",
        "Put an unknown unit in the unit column",
        _text("area_code,indicator,value,unit\nE01000001,rough_sleeping,4,bananas\n"),
        "tidy.csv",
        "indicators",
        ("tidy.csv", "row 2", "column 'unit'", "'bananas'", "per 1,000"),
    ),
    Case(
        "csv-utf16-no-bom",
        "csv",
        "Saved as UTF-16 without a byte-order mark",
        _text("area_code,homeless_households\nE01000001,4\n", "utf-16-le"),
        "unicode.csv",
        "indicators",
        ("unicode.csv", "binary (non-text) file", "Save As > 'CSV UTF-8'"),
    ),
    Case(
        "csv-too-large",
        "csv",
        "Uploaded a file over 200 MB",
        lambda: b"a" * (201 * 1024**2),
        "huge.csv",
        "indicators",
        (
            "huge.csv",
            "201.0 MB",
            "larger than the 200.0 MB",
            "Keep only the rows and columns for your area",
        ),
    ),
    # Excel workbooks
    Case(
        "xlsx-truncated",
        "xlsx",
        "Uploaded a workbook cut short by an email gateway",
        lambda: _xlsx({"Sheet1": _GOOD_ROWS})[:3000],
        "cut.xlsx",
        "indicators",
        ("cut.xlsx", "damaged zip archive", "Check you chose the right file"),
    ),
    Case(
        "xlsx-several-sheets",
        "xlsx",
        "Uploaded a workbook with data on two sheets",
        lambda: _xlsx({"2023": _GOOD_ROWS, "2024": _GOOD_ROWS}),
        "years.xlsx",
        "indicators",
        ("years.xlsx", "2 sheets with data: '2023', '2024'", "Choose the sheet"),
    ),
    Case(
        "xlsx-missing-sheet",
        "xlsx",
        "Asked for a sheet that is not there",
        lambda: _xlsx({"Data": _GOOD_ROWS}),
        "book.xlsx",
        "indicators",
        ("book.xlsx", "no sheet called 'Summary'", "one of the sheets 'Data'"),
        {"sheet": "Summary"},
    ),
    Case(
        "xlsx-all-empty",
        "xlsx",
        "Uploaded a workbook with no data",
        lambda: _xlsx({"Sheet1": []}),
        "blank.xlsx",
        "indicators",
        ("blank.xlsx", "Every sheet in the workbook is empty", "Check you chose the right file"),
    ),
    Case(
        "xlsx-old-xls",
        "xlsx",
        "Uploaded an old .xls (or password-protected) workbook",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
        "old.xlsx",
        "indicators",
        ("old.xlsx", "old-style Excel .xls", "save it as .xlsx without a password"),
    ),
    Case(
        "xlsx-billion-laughs",
        "xlsx",
        "A workbook hiding an XML entity bomb",
        _billion_laughs_xlsx,
        "lol.xlsx",
        "indicators",
        ("lol.xlsx", "could not be opened", "save it again as .xlsx"),
    ),
    Case(
        "xlsx-zip-bomb",
        "xlsx",
        "A workbook compressed like a zip bomb",
        _zip_bomb("xl/worksheets/sheet1.xml"),
        "bomb.xlsx",
        "indicators",
        ("bomb.xlsx", "'xl/worksheets/sheet1.xml'", "zip bomb", "at most 100 to 1"),
    ),
    # GeoJSON boundaries
    Case(
        "geojson-deep-nesting",
        "geojson",
        "A GeoJSON nested thousands of levels deep",
        lambda: b'{"type": "FeatureCollection", "features": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        "deep.geojson",
        "boundaries",
        ("deep.geojson", "nested more than 64 levels", "Export the boundaries again"),
    ),
    Case(
        "geojson-too-big-for-memory",
        "geojson",
        "Loaded full-resolution boundaries on a server whose memory limit they exceed",
        lambda: _geojson(spacing=1.0),
        "england_bfc.geojson",
        "boundaries",
        (
            "england_bfc.geojson",
            "2 areas, about 8,0",
            "MEAM_MAPPING_MEMORY_LIMIT allows only",
            "The file was not read",
            "generalised boundaries",
        ),  # fmt: skip
        env={"MEAM_MAPPING_MEMORY_LIMIT": "500KB"},
    ),
    Case(
        "geojson-is-csv",
        "geojson",
        "Renamed a CSV of coordinates to .geojson",
        _text("WKT,LSOA11CD\n"),
        "areas.geojson",
        "boundaries",
        ("areas.geojson", "contents look like text", "Check you chose the right file"),
    ),
    Case(
        "geojson-is-vrt",
        "geojson",
        "A .geojson that is really a GDAL VRT pointing at other files",
        _text(
            '<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>'
        ),
        "areas.geojson",
        "boundaries",
        ("areas.geojson", "OGR virtual format (VRT)", "XML-based map formats are not read"),
    ),
    Case(
        "geojson-truncated",
        "geojson",
        "A GeoJSON download that stopped half way",
        lambda: _geojson()[:200],
        "half.geojson",
        "boundaries",
        ("half.geojson", "could not be read as a map layer", "Unterminated", "export it again"),
    ),
    Case(
        "geojson-points",
        "geojson",
        "Loaded points (e.g. hostels) instead of area outlines",
        lambda: _geojson(points=True),
        "hostels.geojson",
        "boundaries",
        ("hostels.geojson", "points or lines, not area outlines", "polygon boundaries"),
    ),
    Case(
        "geojson-no-code-field",
        "geojson",
        "The areas have no recognisable code field",
        lambda: _geojson(code_field="ref"),
        "areas.geojson",
        "boundaries",
        ("areas.geojson", "no area code field", "Rename the field", "ref"),
    ),
    # GeoPackage boundaries
    Case(
        "gpkg-truncated",
        "gpkg",
        "A GeoPackage copied only in part",
        lambda: _gpkg()[:4096],
        "cut.gpkg",
        "boundaries",
        ("cut.gpkg", "GeoPackage could not be opened", "copy or export it again"),
    ),
    Case(
        "gpkg-two-layers",
        "gpkg",
        "A GeoPackage with two map layers and none chosen",
        lambda: _gpkg(("lsoa", "msoa")),
        "two.gpkg",
        "boundaries",
        ("two.gpkg", "2 map layers: lsoa, msoa", "--layer NAME"),
    ),
    Case(
        "gpkg-missing-layer",
        "gpkg",
        "Asked for a layer the GeoPackage does not have",
        lambda: _gpkg(),
        "one.gpkg",
        "boundaries",
        ("one.gpkg", "no layer called 'wards'", "one of: lsoa"),
        {"layer": "wards"},
    ),
    Case(
        "gpkg-not-sqlite",
        "gpkg",
        "Renamed a text file to .gpkg",
        _text("area_code,name\n"),
        "fake.gpkg",
        "boundaries",
        (
            "fake.gpkg",
            "says a GeoPackage, but the contents look like text",
            "Check you chose the right file",
        ),
    ),
    Case(
        "gpkg-no-crs",
        "gpkg",
        "A GeoPackage layer with no coordinate system (metres, English codes)",
        lambda: _gpkg(crs=False),
        "nocrs.gpkg",
        "boundaries",
        ("nocrs.gpkg", "accepted", "British National Grid (EPSG:27700) was assumed"),
        accepted=True,
    ),
    # Zipped shapefiles
    Case(
        "zip-traversal",
        "zip",
        "A zip whose member climbs out of the folder (../)",
        lambda: _zip({"../evil.shp": b"x"}),
        "evil.zip",
        "boundaries",
        ("evil.zip", "unsafe path '../evil.shp'", "Re-create the zip"),
    ),
    Case(
        "zip-absolute-path",
        "zip",
        "A zip whose member has an absolute path",
        lambda: _zip({"/etc/cron.d/evil.shp": b"x"}),
        "evil.zip",
        "boundaries",
        ("evil.zip", "unsafe path '/etc/cron.d/evil.shp'", "Re-create the zip"),
    ),
    Case(
        "zip-bomb",
        "zip",
        "A zip bomb (tiny file, gigabytes inside)",
        _zip_bomb("lsoa.dbf"),
        "bomb.zip",
        "boundaries",
        ("bomb.zip", "'lsoa.dbf'", "zip bomb", "at most 100 to 1"),
    ),
    Case(
        "zip-too-many-members",
        "zip",
        "A zip with thousands of files",
        lambda: _zip({f"f{i}.txt": b"" for i in range(1001)}),
        "many.zip",
        "boundaries",
        ("many.zip", "1,001 files", "Zip only the files you need"),
    ),
    Case(
        "zip-missing-dbf",
        "zip",
        "Zipped the .shp without its .dbf",
        lambda: _zip(_shapefile(drop=(".dbf",))),
        "lsoa.zip",
        "boundaries",
        ("lsoa.zip", "missing its .dbf", "Zip all the files that share the shapefile's name"),
    ),
    Case(
        "zip-two-shapefiles",
        "zip",
        "Zipped two shapefiles together",
        lambda: _zip(_shapefile("lsoa") | _shapefile("msoa")),
        "both.zip",
        "boundaries",
        ("both.zip", "2 shapefiles: lsoa, msoa", "--layer NAME"),
    ),
    Case(
        "zip-no-layer",
        "zip",
        "A zip with no map layer in it",
        lambda: _zip({"readme.txt": b"hello"}),
        "docs.zip",
        "boundaries",
        ("docs.zip", "no boundary layer was found", "zipped Shapefile"),
    ),
    Case(
        "zip-damaged",
        "zip",
        "A zip damaged in transit (bad checksum)",
        _bad_crc_zip,
        "lsoa.zip",
        "boundaries",
        ("lsoa.zip", "zip file is damaged", "Download or copy the zip file again"),
    ),
    Case(
        "zip-no-prj",
        "zip",
        "Zipped a shapefile without its .prj (metres, English codes)",
        lambda: _zip(_shapefile(drop=(".prj",))),
        "noprj.zip",
        "boundaries",
        ("noprj.zip", "accepted", "British National Grid (EPSG:27700) was assumed"),
        accepted=True,
    ),
    # Pattern (overlap) tables
    Case(
        "patterns-no-count",
        "patterns",
        "The count column is missing",
        _text("housing,drugs,people\n1,0,30\n0,1,20\n"),
        "overlap.csv",
        "patterns",
        (
            "overlap.csv",
            "column 'count'",
            "no 'count' column",
            "Rename the column holding the numbers",
        ),
    ),
    Case(
        "patterns-not-binary",
        "patterns",
        "Wrote 2 in a list column",
        _text("housing,drugs,count\n1,0,30\n0,2,20\n"),
        "overlap.csv",
        "patterns",
        ("overlap.csv", "row 3", "column 'drugs'", "other than 0 and 1", "Correct those cells"),
    ),
    Case(
        "patterns-blank-count",
        "patterns",
        "Left a count blank",
        _text("housing,drugs,count\n1,0,30\n0,1,\n"),
        "overlap.csv",
        "patterns",
        (
            "overlap.csv",
            "row 3",
            "column 'count'",
            "blank or not a number",
            "Fill in the number of people",
        ),
    ),
    Case(
        "patterns-no-heading",
        "patterns",
        "A column has no heading",
        _text("housing,,count\n1,0,30\n0,1,20\n"),
        "overlap.csv",
        "patterns",
        ("overlap.csv", "row 1", "have no heading", "Type a heading or delete the empty column"),
    ),
    Case(
        "patterns-repeated-heading",
        "patterns",
        "The same heading twice",
        _text("housing,Count,count\n1,0,30\n0,1,20\n"),
        "overlap.csv",
        "patterns",
        ("overlap.csv", "row 1", "'count'", "appear more than once", "each heading once"),
    ),
    Case(
        "patterns-negative-count",
        "patterns",
        "Entered a negative count",
        _text("housing,drugs,count\n1,0,30\n0,1,-2\n"),
        "overlap.csv",
        "patterns",
        ("overlap.csv", "row 3", "column 'count'", "negative", "0 or more"),
    ),
    Case(
        "patterns-all-zero-row",
        "patterns",
        "Included a row of people on none of the lists",
        _text("housing,drugs,count\n1,0,30\n0,0,99\n"),
        "overlap.csv",
        "patterns",
        ("overlap.csv", "row 3", "none of the lists", "Remove those rows"),
    ),
    Case(
        "patterns-empty",
        "patterns",
        "Uploaded an empty file",
        _text(""),
        "overlap.csv",
        "patterns",
        ("overlap.csv", "the file is empty", "heading row"),
    ),
    Case(
        "patterns-wrong-type",
        "patterns",
        "Uploaded a Word document",
        _text("x"),
        "overlap.docx",
        "patterns",
        ("overlap.docx", "cannot read a '.docx' file", "Save the table as CSV or Excel"),
    ),
    Case(
        "patterns-damaged-xlsx",
        "patterns",
        "An Excel pattern table cut short",
        lambda: _xlsx({"Sheet1": [["a", "b", "count"], [1, 0, 3]]})[:2000],
        "overlap.xlsx",
        "patterns",
        ("overlap.xlsx", "could not be read as XLSX", "not damaged"),
    ),
    # Fingertips exports
    Case(
        "fingertips-text-value",
        "fingertips",
        "A Fingertips export edited by hand: a word in Value",
        _text(
            _FT_HEAD
            + _FT_ROW.format(v="12.5", c="25")
            + _FT_ROW.replace("E07000008", "E07000009").format(v="high", c="30")
        ),
        "fingertips.csv",
        "indicators",
        (
            "fingertips.csv",
            "row 3",
            "column 'Value'",
            "'high'",
            "leave them blank if the value is unknown",
        ),
    ),
    Case(
        "fingertips-only-breakdowns",
        "fingertips",
        "Exported only the breakdown rows (by deprivation decile)",
        _text(
            _FT_HEAD
            + _FT_ROW.replace(",,,2022", ",IMD decile,Most deprived,2022").format(v="12.5", c="25")
        ),
        "fingertips.csv",
        "indicators",
        (
            "fingertips.csv",
            "No rows are left once breakdowns are set aside",
            "Ask for breakdowns to be kept",
        ),
    ),
    Case(
        "fingertips-missing-headings",
        "fingertips",
        "Deleted the Time period column from an export",
        _text("Indicator ID,Area Code,Value\n93015,E07000008,12.5\n"),
        "fingertips.csv",
        "indicators",
        ("fingertips.csv", "missing 'time period'", "Download the data again from Fingertips"),
        {"layout": "fingertips"},
    ),
    # Issue 18: boundaries that would reach the network
    Case(
        "boundaries-vrt-named-vrt",
        "geojson",
        "Passed --boundaries x.vrt, a VRT whose source is /vsicurl/http://...",
        _vrt(),
        "x.vrt",
        "boundaries",
        ("x.vrt", "OGR virtual format (VRT)", "XML-based map formats are not read"),
    ),
    Case(
        "boundaries-vrt-named-txt",
        "geojson",
        "Passed a .txt whose content is a VRT pointing at a web address",
        _vrt(),
        "x.txt",
        "boundaries",
        ("x.txt", "OGR virtual format (VRT)", "open other files or addresses on the network"),
    ),
    Case(
        "zip-vrt-member",
        "zip",
        "Zipped a VRT renamed b.json",
        lambda: _zip({"b.json": _vrt()()}),
        "vrt.zip",
        "boundaries",
        ("vrt.zip", "OGR virtual format (VRT)", "Export the layer from QGIS"),
    ),
    Case(
        "geojson-vsi-source",
        "geojson",
        "A GeoJSON-looking file that names a /vsicurl/ source",
        _text('{"type": "FeatureCollection", "features": [], "x": "/vsicurl/http://h/b"}'),
        "b.geojson",
        "boundaries",
        ("b.geojson", "GDAL virtual file system (/vsi...)", "Export the layer from QGIS"),
    ),
    # Issue 18: coordinates that do not fit their coordinate system
    Case(
        "geojson-bng-without-crs",
        "geojson",
        "A British National Grid GeoJSON without a 'crs' member (metres read as degrees)",
        _bng_without_crs,
        "bng.geojson",
        "boundaries",
        ("bng.geojson", "accepted", "British National Grid (EPSG:27700) was assumed"),
        accepted=True,
        check=_in_great_britain,
    ),
    Case(
        "geojson-swapped-axes",
        "geojson",
        "Latitude and longitude swapped (would be drawn at 52°E 0°N)",
        _swapped_axes,
        "swapped.geojson",
        "boundaries",
        ("swapped.geojson", "accepted", "they were swapped back"),
        accepted=True,
        check=_in_great_britain,
    ),
    Case(
        "geojson-bng-label-on-degrees",
        "geojson",
        "A 'crs' of EPSG:27700 on longitude/latitude degrees (specks off Scilly)",
        _bng_label_on_degrees,
        "labelled.geojson",
        "boundaries",
        ("labelled.geojson", "accepted", "says British National Grid (EPSG:27700)", "EPSG:4326"),
        accepted=True,
        check=_in_great_britain,
    ),
    Case(
        "geojson-metres-without-crs-not-english",
        "geojson",
        "Metres without a coordinate system, and codes that are not English or Welsh",
        _scottish_metres_without_crs,
        "scot.geojson",
        "boundaries",
        ("scot.geojson", "says longitude/latitude", "are metres", "Layer > Set CRS"),
    ),
    Case(
        "geojson-split-multipart",
        "geojson",
        "One district on two features (a multipart area split into pieces)",
        _split_multipart,
        "split.geojson",
        "boundaries",
        ("split.geojson", "accepted", "joined into one area"),
        accepted=True,
        check=_one_area_per_code,
    ),
    Case(
        "zip-cp1252-dbf-without-cpg",
        "zip",
        "A shapefile whose .dbf is Windows-1252 with no .cpg (St Mary’s)",
        lambda: _zip(_cp1252_shapefile()),
        "cp1252.zip",
        "boundaries",
        ("cp1252.zip", "accepted", "read as Windows-1252"),
        accepted=True,
        check=_areas_named("St Mary\u2019s", "Café Quarter"),
    ),
    Case(
        "zip-upper-case-shapefile",
        "zip",
        "A zipped shapefile with upper-case .SHP/.DBF/.SHX names",
        lambda: _zip(_upper_case_shapefile()),
        "UPPER.zip",
        "boundaries",
        ("UPPER.zip", "accepted"),
        accepted=True,
        check=_areas_named("Cambridge 001A", "Cambridge 001B"),
    ),
    Case(
        "zip-shapefile-and-geojson",
        "zip",
        "Zipped a shapefile and a GeoJSON together",
        lambda: _zip(_shapefile("lsoa") | {"msoa.geojson": _geojson()}),
        "mixed.zip",
        "boundaries",
        ("mixed.zip", "2 boundary layers: lsoa, msoa.geojson", "--layer NAME"),
    ),
    Case(
        "zip-layer-not-there",
        "zip",
        "Asked for a layer the zip does not hold",
        lambda: _zip(_shapefile("lsoa") | _shapefile("msoa")),
        "both.zip",
        "boundaries",
        ("both.zip", "no layer called 'wards'", "lsoa, msoa"),
        {"layer": "wards"},
    ),
    # Issue 18: budgets before work
    Case(
        "xlsx-far-cell",
        "xlsx",
        "A 5 KB workbook with one cell at XFD1048576 (took gigabytes to open)",
        _far_cell_xlsx,
        "far.xlsx",
        "indicators",
        ("far.xlsx", "reaches cell XFD1048576", "16,384 columns", "Ctrl+End"),
    ),
    Case(
        "xlsx-far-cell-no-dimension",
        "xlsx",
        "The same workbook with its <dimension> element removed",
        lambda: _far_cell_xlsx(dimension=False),
        "far.xlsx",
        "indicators",
        ("far.xlsx", "reaches cell XFD1048576", "Ctrl+End"),
    ),
    Case(
        "csv-too-many-columns",
        "csv",
        "A wide table with 2,000 indicator columns (took 72 s)",
        _wide_csv(2000),
        "wide.csv",
        "indicators",
        ("wide.csv", "2,001 columns, more than the 300", "tidy layout"),
    ),
    Case(
        "patterns-16-lists",
        "patterns",
        "An overlap table with 16 lists",
        _pattern_lists(16),
        "overlap.csv",
        "patterns",
        ("overlap.csv", "has 16 list columns", "65,535 overlap patterns", "at most 15 lists"),
    ),
    Case(
        "patterns-24-lists",
        "patterns",
        "An overlap table with 24 lists (ran out of memory)",
        _pattern_lists(24),
        "overlap.csv",
        "patterns",
        ("overlap.csv", "has 24 list columns", "Combine related services"),
    ),
    Case(
        "patterns-40-lists",
        "patterns",
        "An overlap table with 40 lists (asked for 8 TiB)",
        _pattern_lists(40),
        "overlap.csv",
        "patterns",
        ("overlap.csv", "has 40 list columns", "at most 15 lists"),
    ),
    Case(
        "patterns-12-lists",
        "patterns",
        "An overlap table with 12 lists (read; the model is chosen stepwise)",
        _pattern_lists(12),
        "overlap.csv",
        "patterns",
        ("overlap.csv", "accepted"),
        accepted=True,
    ),
    Case(
        "patterns-count-1e20",
        "patterns",
        "A count of 10^20 (became 'nobody was seen')",
        _pattern_lists(3, count="100000000000000000000"),
        "overlap.csv",
        "patterns",
        ("overlap.csv", "more people than live in the United Kingdom", "column 'count'"),
    ),
    Case(
        "patterns-total-beyond-population",
        "patterns",
        "Counts that add up to more people than live in the UK",
        _pattern_lists(3, count="60000000"),
        "overlap.csv",
        "patterns",
        ("overlap.csv", "add up to", "more than live in the United Kingdom"),
    ),
    # Issue 18: workspaces are verified or refused
    Case(
        "workspace-digest-deleted",
        "workspace",
        "Deleted the workspace's digest row and multiplied the counts by 100",
        _workspace(
            ("DELETE FROM meta WHERE key = 'digest'", ()),
            ("UPDATE indicators SET count = count * 100", ()),
        ),
        "w.gpkg",
        "workspace",
        ("w.gpkg", "has no content check", "not opened", "--recover"),
    ),
    Case(
        "workspace-edited",
        "workspace",
        "Edited a count in the workspace in another program",
        _workspace(("UPDATE indicators SET count = count + 1 WHERE fid = 2", ())),
        "w.gpkg",
        "workspace",
        ("w.gpkg", "content check does not match", "Open it anyway"),
    ),
    Case(
        "workspace-recovered-negative-count",
        "workspace",
        "Opened anyway a workspace whose counts were made negative",
        _workspace(
            ("DELETE FROM meta WHERE key = 'digest'", ()),
            ("UPDATE indicators SET count = -count WHERE fid = 2", ()),
        ),
        "w.gpkg",
        "workspace",
        ("w.gpkg (indicators)", "count(s) are negative"),
        {"recover": True},
    ),
    Case(
        "workspace-deep-settings",
        "workspace",
        "Settings nested 100,000 levels deep (RecursionError)",
        _settings("[" * 100_000 + "]" * 100_000),
        "w.gpkg",
        "workspace",
        ("w.gpkg", "nested more than 8 levels deep"),
        {"recover": True},
    ),
    Case(
        "workspace-settings-wrong-type",
        "workspace",
        "Settings of the wrong type ('choices' a list: AttributeError)",
        _settings('{"choices": [1, 2]}'),
        "w.gpkg",
        "workspace",
        ("w.gpkg", "'choices' is a list", "named choices"),
        {"recover": True},
    ),
    Case(
        "workspace-disclosure-wrong-type",
        "workspace",
        "A disclosure threshold of 'high'",
        _settings('{"disclosure": {"threshold": "high"}}'),
        "w.gpkg",
        "workspace",
        ("w.gpkg", "'disclosure' is not valid"),
        {"recover": True},
    ),
    Case(
        "workspace-dropped-column",
        "workspace",
        "Dropped the unit column from the indicators (KeyError)",
        _workspace(('ALTER TABLE "indicators" DROP COLUMN "unit"', ())),
        "w.gpkg",
        "workspace",
        ("w.gpkg (indicators)", "Required column(s) missing: 'unit'"),
        {"recover": True},
    ),
    Case(
        "workspace-dropped-area-name",
        "workspace",
        "Dropped the area_name column from the areas",
        _workspace(('ALTER TABLE "areas_lsoa" DROP COLUMN "area_name"', ())),
        "w.gpkg",
        "workspace",
        ("w.gpkg (areas_lsoa)", "no column 'area_name'"),
        {"recover": True},
    ),
    Case(
        "workspace-is-vrt",
        "workspace",
        "A VRT renamed .gpkg given as a workspace",
        _vrt(),
        "w.gpkg",
        "workspace",
        ("w.gpkg", "could not be opened as a GeoPackage workspace", "XML file"),
    ),
    # Issue 18: decimal marks and numbers beyond any population
    Case(
        "csv-european-decimals",
        "csv",
        "A European CSV: semicolons, 1.430 for 1,430 and 18,9 for 18.9 (was a rate of 18,683)",
        _text(_EUROPEAN),
        "europe.csv",
        "indicators",
        ("europe.csv", "accepted", "read with a decimal comma", "'18,9' (row 2, column 'value')"),
        accepted=True,
        check=_table_values({"denominator": [1430.0, 2105.0], "value": [18.9, 1.9]}),
    ),
    Case(
        "csv-european-thousands-only",
        "csv",
        "A semicolon CSV whose only marks are thousands dots (1.430)",
        _text(
            "area_code;indicator;count;population\nE01000001;homeless;27;1.430\n"
            "E01000002;homeless;4;2.105\n"
        ),
        "semicolons.csv",
        "indicators",
        ("semicolons.csv", "accepted", "separated by semicolons", "was read as 1430"),
        accepted=True,
        check=_table_values({"denominator": [1430.0, 2105.0]}),
    ),
    Case(
        "csv-decimal-ambiguous",
        "csv",
        "A tab-separated file whose population 1.430 could be 1,430 or 1.43",
        _text("area_code\tindicator\tcount\tpopulation\nE01000001\thomeless\t27\t1.430\n"),
        "population.tsv",
        "indicators",
        (
            "population.tsv",
            "row 2",
            "column 'population'",
            "could be 1430",
            "or 1.43",
            "--decimal ,",
            "choose the decimal mark",
        ),
    ),
    Case(
        "csv-decimal-stated-point",
        "csv",
        "Stated the decimal point for an ambiguous 1.430 (it was a rate)",
        _text("area_code\trate_per_1000\nE01000001\t1.430\nE01000002\t2.105\n"),
        "rates.tsv",
        "indicators",
        ("rates.tsv", "accepted"),
        {"decimal": "."},
        accepted=True,
        check=_table_values({"value": [1.43, 2.105]}),
    ),
    Case(
        "csv-decimal-mixed",
        "csv",
        "Pasted English rows (18.5) into a European file (18,9)",
        _text(_EUROPEAN + "E01000003;Homeless households;2024/25;6;1.200;18.5\n"),
        "europe.csv",
        "indicators",
        ("europe.csv", "rows 2, 4", "column 'value'", "both decimal marks", "'18,9'", "'18.5'"),
    ),
    Case(
        "csv-decimal-comma-stated-on-points",
        "csv",
        "Stated a decimal comma for a file written with decimal points",
        _text("area_code,rate_per_1000\nE01000001,18.5\nE01000002,2.25\n"),
        "rates.csv",
        "indicators",
        (
            "rates.csv",
            "rows 2, 3",
            "column 'rate_per_1000'",
            "not numbers written with a decimal comma",
            "--decimal .",
        ),
        {"decimal": ","},
    ),
    Case(
        "csv-count-implausible",
        "csv",
        "A count of 1e23 (an export error) in a tidy table",
        _text(
            "area_code,indicator,period,count\nE01000001,homeless,2024/25,4\n"
            "E01000002,homeless,2024/25,1e23\n"
        ),
        "homeless.csv",
        "indicators",
        (
            "homeless.csv",
            "row 3",
            "column 'count'",
            "larger than any plausible population",
            "Correct the value",
        ),
    ),
    Case(
        "csv-population-implausible",
        "csv",
        "A population column of 9,000,000,000,000 in a wide table",
        _text(
            "area_code,homeless_households,homeless_households_population\n"
            'E01000001,4,"9,000,000,000,000"\nE01000002,7,1520\n'
        ),
        "homeless.csv",
        "indicators",
        (
            "homeless.csv",
            "row 2",
            "column 'homeless_households_population'",
            "denominator(s) are larger than any plausible population",
        ),
    ),
    Case(
        "csv-european-wide",
        "csv",
        "A European wide table: a rate per 1,000 of 12,5 and populations of 1.430",
        _text(
            "LSOA21CD;Rough sleeping rate per 1,000;Population\nE01000001;12,5;1.430\n"
            "E01000002;0,7;2.105\n"
        ),
        "wide.csv",
        "indicators",
        ("wide.csv", "accepted", "read with a decimal comma", "'12,5'"),
        accepted=True,
        check=_table_values({"value": [12.5, 0.7, 1430.0, 2105.0]}),
    ),
    Case(
        "csv-thousands-dots-tab",
        "csv",
        "A tab-separated export with populations written 1.234.567 (two thousands dots)",
        _text("area_code\tindicator\tcount\tpopulation\nE06000001\thomeless\t270\t1.234.567\n"),
        "district.tsv",
        "indicators",
        ("district.tsv", "accepted", "read with a decimal comma", "'1.234.567'"),
        accepted=True,
        check=_table_values({"denominator": [1234567.0]}),
    ),
]

"""Tests for meam_mapping.io.safety (guards around every parser)."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from meam_mapping.errors import EstimationError, InputError
from meam_mapping.io import safety
from meam_mapping.io.read import read_table
from meam_mapping.io.safety import (
    MAX_FILE_BYTES,
    as_input_error,
    check_file_size,
    check_json_depth,
    check_map_file_start,
    describe_content,
    guard_loader,
    json_depth,
    require_defusedxml,
)


def test_max_file_bytes_matches_streamlit_upload_limit():
    from pathlib import Path

    config = (Path(__file__).parents[2] / ".streamlit" / "config.toml").read_text()
    assert "maxUploadSize = 200" in config
    assert MAX_FILE_BYTES == 200 * 1024**2


def test_check_file_size():
    check_file_size(MAX_FILE_BYTES, "ok.csv")
    with pytest.raises(InputError, match=r"big\.csv: The file is 200\.0 MB, larger than"):
        check_file_size(MAX_FILE_BYTES + 1, "big.csv")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04rest", "zip archive"),
        (b"%PDF-1.5", "PDF"),
        (b"\xd0\xcf\x11\xe0....", ".xls"),
        (b"SQLite format 3\x00...", "SQLite"),
        (b"  <html><body>", "web page"),
        (b'{"a": 1}', "JSON"),
        (b"[1, 2]", "JSON list"),
        (b"a,b\n1,2\n", "text"),
        (b"a\x00b", "binary"),
        (b"caf\xe9,1\n" * 10, "not UTF-8"),
        (b"   \n", "empty file"),
    ],
)
def test_describe_content(data, words):
    assert words in describe_content(data)


def test_json_depth_ignores_brackets_in_strings_and_escapes():
    assert json_depth(b"{}") == 1
    assert json_depth(b'{"a": [[1], {"b": "]]]}}}"}]}') == 3
    assert json_depth(b'{"a": "\\" [[[[ \\\\", "b": [1]}') == 2
    assert json_depth(b"[" * 10_000 + b"]" * 10_000) == 10_000
    assert json_depth(b"[" * 10_000, stop_at=5) >= 5


def test_check_json_depth_refuses_deep_json_before_parsing():
    check_json_depth(b"[" * 64 + b"]" * 64, "ok.geojson")
    with pytest.raises(InputError) as info:
        check_json_depth(b"[" * 65 + b"]" * 65, "deep.geojson")
    assert "deep.geojson" in info.value.message and "64 levels" in info.value.message


@pytest.mark.parametrize(
    ("name", "data", "ok"),
    [
        ("a.geojson", b'\xef\xbb\xbf  {"type": "FeatureCollection"}', True),
        ("a.geojson", b"<OGRVRTDataSource><OGRVRTLayer/></OGRVRTDataSource>", False),
        ("a.json", b"WKT,code\n", False),
        ("a.gpkg", b"SQLite format 3\x00" + b"\x00" * 100, True),
        ("a.gpkg", b"not a database", False),
        ("a.shp", b"\x00\x00\x27\x0a" + b"\x00" * 96, True),
        ("a.shp", b"PK\x03\x04", False),
        ("a.csv", b"anything", True),
    ],
)
def test_check_map_file_start(tmp_path, name, data, ok):
    path = tmp_path / name
    path.write_bytes(data)
    if ok:
        check_map_file_start(path, name)
    else:
        with pytest.raises(InputError, match="but the contents look like"):
            check_map_file_start(path, name)


def test_openpyxl_parses_workbooks_with_defusedxml():
    # openpyxl/xml/__init__.py sets DEFUSEDXML when defusedxml imports, and
    # openpyxl/xml/functions.py then takes iterparse (worksheets) and, without
    # lxml, fromstring from defusedxml.ElementTree; with lxml, fromstring uses
    # an XMLParser(resolve_entities=False).
    import defusedxml.ElementTree
    import openpyxl
    from openpyxl.xml import functions

    require_defusedxml("a.xlsx")
    assert openpyxl.DEFUSEDXML is True
    assert functions.iterparse is defusedxml.ElementTree.iterparse
    if not openpyxl.LXML:
        assert functions.fromstring is defusedxml.ElementTree.fromstring
    # Either way, an entity in a workbook part is never expanded.
    doc = b'<!DOCTYPE x [<!ENTITY e "EXPANDED">]><x>&e;</x>'
    try:
        root = functions.fromstring(doc)
    except defusedxml.EntitiesForbidden:
        return
    assert "EXPANDED" not in "".join(root.itertext())


def test_require_defusedxml_refuses_when_missing(monkeypatch):
    monkeypatch.setattr(safety.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(InputError, match="defusedxml"):
        require_defusedxml("a.xlsx")


def test_billion_laughs_workbook_is_refused(tmp_path):
    buffer = io.BytesIO()
    pd.DataFrame({"area_code": ["E01000001"], "x": [1]}).to_excel(buffer, index=False)
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = bomb if item.filename.endswith("sheet1.xml") else src.read(item)
            dst.writestr(item, data)
    with pytest.raises(InputError) as info:
        read_table(out.getvalue(), name="lol.xlsx")
    assert "lol.xlsx" in info.value.message
    assert "lol" * 20 not in info.value.message


def test_as_input_error_hides_temp_paths_and_says_what_file_looks_like():
    err = as_input_error(
        OSError("'/tmp/meam_boundaries_ab12/upload.geojson' not recognized"),
        "b.geojson",
        expected="GeoJSON",
        data=b"%PDF-1.4",
    )
    assert err.file == "b.geojson"
    assert "meam_boundaries" not in err.message
    assert "looks like a PDF document" in err.message
    assert "Expected GeoJSON" in err.message


def test_guard_loader_converts_only_unexpected_errors():
    @guard_loader(expected="a CSV file", name_arg="name")
    def loader(source, *, name=None, fail=None):
        if fail is not None:
            raise fail
        return "ok"

    assert loader(b"x", name="a.csv") == "ok"
    with pytest.raises(InputError, match=r"a\.csv: The file could not be read \(KeyError"):
        loader(b"x", name="a.csv", fail=KeyError("boom"))
    with pytest.raises(InputError, match="too large"):
        loader(b"x", name="a.csv", fail=MemoryError())
    original = InputError("bad", file="a.csv")
    with pytest.raises(InputError) as info:
        loader(b"x", name="a.csv", fail=original)
    assert info.value is original
    with pytest.raises(EstimationError):
        loader(b"x", name="a.csv", fail=EstimationError("no"))
    with pytest.raises(TypeError):
        loader(b"x", wrong_keyword=1)

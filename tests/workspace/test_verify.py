"""Workspaces are verified or refused (issue 18 item 4).

A workspace with its content check removed or not matching is refused; opened
with ``recover=True`` every table goes through the loaders' validators again.
Settings are parsed within size and depth limits and checked against a schema,
so hostile settings give an InputError, never RecursionError, AttributeError
or KeyError.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from meam_mapping.errors import InputError
from meam_mapping.workspace import load_workspace, load_workspace_bytes, save_workspace
from meam_mapping.workspace.settings import parse_meta_json, validate_settings


def _sql(path: Path, statement: str, *args: object) -> None:
    with sqlite3.connect(path) as con:
        con.execute(statement, args)
    con.close()


def _saved(workspace, tmp_path, name="w.gpkg") -> Path:
    return save_workspace(workspace, tmp_path / name)


def test_a_deleted_digest_row_is_refused_and_recovery_rechecks(workspace, tmp_path):
    path = _saved(workspace, tmp_path)
    _sql(path, "DELETE FROM meta WHERE key = 'digest'")
    _sql(path, "UPDATE indicators SET count = -count WHERE fid = 3")
    with pytest.raises(InputError) as caught:
        load_workspace(path)
    message = caught.value.message
    assert "w.gpkg" in message and "no content check" in message and "not opened" in message
    assert "--recover" in message and "Open it anyway" in message
    # Recovery puts the indicator table through the loader's checks.
    with pytest.raises(InputError, match="count.s. are negative"):
        load_workspace(path, recover=True)


def test_recovery_of_an_untouched_table_without_digest_opens(workspace, tmp_path):
    path = _saved(workspace, tmp_path)
    _sql(path, "DELETE FROM meta WHERE key = 'digest'")
    got = load_workspace(path, recover=True)
    assert got.settings == workspace.settings
    assert len(got.dataset.indicators) == len(workspace.dataset.indicators)
    upload = load_workspace_bytes(path.read_bytes(), "up.gpkg", recover=True)
    assert upload.dataset.name == workspace.dataset.name


def test_a_wrong_digest_is_refused(workspace, tmp_path):
    path = _saved(workspace, tmp_path)
    _sql(path, "UPDATE meta SET value = 'abc' WHERE key = 'digest'")
    with pytest.raises(InputError, match="content check does not match"):
        load_workspace(path)


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested more than 8 levels deep"),
        ('{"a":' * 5000 + "1" + "}" * 5000, "nested more than 8 levels deep"),
        ("[1, 2]", "settings are a list"),
        ('"text"', "settings are a text"),
        ('{"choices": [1, 2]}', "'choices' is a list"),
        ('{"choices": {"map_k": {"deep": 1}}}', "'choices.map_k' is a named group"),
        ('{"disclosure": "none"}', "'disclosure' is a text"),
        ('{"disclosure": {"threshold": "high"}}', "'disclosure' is not valid"),
        ('{"disclosure": {"colour": 1}}', "unknown disclosure setting"),
        ("{not json", "not valid JSON"),
    ],
)
def test_hostile_settings_are_refused_with_a_message(workspace, tmp_path, settings, fragment):
    path = _saved(workspace, tmp_path)
    _sql(path, "UPDATE meta SET value = ? WHERE key = 'settings'", settings)
    with pytest.raises(InputError, match="content check"):
        load_workspace(path)
    with pytest.raises(InputError) as caught:
        load_workspace(path, recover=True)
    assert fragment in caught.value.message
    assert "w.gpkg" in caught.value.message


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("scenarios", '{"name": 1}', "scenarios that are not a list"),
        ("scenarios", "[[1]]", "not a set of named settings"),
        ("scenarios", "[" * 50_000, "nested more than"),
        ("sources", '"x"', "list of sources"),
        ("notes", "[1, 2]", "loading notes"),
        ("dtypes", "[" * 50_000, None),  # ignored: types are only a hint
    ],
)
def test_hostile_meta_entries_are_refused(workspace, tmp_path, key, value, fragment):
    path = _saved(workspace, tmp_path)
    _sql(path, "UPDATE meta SET value = ? WHERE key = ?", value, key)
    if fragment is None:
        assert load_workspace(path, recover=True).dataset.name == workspace.dataset.name
        return
    with pytest.raises(InputError) as caught:
        load_workspace(path, recover=True)
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("table", "column", "fragment"),
    [
        ("indicators", "unit", "Required column(s) missing: 'unit'"),
        ("indicators", "area_code", "Required column(s) missing: 'area_code'"),
        ("areas_lsoa", "area_name", "the areas have no column 'area_name'"),
        ("patterns", "count", "count"),
    ],
)
def test_a_dropped_column_is_refused_on_recovery(workspace, tmp_path, table, column, fragment):
    path = _saved(workspace, tmp_path)
    _sql(path, f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    with pytest.raises(InputError, match="content check"):
        load_workspace(path)
    with pytest.raises(InputError) as caught:
        load_workspace(path, recover=True)
    assert fragment in caught.value.message


def test_a_missing_file_a_folder_and_a_non_geopackage_are_named(tmp_path):
    with pytest.raises(InputError, match="there is no workspace file here"):
        load_workspace(tmp_path / "nope.gpkg")
    with pytest.raises(InputError, match=r"this is a folder"):
        load_workspace(tmp_path)
    text = tmp_path / "w.gpkg"
    text.write_text('<OGRVRTDataSource><OGRVRTLayer name="x"/></OGRVRTDataSource>')
    with pytest.raises(InputError, match="could not be opened as a GeoPackage workspace"):
        load_workspace(text)


def test_settings_schema_accepts_what_the_app_saves():
    saved = {
        "choices": {"map_level": "msoa", "map_k": 5, "ids": ["a", "b"], "off": None},
        "disclosure": {"threshold": 10, "round_to": None},
        "seed": 2027,
    }
    assert validate_settings(parse_meta_json(json.dumps(saved), "settings")) == saved
    assert validate_settings(None) == {}


def test_settings_size_limits():
    with pytest.raises(InputError, match="characters long"):
        validate_settings({"x": "a" * 30_000})
    with pytest.raises(InputError, match="more than 20,000 values"):
        validate_settings({"x": list(range(30_000))})
    with pytest.raises(InputError, match="more than the 2,000,000 accepted"):
        parse_meta_json("[" + "1," * 1_100_000 + "1]", "settings")

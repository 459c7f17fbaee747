"""Autosave and recovery files: private, inside the home folder, pruned."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import pytest
from workspace_helpers import assert_same_workspace

from meam_mapping.errors import InputError
from meam_mapping.workspace import (
    autosave,
    list_recovery_files,
    load_workspace,
    prune_recovery_files,
    recovery_folder,
    remove_recovery_file,
    workspace_home,
)


# ------------------------------------------------------------------ autosave
def test_autosave_recovery_files(workspace, tmp_path, monkeypatch):
    monkeypatch.setenv("MEAM_MAPPING_HOME", str(tmp_path / "home"))
    assert workspace_home() == tmp_path / "home"
    assert list_recovery_files() == []
    first = autosave(workspace, "session-a")
    assert first == recovery_folder() / "session-a.gpkg"
    assert first.stat().st_mode & 0o777 == 0o600
    assert recovery_folder().stat().st_mode & 0o777 == 0o700
    time.sleep(0.01)
    os.utime(first, (time.time() - 60, time.time() - 60))
    autosave(dataclasses.replace(workspace, settings={}), "session-b")
    files = list_recovery_files()
    assert [f.session for f in files] == ["session-b", "session-a"]  # newest first
    assert files[0].name == workspace.dataset.name and files[0].size > 0
    assert [f.session for f in list_recovery_files(exclude_session="session-b")] == ["session-a"]
    assert_same_workspace(load_workspace(files[1].path), workspace)
    remove_recovery_file("session-a")
    assert [f.session for f in list_recovery_files()] == ["session-b"]
    # Everything stayed inside the home folder.
    written = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {Path("home/recovery/session-b.gpkg")}


def test_session_names_cannot_leave_the_recovery_folder(workspace, tmp_path, monkeypatch):
    monkeypatch.setenv("MEAM_MAPPING_HOME", str(tmp_path / "home"))
    for bad in ("../escape", "a/b", "", "x" * 65, ".hidden"):
        with pytest.raises(InputError, match="cannot name a recovery file"):
            autosave(workspace, bad)
    assert not (tmp_path / "escape.gpkg").exists()


def test_damaged_recovery_files_are_listed_and_old_ones_pruned(workspace, tmp_path, monkeypatch):
    monkeypatch.setenv("MEAM_MAPPING_HOME", str(tmp_path / "home"))
    autosave(workspace, "good")
    (recovery_folder() / "broken.gpkg").write_bytes(b"not a geopackage")
    names = {f.session: f.name for f in list_recovery_files()}
    assert names == {"good": workspace.dataset.name, "broken": ""}
    old = recovery_folder() / "good.gpkg"
    os.utime(old, (time.time() - 40 * 86400,) * 2)
    assert prune_recovery_files() == 1
    assert [f.session for f in list_recovery_files()] == ["broken"]

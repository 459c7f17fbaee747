"""Hostile workspaces on the command line: refused with exit 2, opened with --recover."""

from __future__ import annotations

import sqlite3

from workshop_data import DOMAIN_INDICATORS, grid_dataset

from meam_mapping.cli import main
from meam_mapping.workspace import Workspace, save_workspace


def test_a_workspace_without_its_check_is_refused_then_recovered(tmp_path, capsys):
    path = save_workspace(Workspace(grid_dataset(4, seed=2)), tmp_path / "w.gpkg")
    with sqlite3.connect(path) as con:
        con.execute("DELETE FROM meta WHERE key = 'digest'")
    con.close()
    indicator = DOMAIN_INDICATORS["homelessness"]
    args = ["map", "--workspace", str(path), "--indicator", indicator]
    assert main([*args, "--out", str(tmp_path / "m.html")]) == 2
    err = capsys.readouterr().err
    assert "w.gpkg" in err and "no content check" in err and "--recover" in err
    assert "Traceback" not in err
    assert main([*args, "--recover", "--out", str(tmp_path / "m.html")]) == 0
    assert (tmp_path / "m.html").stat().st_size > 0


def test_remote_and_missing_workspaces_are_named(tmp_path, capsys):
    for target, fragment in [
        ("/vsicurl/http://127.0.0.1:9/w.gpkg", "not a file on this computer"),
        ("http://127.0.0.1:9/w.gpkg", "not a file on this computer"),
        (str(tmp_path / "missing.gpkg"), "there is no workspace file here"),
        (str(tmp_path), "this is a folder"),
    ]:
        code = main(["map", "--workspace", target, "--indicator", "x", "--out", "m.html"])
        err = capsys.readouterr().err
        assert code == 2 and fragment in err, err

"""Workspaces: exact round trips, damaged files, and no lost work.

Issue 7 (save and reopen an analysis) and issue 9 item 4 (no lost work): a
saved workspace reopens identical; a truncated, edited or newer file gives a
clear message; a save killed with SIGKILL at random moments leaves the old or
the new file, never a corrupt one; full disks and read-only folders are
explained and lose nothing.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import select
import signal
import sqlite3
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
from workshop_data import grid_dataset
from workspace_helpers import assert_same_workspace, sha

from meam_mapping.errors import InputError
from meam_mapping.workspace import (
    FORMAT_VERSION,
    Workspace,
    load_workspace,
    load_workspace_bytes,
    save_workspace,
    workspace_bytes,
)
from meam_mapping.workspace import format as ws_module


# ------------------------------------------------------------------ round trip
def test_round_trip_is_exact(workspace, tmp_path):
    path = save_workspace(workspace, tmp_path / "analysis.gpkg")
    got = load_workspace(path)
    assert_same_workspace(got, workspace)
    assert got.saved_at  # stamped on save
    # QGIS sees ordinary layers: areas per level, attribute tables and meta.
    layers = {row[0] for row in pyogrio.list_layers(path)}
    assert layers == {
        "areas_lsoa",
        "areas_msoa",
        "areas_lad",
        "indicators",
        "patterns",
        "area_notes",
        "meta",
    }


def test_saving_a_reopened_workspace_again_gives_the_same_content(workspace, tmp_path):
    first = load_workspace(save_workspace(workspace, tmp_path / "a.gpkg"))
    second = load_workspace(save_workspace(first, tmp_path / "b.gpkg"))
    assert_same_workspace(second, workspace)
    assert second.saved_at == first.saved_at


def test_bytes_round_trip_for_download_and_upload(workspace, tmp_path, monkeypatch):
    monkeypatch.setenv("MEAM_MAPPING_HOME", str(tmp_path / "home"))
    data = workspace_bytes(workspace)
    assert data[:16] == b"SQLite format 3\x00"
    assert_same_workspace(load_workspace_bytes(data, "upload.gpkg"), workspace)
    # Temporary files are removed and stay inside the home folder.
    assert list((tmp_path / "home" / "tmp").iterdir()) == []
    with pytest.raises(InputError, match="empty"):
        load_workspace_bytes(b"", "empty.gpkg")


def test_workspace_without_patterns_or_notes(dataset, tmp_path):
    plain = Workspace(dataclasses.replace(dataset, patterns=None))
    got = load_workspace(save_workspace(plain, tmp_path / "plain.gpkg"))
    assert got.dataset.patterns is None
    assert got.notes is None
    assert got.scenarios == ()


def test_settings_that_cannot_be_stored_are_refused_before_writing(dataset, tmp_path):
    target = tmp_path / "w.gpkg"
    with pytest.raises(InputError, match="setting cannot be saved"):
        save_workspace(Workspace(dataset, settings={"x": object()}), target)
    assert not target.exists()


# -------------------------------------------------------- damaged, edited, newer
def test_truncated_files_give_a_clear_message(workspace, tmp_path):
    path = save_workspace(workspace, tmp_path / "full.gpkg")
    data = path.read_bytes()
    for fraction in (0.0, 0.01, 0.3, 0.6, 0.9, 0.999):
        cut = tmp_path / f"cut-{fraction}.gpkg"
        cut.write_bytes(data[: int(len(data) * fraction)])
        with pytest.raises(InputError) as caught:
            load_workspace(cut)
        message = caught.value.message
        assert cut.name in message
        assert "autosave" in message or "not a MEAM Mapping workspace" in message, message


def test_random_bytes_give_a_clear_message(tmp_path):
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(np.random.default_rng(3).bytes(5000))
    with pytest.raises(InputError, match="could not be opened as a GeoPackage workspace"):
        load_workspace(junk)


def _sql(path: Path, statement: str, *args: object) -> None:
    with sqlite3.connect(path) as con:
        con.execute(statement, args)
    con.close()


def test_a_table_edited_after_saving_is_recognised(workspace, tmp_path):
    path = save_workspace(workspace, tmp_path / "edited.gpkg")
    _sql(path, "UPDATE indicators SET count = count + 1 WHERE fid = 3")
    with pytest.raises(InputError) as caught:
        load_workspace(path)
    assert "changed or damaged after it was saved" in caught.value.message
    assert "autosave" in caught.value.message
    # The person can still choose to open it.
    opened = load_workspace(path, recover=True)
    assert (
        opened.dataset.indicators["count"].iloc[2]
        == workspace.dataset.indicators["count"].iloc[2] + 1
    )


def test_edited_settings_and_notes_are_recognised(workspace, tmp_path):
    path = save_workspace(workspace, tmp_path / "meta.gpkg")
    _sql(path, "UPDATE meta SET value = '{}' WHERE key = 'settings'")
    with pytest.raises(InputError, match="changed or damaged"):
        load_workspace(path)
    path = save_workspace(workspace, tmp_path / "notes.gpkg")
    _sql(path, "UPDATE area_notes SET text = 'changed' WHERE note_id = 1")
    with pytest.raises(InputError, match="changed or damaged"):
        load_workspace(path)


def test_a_newer_format_asks_for_an_update(workspace, tmp_path):
    path = save_workspace(workspace, tmp_path / "newer.gpkg")
    _sql(path, "UPDATE meta SET value = ? WHERE key = 'format_version'", str(FORMAT_VERSION + 1))
    with pytest.raises(InputError) as caught:
        load_workspace(path)
    assert "newer version of MEAM Mapping" in caught.value.message
    assert "Update MEAM Mapping" in caught.value.message


def test_a_version_1_workspace_opens_only_with_recovery(dataset, tmp_path):
    path = tmp_path / "v1.gpkg"
    for level, areas in dataset.areas.items():
        pyogrio.write_dataframe(areas, path, layer=f"areas_{level}", driver="GPKG")
    pyogrio.write_dataframe(dataset.indicators, path, layer="indicators", driver="GPKG")
    meta = {
        "format": "meam-mapping-workspace",
        "format_version": "1",
        "name": "Old",
        "settings": "{}",
    }
    pyogrio.write_dataframe(
        pd.DataFrame({"key": list(meta), "value": list(meta.values())}),
        path,
        layer="meta",
        driver="GPKG",
    )
    # Version 1 wrote no content check: it is refused, then opened with every table checked.
    with pytest.raises(InputError, match="has no content check"):
        load_workspace(path)
    got = load_workspace(path, recover=True)
    assert got.dataset.name == "Old"
    pd.testing.assert_frame_equal(got.dataset.indicators, dataset.indicators)


def test_a_geopackage_that_is_not_a_workspace(dataset, tmp_path):
    path = tmp_path / "boundaries.gpkg"
    pyogrio.write_dataframe(dataset.areas["lsoa"], path, layer="lsoa", driver="GPKG")
    with pytest.raises(InputError, match="not a MEAM Mapping workspace"):
        load_workspace(path)


def test_a_damaged_scenario_is_explained(workspace, tmp_path):
    path = save_workspace(workspace, tmp_path / "s.gpkg")
    _sql(
        path,
        'UPDATE meta SET value = \'[{"name": "x", "threshold": -3}]\' WHERE key = \'scenarios\'',
    )
    with pytest.raises(InputError) as caught:
        load_workspace(path, recover=True)
    assert "s.gpkg" in caught.value.message and "threshold" in caught.value.message


# ---------------------------------------------------------- failures lose nothing
def test_a_full_disk_gives_a_clear_message_and_loses_nothing(workspace, tmp_path, monkeypatch):
    target = save_workspace(workspace, tmp_path / "keep.gpkg")
    before = sha(target)
    real = ws_module._write_layer
    calls = {"n": 0}

    def fills_the_disk(frame, path, layer):
        calls["n"] += 1
        if calls["n"] == 3:
            # Part of the layer reaches the disk, then there is no more room.
            with open(path, "ab") as fh:
                fh.write(b"\0" * 4096)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(frame, path, layer)

    monkeypatch.setattr(ws_module, "_write_layer", fills_the_disk)
    changed = dataclasses.replace(workspace, settings={"changed": True})
    with pytest.raises(InputError) as caught:
        save_workspace(changed, target)
    message = caught.value.message
    assert "the disk is full" in message
    assert "previous file is unchanged" in message and "Free some disk space" in message
    assert sha(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.gpkg"]  # no half-written leftovers
    monkeypatch.setattr(ws_module, "_write_layer", real)
    assert_same_workspace(load_workspace(target), workspace)


def test_a_gdal_write_error_is_also_explained(workspace, tmp_path, monkeypatch):
    def broken(frame, path, layer):
        raise pyogrio.errors.DataSourceError("sqlite3_exec() failed: database or disk is full")

    monkeypatch.setattr(ws_module, "_write_layer", broken)
    with pytest.raises(InputError, match="the disk is full"):
        save_workspace(workspace, tmp_path / "w.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_folder_is_explained_simulated(workspace, tmp_path, monkeypatch):
    # Root ignores file permissions, so the refusal is also simulated.
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(ws_module.tempfile, "mkstemp", refuse)
    with pytest.raises(InputError) as caught:
        save_workspace(workspace, tmp_path / "ro" / "w.gpkg")
    assert "read-only" in caught.value.message
    assert "Choose a folder you can write to" in caught.value.message


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root ignores folder permissions (see the simulated test)"
)
def test_a_read_only_folder_is_explained(workspace, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    target = save_workspace(workspace, folder / "w.gpkg")
    before = sha(target)
    folder.chmod(0o555)
    try:
        with pytest.raises(InputError, match="read-only"):
            save_workspace(dataclasses.replace(workspace, settings={}), target)
        assert sha(target) == before
    finally:
        folder.chmod(0o755)


# ------------------------------------------------------------------- SIGKILL
def _generation(base: Workspace, g: int) -> Workspace:
    ds = base.dataset
    indicators = ds.indicators.assign(count=ds.indicators["count"] + g)
    return Workspace(dataclasses.replace(ds, indicators=indicators), settings={"generation": g})


def test_sigkill_during_saves_leaves_old_or_new_never_corrupt(tmp_path):
    base = Workspace(grid_dataset(24, seed=7, vertices=60, periods=2))
    target = tmp_path / "big.gpkg"
    started = time.monotonic()
    save_workspace(_generation(base, 0), target)
    save_seconds = time.monotonic() - started
    original_counts = base.dataset.indicators["count"].to_numpy()
    # Kill at fixed fractions of one save's duration (early, mid-save, just after
    # a save, after several saves), not as many times as a clock allows: the
    # count no longer depends on how busy the machine is.
    # The last kill comes just after a child says it finished a save (a forked child of
    # a large test process can save more slowly than the parent did).
    offsets = [0.02, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1.0, 1.15, 1.3, 1.6, 2.5, "after a save"]
    on_disk, kills, survived, bytes_lost, completed_saves = 0, 0, 0, 0, 0
    for offset in offsets:
        first = 1000 * (kills + 1)
        said, says = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: save new generations until killed
            code = 0
            os.close(said)
            try:
                g = first
                while True:
                    save_workspace(_generation(base, g), target)
                    os.write(says, b"s")
                    g += 1
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(says)
        if offset == "after a save":
            ready, _, _ = select.select([said], [], [], 120)
            assert ready, "the child finished no save in 120 s"
            os.read(said, 1)
        else:
            time.sleep(offset * save_seconds)
        os.kill(pid, signal.SIGKILL)
        os.close(said)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        kills += 1
        try:
            got = load_workspace(target)
        except InputError:
            bytes_lost += target.stat().st_size
            continue
        g = got.settings["generation"]
        assert g == on_disk or g >= first, (g, on_disk, first)
        np.testing.assert_array_equal(
            got.dataset.indicators["count"].to_numpy(), original_counts + g
        )
        completed_saves += 0 if g == on_disk else g - first + 1
        on_disk = g
        survived += 1
        for part in tmp_path.glob(".big-*.part.gpkg"):  # a killed save's scratch file
            part.unlink()
    print(
        f"\nSIGKILL test: {kills} kills, {survived} survived (file old or new), "
        f"bytes lost {bytes_lost}, saves completed by the children {completed_saves}, "
        f"one save {save_seconds:.2f} s"
    )
    assert kills == len(offsets)
    assert survived == kills
    assert bytes_lost == 0
    assert completed_saves > 0  # some kills landed after a save finished, some during one

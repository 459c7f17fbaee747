"""Save and reopen a whole analysis as one GeoPackage that QGIS can open.

Layout (format version 2; version 1 files are still read):

* ``areas_<level>`` — one layer per level (``areas_lsoa``, ``areas_msoa``,
  ``areas_lad``, ``areas_custom``), EPSG:27700. One layer per level rather than
  one ``areas`` layer keeps each layer's geometry type exact (Polygon vs
  MultiPolygon) so a reopened workspace is identical, and shows as separate
  layers in QGIS;
* ``indicators`` — the tidy indicator table (attribute table);
* ``patterns`` — the overlap table, when there is one;
* ``points_<name>`` — point layers of the dataset (e.g. ``points_service_hubs``,
  the service hubs), EPSG:27700, when there are any;
* ``area_notes`` — notes on areas (:mod:`meam_mapping.workspace.notes`), when there are any;
* ``meta`` — ``key``/``value`` rows: ``format``, ``format_version``, ``name``,
  ``label``, ``sources``, ``notes`` (loading notes), ``area_attrs`` (what each
  level's areas carry besides their rows: their vintage, the MSOAs and
  districts left out for missing LSOAs), ``settings`` and ``scenarios``
  (JSON), ``saved_at`` and ``digest``.

``digest`` is a SHA-256 of every table and setting as read back from the
finished file, so a file damaged or edited after saving is recognised on
opening; a file without a digest, or whose digest does not match, is refused
unless it is opened with ``recover=True``, which checks every table again.

Saving is atomic: the file is written beside the target, read back and
checked, flushed to disk and renamed over the target, so a crash (even
``SIGKILL``) leaves either the old file or the new one, never half of one. A
failed save (disk full, read-only folder) raises :class:`InputError` and leaves
the old file untouched.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from meam_mapping.dataset import Dataset
from meam_mapping.errors import InputError
from meam_mapping.io.offline import offline_gdal, refuse_remote_path
from meam_mapping.pipeline.scenarios import Scenario
from meam_mapping.schema import LEVELS, STORAGE_CRS
from meam_mapping.workspace.model import Workspace
from meam_mapping.workspace.notes import validate_notes
from meam_mapping.workspace.recheck import recheck_tables
from meam_mapping.workspace.settings import parse_meta_json, validate_settings

__all__ = ["FORMAT", "FORMAT_VERSION", "load_workspace", "save_workspace"]

FORMAT = "meam-mapping-workspace"
FORMAT_VERSION = 2
_STALE_PART_SECONDS = 3600
_DAMAGED_FIX = "Open the most recent autosave or an earlier copy of the workspace"
_RECOVER_FIX = (
    "if you changed it yourself (for example in QGIS), open it anyway and every table is "
    "checked again (on the Workspace page tick 'Open it anyway'; on the command line add "
    "--recover)"
)


# ----------------------------------------------------------------------------- save
def _write_layer(frame: pd.DataFrame, path: Path, layer: str) -> None:
    """Write one layer (the single place a save touches the disk; tests replace it).

    SQLite's per-transaction flush is switched off (``OGR_SQLITE_SYNCHRONOUS``,
    a process-wide GDAL setting): it made each layer cost a disk flush, and a
    save flushes the finished temporary file itself before the rename, which
    is what makes it durable.
    """
    if pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS") not in (False, "OFF"):
        pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "OFF"})
    pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG")


def _tables(workspace: Workspace) -> dict[str, pd.DataFrame]:
    ds = workspace.dataset
    tables: dict[str, pd.DataFrame] = {}
    for level in LEVELS:
        if level in ds.areas:
            areas = gpd.GeoDataFrame(ds.areas[level], geometry="geometry")
            tables[f"areas_{level}"] = areas.to_crs(STORAGE_CRS).reset_index(drop=True)
    for name, layer in sorted(ds.points.items()):
        points = gpd.GeoDataFrame(layer, geometry="geometry")
        tables[f"points_{name}"] = points.to_crs(STORAGE_CRS).reset_index(drop=True)
    tables["indicators"] = _plain(ds.indicators)
    if ds.patterns is not None:
        tables["patterns"] = _plain(ds.patterns)
    notes = validate_notes(workspace.notes)
    if len(notes):
        tables["area_notes"] = notes
    return tables


def _meta(workspace: Workspace) -> dict[str, str]:
    ds = workspace.dataset
    try:
        settings = json.dumps(workspace.settings, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise InputError(
            f"a setting cannot be saved ({err})",
            column="settings",
            expected="text, numbers, true/false, lists and named groups of these",
        ) from err
    return {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "name": ds.name,
        "label": ds.label or "",
        "sources": json.dumps(ds.sources),
        "notes": json.dumps(ds.notes),
        "area_attrs": json.dumps(
            {level: _jsonable_attrs(frame.attrs) for level, frame in ds.areas.items()}
        ),
        "settings": settings,
        "scenarios": json.dumps([s.to_dict() for s in workspace.scenarios], sort_keys=True),
        "saved_at": workspace.saved_at or datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _jsonable_attrs(attrs: dict) -> dict:
    """The entries of a frame's ``attrs`` that JSON can hold (the rest are not kept)."""
    kept = {}
    for key, value in attrs.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            continue
        kept[str(key)] = value
    return kept


def _why(err: BaseException) -> tuple[str, str]:
    """Plain words for a failed write, and what to do about it."""
    code = getattr(err, "errno", None)
    text = str(err).lower()
    if code in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in text or "no space" in text:
        return "the disk is full", "Free some disk space or save to another drive, then save again"
    if (
        code in (errno.EACCES, errno.EPERM, errno.EROFS)
        or "read-only" in text
        or "permission" in text
    ):
        return (
            "the folder is read-only or you may not write there",
            "Choose a folder you can write to (for example your Documents folder)",
        )
    return (getattr(err, "strerror", None) or str(err) or type(err).__name__), (
        "Try again, or save to another folder"
    )


def _fail(err: BaseException, path: Path) -> InputError:
    reason, fix = _why(err)
    return InputError(
        f"the workspace could not be saved because {reason}; the previous file is unchanged and nothing was lost",
        file=str(path),
        fix=fix,
    )


def _remove_stale_parts(folder: Path, stem: str) -> None:
    """Delete temporary files left by saves that were killed long ago."""
    cutoff = time.time() - _STALE_PART_SECONDS
    for part in folder.glob(f".{stem}-*.part.gpkg"):
        try:
            if part.stat().st_mtime < cutoff:
                part.unlink()
        except OSError:
            pass


def save_workspace(workspace: Workspace, path: str | os.PathLike[str]) -> Path:
    """Write ``workspace`` to ``path`` atomically.

    Parameters
    ----------
    workspace : Workspace
        What to save.
    path : path-like
        Target ``.gpkg`` file; replaced only once the new file is complete,
        read back and checked.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    InputError
        If the folder is read-only, the disk is full or a setting cannot be
        stored; the previous file is then unchanged.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    tables = _tables(workspace)
    meta = _meta(workspace)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(
            prefix=f".{path.stem}-", suffix=".part.gpkg", dir=folder
        )
        os.close(handle)
        os.unlink(tmp_name)
    except OSError as err:
        raise _fail(err, path) from err
    _remove_stale_parts(folder, path.stem)
    tmp = Path(tmp_name)
    meta["dtypes"] = json.dumps(
        {
            layer: {str(c): str(t) for c, t in frame.dtypes.items() if c != "geometry"}
            for layer, frame in tables.items()
        },
        sort_keys=True,
    )
    try:
        for layer, frame in tables.items():
            _write_layer(frame, tmp, layer)
        meta["digest"] = _digest(_read_tables(tmp, list(tables)), meta)
        _write_layer(pd.DataFrame({"key": list(meta), "value": list(meta.values())}), tmp, "meta")
        os.chmod(tmp, 0o600)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _sync_folder(folder)
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as err:
        tmp.unlink(missing_ok=True)
        raise _fail(err, path) from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _sync_folder(folder: Path) -> None:
    """Flush the rename itself to disk (POSIX); a no-op where unsupported."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------- load
def _read_tables(path: Path, layers: list[str]) -> dict[str, pd.DataFrame]:
    tables: dict[str, pd.DataFrame] = {}
    for layer in layers:
        frame = pyogrio.read_dataframe(path, layer=layer)
        if layer.startswith(("areas_", "points_")):
            frame = frame.set_crs(STORAGE_CRS, allow_override=True)
        tables[layer] = frame
    return tables


def _digest(tables: dict[str, pd.DataFrame], meta: dict[str, str]) -> str:
    """SHA-256 over every table (as read from the file) and every meta entry."""
    digest = hashlib.sha256()
    for name in sorted(tables):
        frame = tables[name]
        digest.update(f"\x00{name}\x00{'|'.join(map(str, frame.columns))}".encode())
        plain = pd.DataFrame(frame.drop(columns="geometry") if "geometry" in frame else frame)
        digest.update(pd.util.hash_pandas_object(plain, index=False).to_numpy().tobytes())
        if "geometry" in frame:
            digest.update(b"".join(frame.geometry.to_wkb()))
    for key in sorted(meta):
        if key != "digest":
            digest.update(f"\x00{key}\x00{meta[key]}".encode())
    return digest.hexdigest()


def _damaged(name: str, what: str = "is damaged and could not be read completely") -> InputError:
    return InputError(f"this workspace {what}", file=name, fix=_DAMAGED_FIX)


def _unverified(name: str, what: str) -> InputError:
    """Refusal of a file whose content check is missing or wrong (recover=True opens it)."""
    return InputError(
        f"this workspace {what}, so it was not opened",
        file=name,
        fix=_DAMAGED_FIX + "; " + _RECOVER_FIX,
    )


def load_workspace(
    path: str | os.PathLike[str], *, recover: bool = False, verify: bool | None = None
) -> Workspace:
    """Reopen a workspace saved by :func:`save_workspace`.

    A workspace is opened only when its content check (``digest``) is present
    and matches; otherwise it is refused. Settings and scenarios are always
    parsed within size and depth limits and checked against
    :mod:`meam_mapping.workspace.settings`, never trusted.

    Parameters
    ----------
    path : path-like
        The ``.gpkg`` file.
    recover : bool, default False
        Open a file whose content check is missing or does not match (edited in
        QGIS, saved by version 1, or damaged): every table is then checked
        again through the loaders' validators (areas, indicator table, overlap
        table, notes) before anything is used.
    verify : bool, optional
        Older spelling: ``verify=False`` is ``recover=True``.

    Raises
    ------
    InputError
        If the file is not a workspace, is damaged or edited (and ``recover``
        is False), fails a check, or was made by a newer version of MEAM Mapping.
    """
    if verify is not None:
        recover = recover or not verify
    path = Path(path)
    name = path.name
    refuse_remote_path(str(path), name, what="a workspace")
    if not path.is_file():
        raise InputError(
            "there is no workspace file here" + (" (this is a folder)" if path.is_dir() else ""),
            file=str(path),
            expected="a workspace file (.gpkg) saved by MEAM Mapping",
            fix="Check the file name and folder",
        )
    with open(path, "rb") as fh:
        head = fh.read(16)
    if not head.startswith(b"SQLite format 3\x00"):
        from meam_mapping.io.safety import describe_content

        raise InputError(
            "this file could not be opened as a GeoPackage workspace (its contents look like "
            f"{describe_content(head)})",
            file=name,
            expected="a workspace file (.gpkg) saved by MEAM Mapping",
            fix=_DAMAGED_FIX,
        )
    with offline_gdal():
        return _load(path, name, recover)


def _load(path: Path, name: str, recover: bool) -> Workspace:
    try:
        layers = {row[0] for row in pyogrio.list_layers(path)}
    except Exception as err:  # pyogrio raises several error types for bad files
        raise InputError(
            "this file could not be opened as a GeoPackage workspace (it may be damaged or truncated)",
            file=name,
            fix=_DAMAGED_FIX,
        ) from err
    missing = {"indicators", "meta"} - layers
    if not any(layer.startswith("areas_") for layer in layers):
        missing.add("areas_<level>")
    if missing:
        raise InputError(
            "this GeoPackage is not a MEAM Mapping workspace (layers missing: "
            + ", ".join(sorted(missing))
            + ")",
            file=name,
            fix="Load boundaries and tables on the Data page instead",
        )
    try:
        meta_frame = pyogrio.read_dataframe(path, layer="meta")
        meta = {str(k): str(v) for k, v in zip(meta_frame["key"], meta_frame["value"], strict=True)}
    except Exception as err:
        raise _damaged(name) from err
    if meta.get("format") != FORMAT:
        raise InputError("this GeoPackage is not a MEAM Mapping workspace", file=name)
    try:
        version = int(meta.get("format_version", "0"))
    except ValueError:
        raise _damaged(name, "has an unreadable format version") from None
    if version > FORMAT_VERSION:
        raise InputError(
            f"this workspace was saved by a newer version of MEAM Mapping (format {version}; "
            f"this version reads up to {FORMAT_VERSION})",
            file=name,
            fix="Update MEAM Mapping to open it",
        )
    wanted = [
        layer
        for layer in (*(f"areas_{lv}" for lv in LEVELS), "indicators", "patterns", "area_notes")
        if layer in layers
    ] + sorted(layer for layer in layers if layer.startswith("points_"))
    try:
        tables = _read_tables(path, wanted)
    except Exception as err:
        raise _damaged(name) from err
    if not recover:
        if not meta.get("digest"):
            raise _unverified(
                name,
                "has no content check (it was saved by an old version, or the check was "
                "removed) and may have been changed or damaged after it was saved",
            )
        if _digest(tables, meta) != meta["digest"]:
            raise _unverified(
                name,
                "was changed or damaged after it was saved (its content check does not match)",
            )
    _restore_dtypes(tables, meta.get("dtypes"))
    if recover:
        recheck_tables(tables, name)
    return _build(tables, meta, name)


def _build(tables: dict[str, pd.DataFrame], meta: dict[str, str], name: str) -> Workspace:
    """The workspace from checked tables and meta entries (settings checked by schema)."""
    settings = validate_settings(
        parse_meta_json(meta.get("settings"), "settings", file=name), file=name
    )
    scenario_data = parse_meta_json(meta.get("scenarios"), "scenarios", file=name, default=[])
    sources = parse_meta_json(meta.get("sources"), "sources", file=name, default=[])
    notes = parse_meta_json(meta.get("notes"), "notes", file=name, default=[])
    area_attrs = parse_meta_json(meta.get("area_attrs"), "area_attrs", file=name, default={})
    if not (isinstance(area_attrs, dict) and all(isinstance(a, dict) for a in area_attrs.values())):
        raise _damaged(name, "has notes on its areas that could not be read")
    if not isinstance(scenario_data, list):
        raise _damaged(name, "has saved scenarios that are not a list")
    if not (isinstance(sources, list) and all(isinstance(s, dict) for s in sources)):
        raise _damaged(name, "has a list of sources that could not be read")
    if not (isinstance(notes, list) and all(isinstance(s, str) for s in notes)):
        raise _damaged(name, "has loading notes that could not be read")
    try:
        dataset = Dataset(
            areas={lv: tables[f"areas_{lv}"] for lv in LEVELS if f"areas_{lv}" in tables},
            indicators=tables["indicators"],
            patterns=tables.get("patterns"),
            name=meta.get("name", "Untitled"),
            label=meta.get("label") or None,
            sources=sources,
            notes=notes,
            points={
                layer.removeprefix("points_"): tables[layer]
                for layer in tables
                if layer.startswith("points_")
            },
        )
        for level, attrs in area_attrs.items():
            if level in dataset.areas:
                dataset.areas[level].attrs.update(attrs)
        scenarios = tuple(Scenario.from_dict(s) for s in scenario_data)
    except InputError as err:
        raise InputError(
            err.problem, file=name, column=err.column, expected=err.expected, fix=err.fix
        ) from err
    except (ValueError, TypeError, AttributeError, KeyError) as err:
        raise _damaged(name, f"has settings that could not be read ({err})") from err
    area_notes = validate_notes(tables.get("area_notes"), file=f"{name} (area_notes)")
    return Workspace(
        dataset=dataset,
        settings=settings,
        saved_at=meta.get("saved_at", ""),
        scenarios=scenarios,
        notes=area_notes if len(area_notes) else None,
    )


def _restore_dtypes(tables: dict[str, pd.DataFrame], saved: str | None) -> None:
    """Give columns back the types they had when saved (GeoPackage keeps fewer types).

    For example a text column that was empty in every row comes back from the
    file as ``object``; it is made text again so the workspace is identical.
    """
    try:
        dtypes = parse_meta_json(saved, "dtypes", default={})
    except InputError:
        return
    if not isinstance(dtypes, dict):
        return
    for layer, frame in tables.items():
        wanted = dtypes.get(layer)
        if not isinstance(wanted, dict):
            continue
        for column, dtype in wanted.items():
            if column in frame.columns and str(frame[column].dtype) != dtype:
                try:
                    frame[column] = frame[column].astype(dtype)
                except (TypeError, ValueError):
                    continue


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with a default index and no geometry, ready for an attribute table."""
    return pd.DataFrame(frame).reset_index(drop=True)

"""Save and reopen a whole analysis as one GeoPackage that QGIS can open.

Layout (format version 2; version 1 files are still read):

* ``areas_<level>`` — one layer per level (``areas_lsoa``, ``areas_msoa``,
  ``areas_lad``, ``areas_custom``), EPSG:27700. One layer per level rather than
  one ``areas`` layer keeps each layer's geometry type exact (Polygon vs
  MultiPolygon) so a reopened workspace is identical, and shows as separate
  layers in QGIS;
* ``indicators`` — the tidy indicator table (attribute table);
* ``patterns`` — the overlap table, when there is one;
* ``area_notes`` — notes on areas (:mod:`meam_mapping.notes`), when there are any;
* ``meta`` — ``key``/``value`` rows: ``format``, ``format_version``, ``name``,
  ``label``, ``sources``, ``notes`` (loading notes), ``settings`` and
  ``scenarios`` (JSON), ``saved_at`` and ``digest``.

``digest`` is a SHA-256 of every table and setting as read back from the
finished file, so a file damaged or edited after saving is recognised on
opening (``load_workspace(..., verify=False)`` opens it anyway).

Saving is atomic: the file is written beside the target, read back and
checked, flushed to disk and renamed over the target, so a crash (even
``SIGKILL``) leaves either the old file or the new one, never half of one. A
failed save (disk full, read-only folder) raises :class:`InputError` and leaves
the old file untouched.

Autosave: :func:`autosave` keeps one recovery file per app session in
``<home>/recovery/<session>.gpkg``, where ``<home>`` is ``$MEAM_MAPPING_HOME`` or
``~/.meam_mapping``; nothing is written anywhere else. Recovery files are
readable by their owner only (mode 0600, folder 0700).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from meam_mapping.dataset import Dataset
from meam_mapping.errors import InputError
from meam_mapping.notes import validate_notes
from meam_mapping.pipeline.scenarios import Scenario
from meam_mapping.schema import LEVELS, STORAGE_CRS

__all__ = [
    "FORMAT_VERSION",
    "RecoveryFile",
    "Workspace",
    "autosave",
    "list_recovery_files",
    "load_workspace",
    "load_workspace_bytes",
    "prune_recovery_files",
    "recovery_folder",
    "remove_recovery_file",
    "save_workspace",
    "workspace_bytes",
    "workspace_home",
]

FORMAT = "meam-mapping-workspace"
FORMAT_VERSION = 2
_SESSION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_RECOVERY_KEEP = 20
_RECOVERY_MAX_AGE_DAYS = 30
_STALE_PART_SECONDS = 3600
_DAMAGED_FIX = "Open the most recent autosave or an earlier copy of the workspace"


@dataclass(frozen=True)
class Workspace:
    """A dataset plus everything chosen and added in the app.

    Attributes
    ----------
    dataset : Dataset
        Areas, indicators and overlap tables.
    settings : dict
        JSON-serialisable choices (suppression policy, map options, ...).
    saved_at : str
        ISO time of the save, or "" for an unsaved workspace.
    scenarios : tuple of Scenario
        Named sets of choices (:mod:`meam_mapping.pipeline.scenarios`).
    notes : DataFrame, optional
        Notes on areas (:data:`meam_mapping.notes.NOTE_COLUMNS`); None for none.
    """

    dataset: Dataset
    settings: dict[str, Any] = field(default_factory=dict)
    saved_at: str = ""
    scenarios: tuple[Scenario, ...] = ()
    notes: pd.DataFrame | None = None


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
        "settings": settings,
        "scenarios": json.dumps([s.to_dict() for s in workspace.scenarios], sort_keys=True),
        "saved_at": workspace.saved_at or datetime.now(UTC).isoformat(timespec="seconds"),
    }


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
        if layer.startswith("areas_"):
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


def load_workspace(path: str | os.PathLike[str], *, verify: bool = True) -> Workspace:
    """Reopen a workspace saved by :func:`save_workspace`.

    Parameters
    ----------
    path : path-like
        The ``.gpkg`` file.
    verify : bool, default True
        Refuse a file whose content no longer matches the check written when
        it was saved (damaged, or edited in another program).

    Raises
    ------
    InputError
        If the file is not a workspace, is damaged or edited, or was made by a
        newer version of MEAM Mapping.
    """
    path = Path(path)
    name = path.name
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
    ]
    try:
        tables = _read_tables(path, wanted)
    except Exception as err:
        raise _damaged(name) from err
    if verify and "digest" in meta and _digest(tables, meta) != meta["digest"]:
        raise _damaged(
            name,
            "was changed or damaged after it was saved (its content check does not match)",
        )
    _restore_dtypes(tables, meta.get("dtypes"))
    try:
        dataset = Dataset(
            areas={lv: tables[f"areas_{lv}"] for lv in LEVELS if f"areas_{lv}" in tables},
            indicators=tables["indicators"],
            patterns=tables.get("patterns"),
            name=meta.get("name", "Untitled"),
            label=meta.get("label") or None,
            sources=json.loads(meta.get("sources", "[]")),
            notes=json.loads(meta.get("notes", "[]")),
        )
        settings = json.loads(meta.get("settings", "{}"))
        scenarios = tuple(Scenario.from_dict(s) for s in json.loads(meta.get("scenarios", "[]")))
    except InputError as err:
        raise InputError(
            err.problem, file=name, column=err.column, expected=err.expected, fix=err.fix
        ) from err
    except (ValueError, TypeError) as err:
        raise _damaged(name, "has settings that could not be read") from err
    notes = validate_notes(tables.get("area_notes"), file=f"{name} (area_notes)")
    return Workspace(
        dataset=dataset,
        settings=settings,
        saved_at=meta.get("saved_at", ""),
        scenarios=scenarios,
        notes=notes if len(notes) else None,
    )


def _restore_dtypes(tables: dict[str, pd.DataFrame], saved: str | None) -> None:
    """Give columns back the types they had when saved (GeoPackage keeps fewer types).

    For example a text column that was empty in every row comes back from the
    file as ``object``; it is made text again so the workspace is identical.
    """
    try:
        dtypes = json.loads(saved) if saved else {}
    except ValueError:
        return
    for layer, frame in tables.items():
        for column, dtype in dtypes.get(layer, {}).items():
            if column in frame.columns and str(frame[column].dtype) != dtype:
                try:
                    frame[column] = frame[column].astype(dtype)
                except (TypeError, ValueError):
                    continue


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with a default index and no geometry, ready for an attribute table."""
    return pd.DataFrame(frame).reset_index(drop=True)


# --------------------------------------------------------------------- bytes (upload)
def workspace_home() -> Path:
    """The folder MEAM Mapping may write to: ``$MEAM_MAPPING_HOME`` or ``~/.meam_mapping``."""
    home = os.environ.get("MEAM_MAPPING_HOME") or str(Path("~/.meam_mapping").expanduser())
    return Path(home)


def _private_folder(*parts: str) -> Path:
    folder = workspace_home().joinpath(*parts)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as err:
        reason, fix = _why(err)
        raise InputError(f"cannot use the folder {folder} because {reason}", fix=fix) from err
    return folder


def workspace_bytes(workspace: Workspace) -> bytes:
    """The workspace as the bytes of a ``.gpkg`` file (for a download button)."""
    folder = _private_folder("tmp")
    path = folder / f"download-{os.getpid()}-{time.monotonic_ns()}.gpkg"
    try:
        save_workspace(workspace, path)
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def load_workspace_bytes(
    data: bytes, name: str = "workspace.gpkg", *, verify: bool = True
) -> Workspace:
    """Open a workspace from the bytes of an uploaded ``.gpkg`` file.

    The bytes go to a private temporary file under :func:`workspace_home`,
    removed straight after reading.
    """
    if not data:
        raise InputError(
            "the uploaded file is empty", file=name, fix="Choose a saved workspace (.gpkg)"
        )
    folder = _private_folder("tmp")
    path = folder / f"upload-{os.getpid()}-{time.monotonic_ns()}.gpkg"
    try:
        path.write_bytes(data)
        workspace = load_workspace(path, verify=verify)
    except InputError as err:
        raise InputError(
            err.problem, file=name, column=err.column, expected=err.expected, fix=err.fix
        ) from err
    finally:
        path.unlink(missing_ok=True)
    return workspace


# ------------------------------------------------------------------------- recovery
@dataclass(frozen=True)
class RecoveryFile:
    """An autosaved workspace that can be reopened after a crash or refresh.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    session : str
        The app session that wrote it.
    saved_at : str
        ISO time of the last autosave (file modification time, UTC).
    size : int
        Size in bytes.
    name : str
        The dataset's name, or "" when the file cannot be read.
    """

    path: Path
    session: str
    saved_at: str
    size: int
    name: str = ""


def recovery_folder() -> Path:
    """Where autosaves go: ``<workspace_home()>/recovery``."""
    return workspace_home() / "recovery"


def _check_session(session: str) -> str:
    if not isinstance(session, str) or not _SESSION.match(session):
        raise InputError(
            f"{session!r} cannot name a recovery file",
            expected="1 to 64 letters, digits, '-' or '_'",
        )
    return session


def autosave(workspace: Workspace, session: str) -> Path:
    """Save ``workspace`` as this session's recovery file (atomically).

    Returns
    -------
    pathlib.Path
        ``recovery_folder() / f"{session}.gpkg"``.
    """
    folder = _private_folder("recovery")
    path = save_workspace(workspace, folder / f"{_check_session(session)}.gpkg")
    prune_recovery_files()
    return path


def list_recovery_files(*, exclude_session: str | None = None) -> list[RecoveryFile]:
    """Recovery files, newest first (optionally leaving out one session's)."""
    folder = recovery_folder()
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.gpkg"):
        session = path.stem
        if session.startswith(".") or session == exclude_session or not _SESSION.match(session):
            continue
        try:
            stat = path.stat()
        except OSError:
            continue
        found.append((stat.st_mtime, path, session, stat.st_size))
    out = []
    for mtime, path, session, size in sorted(found, reverse=True):
        try:
            meta = pyogrio.read_dataframe(path, layer="meta")
            name = str(dict(zip(meta["key"], meta["value"], strict=True)).get("name", ""))
        except Exception:  # a damaged autosave is still listed, without a name
            name = ""
        stamp = datetime.fromtimestamp(mtime, UTC).isoformat(timespec="seconds")
        out.append(RecoveryFile(path=path, session=session, saved_at=stamp, size=size, name=name))
    return out


def remove_recovery_file(session: str) -> None:
    """Delete one session's recovery file (nothing happens if there is none)."""
    (recovery_folder() / f"{_check_session(session)}.gpkg").unlink(missing_ok=True)


def prune_recovery_files(
    keep: int = _RECOVERY_KEEP, max_age_days: float = _RECOVERY_MAX_AGE_DAYS
) -> int:
    """Delete all but the newest ``keep`` recovery files and any older than ``max_age_days``.

    Returns
    -------
    int
        Number of files deleted.
    """
    cutoff = time.time() - max_age_days * 86400
    removed = 0
    for i, item in enumerate(_recovery_mtimes()):
        mtime, path = item
        if i >= keep or mtime < cutoff:
            try:
                path.unlink()
                removed += 1
            except OSError:
                pass
    return removed


def _recovery_mtimes() -> list[tuple[float, Path]]:
    """(modification time, path) of recovery files, newest first, without opening them."""
    folder = recovery_folder()
    if not folder.is_dir():
        return []
    items = []
    for path in folder.glob("*.gpkg"):
        if not _SESSION.match(path.stem):
            continue
        try:
            items.append((path.stat().st_mtime, path))
        except OSError:
            continue
    return sorted(items, reverse=True)

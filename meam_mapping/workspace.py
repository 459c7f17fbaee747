"""Save and reopen a whole analysis as one GeoPackage that QGIS can open.

Layout (format version 1):

* ``areas_<level>`` — one layer per level (``areas_lsoa``, ``areas_msoa``,
  ``areas_lad``, ``areas_custom``), EPSG:27700. One layer per level rather than
  one ``areas`` layer keeps each layer's geometry type exact (Polygon vs
  MultiPolygon) so a reopened workspace is identical, and shows as separate
  layers in QGIS;
* ``indicators`` — the tidy indicator table (attribute table);
* ``patterns`` — the overlap table, when there is one;
* ``meta`` — ``key``/``value`` rows: ``format``, ``format_version``, ``name``,
  ``label``, ``sources`` and ``settings`` (JSON), ``saved_at``.

Saving is atomic: the file is written beside the target and renamed over it,
so a crash leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from meam_mapping.dataset import Dataset
from meam_mapping.errors import InputError
from meam_mapping.schema import LEVELS, STORAGE_CRS

__all__ = ["FORMAT_VERSION", "Workspace", "load_workspace", "save_workspace"]

FORMAT = "meam-mapping-workspace"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Workspace:
    """A dataset plus the settings chosen in the app.

    Attributes
    ----------
    dataset : Dataset
        Areas, indicators and overlap tables.
    settings : dict
        JSON-serialisable choices (suppression threshold, index weights, ...).
    saved_at : str
        ISO time of the save, or "" for an unsaved workspace.
    """

    dataset: Dataset
    settings: dict[str, Any] = field(default_factory=dict)
    saved_at: str = ""


def save_workspace(workspace: Workspace, path: str | os.PathLike[str]) -> Path:
    """Write ``workspace`` to ``path`` atomically.

    Parameters
    ----------
    workspace : Workspace
        What to save.
    path : path-like
        Target ``.gpkg`` file; replaced only once the new file is complete.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    ds = workspace.dataset
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(
            prefix=f".{path.stem}-", suffix=".part.gpkg", dir=folder
        )
        os.close(handle)
        os.unlink(tmp_name)
    except OSError as err:
        raise InputError(
            f"cannot write in the folder {folder} ({err.strerror})",
            file=str(path),
            fix="Choose a folder you can write to, with free space",
        ) from err
    tmp = Path(tmp_name)
    try:
        for level in LEVELS:
            if level in ds.areas:
                areas = gpd.GeoDataFrame(ds.areas[level], geometry="geometry").to_crs(STORAGE_CRS)
                pyogrio.write_dataframe(
                    areas.reset_index(drop=True), tmp, layer=f"areas_{level}", driver="GPKG"
                )
        pyogrio.write_dataframe(_plain(ds.indicators), tmp, layer="indicators", driver="GPKG")
        if ds.patterns is not None:
            pyogrio.write_dataframe(_plain(ds.patterns), tmp, layer="patterns", driver="GPKG")
        saved_at = datetime.now(UTC).isoformat(timespec="seconds")
        meta = {
            "format": FORMAT,
            "format_version": str(FORMAT_VERSION),
            "name": ds.name,
            "label": ds.label or "",
            "sources": json.dumps(ds.sources),
            "notes": json.dumps(ds.notes),
            "settings": json.dumps(workspace.settings, sort_keys=True),
            "saved_at": saved_at,
        }
        pyogrio.write_dataframe(
            pd.DataFrame({"key": list(meta), "value": list(meta.values())}),
            tmp,
            layer="meta",
            driver="GPKG",
        )
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise InputError(
            f"the workspace could not be saved ({err.strerror or err}); the previous file is unchanged",
            file=str(path),
            fix="Free some disk space or choose another folder, then save again",
        ) from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def load_workspace(path: str | os.PathLike[str]) -> Workspace:
    """Reopen a workspace saved by :func:`save_workspace`.

    Raises
    ------
    InputError
        If the file is not a workspace, is damaged, or was made by a newer
        version of MEAM Mapping.
    """
    path = Path(path)
    name = path.name
    try:
        layers = {row[0] for row in pyogrio.list_layers(path)}
    except Exception as err:  # pyogrio raises several error types for bad files
        raise InputError(
            "this file could not be opened as a GeoPackage workspace (it may be damaged or truncated)",
            file=name,
            fix="Open the most recent autosave or an earlier copy of the workspace",
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
        meta = dict(zip(meta_frame["key"], meta_frame["value"], strict=True))
        version = int(meta.get("format_version", "0"))
        if meta.get("format") != FORMAT:
            raise InputError("this GeoPackage is not a MEAM Mapping workspace", file=name)
        if version > FORMAT_VERSION:
            raise InputError(
                f"this workspace was saved by a newer version of MEAM Mapping (format {version}; "
                f"this version reads up to {FORMAT_VERSION})",
                file=name,
                fix="Update MEAM Mapping to open it",
            )
        areas = {
            level: pyogrio.read_dataframe(path, layer=f"areas_{level}").set_crs(
                STORAGE_CRS, allow_override=True
            )
            for level in LEVELS
            if f"areas_{level}" in layers
        }
        indicators = pyogrio.read_dataframe(path, layer="indicators")
        patterns = pyogrio.read_dataframe(path, layer="patterns") if "patterns" in layers else None
    except InputError:
        raise
    except Exception as err:
        raise InputError(
            "this workspace is damaged and could not be read completely",
            file=name,
            fix="Open the most recent autosave or an earlier copy of the workspace",
        ) from err
    dataset = Dataset(
        areas=areas,
        indicators=indicators,
        patterns=patterns,
        name=meta.get("name", "Untitled"),
        label=meta.get("label") or None,
        sources=json.loads(meta.get("sources", "[]")),
        notes=json.loads(meta.get("notes", "[]")),
    )
    return Workspace(
        dataset=dataset,
        settings=json.loads(meta.get("settings", "{}")),
        saved_at=meta.get("saved_at", ""),
    )


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with a default index and no geometry, ready for an attribute table."""
    return pd.DataFrame(frame).reset_index(drop=True)

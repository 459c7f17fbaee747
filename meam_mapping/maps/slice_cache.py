"""The published slice of a ``map`` command kept on disk, keyed by the inputs' content.

The second ``map`` command on the same files asks the same question: read the
indicator table, check it, join it to the areas, add it up and run the
disclosure gate (secondary suppression and its audit). All of that gives the
same answer for the same file contents and options, so the first command
keeps the answer — the published slice the map draws, the indicator it
resolved, the loading report and the sources — in the cache folder
(:func:`meam_mapping.geography.boundary_cache.boundary_cache_dir` ``/slices``)
as Parquet, and the next command draws from it. The boundaries themselves still
come from the boundary cache, so the drawing is the same.

The key is made from the SHA-256 of every input file's content, every option
that changes the slice (layer, table options, indicator text, period, level,
threshold), the program version, :data:`SLICE_FORMAT` and a stamp of the
program's own source files (so an edited installation never reads an old
answer). An entry whose recorded key, version, rows or column types differ, or
that does not read cleanly, is deleted and rebuilt, never trusted. A folder
that cannot be written only costs the speed-up. ``MEAM_MAPPING_BOUNDARY_CACHE=0``
switches it off with the boundary cache; :func:`clear_boundary_cache` empties it.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meam_mapping import __version__

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SLICE_FORMAT", "CachedSlice", "load_slice", "slice_key", "store_slice"]

#: Bumped whenever what an entry holds changes meaning.
SLICE_FORMAT = 1
_META = b"meam_mapping_slice"


@dataclass(frozen=True)
class CachedSlice:
    """What a ``map`` command worked out before drawing.

    Attributes
    ----------
    data : DataFrame
        The published slice (:func:`meam_mapping.pipeline.publish.map_slice`),
        its ``attrs`` (disclosure marks) included.
    indicator : str
        The indicator id ``--indicator`` resolved to.
    report : list of str
        The loading report printed by the command.
    name, label : str
        The dataset's name and label.
    sources : list of dict
        The dataset's sources (attribution on the map).
    notes : list of str
        The dataset's notes.
    """

    data: pd.DataFrame
    indicator: str
    report: list[str] = field(default_factory=list)
    name: str = "Your data"
    label: str | None = None
    sources: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def slice_key(
    boundaries: str | os.PathLike[str], tables: list[str | os.PathLike[str]], **options: Any
) -> str | None:
    """The key of a ``map`` command's slice, or None when it cannot be cached.

    Parameters
    ----------
    boundaries : path
        The boundary file (a folder or anything but a file: not cached).
    tables : list of path
        The indicator tables, in order.
    **options
        Everything else that changes the slice (JSON-able values).

    Returns
    -------
    str or None
    """
    from meam_mapping.geography.boundary_cache import (
        cache_enabled,
        cache_key,
        content_digest,
        program_stamp,
    )

    paths = [Path(boundaries), *(Path(t) for t in tables)]
    if not cache_enabled() or not tables or not all(p.is_file() for p in paths):
        return None
    try:
        digests = [content_digest(p) for p in paths]
    except OSError:
        return None
    return cache_key("map-slice", SLICE_FORMAT, program_stamp(), digests, options)


def _entry(key: str, folder: str | os.PathLike[str] | None) -> Path:
    from meam_mapping.geography.boundary_cache import boundary_cache_dir

    return boundary_cache_dir(folder) / "slices" / f"{key}.parquet"


def load_slice(key: str, *, folder: str | os.PathLike[str] | None = None) -> CachedSlice | None:
    """The slice kept under ``key``, or None (a damaged or foreign entry is deleted).

    Parameters
    ----------
    key : str
        From :func:`slice_key`.
    folder : path, optional
        See :func:`~meam_mapping.geography.boundary_cache.boundary_cache_dir`.
    """
    path = _entry(key, folder)
    if not path.is_file():
        return None
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {})[_META])
        if not (meta.get("key") == key and meta.get("format") == SLICE_FORMAT
                and meta.get("version") == __version__ and meta.get("rows") == table.num_rows):  # fmt: skip
            raise ValueError("the entry was written for another key or version")
        data = table.to_pandas()
        if [[str(c), str(t)] for c, t in data.dtypes.items()] != meta["dtypes"]:
            raise ValueError("the entry's column types changed on the way through Parquet")
        data.attrs = meta["attrs"]
        found = CachedSlice(data=data, indicator=meta["indicator"], report=meta["report"],
                            name=meta["name"], label=meta["label"], sources=meta["sources"],
                            notes=meta["notes"])  # fmt: skip
    except Exception:  # noqa: BLE001 - any damage means: rebuild, never trust
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return found


def store_slice(
    key: str, found: CachedSlice, *, folder: str | os.PathLike[str] | None = None
) -> Path | None:
    """Keep ``found`` under ``key``; None when it cannot be kept exactly (or written).

    Only a slice with a plain row index and JSON-able ``attrs`` is kept.
    """
    import pandas as pd
    import pyarrow as pa

    from meam_mapping.geography.boundary_cache import write_parquet_atomic

    data = found.data
    meta = {"key": key, "format": SLICE_FORMAT, "version": __version__, "rows": len(data),
            "dtypes": [[str(c), str(t)] for c, t in data.dtypes.items()],
            "attrs": data.attrs, "indicator": found.indicator, "report": list(found.report),
            "name": found.name, "label": found.label, "sources": list(found.sources),
            "notes": list(found.notes)}  # fmt: skip
    path = _entry(key, folder)
    try:
        if not data.index.equals(pd.RangeIndex(len(data))):
            return None
        text = json.dumps(meta)
        table = pa.Table.from_pandas(data, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               _META: text.encode("utf-8")})  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        write_parquet_atomic(table, path)
    except (OSError, ValueError, TypeError, pa.ArrowException):
        return None
    return path
